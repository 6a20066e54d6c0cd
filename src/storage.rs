//! Everything the app keeps in the browser, behind one module: the layout of
//! keys, its schema version, and what happens when storage fails. Nothing here
//! fails silently: a full quota is reported to the caller, and an entry that
//! cannot be read is set aside (kept under a quarantine key) and reported.

use gloo_storage::{LocalStorage, Storage};
use qinglian_core::i18n::{Key, Message};
use qinglian_core::settings::{Lang, Settings};
use qinglian_core::today_picture;
use wasm_bindgen::JsCast;

/// Every key starts with this, so the app never touches another site's data
/// on a shared origin and an export knows what is ours.
pub const PREFIX: &str = "qinglian.";
/// The storage layout's version; `migrate` brings older layouts up to it.
/// 3: the event log's chunks in the packed form of
/// [`qinglian_core::log_chunk`] (2 wrote them in its compact JSON form,
/// 1 as sent to the server).
pub const SCHEMA_VERSION: u32 = 3;
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

impl StorageError {
    /// What the learner is told.
    pub fn message(&self) -> Message {
        match self {
            StorageError::Full => Message::key(Key::StorageFull),
            StorageError::Unavailable(_) => Message::key(Key::ErrStorageUnavailable),
        }
    }
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

/// Writes a raw entry, telling a full quota apart from other failures. On a
/// full quota Today's picture (only a cache of the screen) makes room and
/// the write is tried once more: it never takes the learner's records' room.
pub fn write_raw(key: &str, value: &str) -> Result<(), StorageError> {
    let storage = storage()?;
    match storage.set_item(key, value).map_err(classify) {
        Err(StorageError::Full)
            if key != today_picture::KEY && read_raw(today_picture::KEY).is_some() =>
        {
            remove(today_picture::KEY);
            storage.set_item(key, value).map_err(classify)
        }
        result => result,
    }
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
/// From 1 to 2 and from 2 to 3 only the form of the log's chunks changed,
/// and reading a chunk still in an earlier form rewrites it whatever the
/// stamp says, so the only step here is stamping it.
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
/// The stored settings; on a first run, the defaults in the phone's language.
pub fn load_settings() -> Settings {
    match read_raw(SETTINGS_KEY) {
        None => Settings {
            lang: Lang::from_browser(&browser_languages()),
            ..Settings::default()
        },
        Some(raw) => match Settings::from_json(&raw) {
            Ok(settings) => settings,
            Err(corrupt) => {
                set_aside(SETTINGS_KEY, &raw, &corrupt.reason);
                Settings::default()
            }
        },
    }
}

/// `navigator.languages`, most preferred first (with `navigator.language`
/// when the list is missing).
fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let mut tags: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|tag| tag.as_string())
        .collect();
    if tags.is_empty() {
        tags.extend(navigator.language());
    }
    tags
}

/// A JSON entry, or `None` when absent. One that cannot be read is set aside
/// (kept under the quarantine key, listed in Settings) and `None` returned.
pub fn load_json<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
    let raw = read_raw(key)?;
    match serde_json::from_str(&raw) {
        Ok(value) => Some(value),
        Err(err) => {
            set_aside(key, &raw, &format!("not readable: {err}"));
            None
        }
    }
}

/// Writes a JSON entry; a full quota is reported, nothing half-written.
pub fn save_json<T: serde::Serialize>(key: &str, value: &T) -> Result<(), StorageError> {
    write_raw(
        key,
        &serde_json::to_string(value).expect("stored values serialise"),
    )
}

pub fn save_settings(settings: &Settings) -> Result<(), StorageError> {
    write_raw(SETTINGS_KEY, &settings.to_json())
}

/// Tells the server, for every later page load, that this browser's learner
/// has chosen a tier, so that it answers with the study part instead of the
/// first visit's welcome (`qinglian_core::app_parts::STARTED_COOKIE`).
/// `true` when the browser keeps the cookie (it was there, or is now).
pub fn note_started() -> bool {
    use qinglian_core::app_parts::{started, STARTED_COOKIE};
    let Some(document) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
    else {
        return false;
    };
    let kept = |document: &web_sys::HtmlDocument| {
        document
            .cookie()
            .is_ok_and(|cookies| started(Some(&cookies)))
    };
    if kept(&document) {
        return true;
    }
    // Ten years; it says nothing about the learner but that one was here.
    let _ = document.set_cookie(&format!(
        "{STARTED_COOKIE}=1; Max-Age=315360000; Path=/; SameSite=Strict"
    ));
    kept(&document)
}

// ---------------------------------------------------------------------------
// The progress event log.
//
// Layout (schema 3): `qinglian.device` holds this browser's device id;
// `qinglian.events.NNNNNN` hold the log in chunks of up to CHUNK_SIZE events
// (in the packed form of `log_chunk`, about 13 characters an event: the
// browser loads the whole of a site's storage at the first read, so this
// is paid at every start; schema 1 wrote JSON arrays of events and schema 2
// compact JSON, both still read and rewritten when read); `qinglian.events.meta` holds
// `{chunks, next_seq}`. Appending
// rewrites only the last chunk, so a write costs the same with 10 or 10,000
// events stored. A chunk that cannot be read is set aside and the rest loads.
// `qinglian.events.snapshot` holds a snapshot of the progress fold of the
// log's first events (`progress::FoldSnapshot`), so start-up reads only the
// chunks after it; the rest is read after the first screen is drawn.

use qinglian_core::events::{Event, EventKind};
use qinglian_core::log_chunk;
use qinglian_core::progress::FoldSnapshot;

/// Whether a change another tab made (a `storage` event's key) is one of
/// the log's: then this tab catches up ([`EventLog::catch_up`]).
pub fn is_log_key(key: &str) -> bool {
    key.starts_with(CHUNK_PREFIX) && key != SNAPSHOT_KEY
}

/// Events per storage entry: small enough to rewrite on every append.
pub const CHUNK_SIZE: usize = 256;
const DEVICE_KEY: &str = "qinglian.device";
const META_KEY: &str = "qinglian.events.meta";
const CHUNK_PREFIX: &str = "qinglian.events.";
const SNAPSHOT_KEY: &str = "qinglian.events.snapshot";
const READING_PREFIX: &str = "qinglian.reading.";

fn chunk_key(index: usize) -> String {
    format!("{CHUNK_PREFIX}{index:06}")
}

/// The log as loaded, plus what appending needs. At start-up it may hold
/// only its last chunks (see [`load_events_after`]) until
/// [`EventLog::read_earlier`] reads the others: [`EventLog::all`] answers
/// only when every chunk has been read, so nothing takes part of the log for
/// the whole.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    /// The events read, in the order stored: every one, or the chunks from
    /// `first_chunk` on.
    events: Vec<Event>,
    /// This browser's device id.
    pub device: String,
    /// The next per-device sequence number.
    pub next_seq: u64,
    /// How many chunks exist; the last one is appended to.
    chunks: usize,
    /// The first chunk read; those before it are still to be read …
    first_chunk: usize,
    /// … and how many events they hold (as the snapshot says).
    unread: usize,
    /// The events of the last chunk (to rewrite it on append).
    last_chunk: Vec<Event>,
    /// The last chunk as this tab last wrote or read it: when storage holds
    /// the same, no other tab has written since ([`EventLog::catch_up`]).
    last_chunk_stored: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Meta {
    chunks: usize,
    next_seq: u64,
}

/// A new random id (UUID v4) from the browser's crypto.
pub fn new_uuid() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| {
            // No crypto (very old browser): time and Math.random still give a unique id here.
            format!(
                "{:x}-{:x}",
                js_sys::Date::now() as u64,
                (js_sys::Math::random() * 1e16) as u64
            )
        })
}

/// This browser's device id, created on first use.
pub fn device_id() -> Result<String, StorageError> {
    if let Some(id) = read_raw(DEVICE_KEY).filter(|id| !id.trim().is_empty()) {
        return Ok(id);
    }
    let id = new_uuid();
    write_raw(DEVICE_KEY, &id)?;
    Ok(id)
}

/// The log's device and meta, no events read yet (every chunk to be read).
fn open_log() -> Result<EventLog, StorageError> {
    let device = device_id()?;
    let meta: Meta = match read_raw(META_KEY) {
        None => Meta::default(),
        Some(raw) => match serde_json::from_str(&raw) {
            Ok(meta) => meta,
            Err(err) => {
                set_aside(META_KEY, &raw, &format!("not valid JSON: {err}"));
                // Rebuild from the chunks that exist.
                Meta::default()
            }
        },
    };
    // The meta is a hint: chunks written after it (its write failed) count.
    let chunks = count_chunks_from(meta.chunks);
    Ok(EventLog {
        device,
        chunks,
        first_chunk: chunks,
        next_seq: meta.next_seq.max(1),
        ..EventLog::default()
    })
}

/// One chunk's events; `None` when it is absent or cannot be read (then it
/// is set aside). One in an earlier form is rewritten in the packed one.
fn read_chunk(index: usize) -> Option<Vec<Event>> {
    let key = chunk_key(index);
    let raw = read_raw(&key)?;
    match log_chunk::decode(&raw) {
        Ok(events) => {
            if log_chunk::is_old_form(&raw) {
                // Smaller than what it replaces, so it fits even in a
                // full storage; if it still fails, the older form stays
                // and is read again next time.
                let _ = write_raw(&key, &log_chunk::encode(&events));
            }
            Some(events)
        }
        Err(err) => {
            set_aside(&key, &raw, &format!("events could not be read: {err}"));
            None
        }
    }
}

/// The events of chunks `from..to`, in order.
fn read_chunks(chunks: std::ops::Range<usize>) -> Vec<Event> {
    let mut events = Vec::with_capacity(chunks.len() * CHUNK_SIZE);
    for index in chunks {
        events.extend(read_chunk(index).unwrap_or_default());
    }
    events
}

/// Loads every readable chunk. Unreadable chunks are set aside (and listed by
/// [`set_aside_entries`]); the sequence continues after the highest seen.
pub fn load_events() -> Result<EventLog, StorageError> {
    let mut log = open_log()?;
    log.read_from(0, None);
    Ok(log)
}

/// Start-up's load with a snapshot of the progress: only the chunks from the
/// one holding the last event the snapshot covers, so the events after it
/// can be folded on without reading years of history first. The log is not
/// complete until [`EventLog::read_earlier`]. Returns whether the
/// snapshot's last event is where it says; when it is not (the log was
/// reset, or a chunk lost, since it was written), the whole log is read, as
/// [`load_events`] does, and the snapshot is of no use.
pub fn load_events_after(snapshot: &FoldSnapshot) -> Result<(EventLog, bool), StorageError> {
    let mut log = open_log()?;
    let Some(index) = snapshot
        .events
        .checked_sub(1)
        .and_then(|last| last.checked_sub(snapshot.before_chunk))
    else {
        log.read_from(0, None);
        return Ok((log, snapshot.events == 0));
    };
    let chunk = snapshot.chunk;
    let read = (chunk < log.chunks).then(|| read_chunk(chunk)).flatten();
    let found = read
        .as_ref()
        .and_then(|events| events.get(index))
        .is_some_and(|e| Some(&e.id) == snapshot.last_id.as_ref());
    if !found {
        log.read_from(0, None);
        return Ok((log, false));
    }
    log.read_from(chunk, read);
    log.unread = snapshot.before_chunk;
    // Its device's events in the chunks not read have lower numbers.
    log.next_seq = log.next_seq.max(snapshot.next_seq);
    Ok((log, true))
}

/// Chunks after `meta_chunks` that exist too (a write of the meta failed).
fn count_chunks_from(meta_chunks: usize) -> usize {
    let mut n = meta_chunks;
    while read_raw(&chunk_key(n)).is_some() {
        n += 1;
    }
    n
}

fn count_chunks() -> usize {
    count_chunks_from(0)
}

/// The stored snapshot of the progress fold, if there is one it can read. A
/// cache: one that cannot be read (or of another form) is removed, and the
/// progress comes from the log.
pub fn load_snapshot() -> Option<FoldSnapshot> {
    let raw = read_raw(SNAPSHOT_KEY)?;
    match FoldSnapshot::from_json(&raw) {
        Ok(snapshot) => Some(snapshot),
        Err(_) => {
            remove(SNAPSHOT_KEY);
            None
        }
    }
}

impl EventLog {
    /// Every event, in the order stored; `None` while chunks read at
    /// start-up are still to be read ([`EventLog::read_earlier`]).
    pub fn all(&self) -> Option<&[Event]> {
        self.is_complete().then_some(self.events.as_slice())
    }

    /// The events read: all of them, or at start-up the last chunks (those
    /// recorded lately, and every event recorded since).
    pub fn recent(&self) -> &[Event] {
        &self.events
    }

    /// Have all chunks been read?
    pub fn is_complete(&self) -> bool {
        self.first_chunk == 0
    }

    /// How many events come before [`EventLog::recent`]: those of the
    /// chunks not read yet, as the snapshot counted them (a chunk lost
    /// since shows only when they are read).
    pub fn unread(&self) -> usize {
        self.unread
    }

    /// Keeps a snapshot of the progress fold of the whole log for the next
    /// start, with where the log keeps its last event. Nothing is written
    /// when the snapshot is not of the whole log, or the log's last chunk
    /// could not be read (then start-up folds the log). On a failure (a full
    /// quota) the snapshot kept before stays, still right for the events it
    /// covers; nothing else is touched.
    pub fn save_snapshot(&self, mut snapshot: FoldSnapshot) -> Result<(), StorageError> {
        let whole = self.all().is_some_and(|all| {
            snapshot.events == all.len()
                && snapshot.last_id.as_ref() == all.last().map(|e| &e.id)
                && all.last() == self.last_chunk.last()
        });
        if !whole {
            return Ok(());
        }
        snapshot.chunk = self.chunks - 1;
        snapshot.before_chunk = snapshot.events - self.last_chunk.len();
        write_raw(SNAPSHOT_KEY, &snapshot.to_json())
    }

    /// Reads the chunks not read at start-up, so the log is complete. Runs
    /// after the first screen is drawn, or at once for whatever needs the
    /// whole log before then (merging, export); nothing when complete.
    pub fn read_earlier(&mut self) {
        if self.is_complete() {
            return;
        }
        let mut events = read_chunks(0..self.first_chunk);
        events.append(&mut self.events);
        self.events = events;
        self.first_chunk = 0;
        self.unread = 0;
        self.continue_sequence();
        crate::timing::mark("log-completed");
    }

    /// The events of the chunks not read yet, without keeping them (a new
    /// fold needs them before the log is complete).
    pub fn read_earlier_events(&self) -> Vec<Event> {
        read_chunks(0..self.first_chunk)
    }

    /// Reads chunks `first..` into an empty log; `read` is chunk `first`'s
    /// events when they have been read already.
    fn read_from(&mut self, first: usize, mut read: Option<Vec<Event>>) {
        self.first_chunk = first;
        for index in first..self.chunks {
            let events = match read.take() {
                Some(events) if index == first => Some(events),
                _ => read_chunk(index),
            };
            let Some(events) = events else { continue };
            if index + 1 == self.chunks {
                self.last_chunk = events.clone();
            }
            self.events.extend(events);
        }
        self.continue_sequence();
    }

    /// The sequence continues after the highest seq of this device read.
    fn continue_sequence(&mut self) {
        let highest_own = self
            .events
            .iter()
            .filter(|e| e.device == self.device)
            .map(|e| e.seq)
            .max()
            .unwrap_or(0);
        self.next_seq = self.next_seq.max(highest_own + 1);
    }

    /// Takes in what another tab of the app wrote to the log since this one
    /// last read or wrote it. Both append to the same last chunk: without
    /// this, each would rewrite it from its own memory, dropping the other's
    /// newest events, and both would number this device's events alike.
    /// Events of this tab that another's rewrite dropped (two tabs writing
    /// at the same moment) are written again after the others. A log reset
    /// in another tab is read anew. Returns whether the log changed.
    pub fn catch_up(&mut self) -> Result<bool, StorageError> {
        let meta: Meta = read_raw(META_KEY)
            .and_then(|raw| serde_json::from_str(&raw).ok())
            .unwrap_or_default();
        let stored_chunks = count_chunks_from(meta.chunks);
        if meta.next_seq > self.next_seq {
            self.next_seq = meta.next_seq;
        }
        if stored_chunks < self.chunks {
            // Reset elsewhere (after a sign-out, as another device): what
            // storage holds is the log.
            *self = load_events()?;
            return Ok(true);
        }
        let from = self.chunks.saturating_sub(1);
        if stored_chunks == self.chunks && self.chunks > 0 {
            let raw = read_raw(&chunk_key(from));
            if raw.is_some() && raw == self.last_chunk_stored {
                return Ok(false);
            }
        }
        let tail: Vec<Vec<Event>> = (from..stored_chunks)
            .map(|index| read_chunk(index).unwrap_or_default())
            .collect();
        let ours: std::collections::HashSet<&str> =
            self.last_chunk.iter().map(|e| e.id.as_str()).collect();
        let theirs: std::collections::HashSet<&str> =
            tail.iter().flatten().map(|e| e.id.as_str()).collect();
        let foreign = tail.iter().flatten().any(|e| !ours.contains(e.id.as_str()));
        let mut lost: Vec<Event> = self
            .last_chunk
            .iter()
            .filter(|e| !theirs.contains(e.id.as_str()))
            .cloned()
            .collect();
        // Numbers this device's other events now use.
        let taken: std::collections::HashSet<u64> = tail
            .iter()
            .flatten()
            .filter(|e| e.device == self.device)
            .map(|e| e.seq)
            .collect();
        if foreign || !lost.is_empty() {
            // Memory ends with the last chunk as this tab knew it: it now
            // ends with the chunks as stored.
            let known = self.events.len().saturating_sub(self.last_chunk.len());
            self.events.truncate(known);
            self.events.extend(tail.iter().flatten().cloned());
            self.chunks = stored_chunks.max(self.chunks);
            self.last_chunk = tail.last().cloned().unwrap_or_default();
            self.continue_sequence();
        }
        self.last_chunk_stored = read_raw(&chunk_key(self.chunks.saturating_sub(1)));
        if !lost.is_empty() {
            // The other tab numbered its events from the same point: one of
            // this tab's whose number it took gets the next free one (both
            // were written a moment ago, so the server has neither yet).
            for event in lost.iter_mut() {
                if event.device == self.device && taken.contains(&event.seq) {
                    event.seq = self.next_seq;
                    self.next_seq += 1;
                }
            }
            // Kept in memory even if storage refuses them again (the error
            // is reported; a sync can still send them).
            if let Err(err) = self.append(lost.clone()) {
                self.events.extend(lost);
                return Err(err);
            }
            let _ = self.write_meta();
        }
        Ok(foreign || !lost.is_empty())
    }

    /// Records a new event of this device now, after what another tab stored
    /// ([`EventLog::catch_up`]). On failure the event is kept neither in
    /// storage nor in memory. Needs only the last chunk, so it works before
    /// the log is complete.
    pub fn record(&mut self, kind: EventKind, at: i64) -> Result<Event, StorageError> {
        self.catch_up()?;
        let event = Event {
            id: new_uuid(),
            device: self.device.clone(),
            seq: self.next_seq,
            at,
            kind,
        };
        self.append(vec![event.clone()])?;
        self.next_seq += 1;
        // The meta entry is a hint: loading recomputes the sequence from the
        // events themselves, so a failure here loses nothing.
        let _ = self.write_meta();
        Ok(event)
    }

    /// Appends events (recorded here or imported), chunk by chunk.
    fn append(&mut self, events: Vec<Event>) -> Result<(), StorageError> {
        let mut chunks = self.chunks;
        let mut last = self.last_chunk.clone();
        let mut stored = None;
        if chunks == 0 {
            chunks = 1;
        }
        for event in &events {
            if last.len() >= CHUNK_SIZE {
                chunks += 1;
                last.clear();
            }
            last.push(event.clone());
            // Write as soon as a chunk is full or at the end.
            if last.len() == CHUNK_SIZE {
                stored = Some(write_chunk(chunks - 1, &last)?);
            }
        }
        if last.len() < CHUNK_SIZE || events.is_empty() {
            stored = Some(write_chunk(chunks - 1, &last)?);
        }
        self.chunks = chunks;
        self.last_chunk = last;
        self.last_chunk_stored = stored;
        self.events.extend(events);
        Ok(())
    }

    fn write_meta(&self) -> Result<(), StorageError> {
        let meta = Meta {
            chunks: self.chunks,
            next_seq: self.next_seq,
        };
        write_raw(
            META_KEY,
            &serde_json::to_string(&meta).expect("meta serialises"),
        )
    }

    /// Adds the events whose ids are not here yet (an import, or a pull from
    /// the server). Returns how many were new; importing twice adds nothing.
    /// Reads the whole log first: the ids to compare with are in all of it.
    pub fn merge_in(&mut self, incoming: &[Event]) -> Result<usize, StorageError> {
        self.catch_up()?;
        self.read_earlier();
        let known: std::collections::HashSet<&str> =
            self.events.iter().map(|e| e.id.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        let fresh: Vec<Event> = incoming
            .iter()
            .filter(|e| !known.contains(e.id.as_str()) && seen.insert(e.id.clone()))
            .cloned()
            .collect();
        let count = fresh.len();
        if count > 0 {
            let own_max = fresh
                .iter()
                .filter(|e| e.device == self.device)
                .map(|e| e.seq)
                .max()
                .unwrap_or(0);
            self.append(fresh)?;
            self.next_seq = self.next_seq.max(own_max + 1);
            let _ = self.write_meta();
        }
        Ok(count)
    }

    /// Forgets every event (the confirmed reset), and the progress snapshot
    /// with them. The device keeps its id and its sequence goes on (a server
    /// that holds this device's earlier events would otherwise take the next
    /// ones for repeats, or refuse them).
    pub fn clear(&mut self) {
        remove(SNAPSHOT_KEY);
        // It shows the progress forgotten here (and, after a sign-out, the
        // name of the one who signed out).
        remove(today_picture::KEY);
        for index in 0..self.chunks.max(count_chunks()) {
            remove(&chunk_key(index));
        }
        let device = std::mem::take(&mut self.device);
        *self = EventLog {
            device,
            next_seq: self.next_seq.max(1),
            ..EventLog::default()
        };
        let _ = self.write_meta();
    }

    /// Forgets every event and starts over as another device (after a
    /// sign-out: the next person's events must not continue this sequence).
    pub fn clear_as_new_device(&mut self) -> Result<(), StorageError> {
        self.clear();
        remove(DEVICE_KEY);
        self.device = device_id()?;
        self.next_seq = 1;
        self.write_meta()
    }

    /// Makes sure the next event's seq comes after `seq` (what the server
    /// already holds of this device), whatever happened to local storage.
    pub fn continue_after(&mut self, seq: u64) {
        if self.next_seq <= seq {
            self.next_seq = seq + 1;
            let _ = self.write_meta();
        }
    }
}

/// Writes a chunk of the log. The log comes before the progress snapshot,
/// which is only a cache: on a full quota the snapshot makes room and the
/// write is tried once more.
/// Returns the chunk as stored.
fn write_chunk(index: usize, events: &[Event]) -> Result<String, StorageError> {
    let key = chunk_key(index);
    let value = log_chunk::encode(events);
    match write_raw(&key, &value) {
        Err(StorageError::Full) if read_raw(SNAPSHOT_KEY).is_some() => {
            remove(SNAPSHOT_KEY);
            write_raw(&key, &value)
        }
        result => result,
    }
    .map(|()| value)
}

/// Where the learner stopped reading a lesson (per mille of its height).
pub fn reading_position(lesson: &str) -> Option<u32> {
    read_raw(&format!("{READING_PREFIX}{lesson}")).and_then(|v| v.parse().ok())
}

/// Reading positions are a convenience, not progress: a failure to save one
/// is not worth interrupting the reader for.
pub fn save_reading_position(lesson: &str, per_mille: u32) {
    let _ = write_raw(&format!("{READING_PREFIX}{lesson}"), &per_mille.to_string());
}

/// Forgets every reading position (part of the reset).
pub fn clear_reading_positions() {
    let Ok(storage) = storage() else { return };
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|k| k.starts_with(READING_PREFIX))
        .collect();
    for key in keys {
        remove(&key);
    }
}

// ---------------------------------------------------------------------------
// Content the bureau's server published, kept in the browser's Cache Storage:
// hundreds of kilobytes that would otherwise take a fifth of the 5.2 million
// characters the event log needs. The service worker removes only caches
// named `qinglian-<build>`, so this one (with a dot) outlives app updates.

const PUBLISHED_CACHE: &str = "qinglian.published-content";

async fn published_cache() -> Result<web_sys::Cache, StorageError> {
    let window =
        web_sys::window().ok_or_else(|| StorageError::Unavailable("no window".to_owned()))?;
    let caches = window.caches().map_err(classify)?;
    let cache = wasm_bindgen_futures::JsFuture::from(caches.open(PUBLISHED_CACHE))
        .await
        .map_err(classify)?;
    cache
        .dyn_into()
        .map_err(|_| StorageError::Unavailable("Cache Storage answered oddly".to_owned()))
}

/// Whether the published-content cache holds anything: "1" it may, "0" it
/// holds nothing (so start-up need not open Cache Storage, which takes a
/// tenth of a second on a slow phone). Absent means "look": an earlier
/// version kept content without saying so, or this note could not be saved.
/// It is only ever "0" after the cache was found empty or deleted.
const PUBLISHED_NOTE_KEY: &str = "qinglian.published.kept";

/// Notes whether published content is kept; a note that cannot be saved is
/// removed, which means "look" next time, never a wrong "none".
fn note_published(kept: bool) {
    if write_raw(PUBLISHED_NOTE_KEY, if kept { "1" } else { "0" }).is_err() {
        remove(PUBLISHED_NOTE_KEY);
    }
}

/// Whether published content is kept, as far as known without opening
/// Cache Storage: `Some(false)` none, `Some(true)` some, `None` not known.
pub fn published_kept() -> Option<bool> {
    match read_raw(PUBLISHED_NOTE_KEY).as_deref() {
        Some("0") => Some(false),
        Some("1") => Some(true),
        _ => None,
    }
}

/// Keeps `text` under `path` in the published-content cache.
pub async fn put_published(path: &str, text: &str) -> Result<(), StorageError> {
    // Noted first: content kept while the note said "none" would be hidden.
    note_published(true);
    let cache = published_cache().await?;
    let response = web_sys::Response::new_with_opt_str(Some(text)).map_err(classify)?;
    wasm_bindgen_futures::JsFuture::from(cache.put_with_str(path, &response))
        .await
        .map_err(classify)?;
    Ok(())
}

/// The bytes kept under `path` (as the server sent them); `None` when there
/// are none or they cannot be read.
pub async fn published(path: &str) -> Option<Vec<u8>> {
    let note = read_raw(PUBLISHED_NOTE_KEY);
    if note.as_deref() == Some("0") {
        return None;
    }
    let text = read_published(path).await;
    if note.is_none() {
        // Each publication is kept in every language, so none in this
        // language means none at all.
        note_published(text.is_some());
    }
    text
}

async fn read_published(path: &str) -> Option<Vec<u8>> {
    // Usually read already, while the wasm compiled (see boot_reads.js).
    if let Ok(started) = crate::pack::take_started(path).dyn_into::<js_sys::Promise>() {
        if let Ok(body) = wasm_bindgen_futures::JsFuture::from(started).await {
            return crate::pack::bytes_of(&body);
        }
    }
    let cache = published_cache().await.ok()?;
    let found = wasm_bindgen_futures::JsFuture::from(cache.match_with_str(path))
        .await
        .ok()?;
    let response: web_sys::Response = found.dyn_into().ok()?;
    let body = wasm_bindgen_futures::JsFuture::from(response.array_buffer().ok()?)
        .await
        .ok()?;
    crate::pack::bytes_of(&body)
}

/// Forgets everything kept in the published-content cache.
pub async fn forget_published() {
    let deleted = match web_sys::window().and_then(|w| w.caches().ok()) {
        Some(caches) => wasm_bindgen_futures::JsFuture::from(caches.delete(PUBLISHED_CACHE))
            .await
            .is_ok(),
        None => false,
    };
    if deleted {
        note_published(false);
    } else {
        remove(PUBLISHED_NOTE_KEY);
    }
}
