//! Loading the content edition in the reader's language: the one the bureau's
//! server published (kept in Cache Storage from the last sync), else the one the build ships
//! (`/content/pack.<lang>.json`). The service worker precaches both built-in
//! editions, so switching language works offline like the rest of the app.

use qinglian_core::content::Pack;
use qinglian_core::i18n::{Key, Message};
use qinglian_core::settings::Lang;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/boot_reads.js")]
extern "C" {
    /// The read of `key` that `boot_reads.js` started while the wasm was
    /// compiling (a content URL's fetch, or a published edition's text),
    /// handed over once; `undefined` when none was started for it.
    #[wasm_bindgen(js_name = takeStarted)]
    pub fn take_started(key: &str) -> JsValue;
}

/// Where the build's edition in `lang` is served.
pub fn pack_url(lang: Lang) -> String {
    format!("/content/pack.{}.json", lang.tag())
}

/// Where the build's outline of the edition in `lang` is served.
pub fn outline_url(lang: Lang) -> String {
    format!("/content/outline.{}.json", lang.tag())
}

/// The outline (`Pack::outline`) of the edition [`load`] is about to give,
/// read first so that Today need not wait for the whole edition: the
/// published edition's when one is kept, else the build's. `None` when it
/// cannot be had (not known yet whether content is published, an outline
/// not kept, a failed read): then every page waits for the whole edition.
pub async fn load_outline(lang: Lang) -> Option<Pack> {
    let bytes = match crate::storage::published_kept()? {
        true => crate::storage::published(&crate::sync::published_outline_path(lang)).await?,
        false => {
            let url = outline_url(lang);
            let read = match take_started(&url).dyn_into::<js_sys::Promise>() {
                Ok(started) => started_bytes(started).await,
                Err(_) => fetch_bytes(&url).await,
            };
            read.ok()?
        }
    };
    serde_json::from_slice(&bytes).ok()
}

/// The pack's state as the pages see it.
#[derive(Clone, Debug)]
pub enum PackState {
    Loading,
    Ready(std::sync::Arc<Pack>),
    /// Could not be loaded; the reason, for the user.
    Failed(Message),
}

/// GETs a URL's body as bytes; the error says what went wrong in the
/// reader's words.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, Message> {
    let window = web_sys::window().ok_or(Message::key(Key::ErrNoConnection))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| Message::key(Key::ErrNoConnection))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| Message::key(Key::ErrUnreadableAnswer))?;
    if !response.ok() {
        return Err(not_loaded(response.status()));
    }
    let body = JsFuture::from(
        response
            .array_buffer()
            .map_err(|_| Message::key(Key::ErrUnreadableAnswer))?,
    )
    .await
    .map_err(|_| Message::key(Key::ErrConnectionBroke))?;
    bytes_of(&body).ok_or_else(|| Message::key(Key::ErrUnreadableAnswer))
}

/// The bytes of an ArrayBuffer, copied into the wasm's memory; `None` when
/// `value` is not one. Content is read as bytes and parsed as such: as text
/// it would be decoded into a JavaScript string and encoded back.
pub fn bytes_of(value: &JsValue) -> Option<Vec<u8>> {
    value
        .is_instance_of::<js_sys::ArrayBuffer>()
        .then(|| js_sys::Uint8Array::new(value).to_vec())
}

/// The server answered, but not with the lessons.
fn not_loaded(status: u16) -> Message {
    Message::of(
        Key::ErrLessonsNotLoaded,
        vec![("status", status.to_string())],
    )
}

/// The bytes `boot_reads.js` fetched while the wasm compiled; it rejects
/// with `{status}` when the server answered with an error, else with the
/// browser's own error (no connection).
async fn started_bytes(started: js_sys::Promise) -> Result<Vec<u8>, Message> {
    match JsFuture::from(started).await {
        Ok(body) => bytes_of(&body).ok_or_else(|| Message::key(Key::ErrUnreadableAnswer)),
        Err(err) => Err(
            match js_sys::Reflect::get(&err, &JsValue::from_str("status"))
                .ok()
                .and_then(|status| status.as_f64())
            {
                Some(status) => not_loaded(status as u16),
                None => Message::key(Key::ErrNoConnection),
            },
        ),
    }
}

/// The edition in `lang`: the server's when one was published, else the
/// build's. `outline_read`: its outline was read just before (so a
/// published edition's is kept and need not be looked for).
pub async fn load(lang: Lang, outline_read: bool) -> PackState {
    if let Some(pack) = crate::sync::published_edition(lang, !outline_read).await {
        return PackState::Ready(std::sync::Arc::new(pack));
    }
    crate::timing::mark("published-checked");
    let url = pack_url(lang);
    let fetched = match take_started(&url).dyn_into::<js_sys::Promise>() {
        Ok(started) => started_bytes(started).await,
        Err(_) => fetch_bytes(&url).await,
    };
    crate::timing::mark("pack-fetched");
    match fetched {
        Ok(bytes) => match serde_json::from_slice::<Pack>(&bytes) {
            Ok(pack) => PackState::Ready(std::sync::Arc::new(pack)),
            Err(_) => PackState::Failed(Message::key(Key::ErrLessonsUnreadable)),
        },
        Err(message) => PackState::Failed(message),
    }
}
