//! Test support shared by the core's own tests and the app's browser tests
//! and benchmarks (feature `testing`, a dev-dependency only: never in a
//! build that ships).

use crate::events::{Event, EventKind};

/// Years of a learner's history on `device`: study time, answers, quiz
/// results, lessons done and reflections, `step_ms` apart, with UUID ids.
pub fn learner_history(device: &str, count: usize, step_ms: i64) -> Vec<Event> {
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
                at: 1_780_000_000_000 + n as i64 * step_ms,
                kind,
            }
        })
        .collect()
}
