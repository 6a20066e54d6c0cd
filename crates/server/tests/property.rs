//! Sync is order-free: whatever the split of a device's log into batches,
//! the order the batches arrive in, and how often each is repeated, the
//! server ends up holding every event exactly once, and folding what it holds
//! gives the same progress as folding the original log.

mod common;

use common::Browser;
use proptest::prelude::*;
use qinglian_core::events::{Event, EventKind};
use qinglian_core::progress::fold;
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// One server for all cases; each case uses devices of its own.
struct Shared {
    runtime: tokio::runtime::Runtime,
    user: Browser,
    _app: common::TestApp,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (app, user) = runtime.block_on(async {
            let app = common::boot().await;
            let mut admin = app.admin().await;
            let unit = app.unit(&mut admin, "Property", None).await;
            let user = app.member(&mut admin, unit, "learner", "prop").await;
            (app, user)
        });
        Shared {
            runtime,
            user,
            _app: app,
        }
    })
}

static CASE: AtomicUsize = AtomicUsize::new(0);

fn kind() -> impl Strategy<Value = EventKind> {
    let lesson = prop::sample::select(vec!["fx-gifts", "l-two", "l-three"]).prop_map(String::from);
    prop_oneof![
        (1u32..3600).prop_map(|seconds| EventKind::StudyTime { seconds }),
        lesson
            .clone()
            .prop_map(|lesson| EventKind::LessonDone { lesson }),
        (lesson.clone(), 0u32..=5).prop_map(|(lesson, score)| EventKind::QuizFinished {
            lesson,
            score,
            total: 5
        }),
        (lesson.clone(), any::<bool>()).prop_map(|(lesson, correct)| {
            EventKind::QuestionAnswered {
                lesson,
                question: "q1".into(),
                chosen: vec![0],
                correct,
            }
        }),
        (1u32..3).prop_map(|version| EventKind::PledgeAcknowledged { version }),
        lesson.prop_map(|lesson| EventKind::ElectiveChosen { lesson }),
    ]
}

/// A device's log: kinds and time offsets (ms, may go backwards: clocks skew).
fn device_log() -> impl Strategy<Value = Vec<(EventKind, i64)>> {
    prop::collection::vec((kind(), -86_400_000i64..86_400_000 * 40), 1..20)
}

/// Everything random about one case.
#[derive(Debug, Clone)]
struct Plan {
    logs: Vec<Vec<(EventKind, i64)>>,
    /// Per device: where its log is cut into batches (fractions of its length).
    cuts: Vec<Vec<prop::sample::Index>>,
    /// The order the batches are sent in, as a permutation seed.
    order: Vec<prop::sample::Index>,
    /// Batches sent again, later.
    repeats: Vec<prop::sample::Index>,
    /// Some events void an earlier one.
    voids: Vec<prop::sample::Index>,
}

fn plan() -> impl Strategy<Value = Plan> {
    (
        prop::collection::vec(device_log(), 1..=3),
        prop::collection::vec(prop::collection::vec(any::<prop::sample::Index>(), 0..5), 3),
        prop::collection::vec(any::<prop::sample::Index>(), 0..20),
        prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
    )
        .prop_map(|(logs, cuts, order, repeats, voids)| Plan {
            logs,
            cuts,
            order,
            repeats,
            voids,
        })
}

fn build(plan: &Plan, case: usize) -> (Vec<Event>, Vec<(String, Vec<Event>)>) {
    let mut all = Vec::new();
    let mut batches = Vec::new();
    for (d, log) in plan.logs.iter().enumerate() {
        let device = format!("case{case}-dev{d}");
        let mut events: Vec<Event> = log
            .iter()
            .enumerate()
            .map(|(i, (kind, offset))| Event {
                id: format!("{device}-{i}"),
                device: device.clone(),
                seq: i as u64 + 1,
                at: 1_700_000_000_000 + offset,
                kind: kind.clone(),
            })
            .collect();
        if d == 0 {
            for void in &plan.voids {
                let target = events[void.index(events.len())].id.clone();
                let seq = events.len() as u64 + 1;
                events.push(Event {
                    id: format!("{device}-{}", seq - 1),
                    device: device.clone(),
                    seq,
                    at: 1_700_000_000_000,
                    kind: EventKind::Void { target },
                });
            }
        }
        let mut cuts: Vec<usize> = plan.cuts[d]
            .iter()
            .map(|c| c.index(events.len() + 1))
            .collect();
        cuts.extend([0, events.len()]);
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            batches.push((device.clone(), events[pair[0]..pair[1]].to_vec()));
        }
        all.extend(events);
    }
    // Order: a shuffle driven by the plan; then repeats of some batches.
    let mut order: Vec<(String, Vec<Event>)> = Vec::new();
    let mut pool = batches.clone();
    let mut picks = plan.order.iter();
    while !pool.is_empty() {
        let i = picks.next().map_or(0, |p| p.index(pool.len()));
        order.push(pool.remove(i));
    }
    for repeat in &plan.repeats {
        let batch = batches[repeat.index(batches.len())].clone();
        let at = repeat.index(order.len() + 1);
        order.insert(at, batch);
    }
    (all, order)
}

/// Pushes like the app would: a batch refused for a gap goes back in the queue.
async fn deliver(user: &mut Browser, order: Vec<(String, Vec<Event>)>) {
    let mut queue: VecDeque<_> = order.into();
    let mut rounds = 0;
    while let Some((device, batch)) = queue.pop_front() {
        rounds += 1;
        assert!(rounds < 10_000, "sync does not converge");
        let reply = user.push(&device, &batch).await;
        match reply.status.as_u16() {
            200 => {}
            422 => {
                assert!(reply.error().starts_with("gap: "), "{}", reply.text);
                queue.push_back((device, batch));
            }
            other => panic!("push answered {other}: {}", reply.text),
        }
    }
}

async fn held(user: &mut Browser, prefix: &str) -> Vec<Event> {
    let mut cursor = 0;
    let mut out = Vec::new();
    loop {
        let page = user
            .get(&format!(
                "/api/v1/sync/pull?device=observer&cursor={cursor}&limit=1000"
            ))
            .await
            .expect(200)
            .json();
        let events: Vec<Event> = serde_json::from_value(page["events"].clone()).unwrap();
        out.extend(events.into_iter().filter(|e| e.device.starts_with(prefix)));
        cursor = page["next_cursor"].as_i64().unwrap();
        if page["more"] == json!(false) {
            return out;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_batching_order_or_repetition_gives_the_same_log_and_progress(plan in plan()) {
        let shared = shared();
        let case = CASE.fetch_add(1, Ordering::SeqCst);
        let (all, order) = build(&plan, case);
        let mut user = shared.user.clone();
        let stored = shared.runtime.block_on(async {
            deliver(&mut user, order).await;
            held(&mut user, &format!("case{case}-")).await
        });
        // Every event exactly once.
        let mut by_id: BTreeMap<&str, &Event> = BTreeMap::new();
        for event in &stored {
            prop_assert!(by_id.insert(event.id.as_str(), event).is_none(), "{} twice", event.id);
        }
        let mut expected = all.clone();
        expected.sort_by(|a, b| a.id.cmp(&b.id));
        let got: Vec<Event> = by_id.values().map(|e| (*e).clone()).collect();
        prop_assert_eq!(&got, &expected);
        // The same progress, whatever order the server holds them in.
        prop_assert_eq!(fold(&stored, 0), fold(&all, 0));
        let mut reversed = stored.clone();
        reversed.reverse();
        prop_assert_eq!(fold(&reversed, 480), fold(&all, 480));
    }
}
