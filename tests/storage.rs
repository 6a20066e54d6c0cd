//! Browser tests of the storage layer, in headless Chromium
//! (`cargo xtask test` runs them with wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use qinglian::storage::{self, StorageError};
use qinglian_core::settings::{Lang, Settings, TextSize, Theme, Tier};
use wasm_bindgen_test::*;

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
