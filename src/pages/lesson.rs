//! The lesson reader: the text, "Mark as done", the quiz with immediate
//! feedback, a private reflection note, and previous / next in the track.

use crate::components::blocks::Blocks;
use crate::components::question::{new_attempt_seed, QuestionCard};
use crate::pages::library::{topic_key, track_key};
use crate::state::{tr, trf, use_app};
use crate::storage;
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::content::{Lesson, Pack};
use qinglian_core::events::EventKind;
use qinglian_core::i18n::Key;
use qinglian_core::progress::Track;
use std::sync::Arc;

#[component]
pub fn LessonPage() -> impl IntoView {
    crate::components::by_route_id(
        |pack, id| pack.lesson(id).cloned(),
        |lesson, pack| view! { <LessonView lesson=lesson pack=pack/> },
    )
}

/// The track the reader is following through this lesson: the learner's own
/// tier when the lesson is in it, else the lesson's first.
fn track_of(lesson: &Lesson, mine: qinglian_core::settings::Tier) -> Track {
    if lesson.tiers.len() == qinglian_core::settings::Tier::ALL.len() {
        Track::Everyone
    } else if lesson.tiers.contains(&mine) {
        Track::Tier(mine)
    } else {
        Track::Tier(lesson.tiers[0])
    }
}

#[component]
fn LessonView(lesson: Lesson, pack: Arc<Pack>) -> impl IntoView {
    let state = use_app();
    let id = lesson.id.clone();
    let track = track_of(&lesson, state.tier());
    let ids = track.lessons(&pack);
    let position = ids.iter().position(|l| *l == id).unwrap_or(0);
    let previous = position
        .checked_sub(1)
        .and_then(|i| ids.get(i))
        .and_then(|l| pack.lesson(l))
        .map(|l| (l.id.clone(), l.title.clone()));
    let next = ids
        .get(position + 1)
        .and_then(|l| pack.lesson(l))
        .map(|l| (l.id.clone(), l.title.clone()));
    let done = {
        let id = id.clone();
        Memo::new(move |_| state.progress.with(|p| p.lessons_done.contains_key(&id)))
    };
    let mark_done = {
        let id = id.clone();
        move |_| {
            if !done.get_untracked() {
                state.record(EventKind::LessonDone { lesson: id.clone() });
            }
        }
    };
    let saved_position = storage::reading_position(&id).filter(|p| *p > 30 && *p < 980);
    let scroll_listener = {
        let id = id.clone();
        window_event_listener(leptos::ev::scroll, move |_| {
            let window = window();
            let y = window.scroll_y().unwrap_or(0.0);
            let height = document()
                .document_element()
                .map(|e| e.scroll_height() as f64)
                .unwrap_or(1.0);
            let view = window
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(0.0);
            let room = (height - view).max(1.0);
            storage::save_reading_position(&id, ((y / room) * 1000.0).clamp(0.0, 1000.0) as u32);
        })
    };
    on_cleanup(move || scroll_listener.remove());
    let resume = move |_| {
        if let Some(per_mille) = saved_position {
            let window = window();
            let height = document()
                .document_element()
                .map(|e| e.scroll_height() as f64)
                .unwrap_or(0.0);
            let view = window
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(0.0);
            window.scroll_to_with_x_and_y(
                0.0,
                (height - view).max(0.0) * f64::from(per_mille) / 1000.0,
            );
        }
    };
    let topics = lesson.topics.clone();
    view! {
        <article class="page lesson">
            <p class="crumbs"><A href="/library">{tr(Key::LibraryTitle)}</A>" · "{tr(track_key(track))}</p>
            <h1>{lesson.title.clone()}</h1>
            <p class="lesson-meta">
                {trf(Key::Minutes, vec![("n", lesson.minutes.to_string())])}
                {topics.into_iter().map(|t| view! { <span class="tag">{tr(topic_key(&t))}</span> }).collect_view()}
            </p>
            {saved_position.map(|_| view! {
                <p><button type="button" class="button" on:click=resume>{tr(Key::ContinueReading)}</button></p>
            })}
            <div class="lesson-body">
                <Blocks blocks=lesson.body.clone()/>
            </div>
            <div class="done-row">
                <Show when=move || done.get() fallback=move || view! {
                    <button type="button" class="button primary wide" on:click=mark_done.clone()>{tr(Key::MarkDone)}</button>
                }>
                    <p class="good" role="status">"✓ "{tr(Key::LessonIsDone)}</p>
                </Show>
            </div>
            <Quiz lesson=lesson.clone()/>
            <Reflection lesson_id=id.clone()/>
            <nav class="prev-next" aria-label=tr(Key::TrackNavigation)>
                {previous.map(|(pid, title)| view! {
                    <A href=format!("/lesson/{pid}") attr:class="button" attr:rel="prev">"← "{title}</A>
                })}
                {next.map(|(nid, title)| view! {
                    <A href=format!("/lesson/{nid}") attr:class="button" attr:rel="next">{title}" →"</A>
                })}
            </nav>
        </article>
    }
}

/// The lesson's quiz: one question at a time, the score at the end, retry.
#[component]
fn Quiz(lesson: Lesson) -> impl IntoView {
    let state = use_app();
    let started = RwSignal::new(false);
    let index = RwSignal::new(0usize);
    let score = RwSignal::new(0u32);
    let finished = RwSignal::new(false);
    let attempt = RwSignal::new(0u32);
    let seed = RwSignal::new(0u64);
    let total = lesson.quiz.len();
    let lesson = StoredValue::new(lesson);
    let best = move || {
        lesson.with_value(|l| {
            state
                .progress
                .with(|p| p.quizzes.get(&l.id).map(|q| (q.best_score, q.total)))
        })
    };
    let start = move |_| {
        index.set(0);
        score.set(0);
        finished.set(false);
        attempt.update(|a| *a += 1);
        seed.set(new_attempt_seed());
        started.set(true);
    };
    view! {
        <section class="quiz" aria-labelledby="quiz-heading">
            <h2 id="quiz-heading">{tr(Key::QuizTitle)}</h2>
            {move || {
                if !started.get() {
                    view! {
                        <p>{trf(Key::QuizIntro, vec![("n", total.to_string())])}</p>
                        {best().map(|(b, t)| view! { <p class="muted">{trf(Key::QuizBest, vec![("score", b.to_string()), ("total", t.to_string())])}</p> })}
                        <button type="button" class="button primary wide" on:click=start>{tr(Key::QuizStart)}</button>
                    }.into_any()
                } else if finished.get() {
                    let s = score.get();
                    view! {
                        <div class="card result" role="status">
                            <p class="big">{trf(Key::QuizScore, vec![("score", s.to_string()), ("total", total.to_string())])}</p>
                            <p>{if s as usize == total { tr(Key::QuizAllRight)() } else { tr(Key::QuizMissedToReview)() }}</p>
                            <button type="button" class="button wide" on:click=start>{tr(Key::QuizRetry)}</button>
                        </div>
                    }.into_any()
                } else {
                    let i = index.get();
                    let question = lesson.with_value(|l| l.quiz[i].clone());
                    let question_id = question.id.clone();
                    let is_last = i + 1 == total;
                    view! {
                        <p class="muted">{trf(Key::QuizQuestionOf, vec![("n", (i + 1).to_string()), ("total", total.to_string())])}</p>
                        <QuestionCard question=question prefix=format!("quiz{}", attempt.get_untracked()) seed=seed.get_untracked()
                            next_label=if is_last { Key::QuizSeeScore } else { Key::QuizNext }
                            on_checked=move |(chosen, correct): (Vec<u32>, bool)| {
                                if correct { score.update(|s| *s += 1); }
                                let lesson_id = lesson.with_value(|l| l.id.clone());
                                state.record(EventKind::QuestionAnswered { lesson: lesson_id, question: question_id.clone(), chosen, correct });
                            }
                            on_next=move |_| {
                                if is_last {
                                    let lesson_id = lesson.with_value(|l| l.id.clone());
                                    state.record(EventKind::QuizFinished { lesson: lesson_id, score: score.get_untracked(), total: total as u32 });
                                    finished.set(true);
                                } else {
                                    index.set(i + 1);
                                }
                            }/>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// A private note on what the lesson means for one's own work. Kept on the
/// device (and in one's own synced log), never shown to anyone else.
#[component]
fn Reflection(lesson_id: String) -> impl IntoView {
    let state = use_app();
    let saved = {
        let id = lesson_id.clone();
        Memo::new(move |_| {
            state
                .progress
                .with(|p| p.reflections.get(&id).cloned().unwrap_or_default())
        })
    };
    let draft = RwSignal::new(saved.get_untracked());
    let status = RwSignal::new(None::<Key>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if text == saved.get_untracked() {
            return;
        }
        if state.record(EventKind::ReflectionSaved {
            lesson: lesson_id.clone(),
            text,
        }) {
            status.set(Some(Key::ReflectionSaved));
        }
    };
    view! {
        <form class="reflection" on:submit=save>
            <h2>{tr(Key::ReflectionTitle)}</h2>
            <label class="field" for="reflection-text">
                <span>{tr(Key::ReflectionPrompt)}</span>
                <textarea id="reflection-text" maxlength="3000" prop:value=draft
                    on:input=move |ev| { draft.set(event_target_value(&ev)); status.set(None); }></textarea>
            </label>
            <p class="muted small">{tr(Key::ReflectionPrivate)}</p>
            <button type="submit" class="button">{tr(Key::ReflectionSave)}</button>
            <span role="status" class="good">{move || status.get().map(|k| tr(k)())}</span>
        </form>
    }
}
