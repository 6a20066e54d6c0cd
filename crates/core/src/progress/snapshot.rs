//! A snapshot of a [`Folder`], kept in browser storage next to the log it
//! folded, so start-up folds only the events recorded after it instead of
//! reading and folding years of history before the first screen.
//!
//! A snapshot is a cache, never the truth: it says what it covers (how many
//! of the log's events, the last one's id, the UTC offset it was folded with,
//! its form's version), and whatever does not match the log is ignored and
//! folded again from the log.
//!
//! It leaves out the ids of the events it folded (50,000 of them would take
//! about a megabyte, a fifth of the browser's room). An event whose copy is
//! already folded comes in at or before the fold's last position and is
//! refused by [`Folder::append`] anyway; only another event under a folded
//! id could pass, and [`Folder::learn_covered`] finds it once the log has
//! been read in full.

use super::{Folder, Progress, QuizRecord, ReviewCard, RiskRating, RiskRecord, ScenarioRecord};
use crate::calendar::Day;
use crate::events::Event;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The snapshot's stored form. Another version is ignored (and rebuilt),
/// never misread; change it whenever [`FoldSnapshot`]'s form or the fold's
/// rules change.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The state of a fold of the first `events` events of a log, stored in a
/// compact JSON form (short field names, days as steps from the day before).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldSnapshot {
    /// [`SNAPSHOT_VERSION`] when written.
    #[serde(rename = "v")]
    pub version: u32,
    /// How many of the log's events it covers: the first ones, in the order
    /// the log keeps them.
    #[serde(rename = "n")]
    pub events: usize,
    /// The id of the last event covered; `None` for an empty log.
    #[serde(rename = "id")]
    pub last_id: Option<String>,
    /// The offset east of UTC (minutes) days were counted in.
    #[serde(rename = "o")]
    pub offset_minutes: i32,
    /// The device's next sequence number when written: a start that reads
    /// only the last chunks of the log still continues the sequence, even if
    /// the device's latest events are in chunks not read yet.
    #[serde(rename = "q")]
    pub next_seq: u64,
    /// Where the log keeps the last event covered: the index of its stored
    /// chunk ([`crate::log_chunk`]), so start-up reads from there on …
    #[serde(rename = "c", default)]
    pub chunk: usize,
    /// … and how many of the covered events the chunks before it hold.
    #[serde(rename = "b", default)]
    pub before_chunk: usize,
    #[serde(rename = "f")]
    fold: StoredFold,
}

/// [`Folder`]'s state, positional and short. The fields are part of the
/// stored form: change [`SNAPSHOT_VERSION`] with them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct StoredFold {
    /// Lesson, when first done.
    l: Vec<(String, i64)>,
    /// Lesson, attempts, best score, last score, total, when mastered.
    q: Vec<(String, u32, u32, u32, u32, Option<i64>)>,
    /// Lesson, question, level, due.
    r: Vec<(String, String, u8, i64)>,
    /// Scenario, times, best sound, total, last played.
    s: Vec<(String, u32, u32, u32, i64)>,
    /// Lesson, reflection.
    rf: Vec<(String, String)>,
    /// Electives.
    e: Vec<String>,
    /// Checklist, its ratings, completed.
    rk: Vec<(String, Vec<StoredRating>, Option<i64>)>,
    /// Pledge versions.
    p: Vec<u32>,
    /// Study seconds by day (day as the step from the previous entry's).
    t: Vec<(Day, u32)>,
    /// Study days, as steps.
    d: Vec<Day>,
    /// Quizzes first mastered by day (steps).
    m: Vec<(Day, u32)>,
    /// Session, when checked in.
    a: Vec<(i64, i64)>,
    /// Session, reflection.
    sr: Vec<(i64, String)>,
    /// Events folded (after de-duplication and voids).
    c: usize,
    /// Ids named by voids.
    x: Vec<String>,
    /// The fold order's position of the last event folded.
    z: Option<(i64, String, u64, String)>,
}

/// A map of the items, inserted one by one: collecting into a map sorts the
/// items first, with a sort of each item type's own in the app's download.
fn map<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(items);
    map
}

/// A set of the items, inserted one by one (see [`map`]).
fn set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// A risk point's rating: point, likelihood, impact, measure.
type StoredRating = (String, u8, u8, String);

/// Days as steps from the one before (the first from day 0): a learner's
/// days are mostly one apart, so each takes a character or two.
fn steps<V: Copy>(days: impl Iterator<Item = (Day, V)>) -> Vec<(Day, V)> {
    let mut previous = 0;
    days.map(|(day, value)| {
        let step = day.wrapping_sub(previous);
        previous = day;
        (step, value)
    })
    .collect()
}

fn from_steps<V: Copy>(stored: &[(Day, V)]) -> impl Iterator<Item = (Day, V)> + '_ {
    let mut day: Day = 0;
    stored.iter().map(move |(step, value)| {
        day = day.wrapping_add(*step);
        (day, *value)
    })
}

impl Folder {
    /// A snapshot of this fold to keep with the log: it folded the first
    /// `events` events of the log, the last of them `last_id`; `next_seq` is
    /// the log's device's next sequence number. Where the log keeps them
    /// (`chunk`, `before_chunk`) is for the storage to fill in.
    pub fn snapshot(&self, events: usize, last_id: Option<&str>, next_seq: u64) -> FoldSnapshot {
        let p = &self.progress;
        let fold = StoredFold {
            l: p.lessons_done
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            q: p.quizzes
                .iter()
                .map(|(k, r)| {
                    (
                        k.clone(),
                        r.attempts,
                        r.best_score,
                        r.last_score,
                        r.total,
                        r.mastered_at,
                    )
                })
                .collect(),
            r: p.review
                .values()
                .map(|c| (c.lesson.clone(), c.question.clone(), c.level, c.due))
                .collect(),
            s: p.scenarios
                .iter()
                .map(|(k, r)| (k.clone(), r.times, r.best_sound, r.total, r.last_at))
                .collect(),
            rf: p
                .reflections
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            e: p.electives.iter().cloned().collect(),
            rk: p
                .risk
                .iter()
                .map(|(k, r)| {
                    let ratings = r
                        .ratings
                        .iter()
                        .map(|(point, x)| {
                            (point.clone(), x.likelihood, x.impact, x.measure.clone())
                        })
                        .collect();
                    (k.clone(), ratings, r.completed_at)
                })
                .collect(),
            p: p.pledges.iter().copied().collect(),
            t: steps(p.seconds_by_day.iter().map(|(d, s)| (*d, *s))),
            d: steps(p.study_days.iter().map(|d| (*d, ())))
                .into_iter()
                .map(|(step, ())| step)
                .collect(),
            m: steps(self.mastery_by_day.iter().map(|(d, n)| (*d, *n))),
            a: p.sessions_attended.iter().map(|(k, v)| (*k, *v)).collect(),
            sr: p
                .session_reflections
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            c: p.events,
            // In order, through a set (see `map`).
            x: set(self.voided.iter().cloned()).into_iter().collect(),
            z: self.last.clone(),
        };
        FoldSnapshot {
            version: SNAPSHOT_VERSION,
            events,
            last_id: last_id.map(str::to_owned),
            offset_minutes: self.offset_minutes,
            next_seq,
            chunk: 0,
            before_chunk: 0,
            fold,
        }
    }

    /// Tells a fold resumed from a snapshot the events the snapshot covers
    /// (the log's first [`FoldSnapshot::events`], read later), so that it
    /// knows every id again. `false` when one of them is also among the
    /// events added since: two different events under one id, which only a
    /// new fold takes right. A fold that knows its ids already answers `true`.
    pub fn learn_covered(&mut self, covered: &[Event]) -> bool {
        if !self.covered_ids_unknown {
            return true;
        }
        let learned: HashSet<u64> = covered.iter().map(|e| super::id_hash(&e.id)).collect();
        if learned.iter().any(|id| self.ids.contains(id)) {
            return false;
        }
        self.ids.extend(learned);
        self.covered_ids_unknown = false;
        true
    }

    /// Does the fold know the id of every event it folded? Not after
    /// [`FoldSnapshot::resume`] until [`Folder::learn_covered`]; a snapshot
    /// is written only of a fold that does (else a second event under a
    /// folded id could go unnoticed for good).
    pub fn knows_every_id(&self) -> bool {
        !self.covered_ids_unknown
    }
}

impl FoldSnapshot {
    /// The stored form (compact JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a snapshot serialises")
    }

    /// Reads a stored snapshot; one that is not valid JSON or of another
    /// version is refused, with the reason.
    pub fn from_json(raw: &str) -> Result<FoldSnapshot, String> {
        #[derive(Deserialize)]
        struct Version {
            v: u32,
        }
        let version: Version = serde_json::from_str(raw).map_err(|err| err.to_string())?;
        if version.v != SNAPSHOT_VERSION {
            return Err(format!(
                "a snapshot of form {}, which this version does not know",
                version.v
            ));
        }
        serde_json::from_str(raw).map_err(|err| err.to_string())
    }

    /// Does it cover the start of `events` (a whole log): no more events
    /// than the log holds, and its last one where the log has it?
    pub fn covers_start_of(&self, events: &[Event]) -> bool {
        self.events <= events.len()
            && events[..self.events].last().map(|e| &e.id) == self.last_id.as_ref()
    }

    /// The fold again, to carry on with the events after the ones covered;
    /// `None` when days were counted in another UTC offset than
    /// `offset_minutes` (the device changed time zone). The caller has made
    /// sure the snapshot covers the start of its log.
    pub fn resume(self, offset_minutes: i32) -> Option<Folder> {
        if self.offset_minutes != offset_minutes {
            return None;
        }
        let f = self.fold;
        let progress = Progress {
            lessons_done: map(f.l),
            quizzes: map(f.q.into_iter().map(
                |(lesson, attempts, best_score, last_score, total, mastered_at)| {
                    let record = QuizRecord {
                        attempts,
                        best_score,
                        last_score,
                        total,
                        mastered_at,
                    };
                    (lesson, record)
                },
            )),
            review: map(f.r.into_iter().map(|(lesson, question, level, due)| {
                let card = ReviewCard {
                    lesson: lesson.clone(),
                    question: question.clone(),
                    level,
                    due,
                };
                ((lesson, question), card)
            })),
            scenarios: map(f
                .s
                .into_iter()
                .map(|(scenario, times, best_sound, total, last_at)| {
                    let record = ScenarioRecord {
                        times,
                        best_sound,
                        total,
                        last_at,
                    };
                    (scenario, record)
                })),
            reflections: map(f.rf),
            electives: set(f.e),
            risk: map(f.rk.into_iter().map(|(checklist, ratings, completed_at)| {
                let ratings =
                    map(ratings
                        .into_iter()
                        .map(|(point, likelihood, impact, measure)| {
                            let rating = RiskRating {
                                likelihood,
                                impact,
                                measure,
                            };
                            (point, rating)
                        }));
                let record = RiskRecord {
                    ratings,
                    completed_at,
                };
                (checklist, record)
            })),
            pledges: set(f.p),
            seconds_by_day: map(from_steps(&f.t)),
            study_days: set(
                from_steps(&f.d.iter().map(|step| (*step, ())).collect::<Vec<_>>())
                    .map(|(day, ())| day),
            ),
            credits_by_day: BTreeMap::new(),
            sessions_attended: map(f.a),
            session_reflections: map(f.sr),
            events: f.c,
        };
        Some(Folder {
            offset_minutes,
            progress,
            mastery_by_day: map(from_steps(&f.m)),
            ids: HashSet::new(),
            covered_ids_unknown: self.events > 0,
            voided: f.x.into_iter().collect(),
            last: f.z,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The storage tests' learner, `step_ms` apart.
    fn history(count: usize, step_ms: i64) -> Vec<Event> {
        crate::testing::learner_history("8f14e45f-ceea-467f-a0e6-3f9a1b2c3d4e", count, step_ms)
    }

    #[test]
    fn a_snapshot_of_fifty_thousand_events_is_small() {
        // The storage tests' history (two minutes apart: 69 days), and the
        // same 50,000 spread over three years (a day of study each day).
        for (step_ms, bound) in [(120_000, 8_000), (1_900_000, 25_000)] {
            let events = history(50_000, step_ms);
            let last = events.last().map(|e| e.id.as_str());
            let snapshot = Folder::new(&events, 480).snapshot(events.len(), last, 50_001);
            let text = snapshot.to_json();
            println!(
                "snapshot of 50,000 events {step_ms} ms apart: {} characters",
                text.len()
            );
            assert!(text.len() < bound, "{} characters", text.len());
            let resumed = FoldSnapshot::from_json(&text).unwrap().resume(480).unwrap();
            assert_eq!(resumed.progress(), crate::progress::fold(&events, 480));
        }
    }
}
