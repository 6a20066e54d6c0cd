//! Anonymous feedback on the leadership (民主测评): a member rates a few
//! statements once per round; results show only after the close and only
//! with enough answers to keep them anonymous. Administrators and the leaders
//! of a unit above open rounds.

use crate::components::together::{date, form_problem, FormNote, Note, Outbox, TogetherPage};
use crate::state::{now_ms, offset_minutes, tr, trf, use_app};
use crate::together::{self, Request};
use leptos::prelude::*;
use qinglian_core::calendar;
use qinglian_core::i18n::Key;
use qinglian_core::sync::{Role, User};
use qinglian_core::together::{
    default_statements, end_of_day, FeedbackAnswer, FeedbackResults, FeedbackRound,
    NewFeedbackRound, Statement, RATING_SCALE,
};

fn is_feedback_request(request: &Request) -> bool {
    matches!(request, Request::OpenRound(_) | Request::AnswerRound { .. })
}

/// `/feedback`.
#[component]
pub fn FeedbackPage() -> impl IntoView {
    let state = use_app();
    view! {
        <TogetherPage title=Key::FeedbackTitle intro=Key::FeedbackIntro children=move |user: User| {
            let rounds = Memo::new(move |_| state.together.view.with(|v| (v.rounds.clone(), v.results.clone())));
            let opener = matches!(user.role, Role::Leader | Role::Admin);
            let rated_unit = (user.role == Role::Leader).then_some(user.unit_id).flatten();
            view! {
                <Outbox belongs=is_feedback_request/>
                {move || {
                    let now = now_ms();
                    let (rounds, results) = rounds.get();
                    let (mut open, mut closed): (Vec<_>, Vec<_>) = rounds.into_iter().partition(|r| !r.closed(now));
                    open.sort_by_key(|r| r.closes_at);
                    closed.sort_by_key(|r| std::cmp::Reverse(r.closes_at));
                    let empty = open.is_empty() && closed.is_empty();
                    view! {
                        {empty.then(|| view! { <p class="muted">{tr(Key::FeedbackNone)}</p> })}
                        {open.into_iter().map(|round| {
                            let rated = rated_unit == Some(round.unit_id);
                            view! { <OpenRound round=round rated=rated/> }
                        }).collect_view()}
                        {closed.into_iter().map(|round| {
                            let result = results.get(&round.id).cloned();
                            view! { <ClosedRound round=round results=result/> }
                        }).collect_view()}
                    }
                }}
                {opener.then(|| view! { <OpenRoundForm user=user.clone()/> })}
            }
        }/>
    }
}

#[component]
fn OpenRound(round: FeedbackRound, rated: bool) -> impl IntoView {
    let state = use_app();
    let id = round.id;
    let queued = state.together.outbox.with(|o| {
        o.iter()
            .any(|q| matches!(&q.request, Request::AnswerRound { round, .. } if *round == id))
    });
    let lang = move || state.settings.with(|s| s.lang);
    let body = if round.answered {
        view! { <p class="good">{tr(Key::FeedbackAnswered)}</p> }.into_any()
    } else if queued {
        view! { <p class="badge waiting">{tr(Key::FeedbackQueued)}</p> }.into_any()
    } else if round.may_answer {
        view! { <RoundForm round=round.clone()/> }.into_any()
    } else if rated {
        view! { <p class="muted">{tr(Key::FeedbackRatedLeader)}</p> }.into_any()
    } else {
        view! { <p class="muted">{tr(Key::FeedbackResultsLater)}</p> }.into_any()
    };
    view! {
        <section class="card round">
            <h2>{round.unit_name.clone()}</h2>
            <p class="muted small">{trf(Key::FeedbackCloses, vec![("date", date(round.closes_at))])}</p>
            {(!round.may_answer || round.answered || queued).then(|| view! {
                <ol class="statements">
                    {round.statements.iter().map(|s| {
                        let s = s.clone();
                        view! { <li>{move || s.text(lang()).to_owned()}</li> }
                    }).collect_view()}
                </ol>
            })}
            {body}
        </section>
    }
}

/// Ratings 1–5 for each statement and an optional comment, sent once.
#[component]
fn RoundForm(round: FeedbackRound) -> impl IntoView {
    let state = use_app();
    let count = round.statements.len();
    let ratings = RwSignal::new(vec![0u8; count]);
    let comment = RwSignal::new(String::new());
    let note: Note = RwSignal::new(None);
    let lang = move || state.settings.with(|s| s.lang);
    let id = round.id;
    view! {
        <form class="stack" on:submit=move |ev| {
            ev.prevent_default();
            let given = ratings.get_untracked();
            if given.contains(&0) {
                note.set(Some((Key::FeedbackNeedsAll, vec![], false)));
                return;
            }
            let comment = comment.get_untracked();
            let answer = FeedbackAnswer {
                client_id: crate::storage::new_uuid(),
                ratings: given,
                comment: (!comment.trim().is_empty()).then(|| comment.trim().to_owned()),
            };
            if let Err(problem) = answer.check(count) {
                let (key, slots) = form_problem(&problem, Key::FeedbackComment);
                note.set(Some((key, slots, false)));
                return;
            }
            if !together::queue(state, Request::AnswerRound { round: id, answer }) {
                note.set(Some((Key::FormNotSaved, vec![], false)));
            }
        }>
            <p>{tr(Key::FeedbackRate)}</p>
            {round.statements.iter().enumerate().map(|(i, statement)| {
                let statement = statement.clone();
                let name = format!("round-{id}-s{i}");
                view! {
                    <fieldset class="rating">
                        <legend>{move || format!("{}. {}", i + 1, statement.text(lang()))}</legend>
                        <div class="scale">
                            {RATING_SCALE.map(|value| {
                                let input_id = format!("{name}-{value}");
                                let label_for = input_id.clone();
                                view! {
                                    <label class="scale-point" for=label_for>
                                        <input type="radio" id=input_id name=name.clone() value=value.to_string()
                                            prop:checked=move || ratings.with(|r| r[i] == value)
                                            on:change=move |_| ratings.update(|r| r[i] = value)/>
                                        <span aria-hidden="true">{value}</span>
                                        <span class="visually-hidden">{move || trf(Key::FeedbackRating, vec![("n", value.to_string())])()}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    </fieldset>
                }
            }).collect_view()}
            <label class="field" for=format!("round-{id}-comment")>
                <span>{tr(Key::FeedbackComment)}</span>
                <textarea id=format!("round-{id}-comment") maxlength="1000" prop:value=comment
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            </label>
            <button type="submit" class="button primary">{tr(Key::FeedbackSend)}</button>
            <FormNote note=note/>
        </form>
    }
}

#[component]
fn ClosedRound(round: FeedbackRound, results: Option<FeedbackResults>) -> impl IntoView {
    let state = use_app();
    let lang = move || state.settings.with(|s| s.lang);
    let body = match results {
        None => view! { <p class="muted">{tr(Key::FeedbackResultsLater)}</p> }.into_any(),
        Some(FeedbackResults::TooFew) => {
            view! { <p class="notice">{tr(Key::FeedbackTooFew)}</p> }.into_any()
        }
        Some(FeedbackResults::Shown {
            answers,
            statements,
            comments,
        }) => view! {
            <p><strong>{trf(Key::FeedbackAnswers, vec![("n", answers.to_string())])}</strong></p>
            <ol class="statements results">
                {round.statements.iter().zip(statements).map(|(statement, result)| {
                    let statement = statement.clone();
                    let mean = format!("{}.{:02}", result.mean_hundredths / 100, result.mean_hundredths % 100);
                    let counts = result.distribution.iter().map(u32::to_string).collect::<Vec<_>>().join(" / ");
                    let percent = result.mean_hundredths / 5;
                    let mean_label = mean.clone();
                    view! {
                        <li>
                            <p>{move || statement.text(lang()).to_owned()}</p>
                            <div class="progress-row">
                                <progress value=percent max="100" aria-label=move || trf(Key::FeedbackMean, vec![("mean", mean_label.clone())])()></progress>
                                <span class="progress-text">{mean}</span>
                            </div>
                            <p class="muted small">{trf(Key::FeedbackDistribution, vec![("counts", counts)])}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
            {(!comments.is_empty()).then(|| view! {
                <h3>{tr(Key::FeedbackComments)}</h3>
                <ul class="comments">
                    {comments.into_iter().map(|c| view! { <li class="prewrap">{c}</li> }).collect_view()}
                </ul>
            })}
        }
        .into_any(),
    };
    view! {
        <section class="card round">
            <h2>{round.unit_name.clone()}</h2>
            <p class="muted small">{trf(Key::FeedbackClosed, vec![("date", date(round.closes_at))])}</p>
            {body}
        </section>
    }
}

/// Administrators (any unit) and leaders (units below their own) open a round.
#[component]
fn OpenRoundForm(user: User) -> impl IntoView {
    let state = use_app();
    let units: Vec<_> = state.together.view.with_untracked(|v| {
        v.units
            .iter()
            .filter(|u| user.role == Role::Admin || !u.own)
            .cloned()
            .collect()
    });
    if units.is_empty() {
        return view! {
            <section class="card">
                <h2>{tr(Key::FeedbackOpenTitle)}</h2>
                <p class="muted">{tr(Key::FeedbackNoUnitsBelow)}</p>
            </section>
        }
        .into_any();
    }
    let unit = RwSignal::new(units[0].id);
    let statements = RwSignal::new(default_statements());
    // Only adding or removing a statement redraws the list (typing does not).
    let count = Memo::new(move |_| statements.with(Vec::len));
    let in_two_weeks = calendar::day_of(now_ms(), offset_minutes()) + 14;
    let closes = RwSignal::new(calendar::iso_date(in_two_weeks));
    let note: Note = RwSignal::new(None);
    view! {
        <section class="card">
            <h2>{tr(Key::FeedbackOpenTitle)}</h2>
            <form class="stack" on:submit=move |ev| {
                ev.prevent_default();
                let Some(day) = calendar::parse_iso_date(&closes.get_untracked()) else {
                    note.set(Some((Key::FormMissing, vec![("field", tr(Key::FeedbackClosesOn)().to_owned())], false)));
                    return;
                };
                let round = NewFeedbackRound {
                    client_id: crate::storage::new_uuid(),
                    unit_id: unit.get_untracked(),
                    statements: statements.get_untracked().into_iter().map(|s| Statement {
                        zh_hans: s.zh_hans.trim().to_owned(),
                        en: s.en.trim().to_owned(),
                    }).collect(),
                    closes_at: end_of_day(day, offset_minutes()),
                };
                if let Err(problem) = round.check(now_ms()) {
                    let field = if problem.field.starts_with("statements") { Key::FeedbackStatements } else { Key::FeedbackClosesOn };
                    let (key, slots) = form_problem(&problem, field);
                    note.set(Some((key, slots, false)));
                    return;
                }
                if together::queue(state, Request::OpenRound(round)) {
                    statements.set(default_statements());
                    note.set(Some((Key::FeedbackOpened, vec![], true)));
                } else {
                    note.set(Some((Key::FormNotSaved, vec![], false)));
                }
            }>
                <label class="field" for="round-unit">
                    <span>{tr(Key::FeedbackOpenUnit)}</span>
                    <select id="round-unit" on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse() { unit.set(id); }
                    }>
                        {units.iter().map(|u| view! { <option value=u.id.to_string()>{u.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <fieldset class="choices">
                    <legend>{tr(Key::FeedbackStatements)}</legend>
                    {move || (0..count.get()).map(|i| {
                        let zh_id = format!("statement-{i}-zh");
                        let en_id = format!("statement-{i}-en");
                        let zh_for = zh_id.clone();
                        let en_for = en_id.clone();
                        view! {
                            <div class="statement-edit">
                                <label class="field" for=zh_for>
                                    <span>{format!("{}. ", i + 1)}{tr(Key::FeedbackStatementZh)}</span>
                                    <input id=zh_id maxlength="200" lang="zh-Hans"
                                        prop:value=move || statements.with(|s| s.get(i).map(|s| s.zh_hans.clone()).unwrap_or_default())
                                        on:change=move |ev| statements.update(|s| if let Some(s) = s.get_mut(i) { s.zh_hans = event_target_value(&ev) })/>
                                </label>
                                <label class="field" for=en_for>
                                    <span>{tr(Key::FeedbackStatementEn)}</span>
                                    <input id=en_id maxlength="200" lang="en"
                                        prop:value=move || statements.with(|s| s.get(i).map(|s| s.en.clone()).unwrap_or_default())
                                        on:change=move |ev| statements.update(|s| if let Some(s) = s.get_mut(i) { s.en = event_target_value(&ev) })/>
                                </label>
                                <button type="button" class="button small" on:click=move |_| statements.update(|s| { if s.len() > 1 { s.remove(i); } })>
                                    {tr(Key::FeedbackRemoveStatement)}
                                </button>
                            </div>
                        }
                    }).collect_view()}
                    <button type="button" class="button small" on:click=move |_| statements.update(|s| {
                        if s.len() < *qinglian_core::together::STATEMENTS.end() {
                            s.push(Statement { zh_hans: String::new(), en: String::new() });
                        }
                    })>{tr(Key::FeedbackAddStatement)}</button>
                </fieldset>
                <label class="field" for="round-closes">
                    <span>{tr(Key::FeedbackClosesOn)}</span>
                    <input id="round-closes" type="date" prop:value=closes on:input=move |ev| closes.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="button primary">{tr(Key::FeedbackOpenSubmit)}</button>
                <FormNote note=note/>
            </form>
        </section>
    }
    .into_any()
}

/// An open round this member may still answer, for Today.
pub fn round_to_answer(state: &crate::state::AppState) -> Option<FeedbackRound> {
    let now = now_ms();
    let queued: Vec<i64> = state.together.outbox.with(|o| {
        o.iter()
            .filter_map(|q| match &q.request {
                Request::AnswerRound { round, .. } => Some(*round),
                _ => None,
            })
            .collect()
    });
    state.together.view.with(|v| {
        v.rounds
            .iter()
            .filter(|r| r.may_answer && !r.answered && !r.closed(now) && !queued.contains(&r.id))
            .min_by_key(|r| r.closes_at)
            .cloned()
    })
}
