//! The library: every lesson, by track and topic.

use crate::state::tr;
use leptos::prelude::*;
use qinglian_core::i18n::Key;

#[component]
pub fn LibraryPage() -> impl IntoView {
    view! {
        <section class="page library">
            <h1>{tr(Key::LibraryTitle)}</h1>
        </section>
    }
}
