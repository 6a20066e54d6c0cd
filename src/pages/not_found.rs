//! Shown for any address that is not a page of this part of the app: an
//! address of the other part is handed to the browser to load; anything else
//! is not a page at all.

use crate::state::tr;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use qinglian_core::app_parts::AppPart;
use qinglian_core::i18n::Key;

thread_local! {
    /// The path this page was loaded at, noted once as the app starts.
    static LOADED_AT: std::cell::OnceCell<String> = const { std::cell::OnceCell::new() };
}

/// Notes the path the browser loaded, before the router moves anywhere: an
/// address of the other part that this page was itself loaded at must not be
/// loaded again (the answer would be this page again, for ever).
pub fn note_loaded_path() {
    let path = window().location().pathname().unwrap_or_default();
    LOADED_AT.with(|loaded| {
        let _ = loaded.set(path);
    });
}

/// The router's fallback in the part `here`: loads an address of the other
/// part as a page of its own (the server, or the service worker offline,
/// answers with that part), else says there is no such page.
#[component]
pub fn Elsewhere(here: AppPart) -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let loaded_here = LOADED_AT.with(|loaded| loaded.get() == Some(&path));
    if AppPart::of_path(&path) != here && !loaded_here {
        // The router shows this before it puts the address in the history:
        // load the page once it has, so Back returns to where the learner
        // came from and the address loaded is the one asked for.
        set_timeout(
            move || {
                let location = window().location();
                if location.pathname().ok().as_deref() == Some(path.as_str()) {
                    let _ = location.reload();
                } else {
                    let _ = location.assign(&path);
                }
            },
            std::time::Duration::ZERO,
        );
        return view! {
            <section class="page" aria-busy="true">
                <p class="boot-loading" role="status">{tr(Key::OpeningPage)}</p>
            </section>
        }
        .into_any();
    }
    view! { <NotFoundPage/> }.into_any()
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="page">
            <h1>{tr(Key::NotFoundTitle)}</h1>
            <p>{tr(Key::NotFoundBody)}</p>
            <p><A href="/" attr:class="button primary">{tr(Key::BackToToday)}</A></p>
        </section>
    }
}
