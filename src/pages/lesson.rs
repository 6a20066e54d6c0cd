//! The lesson reader.

use crate::state::tr;
use leptos::prelude::*;
use qinglian_core::i18n::Key;

#[component]
pub fn LessonPage() -> impl IntoView {
    view! {
        <section class="page lesson">
            <h1>{tr(Key::LessonTitle)}</h1>
        </section>
    }
}
