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
use qinglian_core::progress::{Folder, Progress};
use qinglian_core::settings::{Settings, Tier};
use std::sync::Arc;

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
    /// The event log, in memory and in storage.
    pub log: RwSignal<storage::EventLog, LocalStorage>,
    /// Everything derived from the log.
    pub progress: Memo<Arc<Progress>>,
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

/// The fold of the log as far as it was read last time: recording an event
/// adds that one event instead of folding years of history again.
struct KeptFold {
    folder: Folder,
    offset_minutes: i32,
    /// How many of the log's events it has seen, and the last one's id (the
    /// log only grows; anything else, a reset, shows here).
    seen: usize,
    last_id: Option<String>,
}

impl KeptFold {
    /// The progress of `events`, carrying on from `kept` when the log only
    /// grew in the fold's order, else folding it all anew.
    fn progress(kept: &mut Option<KeptFold>, events: &[Event]) -> Progress {
        let offset_minutes = offset_minutes();
        let carried_on = kept.as_mut().is_some_and(|k| {
            k.offset_minutes == offset_minutes
                && k.seen <= events.len()
                && events[..k.seen].last().map(|e| &e.id) == k.last_id.as_ref()
                && events[k.seen..].iter().all(|e| k.folder.append(e))
        });
        let fold = match kept {
            Some(k) if carried_on => k,
            _ => kept.insert(KeptFold {
                folder: Folder::new(events, offset_minutes),
                offset_minutes,
                seen: 0,
                last_id: None,
            }),
        };
        fold.seen = events.len();
        fold.last_id = events.last().map(|e| e.id.clone());
        fold.folder.progress()
    }
}

impl AppState {
    /// Loads what is stored, wires the browser's events and the service worker.
    pub fn start() -> AppState {
        let migrated = storage::migrate();
        let (log, log_error) = match storage::load_events() {
            Ok(log) => (log, None),
            Err(err) => (storage::EventLog::default(), Some(err)),
        };
        crate::timing::mark("events-loaded");
        let log = RwSignal::new_local(log);
        let kept_fold = Arc::new(std::sync::Mutex::new(None::<KeptFold>));
        let progress = Memo::new(move |_| {
            let mut kept = kept_fold
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            // Marked once, at start-up: a mark per recorded event would pile up.
            let first = kept.is_none();
            let folded = Arc::new(log.with(|l| KeptFold::progress(&mut kept, &l.events)));
            if first {
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
            log,
            progress,
            sync: crate::sync::SyncState::new(),
            together: crate::together::TogetherState::load(),
        };
        // The edition in the reader's language, loaded again when the
        // language changes (progress refers to ids, so it carries over).
        let pack_signal = state.pack;
        let lang = Memo::new(move |_| state.settings.with(|s| s.lang));
        Effect::new(move |_| {
            let lang = lang.get();
            leptos::task::spawn_local(async move {
                let loaded = pack::load(lang).await;
                crate::timing::mark("pack-loaded");
                // A slow load must not overwrite a newer language's edition.
                if lang == state.settings.with_untracked(|s| s.lang) {
                    pack_signal.set(loaded);
                }
            });
        });
        let online = state.online;
        window_event_listener(leptos::ev::online, move |_| online.set(true));
        window_event_listener(leptos::ev::offline, move |_| online.set(false));
        let update_ready = state.update_ready;
        pwa::register(move || update_ready.set(true));
        crate::study_time::start(state);
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

    /// Merges events from elsewhere (an import); returns how many were new.
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
fn apply_to_document(settings: &Settings) {
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

/// A reactive translation of `key` in the current language.
pub fn tr(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let settings = use_app().settings;
    move || i18n::text(settings.with(|s| s.lang), key)
}

/// A reactive translation with `{slot}`s filled.
pub fn trf(
    key: Key,
    slots: Vec<(&'static str, String)>,
) -> impl Fn() -> String + Send + Sync + 'static {
    let settings = use_app().settings;
    move || {
        let slots: Vec<(&str, &str)> = slots.iter().map(|(k, v)| (*k, v.as_str())).collect();
        i18n::fill(settings.with(|s| s.lang), key, &slots)
    }
}
