//! The app-wide state every page reads from context: settings (persisted),
//! connectivity, the waiting update, and storage notices.

use crate::{pwa, storage};
use leptos::prelude::*;
use qinglian_core::i18n::{self, Key};
use qinglian_core::settings::Settings;

/// Shared, cheap to copy (signals only).
#[derive(Clone, Copy)]
pub struct AppState {
    /// The learner's preferences; every change is saved and applied to `<html>`.
    pub settings: RwSignal<Settings>,
    /// `navigator.onLine`, kept current by the `online`/`offline` events.
    pub online: RwSignal<bool>,
    /// A new version of the app is installed and waiting for the user's word.
    pub update_ready: RwSignal<bool>,
    /// The last storage failure, in words for the user; `None` when all is well.
    pub storage_error: RwSignal<Option<storage::StorageError>>,
}

impl AppState {
    /// Loads what is stored, wires the browser's events and the service worker.
    pub fn start() -> AppState {
        let migrated = storage::migrate();
        let state = AppState {
            settings: RwSignal::new(storage::load_settings()),
            online: RwSignal::new(window().navigator().on_line()),
            update_ready: RwSignal::new(false),
            storage_error: RwSignal::new(migrated.err()),
        };
        let online = state.online;
        window_event_listener(leptos::ev::online, move |_| online.set(true));
        window_event_listener(leptos::ev::offline, move |_| online.set(false));
        let update_ready = state.update_ready;
        pwa::register(move || update_ready.set(true));

        let settings = state.settings;
        let storage_error = state.storage_error;
        Effect::new(move |_| {
            let current = settings.get();
            apply_to_document(&current);
            match storage::save_settings(&current) {
                Ok(()) => storage_error.update(|e| {
                    if e.is_some() {
                        *e = None;
                    }
                }),
                Err(err) => storage_error.set(Some(err)),
            }
        });
        state
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
