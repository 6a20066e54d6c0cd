//! Loading the content pack the build ships (`/content/pack.json`). The
//! service worker precaches it, so it loads offline like the rest of the app.

use qinglian_core::content::Pack;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the pack built into the app is served.
pub const PACK_URL: &str = "/content/pack.json";

/// The pack's state as the pages see it.
#[derive(Clone, Debug)]
pub enum PackState {
    Loading,
    Ready(std::sync::Arc<Pack>),
    /// Could not be loaded; the reason, for the user.
    Failed(String),
}

/// GETs a URL as text; the error says what went wrong in plain words.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| "the network request failed".to_owned())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "unexpected fetch result")?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(|_| "unreadable response")?)
        .await
        .map_err(|_| "the response could not be read".to_owned())?;
    text.as_string()
        .ok_or_else(|| "the response was not text".to_owned())
}

/// Loads and parses the built-in pack.
pub async fn load() -> PackState {
    match fetch_text(PACK_URL).await {
        Ok(text) => match serde_json::from_str::<Pack>(&text) {
            Ok(pack) => PackState::Ready(std::sync::Arc::new(pack)),
            Err(err) => PackState::Failed(format!("the lessons could not be read ({err})")),
        },
        Err(err) => PackState::Failed(format!("the lessons could not be loaded: {err}")),
    }
}
