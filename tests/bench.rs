//! Storage benchmarks in headless Chromium, run by `cargo xtask bench`
//! (release build, `--nocapture`): recording one event with 10,000 already
//! stored, and loading and folding 10,000 and 50,000 events as at start-up,
//! without and with a snapshot of the progress (then: until the progress is
//! ready, and reading the rest of the log after the first screen; and what
//! writing a snapshot costs). They print figures; they assert only that the
//! work was done, never how fast.
#![cfg(target_arch = "wasm32")]

use qinglian::storage;
use qinglian_core::events::Event;
use qinglian_core::events::EventKind;
use qinglian_core::progress::{fold, Folder};
use wasm_bindgen_test::*;

mod history;
use history::history;

wasm_bindgen_test_configure!(run_in_browser);

const STORED: usize = 10_000;

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

/// The benchmark starts from, and leaves, an empty localStorage.
fn clear_storage() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}

#[wasm_bindgen_test]
fn record_and_startup_with_ten_thousand_events() {
    clear_storage();
    let mut log = storage::load_events().unwrap();
    let device = log.device.clone();
    assert_eq!(log.merge_in(&history(&device, STORED)).unwrap(), STORED);
    keep_snapshot(&log);

    let rounds = 50;
    let started = now();
    for n in 0..rounds {
        log.record(EventKind::StudyTime { seconds: 30 }, 1_790_000_000_000 + n)
            .unwrap();
    }
    let per_event = (now() - started) / rounds as f64;

    console_log!("bench: record one event with {STORED} stored: {per_event:.2} ms (mean of {rounds}; aim < 2 ms)");
    print_startup(STORED + rounds as usize);
    print_startup_with_snapshot(STORED + rounds as usize, STORED);
    clear_storage();
}

/// Loads and folds the stored log as start-up does (mean of 5) and prints
/// the times; `stored` is how many events the log holds.
fn print_startup(stored: usize) {
    let runs = 5;
    let (mut load_ms, mut fold_ms, mut folded) = (0.0, 0.0, 0);
    for _ in 0..runs {
        let t0 = now();
        let loaded = storage::load_events().unwrap();
        let t1 = now();
        let progress = fold(loaded.all().unwrap(), 480);
        let t2 = now();
        load_ms += t1 - t0;
        fold_ms += t2 - t1;
        folded = progress.events;
    }
    assert_eq!(folded, stored);
    console_log!(
        "bench: start-up load + fold of {stored} events: {:.1} ms (load {:.1} ms, fold {:.1} ms; mean of {runs}; aim < 150 ms)",
        (load_ms + fold_ms) / runs as f64,
        load_ms / runs as f64,
        fold_ms / runs as f64
    );
}

#[wasm_bindgen_test]
fn startup_with_fifty_thousand_events() {
    clear_storage();
    let mut log = storage::load_events().unwrap();
    let device = log.device.clone();
    let events = history(&device, 50_000);
    // The snapshot kept when the log held 49,950; 50 came after.
    assert_eq!(log.merge_in(&events[..49_950]).unwrap(), 49_950);
    keep_snapshot(&log);
    assert_eq!(log.merge_in(&events[49_950..]).unwrap(), 50);
    print_startup(50_000);
    print_startup_with_snapshot(50_000, 50_000 - 50);
    // What the app does after each answer: the progress with one more event.
    let started = now();
    let mut folder = Folder::new(log.all().unwrap(), 480);
    let fold_ms = now() - started;
    let rounds = 50;
    let started = now();
    for n in 0..rounds {
        let event = log
            .record(EventKind::StudyTime { seconds: 30 }, 1_790_000_000_000 + n)
            .unwrap();
        assert!(folder.append(&event), "carried on, not folded anew");
        assert_eq!(folder.progress().events, 50_001 + n as usize);
    }
    let per_event = (now() - started) / rounds as f64;
    console_log!(
        "bench: record one event and update progress with 50000 stored: {per_event:.2} ms (mean of {rounds}; folding all anew takes {fold_ms:.1} ms)"
    );
    clear_storage();
}

/// Start-up as the app does it with a snapshot of the first `covered` of the
/// `stored` events (mean of 5): the snapshot and the log's last chunks read,
/// the events after the snapshot folded on (until the progress is ready);
/// then the rest of the log read and the fold told the covered events (after
/// the first screen). And writing a snapshot (mean of 50), and its size.
fn print_startup_with_snapshot(stored: usize, covered: usize) {
    let log = storage::load_events().unwrap();
    let all: Vec<Event> = log.all().unwrap().to_vec();

    let runs = 5;
    let (mut progress_ms, mut rest_ms) = (0.0, 0.0);
    for _ in 0..runs {
        let t0 = now();
        let snapshot = storage::load_snapshot().unwrap();
        let (mut log, found) = storage::load_events_after(&snapshot).unwrap();
        let mut folder = snapshot.resume(480).unwrap();
        for event in &log.recent()[covered - log.unread()..] {
            assert!(folder.append(event));
        }
        let progress = folder.progress();
        let t1 = now();
        log.read_earlier();
        assert!(folder.learn_covered(&log.all().unwrap()[..covered]));
        let t2 = now();
        assert!(found && progress.events == stored);
        assert_eq!(log.all().unwrap().len(), stored);
        progress_ms += t1 - t0;
        rest_ms += t2 - t1;
    }
    let folder = Folder::new(&all, 480);
    let rounds = 50;
    let started = now();
    for _ in 0..rounds {
        let snapshot = folder.snapshot(stored, all.last().map(|e| e.id.as_str()), log.next_seq);
        log.save_snapshot(snapshot).unwrap();
    }
    assert_eq!(storage::load_snapshot().unwrap().events, stored);
    let write_ms = (now() - started) / rounds as f64;
    let size = folder.snapshot(stored, None, 1).to_json().len();
    console_log!(
        "bench: start-up with a snapshot of {covered} of {stored} events: progress ready in {:.1} ms, the rest of the log read after the first screen in {:.1} ms (mean of {runs})",
        progress_ms / runs as f64,
        rest_ms / runs as f64
    );
    console_log!(
        "bench: writing a snapshot of {stored} events: {write_ms:.2} ms (mean of {rounds}), {size} characters"
    );
}

/// Keeps a snapshot of the fold of the whole log, as the app does.
fn keep_snapshot(log: &storage::EventLog) {
    let all = log.all().unwrap();
    let snapshot =
        Folder::new(all, 480).snapshot(all.len(), all.last().map(|e| e.id.as_str()), log.next_seq);
    log.save_snapshot(snapshot).unwrap();
}
