//! The study plan — the essay's menu-based learning: the required lessons of
//! the learner's tier, electives chosen from a menu of all the others, and a
//! credit target per quarter (credits come from active minutes and quiz
//! mastery, never from page views, with a daily cap).

use crate::components::{LessonLink, ProgressBar, WithPack};
use crate::state::{today, tr, trf, use_app};
use leptos::prelude::*;
use qinglian_core::calendar;
use qinglian_core::events::EventKind;
use qinglian_core::i18n::Key;
use qinglian_core::progress::{
    StudyPlan, CREDITS_PER_MASTERY, DAILY_CREDIT_CAP, MINUTES_PER_CREDIT, QUARTER_CREDIT_TARGET,
};

#[component]
pub fn PlanPage() -> impl IntoView {
    let state = use_app();
    view! {
        <section class="page plan">
            <h1>{tr(Key::PlanTitle)}</h1>
            <p class="lead">{tr(Key::PlanIntro)}</p>
            <WithPack children=move |pack| {
                let pack = pack.clone();
                move || {
                    let progress = state.progress.get();
                    let tier = state.tier();
                    let plan = StudyPlan::for_learner(&pack, &progress, tier);
                    let day = today();
                    let credits = progress.credits_in_quarter(day) as usize;
                    let (year, quarter) = calendar::quarter_of(day);
                    let menu: Vec<_> = StudyPlan::menu(&pack, tier).into_iter().filter_map(|id| pack.lesson(id).cloned()).collect();
                    view! {
                        <div class="card">
                            <h2>{trf(Key::PlanCredits, vec![("year", year.to_string()), ("q", quarter.to_string())])}</h2>
                            <ProgressBar value=credits.min(QUARTER_CREDIT_TARGET as usize) max=QUARTER_CREDIT_TARGET as usize label=tr(Key::PlanCreditsLabel)()/>
                            <p class="muted small">{trf(Key::PlanCreditRule, vec![
                                ("minutes", MINUTES_PER_CREDIT.to_string()),
                                ("mastery", CREDITS_PER_MASTERY.to_string()),
                                ("cap", DAILY_CREDIT_CAP.to_string()),
                            ])}</p>
                        </div>
                        <h2>{tr(Key::PlanRequired)}</h2>
                        <ProgressBar value=plan.required_done max=plan.required.len() label=tr(Key::PlanRequired)()/>
                        <ul class="lesson-list">
                            {plan.required.iter().filter_map(|id| pack.lesson(id).cloned()).map(|l| view! { <LessonLink lesson=l/> }).collect_view()}
                        </ul>
                        <h2>{tr(Key::PlanElectives)}</h2>
                        {if plan.electives.is_empty() {
                            view! { <p class="muted">{tr(Key::PlanNoElectives)}</p> }.into_any()
                        } else {
                            view! {
                                <ProgressBar value=plan.electives_done max=plan.electives.len() label=tr(Key::PlanElectives)()/>
                                <ul class="lesson-list">
                                    {plan.electives.iter().filter_map(|id| pack.lesson(id).cloned()).map(|l| view! { <LessonLink lesson=l/> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <h2>{tr(Key::PlanMenu)}</h2>
                        <p class="muted">{tr(Key::PlanMenuHint)}</p>
                        <ul class="menu-list">
                            {menu.into_iter().map(|lesson| {
                                let chosen = progress.electives.contains(&lesson.id);
                                let id = lesson.id.clone();
                                let toggle = move |_| {
                                    let kind = if chosen {
                                        EventKind::ElectiveDropped { lesson: id.clone() }
                                    } else {
                                        EventKind::ElectiveChosen { lesson: id.clone() }
                                    };
                                    state.record(kind);
                                };
                                view! {
                                    <li class="menu-item">
                                        <span><strong>{lesson.title.clone()}</strong><br/>
                                            <span class="muted small">{trf(Key::Minutes, vec![("n", lesson.minutes.to_string())])}</span></span>
                                        <button type="button" class="button" aria-pressed=chosen.to_string() on:click=toggle>
                                            {if chosen { tr(Key::PlanRemove)() } else { tr(Key::PlanAdd)() }}
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                }
            }/>
        </section>
    }
}
