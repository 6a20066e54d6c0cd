//! Browser tests of the storage layer, in headless Chromium
//! (`cargo xtask test` runs them with wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use qinglian::storage::{self, StorageError};
use qinglian_core::events::Event;
use qinglian_core::progress::{fold, FoldSnapshot, Folder};
use qinglian_core::settings::{Lang, Settings, TextSize, Theme, Tier};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod history;
use history::history;

wasm_bindgen_test_configure!(run_in_browser);

fn local() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn fresh() {
    local().clear().unwrap();
}

fn sample() -> Settings {
    Settings {
        lang: Lang::ZhHans,
        text_size: TextSize::Large,
        theme: Theme::Dark,
        tier: Some(Tier::LeadingCadre),
        display_name: "王芳".into(),
    }
}

#[wasm_bindgen_test]
fn settings_survive_a_save_and_load() {
    fresh();
    assert_eq!(storage::load_settings(), Settings::default());
    storage::save_settings(&sample()).unwrap();
    assert_eq!(storage::load_settings(), sample());
}

#[wasm_bindgen_test]
fn a_corrupt_settings_entry_is_set_aside_not_lost() {
    fresh();
    local()
        .set_item("qinglian.settings", "{\"lang\": \"zh-Hans\", oops")
        .unwrap();
    assert_eq!(storage::load_settings(), Settings::default());
    let aside = storage::set_aside_entries();
    assert_eq!(aside.len(), 1);
    assert_eq!(aside[0].key, "qinglian.settings");
    assert!(aside[0].reason.contains("JSON"), "{}", aside[0].reason);
    let kept = local()
        .get_item("qinglian.set-aside.qinglian.settings")
        .unwrap()
        .unwrap();
    assert!(kept.contains("oops"), "the raw text is kept: {kept}");
    // The slot is free again and works.
    storage::save_settings(&sample()).unwrap();
    assert_eq!(storage::load_settings(), sample());
}

#[wasm_bindgen_test]
fn a_full_quota_is_reported_and_earlier_data_survives() {
    fresh();
    storage::save_settings(&sample()).unwrap();
    let chunk = "x".repeat(512 * 1024);
    let mut filled = 0;
    while storage::write_raw(&format!("qinglian.filler.{filled}"), &chunk).is_ok() {
        filled += 1;
        assert!(filled < 200, "the quota never filled up");
    }
    assert_eq!(
        storage::write_raw("qinglian.filler.last", &chunk),
        Err(StorageError::Full)
    );
    let mut bigger = sample();
    bigger.display_name = "y".repeat(512 * 1024);
    assert_eq!(storage::save_settings(&bigger), Err(StorageError::Full));
    assert_eq!(
        storage::load_settings(),
        sample(),
        "the last good settings are intact"
    );
    fresh();
}

#[wasm_bindgen_test]
fn migration_stamps_the_schema_version() {
    fresh();
    storage::migrate().unwrap();
    assert_eq!(
        local().get_item("qinglian.schema").unwrap().as_deref(),
        Some(storage::SCHEMA_VERSION.to_string().as_str())
    );
}

fn study(seconds: u32) -> qinglian_core::events::EventKind {
    qinglian_core::events::EventKind::StudyTime { seconds }
}

#[wasm_bindgen_test]
fn the_event_log_survives_a_reload_across_chunks() {
    fresh();
    let mut log = storage::load_events().unwrap();
    let total = storage::CHUNK_SIZE * 2 + 10;
    for n in 0..total {
        log.record(study(n as u32 + 1), 1_000 + n as i64).unwrap();
    }
    let reloaded = storage::load_events().unwrap();
    assert_eq!(reloaded.all().unwrap().len(), total);
    assert_eq!(reloaded.device, log.device);
    assert_eq!(reloaded.next_seq, total as u64 + 1);
    let seqs: Vec<u64> = reloaded.all().unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=total as u64).collect::<Vec<_>>(),
        "gap-free, in order"
    );
    assert!(
        local()
            .get_item("qinglian.events.000002")
            .unwrap()
            .is_some(),
        "three chunks"
    );
}

#[wasm_bindgen_test]
fn a_corrupt_chunk_is_set_aside_and_the_rest_loads() {
    fresh();
    let mut log = storage::load_events().unwrap();
    for n in 0..storage::CHUNK_SIZE + 5 {
        log.record(study(60), n as i64).unwrap();
    }
    local()
        .set_item("qinglian.events.000000", "[{\"id\": broken")
        .unwrap();
    let reloaded = storage::load_events().unwrap();
    assert_eq!(reloaded.all().unwrap().len(), 5, "the readable chunk loads");
    assert_eq!(
        reloaded.next_seq,
        storage::CHUNK_SIZE as u64 + 6,
        "seqs are never reused"
    );
    let aside = storage::set_aside_entries();
    assert!(
        aside.iter().any(|a| a.key == "qinglian.events.000000"),
        "{aside:?}"
    );
    assert!(local()
        .get_item("qinglian.set-aside.qinglian.events.000000")
        .unwrap()
        .unwrap()
        .contains("broken"));
}

#[wasm_bindgen_test]
fn recording_on_a_full_quota_fails_cleanly_and_keeps_every_earlier_event() {
    fresh();
    let mut log = storage::load_events().unwrap();
    for n in 0..20 {
        log.record(study(60), n).unwrap();
    }
    fill_the_quota();
    let before = log.all().unwrap().to_vec();
    let big = qinglian_core::events::EventKind::ReflectionSaved {
        lesson: "l".into(),
        text: "z".repeat(64 * 1024),
    };
    assert_eq!(log.record(big, 99).unwrap_err(), StorageError::Full);
    assert_eq!(
        log.all().unwrap(),
        before,
        "nothing half-recorded in memory"
    );
    fresh_keep_events();
    let reloaded = storage::load_events().unwrap();
    assert_eq!(
        reloaded.all().unwrap(),
        before,
        "every earlier event is still stored"
    );
    fresh();
}

#[wasm_bindgen_test]
fn todays_picture_makes_room_for_the_learners_records_and_goes_with_a_reset() {
    fresh();
    let mut log = storage::load_events().unwrap();
    log.record(study(60), 1).unwrap();
    let picture_key = qinglian_core::today_picture::KEY;
    local()
        .set_item(picture_key, &"p".repeat(32 * 1024))
        .unwrap();
    fill_the_quota();
    // A reflection the full storage had no room for, but for the picture
    // (text that does not compress: the log is stored packed).
    let mut seed: u32 = 7;
    let text: String = (0..8 * 1024)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from_u32(0x4e00 + (seed >> 16) % 0x5000).unwrap()
        })
        .collect();
    let reflection = qinglian_core::events::EventKind::ReflectionSaved {
        lesson: "l".into(),
        text,
    };
    log.record(reflection, 2)
        .expect("the picture, only a cache, gave its room");
    assert_eq!(local().get_item(picture_key).unwrap(), None);
    fresh_keep_events();
    assert_eq!(storage::load_events().unwrap().all().unwrap().len(), 2);
    // A reset forgets the picture too (it shows the progress forgotten).
    local().set_item(picture_key, "{}").unwrap();
    log.clear();
    assert_eq!(local().get_item(picture_key).unwrap(), None);
    fresh();
}

/// Removes the fillers only.
fn fresh_keep_events() {
    let storage = local();
    let keys: Vec<String> = (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .filter(|k| k.starts_with("qinglian.filler."))
        .collect();
    for key in keys {
        storage.remove_item(&key).unwrap();
    }
}

/// Ids and seqs of a log as stored now (a fresh load, as a reload gives).
fn stored_ids_and_seqs() -> Vec<(String, u64)> {
    storage::load_events()
        .unwrap()
        .all()
        .unwrap()
        .iter()
        .map(|e| (e.id.clone(), e.seq))
        .collect()
}

#[wasm_bindgen_test]
fn two_tabs_recording_keep_each_others_events_and_number_them_apart() {
    fresh();
    // Two tabs of the app, each with the log as it loaded it.
    let mut first = storage::load_events().unwrap();
    let mut second = storage::load_events().unwrap();
    let a = first.record(study(60), 1).unwrap();
    let b = second.record(study(60), 2).unwrap();
    let c = first.record(study(60), 3).unwrap();
    assert_eq!((a.seq, b.seq, c.seq), (1, 2, 3), "one device, one sequence");
    let ids = |events: &[qinglian_core::events::Event]| -> Vec<String> {
        events.iter().map(|e| e.id.clone()).collect()
    };
    let expected = vec![a.id.clone(), b.id.clone(), c.id.clone()];
    assert_eq!(
        stored_ids_and_seqs()
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        expected
    );
    // The second tab, told of the change, shows all three.
    assert!(second.catch_up().unwrap());
    assert_eq!(ids(second.all().unwrap()), expected);
    assert!(!second.catch_up().unwrap(), "nothing new the second time");
    fresh();
}

#[wasm_bindgen_test]
fn an_event_another_tab_overwrote_at_the_same_moment_is_written_again() {
    fresh();
    let mut first = storage::load_events().unwrap();
    let before = first.record(study(60), 1).unwrap();
    let chunk_before = local().get_item("qinglian.events.000000").unwrap().unwrap();
    let meta_before = local().get_item("qinglian.events.meta").unwrap().unwrap();
    let mut second = storage::load_events().unwrap();
    let mine = first.record(study(60), 2).unwrap();
    // A second tab, in another process, writes at the same moment, before
    // `mine` has reached its copy of the storage: its rewrite of the last
    // chunk holds `before` and its own event only.
    local()
        .set_item("qinglian.events.000000", &chunk_before)
        .unwrap();
    local()
        .set_item("qinglian.events.meta", &meta_before)
        .unwrap();
    let theirs = second.record(study(45), 3).unwrap();
    // The first tab's next write finds `mine` gone and writes it again.
    let next = first.record(study(60), 4).unwrap();
    let stored: Vec<String> = stored_ids_and_seqs()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(stored, vec![before.id, theirs.id, mine.id, next.id.clone()]);
    assert_eq!(
        first
            .all()
            .unwrap()
            .iter()
            .map(|e| &e.id)
            .collect::<Vec<_>>(),
        stored.iter().collect::<Vec<_>>(),
        "memory as stored"
    );
    assert!(next.seq > theirs.seq, "numbered after the other tab's");
    let seqs: std::collections::HashSet<u64> = stored_ids_and_seqs()
        .into_iter()
        .map(|(_, seq)| seq)
        .collect();
    assert_eq!(seqs.len(), 4, "no number given twice: {seqs:?}");
    fresh();
}

#[wasm_bindgen_test]
fn a_reset_in_another_tab_is_followed_here() {
    fresh();
    let mut first = storage::load_events().unwrap();
    for at in 0..3 {
        first.record(study(60), at).unwrap();
    }
    let mut second = storage::load_events().unwrap();
    second.clear();
    let after = first.record(study(60), 10).unwrap();
    assert_eq!(
        first.all().unwrap().len(),
        1,
        "the reset events are gone here too"
    );
    assert_eq!(stored_ids_and_seqs(), vec![(after.id, after.seq)]);
    assert!(after.seq > 3, "the sequence goes on after a reset");
    fresh();
}

#[wasm_bindgen_test]
fn merging_the_same_events_twice_adds_nothing() {
    fresh();
    let mut log = storage::load_events().unwrap();
    log.record(study(60), 1).unwrap();
    let other: Vec<qinglian_core::events::Event> = (1..=3)
        .map(|seq| qinglian_core::events::Event {
            id: format!("other-{seq}"),
            device: "other".into(),
            seq,
            at: seq as i64,
            kind: study(30),
        })
        .collect();
    assert_eq!(log.merge_in(&other).unwrap(), 3);
    assert_eq!(log.merge_in(&other).unwrap(), 0);
    assert_eq!(storage::load_events().unwrap().all().unwrap().len(), 4);
    // Our own next seq is unaffected by another device's seqs.
    assert_eq!(log.record(study(60), 2).unwrap().seq, 2);
}

#[wasm_bindgen_test]
fn a_reset_keeps_the_device_and_its_sequence_going() {
    fresh();
    let mut log = storage::load_events().unwrap();
    let device = log.device.clone();
    for _ in 0..3 {
        log.record(
            qinglian_core::events::EventKind::StudyTime { seconds: 60 },
            1_700_000_000_000,
        )
        .unwrap();
    }
    log.clear();
    assert!(log.all().unwrap().is_empty());
    let next = log
        .record(
            qinglian_core::events::EventKind::StudyTime { seconds: 60 },
            1_700_000_000_000,
        )
        .unwrap();
    assert_eq!((next.device.as_str(), next.seq), (device.as_str(), 4));
    // And after a reload.
    let reloaded = storage::load_events().unwrap();
    assert_eq!(reloaded.next_seq, 5);
    // A sign-out starts a new device at 1.
    let mut log = reloaded;
    log.clear_as_new_device().unwrap();
    assert_ne!(log.device, device);
    assert_eq!(log.next_seq, 1);
    assert_eq!(storage::load_events().unwrap().next_seq, 1);
    // Whatever storage says, the server's acknowledgement wins.
    log.continue_after(41);
    assert_eq!(log.next_seq, 42);
}

#[wasm_bindgen_test]
fn a_log_written_by_an_older_version_loads_and_is_rewritten_packed() {
    fresh();
    let device = storage::device_id().unwrap();
    let events = history(&device, storage::CHUNK_SIZE + 30);
    let (first, second) = events.split_at(storage::CHUNK_SIZE);
    for (index, part) in [first, second].iter().enumerate() {
        local()
            .set_item(
                &format!("qinglian.events.{index:06}"),
                &serde_json::to_string(part).unwrap(),
            )
            .unwrap();
    }
    local()
        .set_item("qinglian.events.meta", r#"{"chunks":2,"next_seq":287}"#)
        .unwrap();
    let old_size = qinglian_core::log_chunk::stored_size(
        &local().get_item("qinglian.events.000000").unwrap().unwrap(),
    );

    let loaded = storage::load_events().unwrap();
    assert_eq!(loaded.all().unwrap(), events);
    let rewritten = local().get_item("qinglian.events.000000").unwrap().unwrap();
    assert!(rewritten.starts_with("v3:"), "{}", &rewritten[..40]);
    let packed = qinglian_core::log_chunk::stored_size(&rewritten);
    assert!(packed * 8 < old_size, "{packed} against {old_size}");
    assert!(storage::set_aside_entries().is_empty());
    // Read again from the compact form, and appended to.
    let mut again = storage::load_events().unwrap();
    assert_eq!(again.all().unwrap(), events);
    again.record(study(60), 1_790_000_000_000).unwrap();
    assert_eq!(
        storage::load_events().unwrap().all().unwrap().len(),
        events.len() + 1
    );
    fresh();
}

#[wasm_bindgen_test]
fn fifty_thousand_events_fit_in_the_browsers_storage() {
    // Years of daily study. Chromium keeps about 5.2 million characters per
    // site; written as the server receives them (195 characters each), about
    // 26,000 of these filled it. In the compact JSON of schema 2, 50,001
    // took 4.46 million; packed, well under a fifth of that (and the browser
    // loads all of it at the app's first read of its storage).
    fresh();
    let mut log = storage::load_events().unwrap();
    let device = log.device.clone();
    let events = history(&device, 50_000);
    assert_eq!(log.merge_in(&events).unwrap(), 50_000);
    log.record(study(60), 1_790_000_000_000).unwrap();
    let used: usize = (0..local().length().unwrap())
        .filter_map(|i| local().key(i).unwrap())
        .map(|key| {
            key.len()
                + qinglian_core::log_chunk::stored_size(
                    &local().get_item(&key).unwrap().unwrap_or_default(),
                )
        })
        .sum();
    let old_form = serde_json::to_string(&events).unwrap().len();
    web_sys::console::log_1(
        &format!("50,001 events take {used} characters of storage; as sent to the server, 50,000 take {old_form}").into(),
    );
    assert!(used < 892_000, "{used} characters");
    let reloaded = storage::load_events().unwrap();
    assert_eq!(reloaded.all().unwrap().len(), 50_001);
    assert_eq!(reloaded.all().unwrap()[..50_000], events[..]);
    fresh();
}

// ---------------------------------------------------------------------------
// The snapshot of the progress, and start-up reading only the log's last chunks.

/// Stores `count` events of the shared history (merged, in chunks), with a
/// snapshot of the fold of the first `covered` kept when the log held only
/// those; returns the events and the snapshot as stored.
fn log_with_snapshot(count: usize, covered: usize) -> (Vec<Event>, FoldSnapshot) {
    fresh();
    let mut log = storage::load_events().unwrap();
    let events = history(&log.device, count);
    assert_eq!(log.merge_in(&events[..covered]).unwrap(), covered);
    let last = events[..covered].last().map(|e| e.id.as_str());
    let snapshot =
        Folder::new(&events[..covered], OFFSET).snapshot(covered, last, covered as u64 + 1);
    log.save_snapshot(snapshot).unwrap();
    assert_eq!(log.merge_in(&events[covered..]).unwrap(), count - covered);
    (
        events,
        storage::load_snapshot().expect("a snapshot is kept"),
    )
}

const OFFSET: i32 = 480;

#[wasm_bindgen_test]
fn start_up_with_a_snapshot_reads_only_the_chunks_after_it() {
    let count = storage::CHUNK_SIZE * 4 + 40;
    let covered = storage::CHUNK_SIZE * 3 + 100;
    let (events, _) = log_with_snapshot(count, covered);
    // The chunks the snapshot covers are taken away: start-up must not need them.
    let earlier: Vec<(String, String)> = (0..3)
        .map(|index| {
            let key = format!("qinglian.events.{index:06}");
            let raw = local().get_item(&key).unwrap().unwrap();
            local().remove_item(&key).unwrap();
            (key, raw)
        })
        .collect();

    let snapshot = storage::load_snapshot().expect("the snapshot is read back");
    let (mut log, found) = storage::load_events_after(&snapshot).unwrap();
    assert!(found);
    assert!(!log.is_complete() && log.all().is_none());
    assert_eq!(log.unread(), storage::CHUNK_SIZE * 3);
    assert_eq!(log.recent(), &events[storage::CHUNK_SIZE * 3..]);
    assert_eq!(log.next_seq, count as u64 + 1);
    // The progress, from the snapshot and the events after it.
    let mut folder = snapshot.resume(OFFSET).unwrap();
    for event in &log.recent()[covered - log.unread()..] {
        assert!(folder.append(event), "carried on, not folded anew");
    }
    assert_eq!(folder.progress(), fold(&events, OFFSET));
    assert!(storage::set_aside_entries().is_empty());

    // Then the rest, after the first screen.
    for (key, raw) in &earlier {
        local().set_item(key, raw).unwrap();
    }
    log.read_earlier();
    assert!(log.is_complete());
    assert_eq!(log.all().unwrap(), events);
    assert!(folder.learn_covered(&events[..covered]));
    assert_eq!(folder.progress(), fold(&events, OFFSET));
    fresh();
}

#[wasm_bindgen_test]
fn a_snapshot_finds_its_place_when_earlier_chunks_are_not_full() {
    // Chunks of 100, 256 and 50 events (as a log written in rounds by the
    // load benchmark, or after a chunk was set aside, may have).
    fresh();
    let device = storage::device_id().unwrap();
    let events = history(&device, 406);
    for (index, part) in [&events[..100], &events[100..356], &events[356..]]
        .iter()
        .enumerate()
    {
        local()
            .set_item(
                &format!("qinglian.events.{index:06}"),
                &serde_json::to_string(part).unwrap(),
            )
            .unwrap();
    }
    let mut log = storage::load_events().unwrap();
    let snapshot = Folder::new(&events, OFFSET).snapshot(406, Some(&events[405].id), 407);
    log.save_snapshot(snapshot).unwrap();
    let later = log.record(study(60), 1_790_000_000_000).unwrap();

    let snapshot = storage::load_snapshot().unwrap();
    assert_eq!((snapshot.chunk, snapshot.before_chunk), (2, 356));
    let (mut log, found) = storage::load_events_after(&snapshot).unwrap();
    assert!(found);
    assert_eq!(log.unread(), 356);
    assert_eq!(log.recent().len(), 51);
    let mut folder = snapshot.resume(OFFSET).unwrap();
    assert!(folder.append(&later));
    log.read_earlier();
    let mut expected = events.clone();
    expected.push(later);
    assert_eq!(log.all().unwrap(), expected);
    assert!(folder.learn_covered(&expected[..406]));
    assert_eq!(folder.progress(), fold(&expected, OFFSET));
    fresh();
}

#[wasm_bindgen_test]
fn a_stale_or_corrupt_snapshot_is_ignored() {
    let count = storage::CHUNK_SIZE * 2 + 10;
    let (events, good) = log_with_snapshot(count, storage::CHUNK_SIZE + 5);

    // Its last event is not where it says (another log since): the whole log is read.
    let mut other = Folder::new(&[], OFFSET).snapshot(good.events, Some("not-in-the-log"), 1);
    (other.chunk, other.before_chunk) = (good.chunk, good.before_chunk);
    let (log, found) = storage::load_events_after(&other).unwrap();
    assert!(!found);
    assert_eq!(log.all().unwrap(), events);
    // It covers more events than the log holds.
    let mut longer = Folder::new(&events, OFFSET).snapshot(count + 300, Some(&events[0].id), 1);
    (longer.chunk, longer.before_chunk) = (good.chunk, good.before_chunk);
    let (log, found) = storage::load_events_after(&longer).unwrap();
    assert!(!found);
    assert_eq!(log.all().unwrap(), events);

    // Unreadable, or of another form: dropped (a cache, not set aside).
    for raw in ["{\"v\":1, oops", "{\"v\":99}", "[]"] {
        local().set_item("qinglian.events.snapshot", raw).unwrap();
        assert_eq!(storage::load_snapshot(), None);
        assert_eq!(local().get_item("qinglian.events.snapshot").unwrap(), None);
    }
    assert!(storage::set_aside_entries().is_empty());

    // A reset forgets it with the log.
    local()
        .set_item("qinglian.events.snapshot", &good.to_json())
        .unwrap();
    let mut log = storage::load_events().unwrap();
    log.clear();
    assert_eq!(storage::load_snapshot(), None);
    fresh();
}

#[wasm_bindgen_test]
fn events_recorded_before_the_whole_log_is_read_are_kept_once() {
    // The last chunk two short of full, so recording goes on into a new one.
    let count = storage::CHUNK_SIZE * 3 - 2;
    let (events, snapshot) = log_with_snapshot(count, count - 20);
    // A stale meta: the snapshot still knows the device's next seq.
    local()
        .set_item("qinglian.events.meta", r#"{"chunks":3,"next_seq":1}"#)
        .unwrap();
    let (mut log, found) = storage::load_events_after(&snapshot).unwrap();
    assert!(found && !log.is_complete());
    let recorded: Vec<Event> = (0..5)
        .map(|n| log.record(study(60), 1_790_000_000_000 + n).unwrap())
        .collect();
    let seqs: Vec<u64> = recorded.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (count as u64 + 1..=count as u64 + 5).collect::<Vec<_>>()
    );
    assert!(!log.is_complete());

    log.read_earlier();
    let expected: Vec<Event> = events.iter().chain(&recorded).cloned().collect();
    assert_eq!(log.all().unwrap(), expected);
    assert_eq!(storage::load_events().unwrap().all().unwrap(), expected);

    // Merging before the whole log is read compares with all of it.
    let (mut log, _) = storage::load_events_after(&snapshot).unwrap();
    assert_eq!(log.merge_in(&events[..10]).unwrap(), 0);
    assert!(log.is_complete());
    assert_eq!(log.all().unwrap(), expected);
    fresh();
}

#[wasm_bindgen_test]
fn a_full_quota_when_writing_the_snapshot_loses_nothing() {
    // A snapshot of the first events; then reflections that make the next
    // snapshot bigger; then the quota fills up.
    let count = storage::CHUNK_SIZE + 30;
    let (mut events, kept) = log_with_snapshot(count, count);
    let mut log = storage::load_events().unwrap();
    let long: Vec<Event> = (0..20)
        .map(|n| {
            let mut e = events[n].clone();
            e.id = format!("long-{n}");
            e.seq = 10_000 + n as u64;
            e.at = 1_790_000_000_000 + n as i64;
            e.kind = qinglian_core::events::EventKind::ReflectionSaved {
                lesson: format!("lesson-{n}"),
                text: "记".repeat(2_000),
            };
            e
        })
        .collect();
    assert_eq!(log.merge_in(&long).unwrap(), 20);
    events.extend(long);
    fill_the_quota();
    let bigger = Folder::new(&events, OFFSET).snapshot(events.len(), Some("long-19"), 1);
    assert_eq!(log.save_snapshot(bigger), Err(StorageError::Full));
    // The one kept before stays, still right for what it covers.
    assert_eq!(storage::load_snapshot(), Some(kept.clone()));
    assert!(kept.covers_start_of(&events));
    assert_eq!(storage::load_events().unwrap().all().unwrap(), events);
    // The log comes first: recording makes room by dropping the snapshot.
    let recorded = log.record(study(60), 1_790_000_000_000).unwrap();
    assert_eq!(storage::load_snapshot(), None);
    events.push(recorded);
    assert_eq!(storage::load_events().unwrap().all().unwrap(), events);
    fresh();
}

/// Fills local storage to the last few bytes (directly: `write_raw` would
/// have Today's picture make room).
fn fill_the_quota() {
    let chunk = "x".repeat(512 * 1024);
    let mut filled = 0;
    while local()
        .set_item(&format!("qinglian.filler.{filled}"), &chunk)
        .is_ok()
    {
        filled += 1;
        assert!(filled < 200, "the quota never filled up");
    }
    let mut small = 4096;
    while small > 0 {
        if local()
            .set_item(
                &format!("qinglian.filler.small.{small}.{filled}"),
                &"y".repeat(small),
            )
            .is_err()
        {
            small /= 2;
        } else {
            filled += 1;
        }
    }
}

/// Puts `text` under `path` in the published-content cache directly, as an
/// earlier version did, without the app's note that something is kept.
async fn keep_in_cache_behind_the_apps_back(path: &str, text: &str) {
    let caches = web_sys::window().unwrap().caches().unwrap();
    let cache: web_sys::Cache =
        wasm_bindgen_futures::JsFuture::from(caches.open("qinglian.published-content"))
            .await
            .unwrap()
            .dyn_into()
            .unwrap();
    let response = web_sys::Response::new_with_opt_str(Some(text)).unwrap();
    wasm_bindgen_futures::JsFuture::from(cache.put_with_str(path, &response))
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn start_up_skips_cache_storage_only_once_it_has_found_it_empty() {
    let path = "/published/pack.zh-Hans.json";
    storage::forget_published().await;
    fresh();
    let text = r#"{"version":"2025-01","lang":"zh-Hans"}"#;
    // Kept by an earlier version, which left no note: found by looking.
    keep_in_cache_behind_the_apps_back(path, text).await;
    assert_eq!(
        storage::published(path).await.as_deref(),
        Some(text.as_bytes())
    );
    assert_eq!(
        storage::read_raw("qinglian.published.kept").as_deref(),
        Some("1")
    );
    assert_eq!(
        storage::published(path).await.as_deref(),
        Some(text.as_bytes())
    );
    // Forgotten: noted as none, so the next start does not open the cache.
    storage::forget_published().await;
    assert_eq!(
        storage::read_raw("qinglian.published.kept").as_deref(),
        Some("0")
    );
    assert_eq!(storage::published(path).await, None);
    // Kept again by the app: the note says so before the cache is written.
    storage::put_published(path, text).await.unwrap();
    assert_eq!(
        storage::read_raw("qinglian.published.kept").as_deref(),
        Some("1")
    );
    assert_eq!(
        storage::published(path).await.as_deref(),
        Some(text.as_bytes())
    );
    // Nothing kept and no note: looking finds nothing, and says so.
    storage::forget_published().await;
    fresh();
    assert_eq!(storage::published(path).await, None);
    assert_eq!(
        storage::read_raw("qinglian.published.kept").as_deref(),
        Some("0")
    );
    fresh();
}

#[wasm_bindgen_test]
async fn published_content_is_kept_in_cache_storage_and_forgotten_on_request() {
    storage::forget_published().await;
    assert_eq!(storage::published("/published/pack.en.json").await, None);
    let text = r#"{"version":"2026-11","lang":"zh-Hans","title":"廉洁从政"}"#;
    storage::put_published("/published/pack.zh-Hans.json", text)
        .await
        .unwrap();
    assert_eq!(
        storage::published("/published/pack.zh-Hans.json")
            .await
            .as_deref(),
        Some(text.as_bytes())
    );
    // Not in local storage: that room is the event log's.
    fresh();
    assert_eq!(
        storage::published("/published/pack.zh-Hans.json")
            .await
            .as_deref(),
        Some(text.as_bytes())
    );
    storage::forget_published().await;
    assert_eq!(
        storage::published("/published/pack.zh-Hans.json").await,
        None
    );
}
