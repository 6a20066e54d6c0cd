//! The risk self-check (job-related crime prevention): choose one's post, rate
//! each risk point by likelihood and impact, write one's own measure, and see
//! a risk map with the lessons and scenarios for the top risks. Printable;
//! a re-check is suggested after a year.

use crate::components::{ListCard, WithPack};
use crate::state::{now_ms, tr, trf, use_app};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::calendar;
use qinglian_core::content::{Pack, RiskChecklist};
use qinglian_core::events::EventKind;
use qinglian_core::i18n::Key;
use std::collections::BTreeMap;
use std::sync::Arc;

#[component]
pub fn RiskListPage() -> impl IntoView {
    let state = use_app();
    view! {
        <section class="page risk">
            <h1>{tr(Key::RiskTitle)}</h1>
            <p class="lead">{tr(Key::RiskIntro)}</p>
            <WithPack children=move |pack| {
                let pack = pack.clone();
                move || {
                    let progress = state.progress.get();
                    view! {
                        <ul class="lesson-list">
                            {pack.risk_checklists.iter().map(|c| {
                                let badge = progress.risk.get(&c.id).and_then(|r| r.completed_at).map(|at| {
                                    trf(Key::RiskCheckedOn, vec![("date", calendar::iso_date(calendar::day_of(at, crate::state::offset_minutes())))])()
                                });
                                view! { <ListCard href=format!("/risk/{}", c.id) title=c.post.clone() summary=c.summary.clone() badge=badge/> }
                            }).collect_view()}
                        </ul>
                    }
                }
            }/>
        </section>
    }
}

#[component]
pub fn RiskCheckPage() -> impl IntoView {
    crate::components::by_route_id(
        |pack, id| pack.checklist(id).cloned(),
        |checklist, pack| view! { <RiskCheck checklist=checklist pack=pack/> },
    )
}

/// A rating being edited: (likelihood, impact, own measure).
type Draft = BTreeMap<String, (u8, u8, String)>;

#[component]
fn RiskCheck(checklist: RiskChecklist, pack: Arc<Pack>) -> impl IntoView {
    let state = use_app();
    let saved = state
        .progress
        .with_untracked(|p| p.risk.get(&checklist.id).cloned().unwrap_or_default());
    let initial: Draft = checklist
        .points
        .iter()
        .map(|point| {
            let rating = saved.ratings.get(&point.id);
            (
                point.id.clone(),
                rating.map_or((0, 0, String::new()), |r| {
                    (r.likelihood, r.impact, r.measure.clone())
                }),
            )
        })
        .collect();
    let draft = RwSignal::new(initial);
    let message = RwSignal::new(None::<Key>);
    let checklist = StoredValue::new(checklist);
    let all_rated = move || draft.with(|d| d.values().all(|(l, i, _)| *l > 0 && *i > 0));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !all_rated() {
            message.set(Some(Key::RiskRateAll));
            return;
        }
        let id = checklist.with_value(|c| c.id.clone());
        let current = state
            .progress
            .with_untracked(|p| p.risk.get(&id).cloned().unwrap_or_default());
        let mut ok = true;
        for (point, (likelihood, impact, measure)) in draft.get_untracked() {
            let unchanged = current.ratings.get(&point).is_some_and(|r| {
                r.likelihood == likelihood && r.impact == impact && r.measure == measure
            });
            if !unchanged {
                ok &= state.record(EventKind::RiskRated {
                    checklist: id.clone(),
                    point,
                    likelihood,
                    impact,
                    measure,
                });
            }
        }
        if ok && state.record(EventKind::RiskCheckCompleted { checklist: id }) {
            message.set(Some(Key::RiskSaved));
        }
    };
    let scale = |name: String, value: u8, label: Key, on_pick: Box<dyn Fn(u8) + Send + Sync>| {
        let on_pick = std::sync::Arc::new(on_pick);
        view! {
            <fieldset class="scale">
                <legend>{tr(label)}</legend>
                {(1..=5u8).map(|n| {
                    let on_pick = on_pick.clone();
                    let id = format!("{name}-{n}");
                    let label_for = id.clone();
                    view! {
                        <label for=label_for>
                            <input type="radio" id=id name=name.clone() value=n.to_string() prop:checked=value == n on:change=move |_| on_pick(n)/>
                            <span>{n}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
        }
    };
    let post = checklist.with_value(|c| c.post.clone());
    view! {
        <article class="page risk-check">
            <p class="crumbs no-print"><A href="/risk">{tr(Key::RiskTitle)}</A></p>
            <h1>{post}</h1>
            <p class="muted">{tr(Key::RiskScaleHint)}</p>
            {saved.completed_at.filter(|at| now_ms() - at > qinglian_core::progress::RISK_RECHECK_DAYS * qinglian_core::calendar::MS_PER_DAY).map(|_| view! {
                <p class="notice">{tr(Key::RiskRecheckDue)}</p>
            })}
            <form on:submit=save class="no-print">
                {checklist.with_value(|c| c.points.clone()).into_iter().map(|point| {
                    let pid = point.id.clone();
                    let (l, i, m) = draft.with_untracked(|d| d.get(&pid).cloned().unwrap_or_default());
                    let (p1, p2, p3) = (pid.clone(), pid.clone(), pid.clone());
                    view! {
                        <section class="card risk-point">
                            <h2>{point.title.clone()}</h2>
                            <p>{point.description.clone()}</p>
                            <details>
                                <summary>{tr(Key::RiskTypicalMeasures)}</summary>
                                <ul>{point.measures.iter().map(|m| view! { <li>{m.clone()}</li> }).collect_view()}</ul>
                            </details>
                            {scale(format!("{pid}-likelihood"), l, Key::RiskLikelihood, Box::new(move |n| draft.update(|d| { if let Some(e) = d.get_mut(&p1) { e.0 = n; } })))}
                            {scale(format!("{pid}-impact"), i, Key::RiskImpact, Box::new(move |n| draft.update(|d| { if let Some(e) = d.get_mut(&p2) { e.1 = n; } })))}
                            <label class="field" for=format!("{pid}-measure")>
                                <span>{tr(Key::RiskOwnMeasure)}</span>
                                <textarea id=format!("{pid}-measure") maxlength="1000" prop:value=m
                                    on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| { if let Some(e) = d.get_mut(&p3) { e.2 = v; } }); }></textarea>
                            </label>
                        </section>
                    }
                }).collect_view()}
                <button type="submit" class="button primary wide">{tr(Key::RiskSave)}</button>
                <p role="status" class="verdict">{move || message.get().map(|k| tr(k)())}</p>
            </form>
            <RiskMap checklist_id=checklist.with_value(|c| c.id.clone()) pack=pack/>
        </article>
    }
}

/// The saved ratings, highest first, with what addresses the top risks.
#[component]
fn RiskMap(checklist_id: String, pack: Arc<Pack>) -> impl IntoView {
    let state = use_app();
    move || {
        let Some(checklist) = pack.checklist(&checklist_id) else {
            return ().into_any();
        };
        let record = state.progress.with(|p| p.risk.get(&checklist_id).cloned());
        let Some(record) = record.filter(|r| r.completed_at.is_some()) else {
            return view! { <p class="muted">{tr(Key::RiskMapEmpty)}</p> }.into_any();
        };
        let mut rows: Vec<_> = checklist
            .points
            .iter()
            .filter_map(|p| record.ratings.get(&p.id).map(|r| (p, r.clone())))
            .collect();
        rows.sort_by(|a, b| {
            b.1.score()
                .cmp(&a.1.score())
                .then_with(|| a.0.id.cmp(&b.0.id))
        });
        let top: Vec<_> = rows.iter().take(3).map(|(p, _)| *p).collect();
        let mut lessons: Vec<(String, String)> = Vec::new();
        let mut scenarios: Vec<(String, String)> = Vec::new();
        for point in &top {
            for id in &point.lessons {
                if let Some(l) = pack.lesson(id) {
                    if !lessons.iter().any(|(i, _)| i == id) {
                        lessons.push((l.id.clone(), l.title.clone()));
                    }
                }
            }
            for id in &point.scenarios {
                if let Some(s) = pack.scenario(id) {
                    if !scenarios.iter().any(|(i, _)| i == id) {
                        scenarios.push((s.id.clone(), s.title.clone()));
                    }
                }
            }
        }
        let completed = record
            .completed_at
            .map(|at| calendar::iso_date(calendar::day_of(at, crate::state::offset_minutes())))
            .unwrap_or_default();
        let recheck = record
            .completed_at
            .map(|at| {
                calendar::iso_date(calendar::day_of(
                    at + qinglian_core::progress::RISK_RECHECK_DAYS * calendar::MS_PER_DAY,
                    crate::state::offset_minutes(),
                ))
            })
            .unwrap_or_default();
        view! {
            <section class="risk-map" aria-labelledby="risk-map-heading">
                <h2 id="risk-map-heading">{tr(Key::RiskMap)}</h2>
                <p class="muted">{trf(Key::RiskCheckedOn, vec![("date", completed)])}" · "{trf(Key::RiskRecheckOn, vec![("date", recheck)])}</p>
                <table class="risk-table">
                    <thead><tr><th scope="col">{tr(Key::RiskPoint)}</th><th scope="col">{tr(Key::RiskScore)}</th><th scope="col">{tr(Key::RiskOwnMeasure)}</th></tr></thead>
                    <tbody>
                        {rows.iter().map(|(point, rating)| {
                            let level = match rating.score() { 15.. => "high", 8..=14 => "medium", _ => "low" };
                            view! {
                                <tr class=level>
                                    <td>{point.title.clone()}</td>
                                    <td><span class=format!("score {level}")>{rating.score()}</span><span class="small muted">{format!(" ({}×{})", rating.likelihood, rating.impact)}</span></td>
                                    <td>{rating.measure.clone()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <h3>{tr(Key::RiskForTopRisks)}</h3>
                <ul class="link-list">
                    {lessons.into_iter().map(|(id, title)| view! { <li><A href=format!("/lesson/{id}")>{title}</A></li> }).collect_view()}
                    {scenarios.into_iter().map(|(id, title)| view! { <li><A href=format!("/scenario/{id}")>{title}</A></li> }).collect_view()}
                </ul>
                <button type="button" class="button no-print" on:click=|_| { let _ = window().print(); }>{tr(Key::Print)}</button>
            </section>
        }.into_any()
    }
}
