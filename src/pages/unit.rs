//! The unit report for leaders (and administrators): each member's progress,
//! the unit's totals, and a CSV download. Online only: it is the server's view.

use crate::components::account::{date, date_time};
use crate::state::{tr, trf, use_app};
use crate::sync;
use leptos::prelude::*;
use qinglian_core::i18n::{Key, Message};
use qinglian_core::sync::Role;
use serde_json::Value;

#[component]
pub fn UnitPage() -> impl IntoView {
    let state = use_app();
    // Administrators choose any unit; leaders see their own.
    let chosen = RwSignal::new(None::<i64>);
    // Memos: the sync record changes with every sync (its time, its
    // counts), which must not fetch the report again.
    let is_admin = Memo::new(move |_| {
        state
            .sync
            .record
            .with(|r| r.user.as_ref().is_some_and(|u| u.role == Role::Admin))
    });
    let own_unit = Memo::new(move |_| {
        state
            .sync
            .record
            .with(|r| r.user.as_ref().and_then(|u| u.unit_id))
    });
    let unit = move || chosen.get().or_else(|| own_unit.get());
    let report = LocalResource::new(move || {
        let online = state.online.get();
        let unit = unit();
        let admin = is_admin.get();
        async move {
            match (online, unit) {
                (false, _) => Err(Message::key(Key::UnitOffline)),
                (true, None) if admin => Err(Message::key(Key::UnitChoose)),
                (true, None) => Err(Message::key(Key::UnitNoUnit)),
                (true, Some(id)) => sync::unit_report(id).await.map(|v| (id, v)),
            }
        }
    });
    view! {
        <section class="page unit">
            <h1>{tr(Key::UnitReportTitle)}</h1>
            <Show when=move || is_admin.get()>
                <AllUnits chosen=chosen/>
            </Show>
            <Suspense fallback=move || view! { <p class="muted" role="status">{tr(Key::Loading)}</p> }>
                {move || report.get().map(|result| match result {
                    Err(reason) => view! { <p class="notice" role="alert">{move || reason.show(state.settings.with(|s| s.lang))}</p> }.into_any(),
                    Ok((id, report)) => view! { <Report unit_id=id report=report/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// The administrator's list of units with their totals; choosing one opens its report.
#[component]
fn AllUnits(chosen: RwSignal<Option<i64>>) -> impl IntoView {
    let state = use_app();
    let summary = LocalResource::new(move || {
        let online = state.online.get();
        async move {
            if online {
                sync::units_summary().await
            } else {
                Err(Message::key(Key::UnitOffline))
            }
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || summary.get().map(|result| match result {
                Err(reason) => view! { <p class="notice" role="alert">{move || reason.show(state.settings.with(|s| s.lang))}</p> }.into_any(),
                Ok(value) => {
                    let units = value["units"].as_array().cloned().unwrap_or_default();
                    view! {
                        <ul class="menu-list">
                            {units.into_iter().map(|row| {
                                let id = row["unit"]["id"].as_i64().unwrap_or_default();
                                let name = row["unit"]["name"].as_str().unwrap_or_default().to_owned();
                                let members = row["members"].as_u64().unwrap_or(0);
                                view! {
                                    <li class="menu-item">
                                        <span><strong>{name}</strong><br/>
                                            <span class="muted small">{trf(Key::UnitMembers, vec![("n", members.to_string())])}</span></span>
                                        <button type="button" class="button" aria-pressed=move || (chosen.get() == Some(id)).to_string()
                                            on:click=move |_| chosen.set(Some(id))>{tr(Key::UnitOpen)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn Report(unit_id: i64, report: Value) -> impl IntoView {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let number = |v: &Value| {
        v.as_u64()
            .map(|n| n.to_string())
            .unwrap_or_else(|| "—".to_owned())
    };
    let yes_no = |v: &Value| {
        if v.as_bool().unwrap_or(false) {
            "✓"
        } else {
            "—"
        }
    };
    let lessons = |v: &Value| {
        v.as_object()
            .map(|m| m.values().filter_map(Value::as_u64).sum::<u64>())
            .unwrap_or(0)
    };
    let members = report["members"].as_array().cloned().unwrap_or_default();
    let totals = report["totals"].clone();
    view! {
        <p class="lead">{text(&report["unit"]["name"])}</p>
        <p class="muted">{trf(Key::UnitMembers, vec![("n", members.len().to_string())])}
            {report["generated_at"].as_i64().map(|at| format!(" · {}", date_time(at)))}</p>
        {
            // Its lesson titles come from the content, which may still be
            // loading when the report arrives: drawn again once it is in.
            let pack = use_app().pack;
            let report = report.clone();
            move || {
                pack.track();
                view! { <TogetherSections report=report.clone()/> }
            }
        }
        <h2>{tr(Key::ReportMembers)}</h2>
        <div class="table-scroll" tabindex="0" role="region" aria-label=tr(Key::UnitReportTitle)>
            <table class="report-table">
                <thead><tr>
                    <th scope="col">{tr(Key::UnitName)}</th>
                    <th scope="col">{tr(Key::UnitLastSync)}</th>
                    <th scope="col">{tr(Key::LessonsDone)}</th>
                    <th scope="col">{tr(Key::UnitQuizAverage)}</th>
                    <th scope="col">{tr(Key::UnitMinutesMonth)}</th>
                    <th scope="col">{tr(Key::CreditsThisQuarter)}</th>
                    <th scope="col">{tr(Key::PledgeTitle)}</th>
                    <th scope="col">{tr(Key::RiskTitle)}</th>
                    <th scope="col">{tr(Key::UnitSessionsAttended)}</th>
                    <th scope="col">{tr(Key::UnitAssignmentsOpen)}</th>
                </tr></thead>
                <tbody>
                    {members.iter().map(|m| view! {
                        <tr>
                            <th scope="row">{text(&m["display_name"])}</th>
                            <td>{m["last_sync"].as_i64().map(date_time).unwrap_or_else(|| "—".to_owned())}</td>
                            <td>{lessons(&m["lessons_done"])}</td>
                            <td>{m["average_best_quiz_percent"].as_u64().map(|p| format!("{p}%")).unwrap_or_else(|| "—".to_owned())}</td>
                            <td>{number(&m["study_minutes_this_month"])}</td>
                            <td>{number(&m["credits_this_quarter"])}</td>
                            <td>{yes_no(&m["pledge_acknowledged"])}</td>
                            <td>{yes_no(&m["risk_check_done"])}</td>
                            <td>{number(&m["sessions_attended"])}</td>
                            <td>{format!("{} ({})", number(&m["assignments_open"]), number(&m["assignments_overdue"]))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th scope="row">{tr(Key::UnitTotals)}</th>
                    <td>{number(&totals["synced_members"])}</td>
                    <td>{lessons(&totals["lessons_done"])}</td>
                    <td>{totals["average_best_quiz_percent"].as_u64().map(|p| format!("{p}%")).unwrap_or_else(|| "—".to_owned())}</td>
                    <td>{number(&totals["study_minutes_this_month"])}</td>
                    <td>{number(&totals["credits_this_quarter"])}</td>
                    <td>{number(&totals["pledge_acknowledged"])}</td>
                    <td>{number(&totals["risk_check_done"])}</td>
                    <td>{sum(&members, "sessions_attended")}</td>
                    <td>{format!("{} ({})", sum(&members, "assignments_open"), sum(&members, "assignments_overdue"))}</td>
                </tr></tfoot>
            </table>
        </div>
        <p><a class="button" href=format!("/api/v1/reports/units/{unit_id}.csv") download="">{tr(Key::UnitCsv)}</a></p>
    }
}

fn sum(members: &[Value], field: &str) -> u64 {
    members.iter().filter_map(|m| m[field].as_u64()).sum()
}

/// What the unit does together, ahead of the minutes: the questions it
/// misses most (linked to their lessons), attendance per session,
/// assignment completion and questions kept waiting.
#[component]
fn TogetherSections(report: Value) -> impl IntoView {
    let state = use_app();
    let pack = state.pack();
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let count = |v: &Value| v.as_u64().unwrap_or(0).to_string();
    let missed = list(&report["question_errors"]);
    let sessions = list(&report["sessions"]);
    let assignments = list(&report["assignments"]);
    let open = list(&report["open_questions"]["questions"]);
    let missed_view = missed
        .iter()
        .map(|q| {
            let lesson_id = q["lesson"].as_str().unwrap_or_default().to_owned();
            let question_id = q["question"].as_str().unwrap_or_default().to_owned();
            let lesson = pack.as_ref().and_then(|p| p.lesson(&lesson_id)).cloned();
            let title = lesson.as_ref().map_or_else(|| lesson_id.clone(), |l| l.title.clone());
            let prompt = lesson
                .as_ref()
                .and_then(|l| l.quiz.iter().find(|x| x.id == question_id))
                .map_or_else(|| question_id.clone(), |x| x.prompt.clone());
            let per_mille = q["error_rate_per_mille"].as_u64().unwrap_or(0);
            let rate = format!("{}", (per_mille + 5) / 10);
            view! {
                <li>
                    <p><strong>{prompt}</strong></p>
                    <p class="muted small">{trf(Key::ReportErrorRate, vec![("rate", rate), ("n", count(&q["answers"]))])}
                        " · "<leptos_router::components::A href=format!("/lesson/{lesson_id}")>{title}</leptos_router::components::A></p>
                </li>
            }
        })
        .collect_view();
    let sessions_view = sessions
        .iter()
        .map(|s| {
            view! {
                <li>
                    <p><strong>{s["topic"].as_str().unwrap_or_default().to_owned()}</strong>
                        " "<span class="muted small">{s["starts_at"].as_i64().map(date_time).unwrap_or_default()}</span></p>
                    <p class="muted small">{trf(Key::ReportAttendance, vec![
                        ("attended", count(&s["attended"])),
                        ("expected", count(&s["expected"])),
                        ("prepared", count(&s["prepared"])),
                    ])}</p>
                </li>
            }
        })
        .collect_view();
    let assignments_view = assignments
        .iter()
        .map(|a| {
            let items: Vec<String> = list(&a["items"])
                .iter()
                .map(|item| {
                    let id = item["id"].as_str().or(item["checklist"].as_str()).unwrap_or_default();
                    match item["kind"].as_str().unwrap_or_default() {
                        "lesson" => pack.as_ref().and_then(|p| p.lesson(id)).map(|l| l.title.clone()),
                        "scenario" => pack.as_ref().and_then(|p| p.scenario(id)).map(|s| s.title.clone()),
                        "risk_check" => pack
                            .as_ref()
                            .and_then(|p| p.risk_checklists.iter().find(|c| c.id == id))
                            .map(|c| c.post.clone()),
                        _ => Some(tr(Key::PledgeTitle)().to_owned()),
                    }
                    .unwrap_or_else(|| id.to_owned())
                })
                .collect();
            view! {
                <li>
                    <p><strong>{items.join(state.settings.with_untracked(|s| if s.lang == qinglian_core::settings::Lang::ZhHans { "、" } else { ", " }))}</strong></p>
                    <p class="muted small">{trf(Key::ReportAssignmentLine, vec![
                        ("date", a["due_at"].as_i64().map(date).unwrap_or_default()),
                        ("done", count(&a["done"])),
                        ("members", count(&a["members"])),
                        ("overdue", count(&a["overdue"])),
                    ])}</p>
                </li>
            }
        })
        .collect_view();
    let open_view = open
        .iter()
        .map(|q| {
            view! {
                <li>
                    <p class="prewrap">{q["text"].as_str().unwrap_or_default().to_owned()}</p>
                    <p class="muted small">{trf(Key::ReportDaysOpen, vec![
                        ("unit", q["unit_name"].as_str().unwrap_or_default().to_owned()),
                        ("date", q["asked_at"].as_i64().map(date).unwrap_or_default()),
                        ("n", count(&q["days_open"])),
                    ])}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>{tr(Key::ReportMissedMost)}</h2>
            {if missed.is_empty() {
                view! { <p class="muted">{tr(Key::ReportMissedNone)}</p> }.into_any()
            } else {
                view! { <ol class="report-list">{missed_view}</ol> }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{tr(Key::ReportSessions)}</h2>
            {if sessions.is_empty() {
                view! { <p class="muted">{tr(Key::ReportSessionsNone)}</p> }.into_any()
            } else {
                view! { <ul class="plain report-list">{sessions_view}</ul> }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{tr(Key::ReportAssignments)}</h2>
            {if assignments.is_empty() {
                view! { <p class="muted">{tr(Key::ReportAssignmentsNone)}</p> }.into_any()
            } else {
                view! { <ul class="plain report-list">{assignments_view}</ul> }.into_any()
            }}
        </section>
        <section class="card" class:attention=!open.is_empty()>
            <h2>{tr(Key::ReportOpenQuestions)}</h2>
            {if open.is_empty() {
                view! { <p class="muted">{tr(Key::ReportOpenNone)}</p> }.into_any()
            } else {
                view! { <ul class="plain report-list">{open_view}</ul> }.into_any()
            }}
        </section>
    }
}
