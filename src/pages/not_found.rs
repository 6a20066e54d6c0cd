//! Shown for any address that is not a page of the app.

use crate::state::tr;
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::i18n::Key;

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
