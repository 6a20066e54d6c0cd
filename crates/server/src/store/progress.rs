//! The progress summaries that reports read (tables `progress_days`,
//! `progress_firsts`, `progress_quizzes`, `progress_answers`): each user's
//! live events (those no void event of the same user names) summed up.
//! A push adds what its newly stored events sum to ([`BatchSums`]); a push
//! that stores a void event, or an event that a stored void event names,
//! rebuilds the user's rows from the events instead (each store's
//! `rebuild_progress`, the same SQL as the migration that filled the tables).
//! So a report reads a few rows per member, never the events.
//!
//! The sums follow the queries that used to run over the events for each
//! report: days are UTC days (floor division), a quiz's last attempt is the
//! greatest (at, device, seq) with devices compared byte by byte, mastery
//! is `total > 0 && score * 100 >= total * MASTERY_PERCENT`.

use super::{ProgressFacts, StudyFacts};
use qinglian_core::calendar::{Day, MS_PER_DAY};
use qinglian_core::events::{Event, EventKind};
use qinglian_core::progress::{QuizRecord, MASTERY_PERCENT};
use std::collections::BTreeMap;

/// The kinds `progress_firsts` keeps the first time of.
pub(super) const LESSON_DONE: &str = "lesson_done";
pub(super) const SCENARIO_FINISHED: &str = "scenario_finished";
pub(super) const RISK_CHECK_COMPLETED: &str = "risk_check_completed";
pub(super) const PLEDGE_ACKNOWLEDGED: &str = "pledge_acknowledged";

/// A quiz's sums over some attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct QuizSums {
    pub attempts: i64,
    pub best: i64,
    /// The last attempt: (at, device, seq), its score and total.
    pub last: (i64, String, i64),
    pub last_score: i64,
    pub last_total: i64,
    pub mastered_at: Option<i64>,
}

/// What a batch of newly stored events adds to the user's summaries, each
/// key once (so that one statement can merge each table).
#[derive(Clone, Debug, Default)]
pub(super) struct BatchSums {
    /// UTC day → study seconds.
    pub days: BTreeMap<i64, i64>,
    /// (kind, item) → first time.
    pub firsts: BTreeMap<(&'static str, String), i64>,
    /// Lesson → its quiz's sums.
    pub quizzes: BTreeMap<String, QuizSums>,
    /// (lesson, question) → (answers, wrong).
    pub answers: BTreeMap<(String, String), (i64, i64)>,
    /// The batch holds a void event: the user's rows are rebuilt instead.
    pub voids: bool,
}

/// `total > 0 && score * 100 >= total * MASTERY_PERCENT`, in the database's
/// integers.
fn masters(score: i64, total: i64) -> bool {
    total > 0 && score * 100 >= total * i64::from(MASTERY_PERCENT)
}

impl BatchSums {
    /// Adds one newly stored event.
    pub fn add(&mut self, event: &Event) {
        let at = event.at;
        let mut first = |kind: &'static str, item: String| {
            let entry = self.firsts.entry((kind, item)).or_insert(at);
            *entry = (*entry).min(at);
        };
        match &event.kind {
            EventKind::StudyTime { seconds } => {
                *self.days.entry(at.div_euclid(MS_PER_DAY)).or_default() += i64::from(*seconds);
            }
            EventKind::LessonDone { lesson } => first(LESSON_DONE, lesson.clone()),
            EventKind::ScenarioFinished { scenario, .. } => {
                first(SCENARIO_FINISHED, scenario.clone())
            }
            EventKind::RiskCheckCompleted { checklist } => {
                first(RISK_CHECK_COMPLETED, checklist.clone())
            }
            EventKind::PledgeAcknowledged { version } => {
                first(PLEDGE_ACKNOWLEDGED, version.to_string())
            }
            EventKind::QuizFinished {
                lesson,
                score,
                total,
            } => {
                let (score, total) = (i64::from(*score), i64::from(*total));
                let attempt = QuizSums {
                    attempts: 1,
                    best: score,
                    last: (at, event.device.clone(), event.seq as i64),
                    last_score: score,
                    last_total: total,
                    mastered_at: masters(score, total).then_some(at),
                };
                match self.quizzes.get_mut(lesson) {
                    Some(sums) => sums.merge(attempt),
                    None => {
                        self.quizzes.insert(lesson.clone(), attempt);
                    }
                }
            }
            EventKind::QuestionAnswered {
                lesson,
                question,
                correct,
                ..
            } => {
                let sums = self
                    .answers
                    .entry((lesson.clone(), question.clone()))
                    .or_default();
                sums.0 += 1;
                sums.1 += i64::from(!*correct);
            }
            EventKind::Void { .. } => self.voids = true,
            EventKind::ReflectionSaved { .. }
            | EventKind::ElectiveChosen { .. }
            | EventKind::ElectiveDropped { .. }
            | EventKind::RiskRated { .. }
            | EventKind::SessionCheckIn { .. }
            | EventKind::SessionReflectionSaved { .. } => {}
        }
    }
}

impl QuizSums {
    /// Adds later sums of the same quiz (as the tables' merge does).
    fn merge(&mut self, other: QuizSums) {
        self.attempts += other.attempts;
        self.best = self.best.max(other.best);
        self.mastered_at = match (self.mastered_at, other.mastered_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if other.last > self.last {
            self.last = other.last;
            self.last_score = other.last_score;
            self.last_total = other.last_total;
        }
    }
}

fn clamp_u32(value: Option<i64>) -> u32 {
    value.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32
}

/// Adds one `progress_days` row to a user's facts.
pub(super) fn add_day(facts: &mut ProgressFacts, day: i64, seconds: Option<i64>) {
    facts
        .seconds_by_day
        .insert(day as Day, seconds.unwrap_or(0));
}

/// Adds one `progress_firsts` row to a user's facts (the kinds a progress
/// report shows).
pub(super) fn add_first(facts: &mut ProgressFacts, kind: &str, item: String, first_at: i64) {
    match kind {
        LESSON_DONE => {
            facts.lessons_done.insert(item, first_at);
        }
        PLEDGE_ACKNOWLEDGED => {
            facts.pledges.insert(clamp_u32(item.parse().ok()));
        }
        RISK_CHECK_COMPLETED => facts.risk_check_done = true,
        _ => {}
    }
}

/// Adds one `progress_firsts` row to a user's studying-together facts.
pub(super) fn add_study_first(facts: &mut StudyFacts, kind: &str, item: String, first_at: i64) {
    match kind {
        LESSON_DONE => {
            facts.lessons_done.insert(item, first_at);
        }
        SCENARIO_FINISHED => {
            facts.scenarios.insert(item);
        }
        RISK_CHECK_COMPLETED => {
            facts.checklists.insert(item);
        }
        _ => {
            if let Ok(version) = item.parse::<u32>() {
                facts.pledges.insert(version);
            }
        }
    }
}

/// One `progress_quizzes` row as a quiz record: (lesson, attempts, best,
/// last score, last total, mastered at).
pub(super) type QuizRow = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Adds one `progress_quizzes` row to a user's facts.
pub(super) fn add_quiz(facts: &mut ProgressFacts, row: QuizRow) {
    let (lesson, attempts, best, last_score, last_total, mastered_at) = row;
    facts.quizzes.insert(
        lesson,
        QuizRecord {
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            best_score: clamp_u32(best),
            last_score: clamp_u32(last_score),
            total: clamp_u32(last_total),
            mastered_at,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiz(device: &str, seq: u64, at: i64, score: u32, total: u32) -> Event {
        Event {
            id: format!("{device}-{seq}"),
            device: device.into(),
            seq,
            at,
            kind: EventKind::QuizFinished {
                lesson: "l1".into(),
                score,
                total,
            },
        }
    }

    #[test]
    fn the_last_attempt_is_the_greatest_at_device_seq() {
        let mut sums = BatchSums::default();
        // Equal times: the device decides (byte order: "B" < "a"), then seq.
        for event in [
            quiz("a", 2, 10, 3, 5),
            quiz("B", 9, 10, 5, 5),
            quiz("a", 1, 10, 1, 5),
            quiz("a", 3, 5, 4, 4),
        ] {
            sums.add(&event);
        }
        let q = &sums.quizzes["l1"];
        assert_eq!(q.attempts, 4);
        assert_eq!(q.best, 5);
        assert_eq!(q.last, (10, "a".to_owned(), 2));
        assert_eq!((q.last_score, q.last_total), (3, 5));
        // 5/5 at 10 and 4/4 at 5 master it: the first.
        assert_eq!(q.mastered_at, Some(5));
    }

    #[test]
    fn study_time_before_1970_falls_on_the_earlier_day() {
        let mut sums = BatchSums::default();
        for (at, seconds) in [(-1, 10), (0, 20), (-MS_PER_DAY, 30), (-MS_PER_DAY - 1, 40)] {
            sums.add(&Event {
                id: format!("s{at}"),
                device: "d".into(),
                seq: 1,
                at,
                kind: EventKind::StudyTime { seconds },
            });
        }
        assert_eq!(
            sums.days.into_iter().collect::<Vec<_>>(),
            [(-2, 40), (-1, 40), (0, 20)]
        );
    }

    #[test]
    fn a_void_marks_the_batch() {
        let mut sums = BatchSums::default();
        sums.add(&Event {
            id: "v".into(),
            device: "d".into(),
            seq: 1,
            at: 0,
            kind: EventKind::Void { target: "x".into() },
        });
        assert!(sums.voids);
        assert!(sums.days.is_empty() && sums.firsts.is_empty());
    }
}
