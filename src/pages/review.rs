//! The review queue: questions missed earlier come back on the Leitner
//! schedule (1, 3, 7, 14, 30 days) until they are known.

use crate::components::question::{new_attempt_seed, QuestionCard};
use crate::components::WithPack;
use crate::state::{now_ms, tr, trf, use_app};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::events::EventKind;
use qinglian_core::i18n::Key;

#[component]
pub fn ReviewPage() -> impl IntoView {
    let state = use_app();
    // The session's questions are fixed when it starts, so answering one does
    // not reshuffle the rest.
    let session = RwSignal::new(None::<Vec<(String, String)>>);
    let index = RwSignal::new(0usize);
    // One order of options for the whole session (new next session).
    let seed = new_attempt_seed();
    view! {
        <section class="page review">
            <h1>{tr(Key::ReviewTitle)}</h1>
            <WithPack children=move |pack| {
                let pack = pack.clone();
                move || {
                    if session.with(Option::is_none) {
                        let due: Vec<(String, String)> = state.progress.with_untracked(|p| {
                            p.due_reviews(now_ms()).into_iter()
                                .filter(|c| pack.lesson(&c.lesson).is_some_and(|l| l.quiz.iter().any(|q| q.id == c.question)))
                                .map(|c| (c.lesson.clone(), c.question.clone())).collect()
                        });
                        session.set(Some(due));
                    }
                    let items = session.get().unwrap_or_default();
                    let i = index.get();
                    // Untracked: recording an answer changes progress, and
                    // must not rebuild the card and lose its feedback.
                    let waiting = state.progress.with_untracked(|p| p.review.len());
                    if items.is_empty() || i >= items.len() {
                        return view! {
                            <div class="card">
                                <p>{if items.is_empty() { tr(Key::ReviewNothingDue)() } else { tr(Key::ReviewDone)() }}</p>
                                <p class="muted">{trf(Key::ReviewWaiting, vec![("n", waiting.to_string())])}</p>
                                <A href="/" attr:class="button primary">{tr(Key::BackToToday)}</A>
                            </div>
                        }.into_any();
                    }
                    let (lesson_id, question_id) = items[i].clone();
                    let lesson = pack.lesson(&lesson_id).cloned().expect("filtered above");
                    let question = lesson.quiz.iter().find(|q| q.id == question_id).cloned().expect("filtered above");
                    view! {
                        <p class="muted">{trf(Key::QuizQuestionOf, vec![("n", (i + 1).to_string()), ("total", items.len().to_string())])}
                            " · "<A href=format!("/lesson/{}", lesson.id)>{lesson.title.clone()}</A></p>
                        <QuestionCard question=question prefix=format!("review{i}") seed=seed next_label=Key::QuizNext
                            on_checked=move |(chosen, correct): (Vec<u32>, bool)| {
                                state.record(EventKind::QuestionAnswered { lesson: lesson_id.clone(), question: question_id.clone(), chosen, correct });
                            }
                            on_next=move |_| index.set(i + 1)/>
                    }.into_any()
                }
            }/>
        </section>
    }
}
