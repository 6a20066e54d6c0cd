//! Progress: what the learner has done.

use crate::state::tr;
use leptos::prelude::*;
use qinglian_core::i18n::Key;

#[component]
pub fn ProgressPage() -> impl IntoView {
    view! {
        <section class="page progress">
            <h1>{tr(Key::ProgressTitle)}</h1>
        </section>
    }
}
