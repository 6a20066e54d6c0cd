//! The app-wide state every page reads from context: settings (persisted),
//! the content pack, the progress event log and what it folds to,
//! connectivity, the waiting update, and storage notices.

use crate::pack::{self, PackState};
use crate::{pwa, storage};
use leptos::prelude::*;
use qinglian_core::calendar::{self, Day};
use qinglian_core::content::Pack;
use qinglian_core::events::{Event, EventKind};
use qinglian_core::i18n::{self, Key};
use qinglian_core::progress::{FoldSnapshot, Folder, Progress};
use qinglian_core::settings::{Settings, Tier};
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// Shared, cheap to copy (signals only).
#[derive(Clone, Copy)]
pub struct AppState {
    /// The learner's preferences; every change is saved and applied to `<html>`.
    pub settings: RwSignal<Settings>,
    /// `navigator.onLine`, kept current by the `online`/`offline` events.
    pub online: RwSignal<bool>,
    /// A new version of the app is installed and waiting for the user's word.
    pub update_ready: RwSignal<bool>,
    /// The last storage failure; `None` when all is well.
    pub storage_error: RwSignal<Option<storage::StorageError>>,
    /// The lessons, quizzes, scenarios and checklists.
    pub pack: RwSignal<PackState>,
    /// The edition's outline (`Pack::outline`), read before the whole
    /// edition so that Today is drawn while the rest is read; `None` until
    /// then, or when there is none to read.
    pub outline: RwSignal<Option<Arc<Pack>>>,
    /// The event log, in memory and in storage.
    pub log: RwSignal<storage::EventLog, LocalStorage>,
    /// Everything derived from the log.
    pub progress: Memo<Arc<Progress>>,
    /// The fold behind `progress`, kept to carry on and to snapshot.
    kept_fold: StoredValue<SharedFold>,
    /// The bureau server account and the sync status.
    pub sync: crate::sync::SyncState,
    /// The unit's sessions, questions, feedback rounds and assignments, and
    /// the requests waiting to be sent.
    pub together: crate::together::TogetherState,
}

/// Milliseconds since 1970 UTC, by the device's clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The device's offset east of UTC, in minutes (JS gives it the other way round).
pub fn offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// Today, in the learner's local time.
pub fn today() -> Day {
    calendar::day_of(now_ms(), offset_minutes())
}

/// Events recorded between two snapshots of the progress written while the
/// app is open (one is written too when the page is hidden). Writing one
/// with 50,000 events stored costs well under a millisecond (`tests/bench.rs`),
/// but not nothing: not on every event.
const SNAPSHOT_EVERY: usize = 100;

/// The fold of the log as far as it was read last time: recording an event
/// adds that one event instead of folding years of history again. At
/// start-up it is resumed from the stored snapshot, so only the events after
/// it are folded before the first screen.
struct KeptFold {
    folder: Folder,
    offset_minutes: i32,
    /// How many of the log's events it has seen, and the last one's id (the
    /// log only grows; anything else, a reset, shows here).
    seen: usize,
    last_id: Option<String>,
    /// Resumed from a snapshot of the log's first `covered` events, whose
    /// ids the folder learns when the log has been read in full.
    covered: Option<usize>,
    /// `seen` when a snapshot was last written or read.
    snapshot_at: usize,
}

impl KeptFold {
    /// Resumed from a snapshot that storage found in its place in the log.
    fn resumed(snapshot: FoldSnapshot, offset_minutes: i32) -> Option<KeptFold> {
        let (seen, last_id) = (snapshot.events, snapshot.last_id.clone());
        Some(KeptFold {
            folder: snapshot.resume(offset_minutes)?,
            offset_minutes,
            seen,
            last_id,
            covered: Some(seen),
            snapshot_at: seen,
        })
    }

    /// A new fold of the whole log; before the log is complete, its chunks
    /// not read yet are read for it (the log keeps only what it had).
    fn anew(log: &storage::EventLog, offset_minutes: i32) -> KeptFold {
        let folder = match log.all() {
            Some(all) => Folder::new(all, offset_minutes),
            None => {
                let mut all = log.read_earlier_events();
                all.extend_from_slice(log.recent());
                Folder::new(&all, offset_minutes)
            }
        };
        KeptFold {
            folder,
            offset_minutes,
            seen: log.unread() + log.recent().len(),
            last_id: log.recent().last().map(|e| e.id.clone()),
            covered: None,
            snapshot_at: 0,
        }
    }

    /// Carries the fold on to all of `log` when the log only grew, in the
    /// fold's order, since it was last seen; `false` (and the fold to be
    /// dropped) when only a new fold can take it in.
    fn carry_on(&mut self, log: &storage::EventLog, offset_minutes: i32) -> bool {
        let (unread, recent) = (log.unread(), log.recent());
        let Some(from) = self
            .seen
            .checked_sub(unread)
            .filter(|from| *from <= recent.len())
        else {
            return false;
        };
        let last = match from {
            0 if unread > 0 => return false,
            0 => None,
            _ => Some(&recent[from - 1].id),
        };
        if self.offset_minutes != offset_minutes || last != self.last_id.as_ref() {
            return false;
        }
        if let (Some(covered), Some(all)) = (self.covered, log.all()) {
            if !self.folder.learn_covered(&all[..covered]) {
                return false;
            }
            self.covered = None;
        }
        if !recent[from..].iter().all(|e| self.folder.append(e)) {
            return false;
        }
        self.seen = unread + recent.len();
        self.last_id = recent.last().map(|e| e.id.clone());
        true
    }

    /// The progress of `log`, carrying on from `kept` when it can, else
    /// folding it all anew.
    fn progress(kept: &mut Option<KeptFold>, log: &storage::EventLog) -> Progress {
        let offset_minutes = offset_minutes();
        let carried_on = kept
            .as_mut()
            .is_some_and(|k| k.carry_on(log, offset_minutes));
        let fold = match kept {
            Some(k) if carried_on => k,
            _ => kept.insert(KeptFold::anew(log, offset_minutes)),
        };
        fold.folder.progress()
    }

    /// A snapshot to keep for the next start: only of the whole log, folded
    /// up to its last event by a fold that knows every id.
    fn snapshot(&self, log: &storage::EventLog) -> Option<FoldSnapshot> {
        let all = log.all()?;
        (self.folder.knows_every_id()
            && self.seen == all.len()
            && self.last_id.as_ref() == all.last().map(|e| &e.id))
        .then(|| {
            self.folder
                .snapshot(self.seen, self.last_id.as_deref(), log.next_seq)
        })
    }
}

type SharedFold = Arc<std::sync::Mutex<Option<KeptFold>>>;

fn lock(kept: &SharedFold) -> std::sync::MutexGuard<'_, Option<KeptFold>> {
    kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Resolves after the next frame has been drawn (a frame, then a task), or
/// after `at_most_ms` when no frame comes (a hidden page draws none).
async fn after_next_frame(at_most_ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let window = window();
        let after_frame = resolve.clone();
        let frame = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = web_sys::window()
                .expect("a window")
                .set_timeout_with_callback_and_timeout_and_arguments_0(&after_frame, 0);
        });
        let _ = window.request_animation_frame(frame.unchecked_ref());
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, at_most_ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

impl AppState {
    /// Loads what is stored, wires the browser's events and the service worker.
    pub fn start() -> AppState {
        let migrated = storage::migrate();
        let offset = offset_minutes();
        // With a snapshot of the progress, only the log's last chunks are
        // read now, and only the events after the snapshot folded.
        let snapshot = storage::load_snapshot().filter(|s| s.offset_minutes == offset);
        let loaded = match snapshot {
            Some(snapshot) => storage::load_events_after(&snapshot)
                .map(|(log, found)| (log, found.then_some(snapshot))),
            None => storage::load_events().map(|log| (log, None)),
        };
        let (mut log, snapshot, log_error) = match loaded {
            Ok((log, snapshot)) => (log, snapshot, None),
            Err(err) => (storage::EventLog::default(), None, Some(err)),
        };
        crate::timing::mark("events-loaded");
        let mut kept = snapshot.and_then(|s| KeptFold::resumed(s, offset));
        if let Some(fold) = &mut kept {
            if !fold.carry_on(&log, offset) {
                // Events the snapshot cannot take (from another device, with
                // earlier times; a void): the whole log is folded, now.
                kept = None;
            }
        }
        if kept.is_none() {
            log.read_earlier();
        }
        let log = RwSignal::new_local(log);
        let kept_fold: SharedFold = Arc::new(std::sync::Mutex::new(kept));
        let fold_for_memo = kept_fold.clone();
        let progress = Memo::new(move |previous: Option<&Arc<Progress>>| {
            let mut kept = lock(&fold_for_memo);
            let folded = Arc::new(log.with(|l| KeptFold::progress(&mut kept, l)));
            // Marked once, at start-up: a mark per recorded event would pile up.
            if previous.is_none() {
                crate::timing::mark("progress-folded");
            }
            folded
        });
        let state = AppState {
            settings: RwSignal::new(storage::load_settings()),
            online: RwSignal::new(window().navigator().on_line()),
            update_ready: RwSignal::new(false),
            storage_error: RwSignal::new(migrated.err().or(log_error)),
            pack: RwSignal::new(PackState::Loading),
            outline: RwSignal::new(None),
            log,
            progress,
            kept_fold: StoredValue::new(kept_fold),
            sync: crate::sync::SyncState::new(),
            together: crate::together::TogetherState::load(),
        };
        // The edition in the reader's language, loaded again when the
        // language changes (progress refers to ids, so it carries over).
        let pack_signal = state.pack;
        let outline_signal = state.outline;
        let lang = Memo::new(move |_| state.settings.with(|s| s.lang));
        Effect::new(move |_| {
            let lang = lang.get();
            leptos::task::spawn_local(async move {
                // The outline first, and a frame drawn with it (Today), before
                // the whole edition is parsed: with hundreds of lessons that
                // takes a slow phone a good part of a second.
                let outline = pack::load_outline(lang).await;
                let outline_read = outline.is_some();
                if let Some(outline) = outline {
                    if lang == state.settings.with_untracked(|s| s.lang) {
                        crate::timing::mark("outline-loaded");
                        outline_signal.set(Some(Arc::new(outline)));
                        after_next_frame(100).await;
                    }
                }
                let loaded = pack::load(lang, outline_read).await;
                crate::timing::mark("pack-loaded");
                // A slow load must not overwrite a newer language's edition.
                if lang == state.settings.with_untracked(|s| s.lang) {
                    pack_signal.set(loaded);
                }
            });
        });
        state.complete_log_after_first_screen();
        // A snapshot every SNAPSHOT_EVERY events, and (below) when the page
        // is hidden (the learner left: the next start is most likely then).
        Effect::new(move |_| {
            state.progress.track();
            let due = lock(&state.kept_fold.get_value())
                .as_ref()
                .is_some_and(|k| k.seen.abs_diff(k.snapshot_at) >= SNAPSHOT_EVERY);
            if due {
                state.keep_snapshot();
            }
        });
        let online = state.online;
        // Another tab of the app recorded something: this one takes it in
        // before it next writes the log, and shows it now.
        let log = state.log;
        let storage_error = state.storage_error;
        window_event_listener(leptos::ev::storage, move |event| {
            if event.key().is_some_and(|key| storage::is_log_key(&key)) {
                log.maybe_update(|log| match log.catch_up() {
                    Ok(changed) => changed,
                    Err(err) => {
                        storage_error.set(Some(err));
                        true
                    }
                });
            }
        });
        window_event_listener(leptos::ev::online, move |_| online.set(true));
        window_event_listener(leptos::ev::offline, move |_| online.set(false));
        let update_ready = state.update_ready;
        pwa::register(move || update_ready.set(true));
        crate::study_time::start(state);
        // After study time's own listener, which records the last minutes.
        let hidden = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            if document().visibility_state() == web_sys::VisibilityState::Hidden {
                // Nobody waits on a hidden page: the whole log is read now if
                // it was not yet, so the snapshot covers it.
                state.complete_log();
                state.keep_snapshot();
                // Today as it is now, for the next start: after the redraw
                // of what was just recorded (study time), which the reactive
                // system runs in the microtasks queued before this one.
                leptos::task::spawn_local(async move {
                    state
                        .progress
                        .try_with_untracked(|progress| crate::today_picture::keep(progress));
                });
            }
        });
        let _ = document()
            .add_event_listener_with_callback("visibilitychange", hidden.as_ref().unchecked_ref());
        hidden.forget();
        crate::sync::start(state);

        let settings = state.settings;
        let storage_error = state.storage_error;
        Effect::new(move |_| {
            let current = settings.get();
            apply_to_document(&current);
            match storage::save_settings(&current) {
                Ok(()) => storage_error.update(|e| {
                    if matches!(e, Some(storage::StorageError::Full)) {
                        *e = None;
                    }
                }),
                Err(err) => storage_error.set(Some(err)),
            }
        });
        state
    }

    /// Reads the rest of the log once the first screen is on show: when the
    /// content is loaded (Today's figures need it) and a frame drawn, or
    /// after a few seconds whatever happens. The progress then carries on
    /// over it, and a snapshot is written for the next start.
    fn complete_log_after_first_screen(self) {
        if self.log.with_untracked(storage::EventLog::is_complete) {
            return;
        }
        let pack = self.pack;
        let state = self;
        let started = std::rc::Rc::new(std::cell::Cell::new(false));
        let complete = move || {
            if started.replace(true) {
                return;
            }
            leptos::task::spawn_local(async move {
                after_next_frame(500).await;
                state.complete_log();
                state.keep_snapshot();
            });
        };
        let when_loaded = complete.clone();
        Effect::new(move |_| {
            if !pack.with(|p| matches!(p, PackState::Loading)) {
                when_loaded();
            }
        });
        gloo_timers::callback::Timeout::new(5_000, complete).forget();
    }

    /// Makes sure the whole log is in memory: reads the chunks start-up left
    /// for later, at once. Whatever needs the whole log calls it first.
    pub fn complete_log(&self) {
        if !self.log.with_untracked(storage::EventLog::is_complete) {
            self.log.update(storage::EventLog::read_earlier);
        }
    }

    /// Writes a snapshot of the progress for the next start, when the fold
    /// is up to date with the whole log. A cache: a failure (a full quota)
    /// is not the learner's concern, and the next start folds the log.
    pub fn keep_snapshot(&self) {
        // Brings the fold up to date with the log.
        self.progress.with_untracked(|_| ());
        let kept = self.kept_fold.get_value();
        let mut kept = lock(&kept);
        let Some(fold) = kept.as_mut() else { return };
        if fold.snapshot_at == fold.seen {
            return;
        }
        if let Some(snapshot) = self.log.with_untracked(|log| fold.snapshot(log)) {
            let _ = self.log.with_untracked(|log| log.save_snapshot(snapshot));
            fold.snapshot_at = fold.seen;
        }
    }

    /// Records what the learner did. On a storage failure the user is told and
    /// nothing is half-recorded; returns whether it was saved.
    pub fn record(&self, kind: EventKind) -> bool {
        let mut result = None;
        self.log
            .update(|log| result = Some(log.record(kind, now_ms())));
        match result {
            Some(Ok(_)) => {
                if self.storage_error.with_untracked(Option::is_some) {
                    self.storage_error.set(None);
                }
                true
            }
            Some(Err(err)) => {
                self.storage_error.set(Some(err));
                false
            }
            None => false,
        }
    }

    /// Merges events from elsewhere (an import, a pull); returns how many
    /// were new. The log reads its earlier chunks first if needed.
    pub fn merge_in(&self, events: &[Event]) -> Result<usize, storage::StorageError> {
        let mut result = Ok(0);
        self.log.update(|log| result = log.merge_in(events));
        if let Err(err) = &result {
            self.storage_error.set(Some(err.clone()));
        }
        result
    }

    /// The pack when loaded.
    pub fn pack(&self) -> Option<Arc<Pack>> {
        self.pack.with(|p| match p {
            PackState::Ready(pack) => Some(pack.clone()),
            _ => None,
        })
    }

    /// The learner's tier (the welcome guarantees one is chosen).
    pub fn tier(&self) -> Tier {
        self.settings.with(|s| s.tier).unwrap_or(Tier::Staff)
    }
}

/// Language, text size and theme live on `<html>` so CSS and screen readers see them.
pub(crate) fn apply_to_document(settings: &Settings) {
    let Some(html) = document().document_element() else {
        return;
    };
    let _ = html.set_attribute("lang", settings.lang.tag());
    let _ = html.set_attribute("data-theme", settings.theme.id());
    let _ = html.set_attribute("class", settings.text_size.class());
    document().set_title(i18n::text(settings.lang, Key::AppName));
}

/// The app state from context.
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

/// The learner's settings from context. Every part of the app provides them,
/// the welcome part (`crate::WelcomeApp`) without the rest of the state, so
/// what only needs the language does not need an [`AppState`].
pub fn use_settings() -> RwSignal<Settings> {
    expect_context::<RwSignal<Settings>>()
}

/// A reactive translation of `key` in the current language.
pub fn tr(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let settings = use_settings();
    move || i18n::text(settings.with(|s| s.lang), key)
}

/// A reactive translation with `{slot}`s filled.
pub fn trf(
    key: Key,
    slots: Vec<(&'static str, String)>,
) -> impl Fn() -> String + Send + Sync + 'static {
    let settings = use_settings();
    move || {
        let slots: Vec<(&str, &str)> = slots.iter().map(|(k, v)| (*k, v.as_str())).collect();
        i18n::fill(settings.with(|s| s.lang), key, &slots)
    }
}
