//! Today: what to study in the next ten spare minutes.

use crate::state::tr;
use leptos::prelude::*;
use qinglian_core::i18n::Key;

#[component]
pub fn TodayPage() -> impl IntoView {
    view! {
        <section class="page today">
            <h1>{tr(Key::TodayTitle)}</h1>
            <p class="lead">{tr(Key::TodayGreeting)}</p>
        </section>
    }
}
