//! Property test of the stored form of the event log: any events, of every
//! kind, from any devices, at any times, with the browser's UUIDs or any
//! other ids, read back exactly as written, and never take more room than
//! the first form; and a damaged entry is refused, never a panic.

use proptest::prelude::*;
use qinglian_core::events::{Event, EventKind};
use qinglian_core::log_chunk::{decode, encode, stored_size};

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

fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        // Nearly a UUID: upper case, or a hyphen out of place.
        "[0-9A-F]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[0-9a-f]{9}[0-9a-f-]{27}",
    ]
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec((id(), 0usize..4, any::<u64>(), any::<i64>(), kind()), 0..40).prop_map(
        |items| {
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
        },
    )
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
            prop_assert!(stored_size(&raw) < stored_size(&old));
        }
    }

    #[test]
    fn any_packed_text_is_read_or_refused(body in "\\PC{0,64}", packed in "[\u{100}-\u{80ff}]{0,64}") {
        let _ = decode(&format!("v3:{body}"));
        let _ = decode(&format!("v3:{packed}"));
    }
}
