//! One quiz question: choose, check, and learn why each answer is right or
//! wrong. Used by lesson quizzes and by the review queue.

use crate::state::tr;
use leptos::prelude::*;
use qinglian_core::content::{option_order, Question, QuestionKind};
use qinglian_core::i18n::Key;

/// Is this set of chosen option indexes the right answer?
pub fn is_correct(question: &Question, chosen: &[u32]) -> bool {
    let right: Vec<u32> = question
        .options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.correct)
        .map(|(i, _)| i as u32)
        .collect();
    let mut chosen = chosen.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    chosen == right
}

/// A new seed for a quiz attempt or a review session: the options' order is
/// drawn from it (see [`option_order`]).
pub fn new_attempt_seed() -> u64 {
    (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64
}

/// Shows `question` with its options in the attempt's order; calls
/// `on_checked(chosen, correct)` once when checked (chosen as the options'
/// indexes in the pack), then shows the feedback and a `next_label` button
/// that calls `on_next`.
#[component]
pub fn QuestionCard(
    question: Question,
    /// A unique prefix for input ids on the page.
    prefix: String,
    /// The attempt's seed: the same seed shows the same order.
    seed: u64,
    #[prop(into)] on_checked: Callback<(Vec<u32>, bool)>,
    #[prop(into)] on_next: Callback<()>,
    next_label: Key,
) -> impl IntoView {
    let chosen = RwSignal::new(Vec::<u32>::new());
    let checked = RwSignal::new(None::<bool>);
    let multiple = question.kind == QuestionKind::Multiple;
    let q = StoredValue::new(question.clone());
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if checked.get_untracked().is_some() {
            return;
        }
        let picks = chosen.get_untracked();
        let correct = q.with_value(|q| is_correct(q, &picks));
        checked.set(Some(correct));
        on_checked.run((picks, correct));
    };
    let hint = if multiple {
        Key::QuizChooseAll
    } else {
        Key::QuizChooseOne
    };
    let group = format!("{prefix}-{}", question.id);
    view! {
        <form class="question card" on:submit=check>
            <fieldset disabled=move || checked.get().is_some()>
                <legend>{question.prompt.clone()}</legend>
                <p class="muted small">{tr(hint)}</p>
                {option_order(&question, seed).into_iter().map(|index| {
                    let option = &question.options[index];
                    let index = index as u32;
                    let id = format!("{group}-{index}");
                    let label_for = id.clone();
                    let name = group.clone();
                    let correct = option.correct;
                    let explanation = option.explanation.clone();
                    let picked = move || chosen.with(|c| c.contains(&index));
                    view! {
                        <div class="option"
                            class:right=move || checked.get().is_some() && correct
                            class:wrong=move || checked.get().is_some() && picked() && !correct>
                            <label class="choice" for=label_for>
                                <input id=id type=if multiple { "checkbox" } else { "radio" } name=name
                                    prop:checked=picked
                                    on:change=move |_| chosen.update(|c| {
                                        if multiple {
                                            if let Some(pos) = c.iter().position(|i| *i == index) { c.remove(pos); } else { c.push(index); }
                                        } else {
                                            *c = vec![index];
                                        }
                                    })/>
                                <span class="choice-text">{option.text.clone()}</span>
                            </label>
                            <Show when=move || checked.get().is_some() && (picked() || correct)>
                                <p class="explanation">
                                    <strong>{move || if correct { tr(Key::QuizRightAnswer)() } else { tr(Key::QuizNotRight)() }}</strong>
                                    " "{explanation.clone()}
                                </p>
                            </Show>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <div role="status" aria-live="polite" class="verdict">
                {move || checked.get().map(|right| if right {
                    view! { <p class="good">{tr(Key::QuizCorrect)}</p> }.into_any()
                } else {
                    view! { <p class="bad">{tr(Key::QuizIncorrect)}</p> }.into_any()
                })}
            </div>
            <Show when=move || checked.get().is_none()
                fallback=move || view! {
                    <button type="button" class="button primary wide" on:click=move |_| on_next.run(())>{tr(next_label)}</button>
                }>
                <button type="submit" class="button primary wide" disabled=move || chosen.with(Vec::is_empty)>
                    {tr(Key::QuizCheck)}
                </button>
            </Show>
        </form>
    }
}
