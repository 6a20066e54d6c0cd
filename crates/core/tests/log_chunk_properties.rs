//! Property test of the stored form of the event log: any events, of every
//! kind, from any devices, at any times, read back exactly as written, and
//! never take more room than the older form.

use proptest::prelude::*;
use qinglian_core::events::{Event, EventKind};
use qinglian_core::log_chunk::{decode, encode};

fn text() -> impl Strategy<Value = String> {
    // Quotes, backslashes, line breaks, Chinese and astral characters.
    "[a-z\"\\\\\n 清廉述职😀-]{0,16}"
}

fn kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        text().prop_map(|lesson| EventKind::LessonDone { lesson }),
        (
            text(),
            text(),
            prop::collection::vec(any::<u32>(), 0..4),
            any::<bool>()
        )
            .prop_map(
                |(lesson, question, chosen, correct)| EventKind::QuestionAnswered {
                    lesson,
                    question,
                    chosen,
                    correct,
                }
            ),
        (text(), any::<u32>(), any::<u32>()).prop_map(|(lesson, score, total)| {
            EventKind::QuizFinished {
                lesson,
                score,
                total,
            }
        }),
        (
            text(),
            prop::collection::vec(text(), 0..3),
            any::<u32>(),
            any::<u32>()
        )
            .prop_map(
                |(scenario, choices, sound, total)| EventKind::ScenarioFinished {
                    scenario,
                    choices,
                    sound,
                    total,
                }
            ),
        (text(), text()).prop_map(|(lesson, text)| EventKind::ReflectionSaved { lesson, text }),
        any::<u32>().prop_map(|seconds| EventKind::StudyTime { seconds }),
        text().prop_map(|lesson| EventKind::ElectiveChosen { lesson }),
        text().prop_map(|lesson| EventKind::ElectiveDropped { lesson }),
        (text(), text(), any::<u8>(), any::<u8>(), text()).prop_map(
            |(checklist, point, likelihood, impact, measure)| EventKind::RiskRated {
                checklist,
                point,
                likelihood,
                impact,
                measure,
            }
        ),
        text().prop_map(|checklist| EventKind::RiskCheckCompleted { checklist }),
        any::<u32>().prop_map(|version| EventKind::PledgeAcknowledged { version }),
        (any::<i64>(), text())
            .prop_map(|(session, code)| EventKind::SessionCheckIn { session, code }),
        (any::<i64>(), text())
            .prop_map(|(session, text)| EventKind::SessionReflectionSaved { session, text }),
        text().prop_map(|target| EventKind::Void { target }),
    ]
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec(
        (text(), 0usize..4, any::<u64>(), any::<i64>(), kind()),
        0..40,
    )
    .prop_map(|items| {
        items
            .into_iter()
            .map(|(id, device, seq, at, kind)| Event {
                id,
                device: format!("device-{device}"),
                seq,
                at,
                kind,
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn a_stored_chunk_reads_back_exactly(events in events()) {
        let raw = encode(&events);
        prop_assert_eq!(decode(&raw).unwrap(), events.clone());
        // The older form, as chunks written by earlier versions hold it.
        let old = serde_json::to_string(&events).unwrap();
        prop_assert_eq!(decode(&old).unwrap(), events.clone());
        if !events.is_empty() {
            prop_assert!(raw.len() < old.len());
        }
    }
}
