//! Years of a learner's history, shared by the storage tests and the
//! storage benchmarks (both wasm-bindgen tests in headless Chromium).

use qinglian_core::events::{Event, EventKind};

/// Realistic events of this device: study time, answers, quiz results,
/// lessons done and reflections, two minutes apart, with UUID ids.
pub fn history(device: &str, count: usize) -> Vec<Event> {
    (0..count)
        .map(|n| {
            let lesson = format!("conflict-of-interest-{}", n % 24);
            let kind = match n % 10 {
                0..=3 => EventKind::StudyTime { seconds: 60 },
                4..=6 => EventKind::QuestionAnswered {
                    lesson,
                    question: format!("q{}", n % 5),
                    chosen: vec![(n % 4) as u32],
                    correct: n % 3 != 0,
                },
                7 => EventKind::QuizFinished {
                    lesson,
                    score: (n % 5) as u32,
                    total: 4,
                },
                8 => EventKind::LessonDone { lesson },
                _ => EventKind::ReflectionSaved {
                    lesson,
                    text: "收受礼金要登记上交，如实报告。".into(),
                },
            };
            Event {
                id: format!("5d0c7a1e-3b2f-4c8d-9e6a-{n:012x}"),
                device: device.into(),
                seq: n as u64 + 1,
                at: 1_780_000_000_000 + n as i64 * 120_000,
                kind,
            }
        })
        .collect()
}
