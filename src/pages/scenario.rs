//! Scenarios: realistic temptations and dilemmas, one decision at a time, the
//! consequence of each choice, and a debrief that links the lessons behind it.

use crate::components::blocks::Blocks;
use crate::components::{ListCard, WithPack};
use crate::state::{tr, trf, use_app};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::content::{Pack, Scenario, Verdict};
use qinglian_core::events::EventKind;
use qinglian_core::i18n::Key;
use std::sync::Arc;

fn verdict_key(verdict: Verdict) -> (Key, &'static str) {
    match verdict {
        Verdict::Sound => (Key::VerdictSound, "good"),
        Verdict::Risky => (Key::VerdictRisky, "warn"),
        Verdict::Wrong => (Key::VerdictWrong, "bad"),
    }
}

#[component]
pub fn ScenariosPage() -> impl IntoView {
    let state = use_app();
    view! {
        <section class="page scenarios">
            <h1>{tr(Key::ScenariosTitle)}</h1>
            <p class="lead">{tr(Key::ScenariosIntro)}</p>
            <WithPack children=move |pack| {
                let pack = pack.clone();
                move || {
                    let tier = state.tier();
                    let progress = state.progress.get();
                    let mut list: Vec<&Scenario> = pack.scenarios.iter().collect();
                    list.sort_by_key(|s| !s.tiers.contains(&tier));
                    view! {
                        <ul class="lesson-list">
                            {list.into_iter().map(|s| {
                                let badge = progress.scenarios.get(&s.id).map(|r| {
                                    trf(Key::ScenarioBest, vec![("sound", r.best_sound.to_string()), ("total", r.total.to_string())])()
                                });
                                view! { <ListCard href=format!("/scenario/{}", s.id) title=s.title.clone() summary=s.summary.clone() badge=badge/> }
                            }).collect_view()}
                        </ul>
                    }
                }
            }/>
        </section>
    }
}

#[component]
pub fn ScenarioPage() -> impl IntoView {
    crate::components::by_route_id(
        |pack, id| pack.scenario(id).cloned(),
        |scenario, pack| view! { <ScenarioPlayer scenario=scenario pack=pack/> },
    )
}

/// One step taken: the node, the choice made.
#[derive(Clone)]
struct Step {
    node: usize,
    choice: usize,
}

#[component]
fn ScenarioPlayer(scenario: Scenario, pack: Arc<Pack>) -> impl IntoView {
    let state = use_app();
    let scenario = StoredValue::new(scenario);
    let start_index =
        scenario.with_value(|s| s.nodes.iter().position(|n| n.id == s.start).unwrap_or(0));
    let current = RwSignal::new(Some(start_index));
    let steps = RwSignal::new(Vec::<Step>::new());
    let choose = move |node: usize, choice: usize| {
        steps.update(|s| s.push(Step { node, choice }));
        let next = scenario.with_value(|s| {
            s.nodes[node].choices[choice]
                .next
                .as_ref()
                .and_then(|n| s.nodes.iter().position(|x| &x.id == n))
        });
        current.set(next);
        if next.is_none() {
            let (id, verdicts) = scenario.with_value(|s| {
                let verdicts: Vec<Verdict> = steps
                    .get_untracked()
                    .iter()
                    .map(|st| s.nodes[st.node].choices[st.choice].verdict)
                    .collect();
                (s.id.clone(), verdicts)
            });
            let sound = verdicts.iter().filter(|v| **v == Verdict::Sound).count() as u32;
            let choices = steps
                .get_untracked()
                .iter()
                .map(|st| scenario.with_value(|s| format!("{}:{}", s.nodes[st.node].id, st.choice)))
                .collect();
            state.record(EventKind::ScenarioFinished {
                scenario: id,
                choices,
                sound,
                total: verdicts.len() as u32,
            });
        }
    };
    let restart = move |_| {
        steps.set(Vec::new());
        current.set(Some(start_index));
    };
    let title = scenario.with_value(|s| s.title.clone());
    view! {
        <article class="page scenario">
            <p class="crumbs"><A href="/scenarios">{tr(Key::ScenariosTitle)}</A></p>
            <h1>{title}</h1>
            // What has happened so far: each decision and its consequence.
            {move || steps.get().into_iter().map(|step| scenario.with_value(|s| {
                let node = &s.nodes[step.node];
                let choice = &node.choices[step.choice];
                let (label, class) = verdict_key(choice.verdict);
                view! {
                    <div class="card step">
                        <Blocks blocks=node.text.clone()/>
                        <p><strong>{tr(Key::ScenarioYouChose)}</strong>" "{choice.text.clone()}</p>
                        <p class=format!("verdict {class}")><strong>{tr(label)}</strong></p>
                        <Blocks blocks=choice.consequence.clone()/>
                    </div>
                }
            })).collect_view()}
            {move || match current.get() {
                Some(index) => scenario.with_value(|s| {
                    let node = s.nodes[index].clone();
                    let step_number = steps.with(Vec::len) + 1;
                    view! {
                        <section class="card decision" aria-live="polite">
                            <h2>{trf(Key::ScenarioDecision, vec![("n", step_number.to_string())])}</h2>
                            <Blocks blocks=node.text.clone()/>
                            <ul class="choices">
                                {node.choices.iter().enumerate().map(|(ci, c)| view! {
                                    <li><button type="button" class="button wide choice-button" on:click=move |_| choose(index, ci)>{c.text.clone()}</button></li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any()
                }),
                None => scenario.with_value(|s| {
                    let verdicts: Vec<Verdict> = steps.get().iter().map(|st| s.nodes[st.node].choices[st.choice].verdict).collect();
                    let sound = verdicts.iter().filter(|v| **v == Verdict::Sound).count();
                    let lessons: Vec<(String, String)> = s.lessons.iter().filter_map(|id| pack.lesson(id)).map(|l| (l.id.clone(), l.title.clone())).collect();
                    view! {
                        <section class="card debrief" aria-live="polite">
                            <h2>{tr(Key::ScenarioDebrief)}</h2>
                            <p class="big">{trf(Key::ScenarioSoundOf, vec![("sound", sound.to_string()), ("total", verdicts.len().to_string())])}</p>
                            <Blocks blocks=s.debrief.clone()/>
                            <h3>{tr(Key::ScenarioLessons)}</h3>
                            <ul class="link-list">
                                {lessons.into_iter().map(|(id, title)| view! { <li><A href=format!("/lesson/{id}")>{title}</A></li> }).collect_view()}
                            </ul>
                            <button type="button" class="button wide" on:click=restart>{tr(Key::ScenarioAgain)}</button>
                        </section>
                    }.into_any()
                }),
            }}
        </article>
    }
}
