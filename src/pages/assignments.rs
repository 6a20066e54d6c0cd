//! Assignments: what the unit's leaders asked a member to study by a date,
//! done when the member's own record shows it (never a separate button); and
//! the leader's form to assign lessons, a scenario, a risk self-check or the
//! pledge to a unit they lead.

use crate::components::together::{date, FormNote, Note, Outbox, TogetherPage};
use crate::components::WithPack;
use crate::state::{now_ms, offset_minutes, tr, trf, use_app, AppState};
use crate::together::{self, Request};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::calendar;
use qinglian_core::content::Pack;
use qinglian_core::i18n::Key;
use qinglian_core::progress::Progress;
use qinglian_core::sync::User;
use qinglian_core::together::{
    end_of_day, AssignedItem, Assignment, AssignmentState, NewAssignment,
};
use std::sync::Arc;

fn is_assignment_request(request: &Request) -> bool {
    matches!(
        request,
        Request::Assign(_) | Request::CancelAssignment { .. }
    )
}

/// `/assignments`: open ones first (soonest due), then done and cancelled.
#[component]
pub fn AssignmentsPage() -> impl IntoView {
    let state = use_app();
    view! {
        <TogetherPage title=Key::AssignmentsTitle intro=Key::AssignmentsIntro children=move |user: User| {
            let leader = together::is_leader(&user);
            view! {
                <Outbox belongs=is_assignment_request/>
                {move || {
                    let progress = state.progress.get();
                    // The cards name lessons from the content, which may
                    // still be loading: drawn again once it is in.
                    state.pack.track();
                    let now = now_ms();
                    let offset = offset_minutes();
                    let mut assignments = state.together.view.with(|v| v.assignments.clone());
                    assignments.sort_by_key(|a| {
                        let done = a.cancelled_at.is_some() || a.state(&progress, now, offset) == AssignmentState::Done;
                        (done, a.due_at)
                    });
                    view! {
                        {assignments.is_empty().then(|| view! { <p class="muted">{tr(Key::AssignmentsNone)}</p> })}
                        <ul class="cards">
                            {assignments.into_iter().map(|a| view! { <AssignmentCard assignment=a/> }).collect_view()}
                        </ul>
                    }
                }}
                {leader.then(|| view! { <WithPack children=|pack| view! { <AssignForm pack=pack/> }/> })}
            }
        }/>
    }
}

/// The badge of a member's state with an assignment.
pub fn state_badge(state: AssignmentState) -> impl IntoView {
    match state {
        AssignmentState::Done => {
            view! { <span class="badge done">{tr(Key::AssignmentDone)}</span> }.into_any()
        }
        AssignmentState::Overdue => {
            view! { <span class="badge warn">{tr(Key::AssignmentOverdue)}</span> }.into_any()
        }
        AssignmentState::Open { days_left: 0 } => {
            view! { <span class="badge warn">{tr(Key::AssignmentDueToday)}</span> }.into_any()
        }
        AssignmentState::Open { days_left } => view! {
            <span class="badge">{trf(Key::AssignmentDueIn, vec![("n", days_left.to_string())])}</span>
        }
        .into_any(),
    }
}

/// One assigned item: its title, a link to it and whether it is done.
fn item_line(item: &AssignedItem, pack: Option<&Arc<Pack>>, progress: &Progress) -> impl IntoView {
    let done = item.done(progress);
    let (href, text): (String, Box<dyn Fn() -> String + Send + Sync>) = match item {
        AssignedItem::Lesson { id } => {
            let title = pack.and_then(|p| p.lesson(id)).map(|l| l.title.clone());
            (format!("/lesson/{id}"), titled(title, id))
        }
        AssignedItem::Scenario { id } => {
            let title = pack.and_then(|p| p.scenario(id)).map(|s| s.title.clone());
            (format!("/scenario/{id}"), titled(title, id))
        }
        AssignedItem::RiskCheck { checklist } => {
            let post = pack
                .and_then(|p| p.risk_checklists.iter().find(|c| &c.id == checklist))
                .map(|c| c.post.clone());
            let text: Box<dyn Fn() -> String + Send + Sync> = match post {
                Some(post) => Box::new(trf(Key::AssignmentRisk, vec![("post", post)])),
                None => titled(None, checklist),
            };
            (format!("/risk/{checklist}"), text)
        }
        AssignedItem::Pledge { .. } => (
            "/pledge".to_owned(),
            Box::new(move || tr(Key::PledgeTitle)().to_owned()),
        ),
    };
    view! {
        <li>
            <A href=href>{text}</A>" "
            {done.then(|| view! { <span class="badge done">{tr(Key::StatusDone)}</span> })}
        </li>
    }
}

fn titled(title: Option<String>, id: &str) -> Box<dyn Fn() -> String + Send + Sync> {
    match title {
        Some(title) => Box::new(move || title.clone()),
        None => Box::new(trf(Key::AssignmentUnknownItem, vec![("id", id.to_owned())])),
    }
}

#[component]
fn AssignmentCard(assignment: Assignment) -> impl IntoView {
    let state = use_app();
    let progress = state.progress.get_untracked();
    let pack = state.pack();
    let own_state = assignment.state(&progress, now_ms(), offset_minutes());
    let cancelled = assignment.cancelled_at.is_some();
    let leads = state
        .together
        .view
        .with_untracked(|v| v.units.iter().any(|u| u.id == assignment.unit_id));
    let id = assignment.id;
    view! {
        <li class="card assignment" class:attention=!cancelled && own_state == AssignmentState::Overdue>
            <p class="muted small">
                {trf(Key::AssignmentDue, vec![("date", date(assignment.due_at))])}" "
                {if cancelled {
                    view! { <span class="badge">{tr(Key::AssignmentCancelled)}</span> }.into_any()
                } else {
                    state_badge(own_state).into_any()
                }}
            </p>
            <ul class="prepare">
                {assignment.items.iter().map(|item| item_line(item, pack.as_ref(), &progress)).collect_view()}
            </ul>
            {(!assignment.note.is_empty()).then(|| view! { <p class="prewrap">{assignment.note.clone()}</p> })}
            <p class="muted small">
                {trf(Key::AssignmentBy, vec![("name", assignment.assigned_by.clone())])}
                " · "{assignment.unit_name.clone()}
            </p>
            {assignment.members.zip(assignment.done).map(|(members, done)| view! {
                <p>{trf(Key::AssignmentMembers, vec![("done", done.to_string()), ("members", members.to_string())])}</p>
            })}
            {(leads && !cancelled).then(|| view! {
                <button type="button" class="button danger small" on:click=move |_| {
                    let lang = state.settings.with_untracked(|s| s.lang);
                    let ask = qinglian_core::i18n::text(lang, Key::AssignmentCancel);
                    if window().confirm_with_message(&format!("{ask}?")).unwrap_or(false) {
                        together::queue(state, Request::CancelAssignment { assignment: id });
                    }
                }>{tr(Key::AssignmentCancel)}</button>
            })}
        </li>
    }
}

/// A leader assigns items of the content to a unit they lead, due on a date.
#[component]
fn AssignForm(pack: Arc<Pack>) -> impl IntoView {
    let state = use_app();
    let units = state.together.view.with_untracked(|v| v.units.clone());
    if units.is_empty() {
        return view! { <p class="notice">{tr(Key::NoLedUnits)}</p> }.into_any();
    }
    let unit = RwSignal::new(units[0].id);
    let items = RwSignal::new(Vec::<AssignedItem>::new());
    let in_a_week = calendar::day_of(now_ms(), offset_minutes()) + 7;
    let due = RwSignal::new(calendar::iso_date(in_a_week));
    let note_text = RwSignal::new(String::new());
    let note: Note = RwSignal::new(None);
    let check = move |item: AssignedItem, key: String| {
        let checked_item = item.clone();
        view! {
            <label class="check">
                <input type="checkbox" prop:checked=move || items.with(|i| i.contains(&checked_item))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        items.update(|i| {
                            i.retain(|x| x != &item);
                            if on { i.push(item.clone()); }
                        });
                    }/>
                <span>{key}</span>
            </label>
        }
    };
    let lessons = pack
        .lessons
        .iter()
        .map(|l| check(AssignedItem::Lesson { id: l.id.clone() }, l.title.clone()))
        .collect_view();
    let scenarios = pack
        .scenarios
        .iter()
        .map(|s| check(AssignedItem::Scenario { id: s.id.clone() }, s.title.clone()))
        .collect_view();
    let checks = pack
        .risk_checklists
        .iter()
        .map(|c| {
            check(
                AssignedItem::RiskCheck {
                    checklist: c.id.clone(),
                },
                c.post.clone(),
            )
        })
        .collect_view();
    let pledge_version = pack.pledge.version;
    let pledge = check(
        AssignedItem::Pledge {
            version: pledge_version,
        },
        tr(Key::AssignPledge)().to_owned(),
    );
    view! {
        <details class="card">
            <summary><h2>{tr(Key::AssignTitle)}</h2></summary>
            <form class="stack" on:submit=move |ev| {
                ev.prevent_default();
                let Some(day) = calendar::parse_iso_date(&due.get_untracked()) else {
                    note.set(Some((Key::FormMissing, vec![("field", tr(Key::AssignDueOn)().to_owned())], false)));
                    return;
                };
                let assignment = NewAssignment {
                    client_id: crate::storage::new_uuid(),
                    unit_id: unit.get_untracked(),
                    items: items.get_untracked(),
                    due_at: end_of_day(day, offset_minutes()),
                    note: note_text.get_untracked().trim().to_owned(),
                };
                if let Err(problem) = assignment.check(now_ms()) {
                    let message = match problem.field.as_str() {
                        "items" => (Key::AssignNeedsItem, vec![]),
                        "note" => crate::components::together::form_problem(&problem, Key::AssignNote),
                        _ => (Key::FormInPast, vec![]),
                    };
                    note.set(Some((message.0, message.1, false)));
                    return;
                }
                if together::queue(state, Request::Assign(assignment)) {
                    items.set(Vec::new());
                    note_text.set(String::new());
                    note.set(Some((Key::AssignQueued, vec![], true)));
                } else {
                    note.set(Some((Key::FormNotSaved, vec![], false)));
                }
            }>
                <label class="field" for="assign-unit">
                    <span>{tr(Key::ScheduleUnit)}</span>
                    <select id="assign-unit" on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse() { unit.set(id); }
                    }>
                        {units.iter().map(|u| view! { <option value=u.id.to_string()>{u.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <fieldset class="choices"><legend>{tr(Key::AssignLessons)}</legend>{lessons}</fieldset>
                <fieldset class="choices"><legend>{tr(Key::AssignScenarios)}</legend>{scenarios}</fieldset>
                <fieldset class="choices"><legend>{tr(Key::AssignRiskChecks)}</legend>{checks}{pledge}</fieldset>
                <label class="field" for="assign-due">
                    <span>{tr(Key::AssignDueOn)}</span>
                    <input id="assign-due" type="date" prop:value=due on:input=move |ev| due.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="assign-note">
                    <span>{tr(Key::AssignNote)}</span>
                    <textarea id="assign-note" maxlength="4000" prop:value=note_text
                        on:input=move |ev| note_text.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit" class="button primary">{tr(Key::AssignSubmit)}</button>
                <FormNote note=note/>
            </form>
        </details>
    }.into_any()
}

/// Assignments to remind of on Today: open and due within three days, or
/// overdue; soonest first.
pub fn reminders(state: &AppState) -> Vec<(Assignment, AssignmentState)> {
    let progress = state.progress.get();
    let now = now_ms();
    let offset = offset_minutes();
    let mut due: Vec<(Assignment, AssignmentState)> = state.together.view.with(|v| {
        v.assignments
            .iter()
            .filter(|a| a.cancelled_at.is_none() && a.needs_reminder(&progress, now, offset))
            .map(|a| (a.clone(), a.state(&progress, now, offset)))
            .collect()
    });
    due.sort_by_key(|(a, _)| a.due_at);
    due
}

/// The items of an assignment, for Today.
pub fn items_view(assignment: &Assignment) -> impl IntoView {
    let state = use_app();
    let progress = state.progress.get_untracked();
    let pack = state.pack();
    view! {
        <ul class="prepare">
            {assignment.items.iter().map(|item| item_line(item, pack.as_ref(), &progress)).collect_view()}
        </ul>
    }
}
