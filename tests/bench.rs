//! Storage benchmarks in headless Chromium, run by `cargo xtask bench`
//! (release build, `--nocapture`): recording one event with 10,000 already
//! stored, and loading and folding 10,000 and 50,000 events as at start-up. They print
//! figures; they assert only that the work was done, never how fast.
#![cfg(target_arch = "wasm32")]

use qinglian::storage;
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

    let rounds = 50;
    let started = now();
    for n in 0..rounds {
        log.record(EventKind::StudyTime { seconds: 30 }, 1_790_000_000_000 + n)
            .unwrap();
    }
    let per_event = (now() - started) / rounds as f64;

    console_log!("bench: record one event with {STORED} stored: {per_event:.2} ms (mean of {rounds}; aim < 2 ms)");
    print_startup(STORED + rounds as usize);
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
    assert_eq!(log.merge_in(&history(&device, 50_000)).unwrap(), 50_000);
    print_startup(50_000);
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
