//! How the app keeps its event log in browser storage: chunks of events in a
//! compact form. Browser storage holds about 5.2 million characters per site,
//! and an event written as the server receives it (`{"id":…,"device":…}`)
//! takes about 180 of them, so a learner who studies most days would fill it
//! within three years and could record nothing more. A stored chunk names
//! each device once, writes an event as a positional array with a short tag
//! for its kind and its time as the step from the event before, which takes
//! about 80 characters: room for more than 60,000 events.
//!
//! Chunks written before this form (a JSON array of events, "version 1")
//! are still read; the app rewrites them in the compact form.

use crate::events::{Event, EventKind};
use serde::{Deserialize, Serialize};

/// The form [`encode`] writes.
pub const VERSION: u32 = 2;

/// A chunk as stored.
#[derive(Serialize, Deserialize)]
struct Chunk {
    /// Always [`VERSION`]: an unknown version is refused, never misread.
    v: u32,
    /// The devices of the chunk's events, each once.
    devices: Vec<String>,
    events: Vec<StoredEvent>,
}

/// One event: id, index into `devices`, seq, milliseconds after the previous
/// event of the chunk (the first: after 0), and what happened.
#[derive(Serialize, Deserialize)]
struct StoredEvent(String, usize, u64, i64, StoredKind);

/// [`EventKind`] with short tags and positional fields. The tags are part
/// of the stored form: never change or reuse one.
#[derive(Serialize, Deserialize)]
enum StoredKind {
    #[serde(rename = "l")]
    LessonDone(String),
    #[serde(rename = "a")]
    QuestionAnswered(String, String, Vec<u32>, bool),
    #[serde(rename = "q")]
    QuizFinished(String, u32, u32),
    #[serde(rename = "s")]
    ScenarioFinished(String, Vec<String>, u32, u32),
    #[serde(rename = "r")]
    ReflectionSaved(String, String),
    #[serde(rename = "t")]
    StudyTime(u32),
    #[serde(rename = "ec")]
    ElectiveChosen(String),
    #[serde(rename = "ed")]
    ElectiveDropped(String),
    #[serde(rename = "rr")]
    RiskRated(String, String, u8, u8, String),
    #[serde(rename = "rc")]
    RiskCheckCompleted(String),
    #[serde(rename = "p")]
    PledgeAcknowledged(u32),
    #[serde(rename = "ci")]
    SessionCheckIn(i64, String),
    #[serde(rename = "sr")]
    SessionReflectionSaved(i64, String),
    #[serde(rename = "v")]
    Void(String),
}

impl From<&EventKind> for StoredKind {
    fn from(kind: &EventKind) -> StoredKind {
        use EventKind as K;
        match kind.clone() {
            K::LessonDone { lesson } => StoredKind::LessonDone(lesson),
            K::QuestionAnswered {
                lesson,
                question,
                chosen,
                correct,
            } => StoredKind::QuestionAnswered(lesson, question, chosen, correct),
            K::QuizFinished {
                lesson,
                score,
                total,
            } => StoredKind::QuizFinished(lesson, score, total),
            K::ScenarioFinished {
                scenario,
                choices,
                sound,
                total,
            } => StoredKind::ScenarioFinished(scenario, choices, sound, total),
            K::ReflectionSaved { lesson, text } => StoredKind::ReflectionSaved(lesson, text),
            K::StudyTime { seconds } => StoredKind::StudyTime(seconds),
            K::ElectiveChosen { lesson } => StoredKind::ElectiveChosen(lesson),
            K::ElectiveDropped { lesson } => StoredKind::ElectiveDropped(lesson),
            K::RiskRated {
                checklist,
                point,
                likelihood,
                impact,
                measure,
            } => StoredKind::RiskRated(checklist, point, likelihood, impact, measure),
            K::RiskCheckCompleted { checklist } => StoredKind::RiskCheckCompleted(checklist),
            K::PledgeAcknowledged { version } => StoredKind::PledgeAcknowledged(version),
            K::SessionCheckIn { session, code } => StoredKind::SessionCheckIn(session, code),
            K::SessionReflectionSaved { session, text } => {
                StoredKind::SessionReflectionSaved(session, text)
            }
            K::Void { target } => StoredKind::Void(target),
        }
    }
}

impl From<StoredKind> for EventKind {
    fn from(kind: StoredKind) -> EventKind {
        use StoredKind as S;
        match kind {
            S::LessonDone(lesson) => EventKind::LessonDone { lesson },
            S::QuestionAnswered(lesson, question, chosen, correct) => EventKind::QuestionAnswered {
                lesson,
                question,
                chosen,
                correct,
            },
            S::QuizFinished(lesson, score, total) => EventKind::QuizFinished {
                lesson,
                score,
                total,
            },
            S::ScenarioFinished(scenario, choices, sound, total) => EventKind::ScenarioFinished {
                scenario,
                choices,
                sound,
                total,
            },
            S::ReflectionSaved(lesson, text) => EventKind::ReflectionSaved { lesson, text },
            S::StudyTime(seconds) => EventKind::StudyTime { seconds },
            S::ElectiveChosen(lesson) => EventKind::ElectiveChosen { lesson },
            S::ElectiveDropped(lesson) => EventKind::ElectiveDropped { lesson },
            S::RiskRated(checklist, point, likelihood, impact, measure) => EventKind::RiskRated {
                checklist,
                point,
                likelihood,
                impact,
                measure,
            },
            S::RiskCheckCompleted(checklist) => EventKind::RiskCheckCompleted { checklist },
            S::PledgeAcknowledged(version) => EventKind::PledgeAcknowledged { version },
            S::SessionCheckIn(session, code) => EventKind::SessionCheckIn { session, code },
            S::SessionReflectionSaved(session, text) => {
                EventKind::SessionReflectionSaved { session, text }
            }
            S::Void(target) => EventKind::Void { target },
        }
    }
}

/// The events as one stored chunk, in the compact form.
pub fn encode(events: &[Event]) -> String {
    let mut devices: Vec<String> = Vec::new();
    let mut previous_at = 0i64;
    let stored = events
        .iter()
        .map(|event| {
            let device = match devices.iter().position(|d| *d == event.device) {
                Some(index) => index,
                None => {
                    devices.push(event.device.clone());
                    devices.len() - 1
                }
            };
            let step = event.at.wrapping_sub(previous_at);
            previous_at = event.at;
            StoredEvent(
                event.id.clone(),
                device,
                event.seq,
                step,
                StoredKind::from(&event.kind),
            )
        })
        .collect();
    serde_json::to_string(&Chunk {
        v: VERSION,
        devices,
        events: stored,
    })
    .expect("events serialise")
}

/// Is this stored chunk in the older form (and worth rewriting)?
pub fn is_old_form(raw: &str) -> bool {
    raw.trim_start().starts_with('[')
}

/// Reads a stored chunk, in either form. The error says what is wrong, for
/// the notice of an entry set aside.
pub fn decode(raw: &str) -> Result<Vec<Event>, String> {
    if is_old_form(raw) {
        return serde_json::from_str(raw).map_err(|err| err.to_string());
    }
    let chunk: Chunk = serde_json::from_str(raw).map_err(|err| err.to_string())?;
    if chunk.v != VERSION {
        return Err(format!(
            "written in form {} of the log, which this version does not know",
            chunk.v
        ));
    }
    let mut at = 0i64;
    chunk
        .events
        .into_iter()
        .enumerate()
        .map(|(n, StoredEvent(id, device, seq, step, kind))| {
            at = at.wrapping_add(step);
            let device = chunk
                .devices
                .get(device)
                .ok_or_else(|| format!("event {n} names device {device}, which is not listed"))?;
            Ok(Event {
                id,
                device: device.clone(),
                seq,
                at,
                kind: kind.into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64, device: &str, at: i64, kind: EventKind) -> Event {
        Event {
            id: format!("00000000-0000-4000-8000-{n:012}"),
            device: device.into(),
            seq: n,
            at,
            kind,
        }
    }

    #[test]
    fn a_chunk_reads_back_as_written() {
        let events = vec![
            event(
                1,
                "phone",
                1_780_000_000_000,
                EventKind::StudyTime { seconds: 60 },
            ),
            event(
                2,
                "tablet",
                1_779_000_000_000,
                EventKind::ReflectionSaved {
                    lesson: "gifts".into(),
                    text: "记录每一次请托，\"如实\"报告。\n".into(),
                },
            ),
            event(3, "phone", -5, EventKind::Void { target: "x".into() }),
        ];
        let raw = encode(&events);
        assert!(
            raw.starts_with(r#"{"v":2,"devices":["phone","tablet"]"#),
            "{raw}"
        );
        assert_eq!(decode(&raw).unwrap(), events);
    }

    #[test]
    fn the_older_form_is_still_read() {
        let events = vec![event(
            1,
            "phone",
            1_780_000_000_000,
            EventKind::LessonDone {
                lesson: "gifts".into(),
            },
        )];
        let old = serde_json::to_string(&events).unwrap();
        assert!(is_old_form(&old));
        assert_eq!(decode(&old).unwrap(), events);
        assert!(!is_old_form(&encode(&events)));
    }

    #[test]
    fn an_unknown_form_or_a_missing_device_is_refused_with_a_reason() {
        let unknown = decode(r#"{"v":3,"devices":[],"events":[]}"#).unwrap_err();
        assert!(unknown.contains("form 3"), "{unknown}");
        let missing =
            decode(r#"{"v":2,"devices":[],"events":[["id",0,1,5,{"t":60}]]}"#).unwrap_err();
        assert!(missing.contains("device 0"), "{missing}");
        assert!(decode("{").is_err());
        assert!(decode(r#"{"v":2,"devices":["d"],"events":[["id",0,1,5,{"zz":1}]]}"#).is_err());
    }

    #[test]
    fn a_typical_event_takes_well_under_half_the_room() {
        let kinds = [
            EventKind::StudyTime { seconds: 60 },
            EventKind::QuestionAnswered {
                lesson: "conflict-of-interest".into(),
                question: "q3".into(),
                chosen: vec![1],
                correct: true,
            },
            EventKind::QuizFinished {
                lesson: "conflict-of-interest".into(),
                score: 4,
                total: 5,
            },
        ];
        let events: Vec<Event> = (0..256)
            .map(|n| {
                event(
                    n,
                    "8f14e45f-ceea-467f-a0e6-3f9a1b2c3d4e",
                    1_780_000_000_000 + n as i64 * 120_000,
                    kinds[n as usize % 3].clone(),
                )
            })
            .collect();
        let old = serde_json::to_string(&events).unwrap().len();
        let new = encode(&events).len();
        assert!(new * 2 < old, "compact {new} against {old}");
    }
}
