//! Reusable view pieces shared by the pages.

pub mod account;
pub mod blocks;
pub mod charts;
pub mod icons;
pub mod layout;
pub mod qr;
pub mod question;
pub mod together;
pub mod welcome;

use leptos::prelude::*;

/// A labelled progress bar (`value` of `max`), readable by screen readers.
#[component]
pub fn ProgressBar(value: usize, max: usize, #[prop(into)] label: String) -> impl IntoView {
    let percent = (value * 100).checked_div(max).unwrap_or(0);
    view! {
        <div class="progress-row">
            <progress value=value max=max.max(1) aria-label=label.clone()></progress>
            <span class="progress-text">{format!("{value}/{max} · {percent}%")}</span>
        </div>
    }
}

use crate::pack::PackState;
use crate::state::{tr, use_app};
use qinglian_core::content::Pack;
use qinglian_core::i18n::Key;
use std::sync::Arc;

/// Renders `children` with the content pack, or says why it is not there.
#[component]
pub fn WithPack<F, V>(children: F) -> impl IntoView
where
    F: Fn(Arc<Pack>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let state = use_app();
    move || match state.pack.get() {
        PackState::Loading => {
            view! { <p class="muted" role="status">{tr(Key::Loading)}</p> }.into_any()
        }
        PackState::Failed(reason) => view! {
            <div class="notice" role="alert">
                <p>{tr(Key::PackFailed)}</p>
                <p class="small">{move || reason.show(state.settings.with(|s| s.lang))}</p>
            </div>
        }
        .into_any(),
        PackState::Ready(pack) => children(pack).into_any(),
    }
}

/// Renders `children` with the edition's outline until the whole edition is
/// loaded, then with the whole edition; otherwise as [`WithPack`]. For a page
/// that shows only what the outline holds (titles, summaries, tiers, minutes;
/// `Pack::outline`): Today, which then need not wait for every lesson's text.
#[component]
pub fn WithOutline<F, V>(children: F) -> impl IntoView
where
    F: Fn(Arc<Pack>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let state = use_app();
    let children = Arc::new(children);
    move || {
        let outline = state.outline.get();
        let loading = state.pack.with(|p| matches!(p, PackState::Loading));
        match outline.filter(|_| loading) {
            Some(outline) => children(outline).into_any(),
            None => {
                let children = children.clone();
                view! { <WithPack children=move |pack| children(pack)/> }.into_any()
            }
        }
    }
}

/// A lesson's title as a link, with its minutes and status.
#[component]
pub fn LessonLink(lesson: qinglian_core::content::Lesson) -> impl IntoView {
    let state = use_app();
    let id = lesson.id.clone();
    let status = move || {
        let progress = state.progress.get();
        if progress.lessons_done.contains_key(&id) {
            Some((Key::StatusDone, "badge done"))
        } else if progress.quizzes.contains_key(&id) || progress.reflections.contains_key(&id) {
            Some((Key::StatusInProgress, "badge started"))
        } else {
            None
        }
    };
    view! {
        <li class="lesson-item">
            <leptos_router::components::A href=format!("/lesson/{}", lesson.id)>
                <span class="lesson-title">{lesson.title.clone()}</span>
                <span class="lesson-meta">
                    {crate::state::trf(Key::Minutes, vec![("n", lesson.minutes.to_string())])}
                    {move || status().map(|(key, class)| view! { <span class=class>{tr(key)}</span> })}
                </span>
            </leptos_router::components::A>
        </li>
    }
}

/// A page about one item of the pack named by the route's `:id`: renders it
/// with `render`, or the not-found page when no item has that id.
pub fn by_route_id<T, V>(
    find: fn(&Pack, &str) -> Option<T>,
    render: fn(T, Arc<Pack>) -> V,
) -> impl IntoView
where
    T: 'static,
    V: IntoView + 'static,
{
    let params = leptos_router::hooks::use_params_map();
    view! {
        <WithPack children=move |pack| {
            let pack = pack.clone();
            move || {
                let id = params.read().get("id").unwrap_or_default();
                match find(&pack, &id) {
                    Some(item) => render(item, pack.clone()).into_any(),
                    None => view! { <crate::pages::not_found::NotFoundPage/> }.into_any(),
                }
            }
        }/>
    }
}

/// One entry of a list of things to open (a scenario, a post's checklist):
/// title, one-line summary, and a badge when there is something to show.
#[component]
pub fn ListCard(
    href: String,
    title: String,
    summary: String,
    badge: Option<String>,
) -> impl IntoView {
    view! {
        <li class="lesson-item">
            <leptos_router::components::A href=href>
                <span class="lesson-title">{title}</span>
                <span class="muted small">{summary}</span>
                {badge.map(|text| view! { <span class="badge done">{text}</span> })}
            </leptos_router::components::A>
        </li>
    }
}
