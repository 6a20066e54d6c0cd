//! Pieces shared by the four "studying together" pages: their tab row, the
//! explanation for a phone not signed in to a bureau server, the "as of the
//! last sync" line, and the outbox entries of a page with their state.

pub use crate::components::account::{date, date_time};
use crate::state::{tr, trf, use_app, AppState};
use crate::together::{self, Queued, Request};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use qinglian_core::i18n::Key;
use qinglian_core::sync::User;
use qinglian_core::together::{FieldProblem, ProblemKind};

/// The tabs between the four pages, and the page's frame: a heading, the
/// explanation when not signed in, otherwise `children` with the signed-in
/// account.
#[component]
pub fn TogetherPage<F, V>(title: Key, intro: Key, children: F) -> impl IntoView
where
    F: Fn(User) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let state = use_app();
    let user = Memo::new(move |_| state.sync.record.with(|r| r.user.clone()));
    view! {
        <section class="page together">
            <TogetherTabs/>
            <h1>{tr(title)}</h1>
            <p class="lead">{tr(intro)}</p>
            {move || match user.get() {
                // Only a change of account redraws the page: the pages
                // redraw their own lists, so a sync finishing while someone
                // types never throws away a draft.
                Some(user) => view! {
                    <AsOf/>
                    {untrack(|| children(user))}
                }.into_any(),
                None => view! {
                    <div class="card notice">
                        <p>{tr(Key::TogetherSignedOut)}</p>
                        <A href="/settings" attr:class="button">{tr(Key::TogetherOpenSettings)}</A>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn TogetherTabs() -> impl IntoView {
    let location = use_location();
    let tabs = [
        ("/sessions", Key::TabSessions),
        ("/ask", Key::TabAsk),
        ("/feedback", Key::TabFeedback),
        ("/assignments", Key::TabAssignments),
    ];
    view! {
        <nav class="tabs" aria-label=tr(Key::TogetherNav)>
            {tabs.into_iter().map(|(href, key)| {
                let current = move || location.pathname.with(|p| p.starts_with(href));
                view! {
                    <a href=href class="tab" class:current=current
                        aria-current=move || current().then_some("page")>{tr(key)}</a>
                }
            }).collect_view()}
        </nav>
    }
}

/// When the server's lists were fetched (everything shown stays readable
/// offline from then).
#[component]
fn AsOf() -> impl IntoView {
    let state = use_app();
    move || match state.together.view.with(|v| v.fetched_at) {
        Some(at) => view! {
            <p class="muted small">{trf(Key::TogetherAsOf, vec![("time", date_time(at))])}</p>
        }
        .into_any(),
        None => view! { <p class="muted small">{tr(Key::TogetherNotYet)}</p> }.into_any(),
    }
}

/// What a queued request is, in a few words.
fn describe(request: &Request) -> (Key, Vec<(&'static str, String)>) {
    let short = |text: &str| {
        let mut s: String = text.chars().take(40).collect();
        if text.chars().count() > 40 {
            s.push('…');
        }
        s
    };
    match request {
        Request::ScheduleSession(s) => (Key::RequestSession, vec![("topic", short(&s.topic))]),
        Request::CancelSession { .. } => (Key::RequestCancelSession, vec![]),
        Request::SaveMinutes { .. } => (Key::RequestMinutes, vec![]),
        Request::Ask(q) => (Key::RequestQuestion, vec![("text", short(&q.text))]),
        Request::Answer { .. } => (Key::RequestAnswer, vec![]),
        Request::Publish { .. } => (Key::RequestPublish, vec![]),
        Request::OpenRound(r) => {
            let state = use_app();
            let unit = state.together.view.with_untracked(|v| {
                v.units
                    .iter()
                    .find(|u| u.id == r.unit_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default()
            });
            (Key::RequestRound, vec![("unit", unit)])
        }
        Request::AnswerRound { .. } => (Key::RequestRating, vec![]),
        Request::Assign(a) => (Key::RequestAssign, vec![("date", date(a.due_at))]),
        Request::CancelAssignment { .. } => (Key::RequestCancelAssignment, vec![]),
    }
}

/// The outbox entries of one page (those `belongs` picks), each saying it is
/// waiting, or why the server refused it with "send again" and "discard".
#[component]
pub fn Outbox(belongs: fn(&Request) -> bool) -> impl IntoView {
    let state = use_app();
    let mine = move || {
        let user = state.sync.record.with(|r| r.user.as_ref().map(|u| u.id));
        state.together.outbox.with(|o| {
            o.iter()
                .filter(|q| Some(q.user_id) == user && belongs(&q.request))
                .cloned()
                .collect::<Vec<Queued>>()
        })
    };
    view! {
        <Show when=move || !mine().is_empty()>
            <ul class="outbox">
                {move || mine().into_iter().map(|queued| {
                    let (key, slots) = describe(&queued.request);
                    let id = queued.id.clone();
                    let id_again = queued.id.clone();
                    view! {
                        <li class="card" class:attention=queued.refused.is_some()>
                            <p><strong>{trf(key, slots)}</strong></p>
                            {match queued.refused.clone() {
                                None => view! { <p class="badge waiting">{tr(Key::OutboxWaiting)}</p> }.into_any(),
                                Some(refused) => {
                                    let reason = qinglian_core::i18n::server_error(
                                        qinglian_core::i18n::ServerCall::Admin, refused.status, None);
                                    let lang = move || state.settings.with(|s| s.lang);
                                    view! {
                                        <p role="alert">{move || trf(Key::OutboxRefused, vec![("reason", reason.show(lang()))])()}</p>
                                        {refused.detail.map(|d| view! { <p class="muted small">{d}</p> })}
                                        <div class="actions">
                                            <button type="button" class="button" on:click=move |_| retry(state, &id_again)>
                                                {tr(Key::OutboxRetry)}
                                            </button>
                                            <button type="button" class="button danger" on:click=move |_| discard(state, &id)>
                                                {tr(Key::OutboxDiscard)}
                                            </button>
                                        </div>
                                    }.into_any()
                                }
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
    }
}

fn retry(state: AppState, id: &str) {
    together::update_outbox(state, |o| {
        if let Some(q) = o.iter_mut().find(|q| q.id == id) {
            q.refused = None;
        }
    });
    crate::sync::request_sync(state);
}

fn discard(state: AppState, id: &str) {
    let lang = state.settings.with_untracked(|s| s.lang);
    let ask = qinglian_core::i18n::text(lang, Key::OutboxDiscardConfirm);
    if window().confirm_with_message(ask).unwrap_or(false) {
        together::update_outbox(state, |o| o.retain(|q| q.id != id));
    }
}

/// A form's problem in the reader's words: which field, and why.
pub fn form_problem(problem: &FieldProblem, field: Key) -> (Key, Vec<(&'static str, String)>) {
    let state = use_app();
    let lang = state.settings.with_untracked(|s| s.lang);
    let name = qinglian_core::i18n::text(lang, field).to_owned();
    match problem.kind {
        ProblemKind::Missing => (Key::FormMissing, vec![("field", name)]),
        ProblemKind::TooLong { max } => (
            Key::FormTooLong,
            vec![("field", name), ("n", max.to_string())],
        ),
        ProblemKind::Invisible => (Key::FormInvisible, vec![("field", name)]),
        ProblemKind::EndBeforeStart => (Key::FormEndBeforeStart, vec![]),
        ProblemKind::Other => (Key::FormInPast, vec![]),
    }
}

/// What a form says after an attempt: a key, its slots, and whether it went well.
pub type FormMessage = (Key, Vec<(&'static str, String)>, bool);
/// The message under a form, if any.
pub type Note = RwSignal<Option<FormMessage>>;

/// A message under a form: a key with its slots, shown in the current language.
#[component]
pub fn FormNote(note: Note) -> impl IntoView {
    let state = use_app();
    move || {
        note.get().map(|(key, slots, good)| {
            let slots: Vec<(&str, &str)> = slots.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let text = qinglian_core::i18n::fill(state.settings.with(|s| s.lang), key, &slots);
            if good {
                view! { <p class="good" role="status">{text}</p> }.into_any()
            } else {
                view! { <p class="error" role="alert">{text}</p> }.into_any()
            }
        })
    }
}
