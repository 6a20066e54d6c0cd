//! Everything the app keeps in the browser, behind one module: the layout of
//! keys, its schema version, and what happens when storage fails. Nothing here
//! fails silently: a full quota is reported to the caller, and an entry that
//! cannot be read is set aside (kept under a quarantine key) and reported.

use gloo_storage::{LocalStorage, Storage};
use qinglian_core::settings::Settings;
use wasm_bindgen::JsCast;

/// Every key starts with this, so the app never touches another site's data
/// on a shared origin and an export knows what is ours.
pub const PREFIX: &str = "qinglian.";
/// The storage layout's version; `migrate` brings older layouts up to it.
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &str = "qinglian.schema";
const SETTINGS_KEY: &str = "qinglian.settings";
const QUARANTINE_PREFIX: &str = "qinglian.set-aside.";

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The browser's quota for this site is used up; nothing was written.
    Full,
    /// Storage is switched off or unreachable (private mode, policy).
    Unavailable(String),
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageError::Full => f.write_str("browser storage is full"),
            StorageError::Unavailable(why) => write!(f, "browser storage is unavailable: {why}"),
        }
    }
}

/// An entry that could not be read, kept aside so nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    /// The key it was read from.
    pub key: String,
    /// Why it could not be used.
    pub reason: String,
}

fn storage() -> Result<web_sys::Storage, StorageError> {
    Ok(LocalStorage::raw())
}

/// Reads a raw entry; `None` when absent or when storage is unreadable.
pub fn read_raw(key: &str) -> Option<String> {
    storage().ok()?.get_item(key).ok().flatten()
}

/// Writes a raw entry, telling a full quota apart from other failures.
pub fn write_raw(key: &str, value: &str) -> Result<(), StorageError> {
    storage()?.set_item(key, value).map_err(classify)
}

pub fn remove(key: &str) {
    if let Ok(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

fn classify(error: wasm_bindgen::JsValue) -> StorageError {
    match error.dyn_ref::<web_sys::DomException>() {
        Some(exception)
            if exception.name() == "QuotaExceededError"
                || exception.name() == "NS_ERROR_DOM_QUOTA_REACHED" =>
        {
            StorageError::Full
        }
        Some(exception) => StorageError::Unavailable(exception.message()),
        None => StorageError::Unavailable(format!("{error:?}")),
    }
}

/// Brings an older layout up to [`SCHEMA_VERSION`]; runs once at start-up.
/// Version 1 is the first layout, so the only step is stamping it.
pub fn migrate() -> Result<(), StorageError> {
    let found = read_raw(SCHEMA_KEY)
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if found < SCHEMA_VERSION {
        write_raw(SCHEMA_KEY, &SCHEMA_VERSION.to_string())?;
    }
    Ok(())
}

/// Moves an unreadable entry to a quarantine key (with the reason) and
/// removes it from its place, so the rest of the app can start fresh there.
pub fn set_aside(key: &str, raw: &str, reason: &str) {
    let record = serde_json::json!({ "key": key, "reason": reason, "raw": raw }).to_string();
    let quarantine = format!("{QUARANTINE_PREFIX}{key}");
    if write_raw(&quarantine, &record).is_ok() {
        remove(key);
    }
}

/// Every entry set aside so far, for the notice in Settings.
pub fn set_aside_entries() -> Vec<SetAside> {
    let Ok(storage) = storage() else {
        return Vec::new();
    };
    let count = storage.length().unwrap_or(0);
    let mut entries = Vec::new();
    for index in 0..count {
        let Some(key) = storage.key(index).ok().flatten() else {
            continue;
        };
        if let Some(original) = key.strip_prefix(QUARANTINE_PREFIX) {
            let reason = read_raw(&key)
                .and_then(|raw| serde_json::from_str::<serde_json::Value>(&raw).ok())
                .and_then(|v| v.get("reason").and_then(|r| r.as_str()).map(str::to_owned))
                .unwrap_or_default();
            entries.push(SetAside {
                key: original.to_owned(),
                reason,
            });
        }
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    entries
}

/// The saved settings, or the defaults. A corrupt entry is set aside, not lost.
pub fn load_settings() -> Settings {
    match read_raw(SETTINGS_KEY) {
        None => Settings::default(),
        Some(raw) => match Settings::from_json(&raw) {
            Ok(settings) => settings,
            Err(corrupt) => {
                set_aside(SETTINGS_KEY, &raw, &corrupt.reason);
                Settings::default()
            }
        },
    }
}

pub fn save_settings(settings: &Settings) -> Result<(), StorageError> {
    write_raw(SETTINGS_KEY, &settings.to_json())
}
