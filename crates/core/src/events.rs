//! Progress is an append-only log of immutable events. Nothing is edited: a
//! correction is a new event that voids an old one. Identity is the event's
//! UUID, so merging logs from several devices is a set union by id, and the
//! same event arriving twice changes nothing.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One thing a learner did, on one device, at one time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// A UUID: the event's identity everywhere.
    pub id: String,
    /// The device that recorded it (a UUID kept in that browser).
    pub device: String,
    /// Per device, gap-free from 1: lets a server see what it has not been sent.
    pub seq: u64,
    /// When it happened, in milliseconds since 1970 UTC, by the device's clock.
    pub at: i64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. Fields name content by stable id, never by position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The learner finished reading a lesson and marked it done.
    LessonDone {
        lesson: String,
    },
    /// One answer to one quiz or review question; `correct` as judged then.
    QuestionAnswered {
        lesson: String,
        question: String,
        chosen: Vec<u32>,
        correct: bool,
    },
    /// A whole quiz taken: the score counts towards mastery and credits.
    QuizFinished {
        lesson: String,
        score: u32,
        total: u32,
    },
    /// A scenario played to its end, with the verdicts of the choices made.
    ScenarioFinished {
        scenario: String,
        choices: Vec<String>,
        sound: u32,
        total: u32,
    },
    /// The private reflection note on a lesson; the latest one is current.
    ReflectionSaved {
        lesson: String,
        text: String,
    },
    /// Active study time (page visible, user active) on a day.
    StudyTime {
        seconds: u32,
    },
    /// A lesson outside the learner's required track added to their plan.
    ElectiveChosen {
        lesson: String,
    },
    ElectiveDropped {
        lesson: String,
    },
    /// One risk point of a post rated, with the learner's own measure.
    RiskRated {
        checklist: String,
        point: String,
        likelihood: u8,
        impact: u8,
        measure: String,
    },
    /// A risk self-check of a post completed.
    RiskCheckCompleted {
        checklist: String,
    },
    /// The integrity pledge of this version read and acknowledged.
    PledgeAcknowledged {
        version: u32,
    },
    /// Present at a group study session: the code the convener's phone
    /// showed, typed or scanned. Recorded at once, offline too; the server
    /// confirms it when the event arrives (only it knows the session's
    /// secret), see `together::verify_check_in`.
    SessionCheckIn {
        session: i64,
        code: String,
    },
    /// The member's own reflection on a study session; the latest is current.
    SessionReflectionSaved {
        session: i64,
        text: String,
    },
    /// Voids an earlier event (a correction, or a reset of one item).
    Void {
        target: String,
    },
}

impl EventKind {
    /// Does this event count as studying that day (for the streak)?
    pub fn is_study(&self) -> bool {
        matches!(
            self,
            EventKind::LessonDone { .. }
                | EventKind::QuestionAnswered { .. }
                | EventKind::QuizFinished { .. }
                | EventKind::ScenarioFinished { .. }
                | EventKind::StudyTime { .. }
                | EventKind::RiskCheckCompleted { .. }
                | EventKind::SessionCheckIn { .. }
        )
    }
}

/// Longest id or name in an event (event and device ids, lesson, question,
/// scenario, checklist, point and choice ids), in bytes.
pub const MAX_ID_BYTES: usize = 128;
/// Longest free text (a reflection, one's own risk measure), in bytes.
pub const MAX_TEXT_BYTES: usize = 10 * 1024;
/// Most study time one event may carry (seconds): the app records it in
/// small steps, so more than 4 hours in one is not a real record.
pub const MAX_STUDY_SECONDS: u32 = 4 * 60 * 60;
/// Earliest plausible `at`: 2020-01-01 00:00 UTC (ms).
pub const EARLIEST_AT: i64 = 1_577_836_800_000;
/// How far ahead of the checking clock an `at` may be (ms): a day, for
/// time zones and a clock somewhat wrong.
pub const MAX_AHEAD_MS: i64 = 24 * 60 * 60 * 1000;
/// Most questions in a quiz and choices in a scenario.
pub const MAX_TOTAL: u32 = 1000;
/// Most options chosen in one answer, choices in one scenario.
pub const MAX_LIST: usize = 100;
/// Likelihood and impact of a risk are rated on this scale.
pub const RISK_SCALE: std::ops::RangeInclusive<u8> = 1..=5;

/// Why an event makes no sense: the field and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventProblem {
    /// The field, e.g. `at`, `score`, `choices[2]`.
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for EventProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

fn problem(field: &str, reason: impl Into<String>) -> Result<(), EventProblem> {
    Err(EventProblem {
        field: field.to_owned(),
        reason: reason.into(),
    })
}

fn check_id(field: &str, id: &str) -> Result<(), EventProblem> {
    if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) {
        return problem(
            field,
            format!("must be 1 to {MAX_ID_BYTES} bytes without control characters"),
        );
    }
    Ok(())
}

fn check_text(field: &str, text: &str) -> Result<(), EventProblem> {
    if text.len() > MAX_TEXT_BYTES {
        return problem(
            field,
            format!("is {} bytes; at most {MAX_TEXT_BYTES} are kept", text.len()),
        );
    }
    // No keyboard types it, and a database's JSON type (PostgreSQL's jsonb)
    // cannot hold it.
    if text.contains('\0') {
        return problem(field, "contains a NUL character".to_owned());
    }
    Ok(())
}

fn check_score(part: &str, score: u32, total: u32) -> Result<(), EventProblem> {
    if total > MAX_TOTAL {
        return problem("total", format!("{total} is more than {MAX_TOTAL}"));
    }
    if score > total {
        return problem(part, format!("{score} is more than the total {total}"));
    }
    Ok(())
}

/// Does this event make sense, by a clock reading `now` (ms UTC)? The server
/// refuses events that do not; the app can check before recording. Sizes are
/// bounded, scores within their totals, ratings on their scale, study time
/// at most [`MAX_STUDY_SECONDS`], and `at` from 2020 to a day ahead of `now`.
pub fn check(event: &Event, now: i64) -> Result<(), EventProblem> {
    check_id("id", &event.id)?;
    check_id("device", &event.device)?;
    if event.seq == 0 || event.seq > i64::MAX as u64 {
        return problem(
            "seq",
            format!("{} is not a seq; seqs start at 1", event.seq),
        );
    }
    if event.at < EARLIEST_AT {
        return problem("at", format!("{} is before 2020-01-01", event.at));
    }
    if event.at > now.saturating_add(MAX_AHEAD_MS) {
        return problem(
            "at",
            format!(
                "{} is more than a day ahead of the clock ({now}); is the device's clock right?",
                event.at
            ),
        );
    }
    match &event.kind {
        EventKind::LessonDone { lesson }
        | EventKind::ElectiveChosen { lesson }
        | EventKind::ElectiveDropped { lesson } => check_id("lesson", lesson),
        EventKind::QuestionAnswered {
            lesson,
            question,
            chosen,
            ..
        } => {
            check_id("lesson", lesson)?;
            check_id("question", question)?;
            if chosen.len() > MAX_LIST {
                return problem("chosen", format!("at most {MAX_LIST} options"));
            }
            Ok(())
        }
        EventKind::QuizFinished {
            lesson,
            score,
            total,
        } => {
            check_id("lesson", lesson)?;
            check_score("score", *score, *total)
        }
        EventKind::ScenarioFinished {
            scenario,
            choices,
            sound,
            total,
        } => {
            check_id("scenario", scenario)?;
            if choices.len() > MAX_LIST {
                return problem("choices", format!("at most {MAX_LIST} choices"));
            }
            for (i, choice) in choices.iter().enumerate() {
                check_id(&format!("choices[{i}]"), choice)?;
            }
            check_score("sound", *sound, *total)
        }
        EventKind::ReflectionSaved { lesson, text } => {
            check_id("lesson", lesson)?;
            check_text("text", text)
        }
        EventKind::StudyTime { seconds } => {
            if *seconds > MAX_STUDY_SECONDS {
                return problem(
                    "seconds",
                    format!("{seconds} s is more than 4 hours in one record"),
                );
            }
            Ok(())
        }
        EventKind::RiskRated {
            checklist,
            point,
            likelihood,
            impact,
            measure,
        } => {
            check_id("checklist", checklist)?;
            check_id("point", point)?;
            for (field, value) in [("likelihood", likelihood), ("impact", impact)] {
                if !RISK_SCALE.contains(value) {
                    return problem(field, format!("{value} is not on the scale 1 to 5"));
                }
            }
            check_text("measure", measure)
        }
        EventKind::RiskCheckCompleted { checklist } => check_id("checklist", checklist),
        EventKind::PledgeAcknowledged { .. } => Ok(()),
        EventKind::SessionCheckIn { session, code } => {
            if *session <= 0 {
                return problem("session", format!("{session} is not a session id"));
            }
            if crate::together::normalise_code(code).as_deref() != Some(code.as_str()) {
                return problem(
                    "code",
                    format!("must be {} digits", crate::together::CHECK_IN_DIGITS),
                );
            }
            Ok(())
        }
        EventKind::SessionReflectionSaved { session, text } => {
            if *session <= 0 {
                return problem("session", format!("{session} is not a session id"));
            }
            check_text("text", text)
        }
        EventKind::Void { target } => check_id("target", target),
    }
}

/// The order events are shown and folded in: time, then device, then seq.
/// Deterministic whatever order they arrived in.
pub fn sort_key(event: &Event) -> (i64, &str, u64) {
    (event.at, event.device.as_str(), event.seq)
}

/// Set union by id. When two copies share an id the lexically smaller JSON
/// wins, so the result never depends on which log came first.
pub fn merge(a: &[Event], b: &[Event]) -> Vec<Event> {
    let mut by_id: BTreeMap<&str, &Event> = BTreeMap::new();
    for event in a.iter().chain(b) {
        by_id
            .entry(event.id.as_str())
            .and_modify(|kept| {
                if canonical(event) < canonical(kept) {
                    *kept = event;
                }
            })
            .or_insert(event);
    }
    let mut merged: Vec<Event> = by_id.into_values().cloned().collect();
    merged.sort_by(|x, y| sort_key(x).cmp(&sort_key(y)).then_with(|| x.id.cmp(&y.id)));
    merged
}

fn canonical(event: &Event) -> String {
    serde_json::to_string(event).expect("events serialise")
}

/// Everything a learner's data holds, as one file they can keep or move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Export {
    /// Always "qinglian-export": tells a wrong file apart at once.
    pub format: String,
    /// The export format's version.
    pub version: u32,
    /// When the file was written (ms since 1970 UTC).
    pub exported_at: i64,
    pub events: Vec<Event>,
}

pub const EXPORT_FORMAT: &str = "qinglian-export";
pub const EXPORT_VERSION: u32 = 1;

impl Export {
    pub fn new(events: Vec<Event>, exported_at: i64) -> Export {
        Export {
            format: EXPORT_FORMAT.to_owned(),
            version: EXPORT_VERSION,
            exported_at,
            events,
        }
    }

    /// Reads an export file, with a reason a person understands when it is not one.
    pub fn parse(text: &str) -> Result<Export, String> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|err| format!("the file is not valid JSON ({err})"))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(EXPORT_FORMAT) {
            return Err("the file is not a Qinglian export".to_owned());
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version != u64::from(EXPORT_VERSION) {
            return Err(format!(
                "the export has version {version}; this app reads version {EXPORT_VERSION}"
            ));
        }
        serde_json::from_value(value).map_err(|err| format!("the export is damaged ({err})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, device: &str, seq: u64, at: i64) -> Event {
        Event {
            id: id.into(),
            device: device.into(),
            seq,
            at,
            kind: EventKind::StudyTime { seconds: 60 },
        }
    }

    #[test]
    fn senseless_events_are_named_by_field() {
        let now = 1_700_000_000_000;
        let mut ok = event("e1", "d1", 1, now);
        assert_eq!(check(&ok, now), Ok(()));
        let field = |kind: EventKind, at: i64| {
            let e = Event {
                kind,
                at,
                ..event("e1", "d1", 1, now)
            };
            check(&e, now).map_err(|p| p.field)
        };
        assert_eq!(
            field(EventKind::StudyTime { seconds: 14_401 }, now),
            Err("seconds".into())
        );
        assert_eq!(
            field(EventKind::StudyTime { seconds: 60 }, EARLIEST_AT - 1),
            Err("at".into())
        );
        assert_eq!(
            field(EventKind::StudyTime { seconds: 60 }, now + MAX_AHEAD_MS + 1),
            Err("at".into())
        );
        assert_eq!(
            field(
                EventKind::QuizFinished {
                    lesson: "l".into(),
                    score: 6,
                    total: 5
                },
                now
            ),
            Err("score".into())
        );
        assert_eq!(
            field(
                EventKind::RiskRated {
                    checklist: "c".into(),
                    point: "p".into(),
                    likelihood: 0,
                    impact: 3,
                    measure: String::new()
                },
                now
            ),
            Err("likelihood".into())
        );
        assert_eq!(
            field(
                EventKind::ReflectionSaved {
                    lesson: "l".into(),
                    text: "x".repeat(MAX_TEXT_BYTES + 1)
                },
                now
            ),
            Err("text".into())
        );
        assert_eq!(
            field(
                EventKind::ReflectionSaved {
                    lesson: "l".into(),
                    text: "before\0after".into()
                },
                now
            ),
            Err("text".into())
        );
        assert_eq!(
            field(
                EventKind::LessonDone {
                    lesson: "l".repeat(MAX_ID_BYTES + 1)
                },
                now
            ),
            Err("lesson".into())
        );
        ok.id = String::new();
        assert_eq!(check(&ok, now).unwrap_err().field, "id");
    }

    #[test]
    fn json_shape_is_flat_and_tagged() {
        let json = serde_json::to_value(event("e1", "d1", 1, 5)).unwrap();
        assert_eq!(json["kind"], "study_time");
        assert_eq!(json["seconds"], 60);
        assert_eq!(json["seq"], 1);
    }

    #[test]
    fn merge_is_a_union_by_id() {
        let a = vec![event("x", "d1", 1, 10), event("y", "d1", 2, 20)];
        let b = vec![event("y", "d1", 2, 20), event("z", "d2", 1, 15)];
        let ids: Vec<_> = merge(&a, &b).into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["x", "z", "y"]);
    }

    #[test]
    fn export_round_trips_and_refuses_other_files() {
        let export = Export::new(vec![event("x", "d", 1, 1)], 99);
        let text = serde_json::to_string(&export).unwrap();
        assert_eq!(Export::parse(&text).unwrap(), export);
        assert!(Export::parse("{\"format\":\"other\"}")
            .unwrap_err()
            .contains("not a Qinglian export"));
        assert!(Export::parse("nope")
            .unwrap_err()
            .contains("not valid JSON"));
    }
}
