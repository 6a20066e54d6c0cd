//! The library: every lesson by track, with search over titles, topics and
//! text, and filters for tier, topic and status. Everything opens offline.

use crate::components::{LessonLink, WithPack};
use crate::state::{tr, trf, use_app};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::content::{Lesson, TOPICS};
use qinglian_core::i18n::{self, Key};
use qinglian_core::progress::{Progress, Track};
use qinglian_core::settings::Tier;

/// The UI name of a topic id.
pub fn topic_key(topic: &str) -> Key {
    match topic {
        "collective-study" => Key::TopicCollectiveStudy,
        "systems-network" => Key::TopicSystemsNetwork,
        "spare-time" => Key::TopicSpareTime,
        "guiding-others" => Key::TopicGuidingOthers,
        "job-risk-prevention" => Key::TopicJobRisk,
        "holistic-view" => Key::TopicHolisticView,
        "new-situations" => Key::TopicNewSituations,
        "engaging-forms" => Key::TopicEngagingForms,
        "overall-quality" => Key::TopicOverallQuality,
        _ => Key::TopicSelfDiscipline,
    }
}

/// The UI name of a track.
pub fn track_key(track: Track) -> Key {
    match track {
        Track::Tier(Tier::LeadingCadre) => Key::TrackLeadingCadre,
        Track::Tier(Tier::DepartmentHead) => Key::TrackDepartmentHead,
        Track::Tier(Tier::Staff) => Key::TrackStaff,
        Track::Everyone => Key::TrackEveryone,
    }
}

/// A learner's status on a lesson, for the status filter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    New,
    InProgress,
    Done,
}

fn status_of(lesson: &Lesson, progress: &Progress) -> Status {
    if progress.lessons_done.contains_key(&lesson.id) {
        Status::Done
    } else if progress.quizzes.contains_key(&lesson.id)
        || progress.reflections.contains_key(&lesson.id)
    {
        Status::InProgress
    } else {
        Status::New
    }
}

#[component]
pub fn LibraryPage() -> impl IntoView {
    let state = use_app();
    let query = RwSignal::new(String::new());
    let tier = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let filtering = move || {
        !query.with(|q| q.trim().is_empty())
            || !tier.with(String::is_empty)
            || !topic.with(String::is_empty)
            || !status.with(String::is_empty)
    };
    view! {
        <section class="page library">
            <h1>{tr(Key::LibraryTitle)}</h1>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <label class="field" for="library-search">
                    <span>{tr(Key::LibrarySearch)}</span>
                    <input id="library-search" type="search" prop:value=query
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                </label>
                <div class="filter-row">
                    <label class="field" for="filter-tier">
                        <span>{tr(Key::FilterTier)}</span>
                        <select id="filter-tier" on:change=move |ev| tier.set(event_target_value(&ev))>
                            <option value="">{tr(Key::FilterAll)}</option>
                            {Tier::ALL.into_iter().map(|t| view! {
                                <option value=t.id()>{tr(crate::components::welcome::tier_keys(t).0)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field" for="filter-topic">
                        <span>{tr(Key::FilterTopic)}</span>
                        <select id="filter-topic" on:change=move |ev| topic.set(event_target_value(&ev))>
                            <option value="">{tr(Key::FilterAll)}</option>
                            {TOPICS.into_iter().map(|t| view! { <option value=t>{tr(topic_key(t))}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field" for="filter-status">
                        <span>{tr(Key::FilterStatus)}</span>
                        <select id="filter-status" on:change=move |ev| status.set(event_target_value(&ev))>
                            <option value="">{tr(Key::FilterAll)}</option>
                            <option value="new">{tr(Key::StatusNew)}</option>
                            <option value="in-progress">{tr(Key::StatusInProgress)}</option>
                            <option value="done">{tr(Key::StatusDone)}</option>
                        </select>
                    </label>
                </div>
            </form>
            <WithPack children=move |pack| {
                let pack = pack.clone();
                move || {
                    let progress = state.progress.get();
                    if filtering() {
                        let q = query.get();
                        let tier_id = tier.get();
                        let topic_id = topic.get();
                        let status_id = status.get();
                        let lang = state.settings.with(|s| s.lang);
                        let found: Vec<Lesson> = pack.lessons.iter().filter(|l| {
                            let topic_names: Vec<&str> = l.topics.iter().map(|t| i18n::text(lang, topic_key(t))).collect();
                            l.matches(&q, &topic_names)
                                && (tier_id.is_empty() || l.tiers.iter().any(|t| t.id() == tier_id))
                                && (topic_id.is_empty() || l.topics.contains(&topic_id))
                                && match status_id.as_str() {
                                    "new" => status_of(l, &progress) == Status::New,
                                    "in-progress" => status_of(l, &progress) == Status::InProgress,
                                    "done" => status_of(l, &progress) == Status::Done,
                                    _ => true,
                                }
                        }).cloned().collect();
                        let count = found.len();
                        view! {
                            <h2 aria-live="polite">{trf(Key::LibraryFound, vec![("n", count.to_string())])}</h2>
                            <ul class="lesson-list">{found.into_iter().map(|l| view! { <LessonLink lesson=l/> }).collect_view()}</ul>
                        }.into_any()
                    } else {
                        let mine = state.tier();
                        let mut tracks = Track::ALL.to_vec();
                        tracks.sort_by_key(|t| match t { Track::Tier(tier) if *tier == mine => 0, Track::Everyone => 1, _ => 2 });
                        view! {
                            {tracks.into_iter().map(|track| {
                                let (done, total, _) = track.completion(&pack, &progress);
                                let lessons: Vec<Lesson> = track.lessons(&pack).into_iter().filter_map(|id| pack.lesson(id).cloned()).collect();
                                view! {
                                    <section class="track" aria-labelledby=format!("track-{}", track.id())>
                                        <h2 id=format!("track-{}", track.id())>{tr(track_key(track))}
                                            <small class="muted">{format!(" {done}/{total}")}</small></h2>
                                        <ul class="lesson-list">{lessons.into_iter().map(|l| view! { <LessonLink lesson=l/> }).collect_view()}</ul>
                                    </section>
                                }
                            }).collect_view()}
                            <section class="track">
                                <h2>{tr(Key::MoreToDo)}</h2>
                                <ul class="link-list">
                                    <li><A href="/scenarios">{tr(Key::ScenariosTitle)}</A></li>
                                    <li><A href="/risk">{tr(Key::RiskTitle)}</A></li>
                                    <li><A href="/plan">{tr(Key::PlanTitle)}</A></li>
                                    <li><A href="/pledge">{tr(Key::PledgeTitle)}</A></li>
                                </ul>
                            </section>
                        }.into_any()
                    }
                }
            }/>
        </section>
    }
}
