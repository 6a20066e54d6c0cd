//! Ask a leader: a member writes a question to the unit's leaders (offline
//! too: it waits in the outbox), sees the answer, and reads the unit's
//! published questions and answers; leaders answer their inbox and publish
//! entries, never with the asker's name.

use crate::components::together::{date, form_problem, FormNote, Note, Outbox, TogetherPage};
use crate::pages::sessions::TextArea;
use crate::state::{now_ms, tr, trf, use_app};
use crate::together::{self, Request};
use leptos::prelude::*;
use qinglian_core::calendar::MS_PER_DAY;
use qinglian_core::i18n::Key;
use qinglian_core::sync::User;
use qinglian_core::together::{
    AnswerRequest, NewQuestion, PublishRequest, Question, QUESTION_OPEN_DAYS,
};

fn is_question_request(request: &Request) -> bool {
    matches!(
        request,
        Request::Ask(_) | Request::Answer { .. } | Request::Publish { .. }
    )
}

/// `/ask`.
#[component]
pub fn AskPage() -> impl IntoView {
    let state = use_app();
    view! {
        <TogetherPage title=Key::AskTitle intro=Key::AskIntro children=move |user: User| {
            let questions = Memo::new(move |_| state.together.view.with(|v| v.questions.clone()));
            let leader = together::is_leader(&user);
            view! {
                {match user.unit_id {
                    Some(_) => view! { <AskForm/> }.into_any(),
                    None => view! { <p class="notice">{tr(Key::AskNeedsUnit)}</p> }.into_any(),
                }}
                <Outbox belongs=is_question_request/>
                {move || {
                    let questions = questions.get();
                    let seen = state.together.seen_answers.get_untracked();
                    let answered: Vec<i64> = questions.mine.iter().filter(|q| q.answer.is_some()).map(|q| q.id).collect();
                    // "New" shows on this visit and is gone on the next.
                    together::mark_answers_seen(state, answered);
                    view! {
                        <h2>{tr(Key::AskMine)}</h2>
                        {if questions.mine.is_empty() {
                            view! { <p class="muted">{tr(Key::AskNoQuestions)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="cards">
                                    {questions.mine.into_iter().map(|q| {
                                        let new = q.answer.is_some() && !seen.contains(&q.id);
                                        view! { <QuestionCard question=q new=new/> }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        {leader.then(|| view! {
                            <h2>{tr(Key::AskInbox)}</h2>
                            {if questions.inbox.is_empty() {
                                view! { <p class="muted">{tr(Key::AskInboxNone)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="cards">
                                        {questions.inbox.into_iter().map(|q| view! { <InboxCard question=q/> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        })}
                        <h2>{tr(Key::AskFaq)}</h2>
                        {if questions.faq.is_empty() {
                            view! { <p class="muted">{tr(Key::AskFaqNone)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="cards faq">
                                    {questions.faq.into_iter().map(|q| view! { <QuestionCard question=q new=false/> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }
                }}
            }
        }/>
    }
}

#[component]
fn AskForm() -> impl IntoView {
    let state = use_app();
    let text = RwSignal::new(String::new());
    let show_name = RwSignal::new(false);
    let note: Note = RwSignal::new(None);
    view! {
        <form class="card stack" on:submit=move |ev| {
            ev.prevent_default();
            let question = NewQuestion {
                client_id: crate::storage::new_uuid(),
                text: text.get_untracked().trim().to_owned(),
                show_name: show_name.get_untracked(),
            };
            if let Err(problem) = question.check() {
                let (key, slots) = form_problem(&problem, Key::AskText);
                note.set(Some((key, slots, false)));
                return;
            }
            if together::queue(state, Request::Ask(question)) {
                text.set(String::new());
                show_name.set(false);
                note.set(Some((Key::AskQueued, vec![], true)));
            } else {
                note.set(Some((Key::FormNotSaved, vec![], false)));
            }
        }>
            <TextArea id="ask-text" label=Key::AskText value=text/>
            <label class="check">
                <input type="checkbox" prop:checked=show_name on:change=move |ev| show_name.set(event_target_checked(&ev))/>
                <span>{tr(Key::AskShowName)}</span>
            </label>
            <p class="muted small">{tr(Key::AskShowNameHint)}</p>
            <button type="submit" class="button primary">{tr(Key::AskSend)}</button>
            <FormNote note=note/>
        </form>
    }
}

/// A question with its answer (the asker's own, or a published entry).
#[component]
fn QuestionCard(question: Question, new: bool) -> impl IntoView {
    view! {
        <li class="card question">
            <p class="muted small">
                {date(question.asked_at)}
                {new.then(|| view! { " " <span class="badge new">{tr(Key::AskNewAnswer)}</span> })}
                {(question.mine && question.published_at.is_some()).then(|| view! { " " <span class="badge">{tr(Key::AskPublishedBadge)}</span> })}
            </p>
            <p class="prewrap"><strong>{question.text.clone()}</strong></p>
            {match (question.answer.clone(), question.answered_at) {
                (Some(answer), at) => view! {
                    <p class="muted small">{trf(Key::AskAnswered, vec![
                        ("name", question.answered_by.clone().unwrap_or_default()),
                        ("date", at.map(date).unwrap_or_default()),
                    ])}</p>
                    <p class="prewrap answer">{answer}</p>
                }.into_any(),
                (None, _) => view! { <p class="badge waiting">{tr(Key::AskWaitingAnswer)}</p> }.into_any(),
            }}
        </li>
    }
}

/// A question in a leader's inbox: who asked (if they chose so), how long it
/// has waited, the answer form and publishing.
#[component]
fn InboxCard(question: Question) -> impl IntoView {
    let state = use_app();
    let answer = RwSignal::new(question.answer.clone().unwrap_or_default());
    let publish = RwSignal::new(question.published_at.is_some());
    let note: Note = RwSignal::new(None);
    let id = question.id;
    let open_days = (now_ms() - question.asked_at) / MS_PER_DAY;
    let from = match &question.asker_name {
        Some(name) => trf(
            Key::AskFrom,
            vec![
                ("name", name.clone()),
                ("unit", question.unit_name.clone()),
                ("date", date(question.asked_at)),
            ],
        ),
        None => trf(
            Key::AskFromAnonymous,
            vec![
                ("unit", question.unit_name.clone()),
                ("date", date(question.asked_at)),
            ],
        ),
    };
    let answered = question.answer.is_some();
    let published = question.published_at.is_some();
    let overdue = !answered && open_days > QUESTION_OPEN_DAYS;
    let field = format!("answer-{id}");
    let label_for = field.clone();
    view! {
        <li class="card question" class:attention=overdue>
            <p class="muted small">{from}
                {(!answered).then(|| view! { " · " {trf(Key::AskOpenDays, vec![("n", open_days.to_string())])} })}
                {published.then(|| view! { " " <span class="badge">{tr(Key::AskPublishedBadge)}</span> })}
            </p>
            <p class="prewrap"><strong>{question.text.clone()}</strong></p>
            <form class="stack" on:submit=move |ev| {
                ev.prevent_default();
                let request = AnswerRequest { text: answer.get_untracked().trim().to_owned(), publish: publish.get_untracked() };
                if let Err(problem) = request.check() {
                    let (key, slots) = form_problem(&problem, Key::AskAnswerLabel);
                    note.set(Some((key, slots, false)));
                    return;
                }
                if together::queue(state, Request::Answer { question: id, answer: request }) {
                    note.set(Some((Key::MinutesSaved, vec![], true)));
                } else {
                    note.set(Some((Key::FormNotSaved, vec![], false)));
                }
            }>
                <label class="field" for=label_for>
                    <span>{tr(Key::AskAnswerLabel)}</span>
                    <textarea id=field maxlength="4000" prop:value=answer
                        on:input=move |ev| answer.set(event_target_value(&ev))></textarea>
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=publish on:change=move |ev| publish.set(event_target_checked(&ev))/>
                    <span>{tr(Key::AskAnswerPublish)}</span>
                </label>
                <div class="actions">
                    <button type="submit" class="button primary">{tr(Key::AskAnswerSend)}</button>
                    {answered.then(|| view! {
                        <button type="button" class="button" on:click=move |_| {
                            let request = Request::Publish { question: id, publish: PublishRequest { publish: !published } };
                            if !together::queue(state, request) {
                                note.set(Some((Key::FormNotSaved, vec![], false)));
                            }
                        }>{if published { tr(Key::AskWithdraw) } else { tr(Key::AskPublish) }}</button>
                    })}
                </div>
                <FormNote note=note/>
            </form>
        </li>
    }
}

/// Answers the asker has not seen yet, for Today.
pub fn new_answers(state: &crate::state::AppState) -> usize {
    let seen = state.together.seen_answers.get();
    state.together.view.with(|v| {
        v.questions
            .mine
            .iter()
            .filter(|q| q.answer.is_some() && !seen.contains(&q.id))
            .count()
    })
}
