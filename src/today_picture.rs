//! Today's picture in the browser (the rules: `qinglian_core::today_picture`).
//! While index.html's script has painted the picture, the app mounts out of
//! the document, so nothing is on the page twice, and takes the picture's
//! place once it has drawn Today itself ([`give_way`]). The picture is kept
//! again whenever the app's own Today is on screen and the learner leaves.

use crate::storage;
use qinglian_core::i18n::{self, Key};
use qinglian_core::progress::Progress;
use qinglian_core::today_picture::{self as rule, TodayPicture};
use std::cell::RefCell;
use wasm_bindgen::JsCast;

/// The element every part of the app mounts into (`display: contents`, so
/// the page's layout is the same as with the app's nodes in the body).
const ROOT_ID: &str = "app";
/// Where index.html's script painted the picture.
const PICTURE_ID: &str = "today-picture";
/// The app takes the picture's place after this long whatever it shows (a
/// Today that cannot be drawn says why; the picture must not hide that).
const AT_MOST_MS: u32 = 3_000;

thread_local! {
    /// The app's root while it waits out of the document.
    static WAITING: RefCell<Option<web_sys::Element>> = const { RefCell::new(None) };
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// The element the app mounts into: in the body at once, or, with the
/// picture on screen, held out of the document until [`give_way`].
pub fn app_root() -> web_sys::HtmlElement {
    let document = document().expect("a document");
    let root = document.create_element("div").expect("a div");
    root.set_id(ROOT_ID);
    if document.get_element_by_id(PICTURE_ID).is_some() {
        crate::timing::mark("picture-painted");
        WAITING.with(|waiting| *waiting.borrow_mut() = Some(root.clone()));
        gloo_timers::callback::Timeout::new(AT_MOST_MS, give_way).forget();
    } else if let Some(body) = document.body() {
        let _ = body.append_child(&root);
    }
    root.unchecked_into()
}

/// Puts the app in the picture's place (nothing when no picture was
/// painted, or once done). Today calls it as soon as it has drawn its
/// figures: the same markup, so nothing moves.
pub fn give_way() {
    let Some(root) = WAITING.with(|waiting| waiting.borrow_mut().take()) else {
        return;
    };
    let Some(document) = document() else { return };
    match document.get_element_by_id(PICTURE_ID) {
        Some(picture) => {
            let _ = picture.replace_with_with_node_1(&root);
        }
        None => {
            if let Some(body) = document.body() {
                let _ = body.append_child(&root);
            }
        }
    }
    crate::timing::mark("picture-replaced");
}

/// The stored entries Today is drawn from, as they are now: each read once,
/// the log's last chunk found from the meta among them.
fn drawn_from() -> Vec<(String, Option<String>)> {
    let mut entries: Vec<(String, Option<String>)> = rule::DRAWN_FROM
        .iter()
        .map(|key| ((*key).to_owned(), storage::read_raw(key)))
        .collect();
    let meta = entries
        .iter()
        .find(|(key, _)| key == rule::LOG_META)
        .and_then(|(_, value)| value.as_deref());
    if let Some(last) = rule::last_chunk_key(meta) {
        let value = storage::read_raw(&last);
        entries.push((last, value));
    }
    entries
}

/// Keeps the app's Today as the picture, when it is on screen with its
/// figures (anything else: nothing), until the day ends or something in
/// `progress` falls due. A cache: a refusal to store it loses nothing, so
/// it is not reported.
pub fn keep(progress: &Progress) {
    let Some(picture) = picture_now(progress) else {
        return;
    };
    let _ = storage::write_raw(
        rule::KEY,
        &serde_json::to_string(&picture).expect("a picture serialises"),
    );
}

fn picture_now(progress: &Progress) -> Option<TodayPicture> {
    let document = document()?;
    let root = document.get_element_by_id(ROOT_ID)?;
    root.query_selector("main .today .stats").ok()??;
    // Banners (an update, a refused write) say what was so then, not now.
    let copy: web_sys::Element = root.clone_node_with_deep(true).ok()?.unchecked_into();
    while let Ok(Some(banner)) = copy.query_selector(".banner") {
        banner.remove();
    }
    let markup = copy.inner_html();
    if markup.len() > rule::MAX_MARKUP {
        return None;
    }
    let style = document
        .query_selector("link[rel=stylesheet]")
        .ok()??
        .get_attribute("href")?;
    let html = document.document_element()?;
    let entries = drawn_from();
    let stamp = rule::stamp(entries.iter().map(|(k, v)| (k.as_str(), v.as_deref())));
    let lang = storage::load_settings().lang;
    let until = rule::until(
        progress,
        crate::state::now_ms(),
        crate::state::offset_minutes(),
    );
    Some(TodayPicture {
        form: rule::FORM,
        style,
        stamp,
        until,
        lang: html.get_attribute("lang").unwrap_or_default(),
        class: html.get_attribute("class").unwrap_or_default(),
        theme: html.get_attribute("data-theme").unwrap_or_default(),
        title: document.title(),
        online: i18n::text(lang, Key::Online).to_owned(),
        offline: i18n::text(lang, Key::Offline).to_owned(),
        markup,
    })
}
