//! Property tests of the progress log: folding is independent of the order and
//! the duplication of events; merging is idempotent and commutative; an export
//! imported back yields the same state; a fold resumed from a stored snapshot
//! carries on exactly as the fold it was taken of.

use proptest::prelude::*;
use qinglian_core::events::{merge, Event, EventKind, Export};
use qinglian_core::progress::{fold, FoldSnapshot, Folder, SNAPSHOT_VERSION};

const DAY: i64 = 86_400_000;
const START: i64 = 20_000 * DAY;

fn kind() -> impl Strategy<Value = EventKind> {
    let lesson = prop::sample::select(vec!["l1", "l2", "l3"]).prop_map(str::to_owned);
    let question = prop::sample::select(vec!["q1", "q2"]).prop_map(str::to_owned);
    prop_oneof![
        lesson
            .clone()
            .prop_map(|lesson| EventKind::LessonDone { lesson }),
        (lesson.clone(), question, any::<bool>()).prop_map(|(lesson, question, correct)| {
            EventKind::QuestionAnswered {
                lesson,
                question,
                chosen: vec![0],
                correct,
            }
        }),
        (lesson.clone(), 0u32..=4).prop_map(|(lesson, score)| EventKind::QuizFinished {
            lesson,
            score,
            total: 4
        }),
        (1u32..900).prop_map(|seconds| EventKind::StudyTime { seconds }),
        lesson
            .clone()
            .prop_map(|lesson| EventKind::ElectiveChosen { lesson }),
        lesson
            .clone()
            .prop_map(|lesson| EventKind::ElectiveDropped { lesson }),
        (lesson, "[a-z ]{0,12}")
            .prop_map(|(lesson, text)| EventKind::ReflectionSaved { lesson, text }),
        (1u8..=5, 1u8..=5).prop_map(|(likelihood, impact)| EventKind::RiskRated {
            checklist: "c".into(),
            point: "p".into(),
            likelihood,
            impact,
            measure: String::new(),
        }),
        (1u32..3).prop_map(|version| EventKind::PledgeAcknowledged { version }),
    ]
}

/// A log from up to three devices, each with gap-free seqs, over ~40 days.
fn log() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec((0usize..3, 0i64..40 * DAY, kind()), 0..60).prop_map(|items| {
        let mut seqs = [0u64; 3];
        items
            .into_iter()
            .enumerate()
            .map(|(n, (device, offset, kind))| {
                seqs[device] += 1;
                Event {
                    id: format!("event-{n}"),
                    device: format!("device-{device}"),
                    seq: seqs[device],
                    at: START + offset,
                    kind,
                }
            })
            .collect()
    })
}

/// The log with some voids of its own events appended.
fn log_with_voids() -> impl Strategy<Value = Vec<Event>> {
    (
        log(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    )
        .prop_map(|(mut events, picks)| {
            if events.is_empty() {
                return events;
            }
            for (n, pick) in picks.into_iter().enumerate() {
                let target = events[pick.index(events.len())].id.clone();
                events.push(Event {
                    id: format!("void-{n}"),
                    device: "device-0".into(),
                    seq: 1000 + n as u64,
                    at: START + 41 * DAY,
                    kind: EventKind::Void { target },
                });
            }
            events
        })
}

proptest! {
    #[test]
    fn fold_ignores_order_and_duplicates(
        events in log_with_voids(),
        order in any::<prop::sample::Index>(),
        dupes in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
    ) {
        let expected = fold(&events, 480);
        let mut shuffled = events.clone();
        if !shuffled.is_empty() {
            let k = order.index(shuffled.len());
            shuffled.rotate_left(k);
            shuffled.reverse();
            for d in &dupes {
                shuffled.push(events[d.index(events.len())].clone());
            }
        }
        prop_assert_eq!(fold(&shuffled, 480), expected);
    }

    #[test]
    fn merge_is_idempotent_and_commutative(a in log(), b in log()) {
        // Different ids per side so the logs really differ.
        let b: Vec<Event> = b.into_iter().map(|mut e| { e.id = format!("b-{}", e.id); e }).collect();
        let ab = merge(&a, &b);
        prop_assert_eq!(&ab, &merge(&b, &a));
        prop_assert_eq!(&merge(&ab, &ab), &ab);
        prop_assert_eq!(&merge(&ab, &a), &ab);
        prop_assert_eq!(fold(&ab, 0), fold(&[a.clone(), b.clone()].concat(), 0));
    }

    #[test]
    fn an_export_imported_back_gives_the_same_state(events in log_with_voids(), split in any::<prop::sample::Index>()) {
        let text = serde_json::to_string(&Export::new(events.clone(), START)).unwrap();
        let imported = Export::parse(&text).unwrap().events;
        prop_assert_eq!(fold(&imported, 0), fold(&events, 0));
        // Importing into a device that already holds part of the log.
        let k = if events.is_empty() { 0 } else { split.index(events.len()) };
        let merged = merge(&events[..k], &imported);
        prop_assert_eq!(fold(&merged, 0), fold(&events, 0));
        prop_assert_eq!(merge(&merged, &imported), merged);
    }

    #[test]
    fn a_fold_carried_on_event_by_event_equals_a_fold_of_the_whole_log(
        events in log_with_voids(),
        order in any::<prop::sample::Index>(),
        split in any::<prop::sample::Index>(),
        dupes in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        // Any order, with repeats: what the folder refuses is folded anew.
        let log = rotated_with_repeats(&events, order, &dupes);
        let k = if log.is_empty() { 0 } else { split.index(log.len()) };
        let mut folder = Folder::new(&log[..k], 480);
        for i in k..log.len() {
            if !folder.append(&log[i]) {
                folder = Folder::new(&log[..=i], 480);
            }
        }
        prop_assert_eq!(folder.progress(), fold(&events, 480));
    }

    #[test]
    fn events_recorded_in_order_are_added_without_a_new_fold(events in log(), split in any::<prop::sample::Index>()) {
        let mut ordered = events;
        ordered.sort_by(|x, y| (x.at, &x.device, x.seq, &x.id).cmp(&(y.at, &y.device, y.seq, &y.id)));
        let k = if ordered.is_empty() { 0 } else { split.index(ordered.len()) };
        let mut folder = Folder::new(&ordered[..k], 0);
        for event in &ordered[k..] {
            prop_assert!(folder.append(event), "refused {:?}", event);
        }
        prop_assert_eq!(folder.progress(), fold(&ordered, 0));
    }

    #[test]
    fn a_snapshot_of_a_prefix_carried_on_with_the_rest_equals_a_fold_of_the_whole_log(
        events in log_with_voids(),
        order in any::<prop::sample::Index>(),
        split in any::<prop::sample::Index>(),
        dupes in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        clash in any::<Option<prop::sample::Index>>(),
    ) {
        // Any order, with repeats, and at times a second event under an id
        // the snapshot covers: what the fold cannot take is folded anew, as
        // the app does.
        let mut log = rotated_with_repeats(&events, order, &dupes);
        let k = if log.is_empty() { 0 } else { split.index(log.len()) };
        if let (Some(pick), true) = (clash, k > 0) {
            let mut other = log[pick.index(k)].clone();
            other.at += 100 * DAY;
            other.kind = EventKind::StudyTime { seconds: 600 };
            log.push(other);
        }
        let stored = Folder::new(&log[..k], 480)
            .snapshot(k, log[..k].last().map(|e| e.id.as_str()), 7)
            .to_json();
        let snapshot = FoldSnapshot::from_json(&stored).unwrap();
        prop_assert!(snapshot.covers_start_of(&log));
        prop_assert_eq!(snapshot.next_seq, 7);
        let mut folder = snapshot.resume(480).unwrap();
        for i in k..log.len() {
            if !folder.append(&log[i]) {
                folder = Folder::new(&log[..=i], 480);
            }
        }
        if !folder.learn_covered(&log[..k]) {
            folder = Folder::new(&log, 480);
        }
        prop_assert!(folder.knows_every_id());
        prop_assert_eq!(folder.progress(), fold(&log, 480));
    }

    #[test]
    fn a_snapshot_takes_events_recorded_in_order_without_a_new_fold(events in log(), split in any::<prop::sample::Index>()) {
        let mut ordered = events;
        ordered.sort_by(|x, y| (x.at, &x.device, x.seq, &x.id).cmp(&(y.at, &y.device, y.seq, &y.id)));
        let k = if ordered.is_empty() { 0 } else { split.index(ordered.len()) };
        let stored = Folder::new(&ordered[..k], 0)
            .snapshot(k, ordered[..k].last().map(|e| e.id.as_str()), 1)
            .to_json();
        let mut folder = FoldSnapshot::from_json(&stored).unwrap().resume(0).unwrap();
        for event in &ordered[k..] {
            prop_assert!(folder.append(event), "refused {:?}", event);
        }
        // Before the covered events are known, and after.
        prop_assert_eq!(folder.progress(), fold(&ordered, 0));
        prop_assert!(folder.learn_covered(&ordered[..k]));
        prop_assert_eq!(folder.progress(), fold(&ordered, 0));
        // A snapshot of the carried-on fold is the one of a new fold.
        let last = ordered.last().map(|e| e.id.as_str());
        prop_assert_eq!(
            folder.snapshot(ordered.len(), last, 1),
            Folder::new(&ordered, 0).snapshot(ordered.len(), last, 1)
        );
    }
}

/// `events` in another order (rotated at `order`), with some of them
/// (`dupes`) repeated at the end.
fn rotated_with_repeats(
    events: &[Event],
    order: prop::sample::Index,
    dupes: &[prop::sample::Index],
) -> Vec<Event> {
    let mut log = events.to_vec();
    if !log.is_empty() {
        let start = order.index(log.len());
        log.rotate_left(start);
        for d in dupes {
            log.push(events[d.index(events.len())].clone());
        }
    }
    log
}

fn study(n: u64, at: i64) -> Event {
    Event {
        id: format!("event-{n}"),
        device: "device-0".into(),
        seq: n,
        at,
        kind: EventKind::StudyTime { seconds: 60 },
    }
}

#[test]
fn a_snapshot_that_does_not_match_the_log_is_refused() {
    let log: Vec<Event> = (1..=5).map(|n| study(n, START + n as i64 * DAY)).collect();
    let good = Folder::new(&log[..3], 480).snapshot(3, Some("event-3"), 4);
    assert!(good.covers_start_of(&log));
    assert!(good.clone().resume(480).is_some());

    // Another time zone counts other days.
    assert!(good.clone().resume(0).is_none());
    // More events than the log holds (the log was reset since).
    assert!(!good.covers_start_of(&log[..2]));
    // Another event where its last one should be.
    let mut other = log.clone();
    other[2].id = "event-other".into();
    assert!(!good.covers_start_of(&other));
    let shifted = Folder::new(&log[..3], 480).snapshot(3, Some("event-2"), 4);
    assert!(!shifted.covers_start_of(&log));
    // Another form, or not JSON at all.
    let text = good.to_json();
    let later = text.replacen(&format!("\"v\":{SNAPSHOT_VERSION}"), "\"v\":99", 1);
    assert_ne!(later, text);
    assert!(FoldSnapshot::from_json(&later).unwrap_err().contains("99"));
    assert!(FoldSnapshot::from_json(&text[..text.len() / 2]).is_err());
    assert!(FoldSnapshot::from_json("").is_err());
    assert!(FoldSnapshot::from_json(r#"{"v":1}"#).is_err());
    assert_eq!(FoldSnapshot::from_json(&text).unwrap(), good);
    // An empty log's snapshot covers any log's start.
    let empty = Folder::new(&[], 480).snapshot(0, None, 1);
    assert!(empty.covers_start_of(&log) && empty.covers_start_of(&[]));
}

#[test]
fn a_second_event_under_a_covered_id_is_found_when_the_covered_events_are_read() {
    let log: Vec<Event> = (1..=4).map(|n| study(n, START + n as i64 * DAY)).collect();
    let snapshot = Folder::new(&log[..3], 0).snapshot(3, Some("event-3"), 5);
    let mut folder = snapshot.resume(0).unwrap();
    assert!(!folder.knows_every_id());
    let mut clash = log[1].clone();
    clash.at = START + 9 * DAY;
    // Later than anything folded: the snapshot alone cannot tell.
    assert!(folder.append(&log[3]));
    assert!(folder.append(&clash));
    assert!(
        !folder.learn_covered(&log[..3]),
        "only a new fold takes it right"
    );
    // Without it, the covered events are learnt and nothing is folded again.
    let mut folder = Folder::new(&log[..3], 0)
        .snapshot(3, Some("event-3"), 5)
        .resume(0)
        .unwrap();
    assert!(folder.append(&log[3]));
    assert!(folder.learn_covered(&log[..3]));
    assert!(folder.knows_every_id());
    assert!(
        !folder.append(&clash),
        "a second event under a covered id is refused, as by any fold"
    );
    assert_eq!(folder.progress(), fold(&log, 0));
}
