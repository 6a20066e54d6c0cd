//! Today: a "ten spare minutes" session built from the review queue, the next
//! lesson of the study plan and, when one is due, a scenario; with the streak
//! and this week's minutes.

use crate::components::WithOutline;
use crate::state::{now_ms, today, tr, trf, use_app};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::i18n::Key;
use qinglian_core::progress::{scenario_due, StudyPlan, QUARTER_CREDIT_TARGET};

#[component]
pub fn TodayPage() -> impl IntoView {
    let state = use_app();
    // Once Today's figures are drawn: the app takes the place of the picture
    // of Today painted at start (if any), and, a moment later, this Today is
    // kept as the next start's picture.
    Effect::new(move |_| {
        // Drawn from the outline or the whole edition, or saying why not.
        let drawn = state.outline.with(Option::is_some)
            || state
                .pack
                .with(|p| !matches!(p, crate::pack::PackState::Loading));
        if drawn {
            crate::today_picture::give_way();
            gloo_timers::callback::Timeout::new(2_000, move || {
                state
                    .progress
                    .try_with_untracked(|progress| crate::today_picture::keep(progress));
            })
            .forget();
        }
    });
    view! {
        <section class="page today">
            <h1>{tr(Key::TodayTitle)}</h1>
            <p class="lead">{tr(Key::TodayGreeting)}</p>
            <WithOutline children=move |pack| {
                let pack = pack.clone();
                move || {
                    let progress = state.progress.get();
                    let tier = state.tier();
                    let now = now_ms();
                    let day = today();
                    let due = progress.due_reviews(now).len();
                    let plan = StudyPlan::for_learner(&pack, &progress, tier);
                    let next = plan.next_lesson(&progress).and_then(|id| pack.lesson(id)).cloned();
                    let scenario = scenario_due(&pack, &progress, tier, now).and_then(|id| pack.scenario(id)).cloned();
                    let pledge_needed = progress.pledge_needed(pack.pledge.version);
                    let recheck: Vec<_> = pack.risk_checklists.iter()
                        .filter(|c| progress.risk_recheck_due(&c.id, now))
                        .map(|c| (c.id.clone(), c.post.clone()))
                        .collect();
                    let streak = progress.streak(day);
                    let minutes = progress.minutes_in_week(day);
                    let credits = progress.credits_in_quarter(day);
                    view! {
                        <div class="stats" role="group" aria-label=tr(Key::TodayStats)>
                            <div class="stat"><strong>{streak}</strong><span>{tr(Key::StreakDays)}</span></div>
                            <div class="stat"><strong>{minutes}</strong><span>{tr(Key::MinutesThisWeek)}</span></div>
                            <div class="stat"><strong>{format!("{credits}/{QUARTER_CREDIT_TARGET}")}</strong><span>{tr(Key::CreditsThisQuarter)}</span></div>
                        </div>
                        {pledge_needed.then(|| view! {
                            <div class="card attention">
                                <h2>{tr(Key::PledgeTitle)}</h2>
                                <p>{tr(Key::PledgeAsk)}</p>
                                <A href="/pledge" attr:class="button primary">{tr(Key::PledgeRead)}</A>
                            </div>
                        })}
                        <TogetherOnToday/>
                        <h2>{tr(Key::TodaySession)}</h2>
                        <ol class="session">
                            {(due > 0).then(|| view! {
                                <li class="card">
                                    <h3>{tr(Key::ReviewTitle)}</h3>
                                    <p>{trf(Key::ReviewDue, vec![("n", due.to_string())])}</p>
                                    <A href="/review" attr:class="button primary">{tr(Key::ReviewStart)}</A>
                                </li>
                            })}
                            {match next {
                                Some(lesson) => view! {
                                    <li class="card">
                                        <h3>{tr(Key::NextLesson)}</h3>
                                        <p><strong>{lesson.title.clone()}</strong></p>
                                        <p class="muted">{lesson.summary.clone()}</p>
                                        <A href=format!("/lesson/{}", lesson.id) attr:class="button primary">
                                            {trf(Key::StartLessonMinutes, vec![("n", lesson.minutes.to_string())])}
                                        </A>
                                    </li>
                                }.into_any(),
                                None => view! {
                                    <li class="card">
                                        <h3>{tr(Key::PlanComplete)}</h3>
                                        <p>{tr(Key::PlanCompleteHint)}</p>
                                        <A href="/plan" attr:class="button">{tr(Key::PlanTitle)}</A>
                                    </li>
                                }.into_any(),
                            }}
                            {scenario.map(|s| view! {
                                <li class="card">
                                    <h3>{tr(Key::ScenarioOfTheWeek)}</h3>
                                    <p><strong>{s.title.clone()}</strong></p>
                                    <p class="muted">{s.summary.clone()}</p>
                                    <A href=format!("/scenario/{}", s.id) attr:class="button primary">{tr(Key::ScenarioStart)}</A>
                                </li>
                            })}
                            {recheck.into_iter().map(|(id, post)| view! {
                                <li class="card">
                                    <h3>{tr(Key::RiskRecheckDue)}</h3>
                                    <p>{post}</p>
                                    <A href=format!("/risk/{id}") attr:class="button">{tr(Key::RiskOpen)}</A>
                                </li>
                            }).collect_view()}
                        </ol>
                        <nav class="shortcuts" aria-label=tr(Key::MoreToDo)>
                            <A href="/plan" attr:class="button">{tr(Key::PlanTitle)}</A>
                            <A href="/risk" attr:class="button">{tr(Key::RiskTitle)}</A>
                            <A href="/scenarios" attr:class="button">{tr(Key::ScenariosTitle)}</A>
                            <A href="/pledge" attr:class="button">{tr(Key::PledgeTitle)}</A>
                            <A href="/sessions" attr:class="button">{tr(Key::NavTogether)}</A>
                        </nav>
                    }
                }
            }/>
        </section>
    }
}

/// What the unit asks of the learner, ahead of their own plan: assignments
/// due within three days or overdue, the next study session, a new answer
/// to their question and an open feedback round. Nothing when not signed in.
#[component]
fn TogetherOnToday() -> impl IntoView {
    use crate::pages::{ask, assignments, feedback, sessions};
    let state = use_app();
    move || {
        crate::together::user(&state)?;
        let due = assignments::reminders(&state);
        let session = sessions::next_session(&state);
        let answers = ask::new_answers(&state);
        let round = feedback::round_to_answer(&state);
        Some(view! {
            {(!due.is_empty()).then(|| view! {
                <section class="card attention">
                    <h2>{tr(Key::TodayAssignments)}</h2>
                    <ul class="plain">
                        {due.into_iter().map(|(assignment, own)| view! {
                            <li>
                                <p>{assignments::state_badge(own)}" "
                                    <span class="muted small">{crate::components::together::date(assignment.due_at)}</span></p>
                                {assignments::items_view(&assignment)}
                            </li>
                        }).collect_view()}
                    </ul>
                    <A href="/assignments" attr:class="button">{tr(Key::AssignmentsTitle)}</A>
                </section>
            })}
            {session.map(|s| view! {
                <section class="card">
                    <h2>{tr(Key::TodayNextSession)}</h2>
                    <p><strong>{s.topic.clone()}</strong></p>
                    <p>{sessions::session_when(&s)}" · "{s.place.clone()}</p>
                    <A href=format!("/sessions/{}", s.id) attr:class="button primary">{tr(Key::SessionOpen)}</A>
                </section>
            })}
            {(answers > 0).then(|| view! {
                <section class="card attention">
                    <h2>{tr(Key::TodayNewAnswer)}</h2>
                    <A href="/ask" attr:class="button primary">{tr(Key::TodayReadAnswer)}</A>
                </section>
            })}
            {round.map(|r| view! {
                <section class="card">
                    <h2>{trf(Key::TodayOpenRound, vec![("date", crate::components::together::date(r.closes_at))])}</h2>
                    <A href="/feedback" attr:class="button">{tr(Key::TodayGiveFeedback)}</A>
                </section>
            })}
        })
    }
}
