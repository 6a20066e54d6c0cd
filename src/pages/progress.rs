//! Progress: completion per track, quiz scores, the review queue, the streak
//! calendar, minutes per week, and certificates for completed tracks.

use crate::components::charts::{StreakCalendar, WeeklyMinutesChart};
use crate::components::{ProgressBar, WithPack};
use crate::pages::library::track_key;
use crate::state::{now_ms, today, tr, trf, use_app};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::i18n::Key;
use qinglian_core::progress::Track;

#[component]
pub fn ProgressPage() -> impl IntoView {
    let state = use_app();
    view! {
        <section class="page progress">
            <h1>{tr(Key::ProgressTitle)}</h1>
            <WithPack children=move |pack| {
                let pack = pack.clone();
                move || {
                    let progress = state.progress.get();
                    let day = today();
                    let due = progress.due_reviews(now_ms()).len();
                    let quizzes: Vec<(String, String, u32, u32, u32)> = pack.lessons.iter().filter_map(|l| {
                        progress.quizzes.get(&l.id).map(|q| (l.id.clone(), l.title.clone(), q.best_score, q.total, q.attempts))
                    }).collect();
                    let scenarios_done = progress.scenarios.len();
                    view! {
                        <div class="stats">
                            <div class="stat"><strong>{progress.streak(day)}</strong><span>{tr(Key::StreakDays)}</span></div>
                            <div class="stat"><strong>{progress.lessons_done.len()}</strong><span>{tr(Key::LessonsDone)}</span></div>
                            <div class="stat"><strong>{progress.review.len()}</strong><span>{tr(Key::ReviewQueueSize)}</span></div>
                        </div>
                        <section aria-labelledby="tracks-heading">
                            <h2 id="tracks-heading">{tr(Key::ProgressTracks)}</h2>
                            {Track::ALL.into_iter().map(|track| {
                                let (done, total, completed) = track.completion(&pack, &progress);
                                view! {
                                    <div class="track-progress">
                                        <h3>{tr(track_key(track))}</h3>
                                        <ProgressBar value=done max=total label=tr(track_key(track))()/>
                                        {completed.map(|_| view! {
                                            <A href=format!("/certificate/{}", track.id()) attr:class="button">{tr(Key::CertificateOpen)}</A>
                                        })}
                                    </div>
                                }
                            }).collect_view()}
                        </section>
                        <section aria-labelledby="review-heading">
                            <h2 id="review-heading">{tr(Key::ReviewTitle)}</h2>
                            <p>{trf(Key::ReviewSummary, vec![("n", progress.review.len().to_string()), ("due", due.to_string())])}</p>
                            {(due > 0).then(|| view! { <A href="/review" attr:class="button primary">{tr(Key::ReviewStart)}</A> })}
                        </section>
                        <section aria-labelledby="calendar-heading">
                            <h2 id="calendar-heading">{tr(Key::StreakCalendar)}</h2>
                            <StreakCalendar study_days=progress.study_days.clone() today=day label=tr(Key::StreakCalendar)()/>
                            <p class="muted small">{tr(Key::StreakRule)}</p>
                        </section>
                        <section aria-labelledby="minutes-heading">
                            <h2 id="minutes-heading">{tr(Key::MinutesPerWeek)}</h2>
                            <WeeklyMinutesChart weeks=progress.weekly_minutes(day, 8) label=tr(Key::MinutesPerWeek)()/>
                        </section>
                        <section aria-labelledby="quiz-heading">
                            <h2 id="quiz-heading">{tr(Key::QuizScores)}</h2>
                            {if quizzes.is_empty() {
                                view! { <p class="muted">{tr(Key::QuizNoneYet)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="score-list">
                                        {quizzes.into_iter().map(|(id, title, best, total, attempts)| view! {
                                            <li><A href=format!("/lesson/{id}")>{title}</A>
                                                <span class="muted">{trf(Key::QuizBestOf, vec![("score", best.to_string()), ("total", total.to_string()), ("n", attempts.to_string())])}</span></li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <p>{trf(Key::ScenariosPlayed, vec![("n", scenarios_done.to_string())])}</p>
                        </section>
                    }
                }
            }/>
        </section>
    }
}
