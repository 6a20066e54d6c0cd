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
        )
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
