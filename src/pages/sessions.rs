//! Group study sessions (集体学习, 中心组学习, 廉政党课): the unit's list with
//! what to prepare, one session with its check-in (the convener shows a code
//! that changes every minute; a member types or scans it, offline on both
//! phones), the attendance, the minutes and the member's reflection; and the
//! leader's form to schedule one.

use crate::components::account::clock_time;
use crate::components::qr::QrCode;
use crate::components::together::{
    date, date_time, form_problem, FormNote, Note, Outbox, TogetherPage,
};
use crate::components::WithPack;
use crate::state::{now_ms, offset_minutes, tr, trf, use_app, AppState};
use crate::together::{self, MyCheckIn, Request};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use qinglian_core::calendar;
use qinglian_core::content::Pack;
use qinglian_core::events::EventKind;
use qinglian_core::i18n::Key;
use qinglian_core::sync::User;
use qinglian_core::together::{
    check_in_code, check_in_code_ttl, check_in_path, check_in_step, normalise_code, CheckInRefusal,
    CheckInState, MinutesRequest, NewStudySession, SessionKind, SessionMinutes, StudySession,
};

fn kind_name(kind: SessionKind) -> Key {
    match kind {
        SessionKind::GroupStudy => Key::SessionKindGroupStudy,
        SessionKind::CentreGroup => Key::SessionKindCentreGroup,
        SessionKind::IntegrityLecture => Key::SessionKindIntegrityLecture,
    }
}

fn refusal_reason(reason: CheckInRefusal) -> Key {
    match reason {
        CheckInRefusal::UnknownSession => Key::CheckInUnknownSession,
        CheckInRefusal::Cancelled => Key::CheckInCancelled,
        CheckInRefusal::WrongCode => Key::CheckInWrongCode,
        CheckInRefusal::TooEarly => Key::CheckInTooEarly,
        CheckInRefusal::TooLate => Key::CheckInTooLate,
        CheckInRefusal::NotWhenShown => Key::CheckInNotWhenShown,
    }
}

fn is_session_request(request: &Request) -> bool {
    matches!(
        request,
        Request::ScheduleSession(_) | Request::CancelSession { .. } | Request::SaveMinutes { .. }
    )
}

/// `/sessions`: coming up first (soonest first), then those held.
#[component]
pub fn SessionsPage() -> impl IntoView {
    let state = use_app();
    view! {
        <TogetherPage title=Key::SessionsTitle intro=Key::SessionsIntro children=move |user: User| {
            let sessions = Memo::new(move |_| state.together.view.with(|v| v.sessions.clone()));
            view! {
                {together::is_leader(&user).then(|| view! {
                    <p><A href="/sessions/new" attr:class="button primary">{tr(Key::ScheduleTitle)}</A></p>
                })}
                <Outbox belongs=is_session_request/>
                {move || {
                    let now = now_ms();
                    let (mut upcoming, mut held): (Vec<_>, Vec<_>) =
                        sessions.get().into_iter().partition(|s| s.ends_at >= now);
                    upcoming.sort_by_key(|s| s.starts_at);
                    held.sort_by_key(|s| std::cmp::Reverse(s.starts_at));
                    let empty = upcoming.is_empty() && held.is_empty();
                    view! {
                        {empty.then(|| view! { <p class="muted">{tr(Key::SessionsNone)}</p> })}
                        {(!upcoming.is_empty()).then(|| view! {
                            <h2>{tr(Key::SessionsUpcoming)}</h2>
                            <ul class="cards">
                                {upcoming.into_iter().map(|s| view! { <SessionCard session=s/> }).collect_view()}
                            </ul>
                        })}
                        {(!held.is_empty()).then(|| view! {
                            <h2>{tr(Key::SessionsHeld)}</h2>
                            <ul class="cards">
                                {held.into_iter().map(|s| view! { <SessionCard session=s/> }).collect_view()}
                            </ul>
                        })}
                    }
                }}
            }
        }/>
    }
}

/// One session in a list: form, topic, time, place and this phone's check-in.
#[component]
pub fn SessionCard(session: StudySession) -> impl IntoView {
    let state = use_app();
    let check_in = my_check_in_line(&state, &session);
    view! {
        <li class="card session-card">
            <p class="muted small">
                <span class="badge">{tr(kind_name(session.kind))}</span>
                {session.cancelled_at.is_some().then(|| view! { " " <span class="badge warn">{tr(Key::SessionCancelled)}</span> })}
            </p>
            <h3>{session.topic.clone()}</h3>
            <p>{when(&session)}</p>
            <p class="muted">{trf(Key::SessionPlace, vec![("place", session.place.clone())])}</p>
            {check_in}
            <A href=format!("/sessions/{}", session.id) attr:class="button">{tr(Key::SessionOpen)}</A>
        </li>
    }
}

fn when(session: &StudySession) -> impl Fn() -> String + Send + Sync + 'static {
    trf(
        Key::SessionWhen,
        vec![
            ("date", date(session.starts_at)),
            ("start", clock_time(session.starts_at)),
            ("end", clock_time(session.ends_at)),
        ],
    )
}

fn my_check_in_line(state: &AppState, session: &StudySession) -> impl IntoView {
    check_in_line(state, together::my_check_in(state, session))
}

fn check_in_line(state: &AppState, status: MyCheckIn) -> impl IntoView {
    let lang = state.settings;
    match status {
        MyCheckIn::None => None,
        MyCheckIn::Waiting => {
            Some(view! { <p class="badge waiting">{tr(Key::CheckInWaiting)}</p> }.into_any())
        }
        MyCheckIn::Judged(CheckInState::Confirmed { .. }) => {
            Some(view! { <p class="badge done">{tr(Key::CheckInConfirmed)}</p> }.into_any())
        }
        MyCheckIn::Judged(CheckInState::Refused { reason }) => Some(
            view! {
                <p class="error" role="alert">{move || {
                    let l = lang.with(|s| s.lang);
                    qinglian_core::i18n::fill(l, Key::CheckInRefused,
                        &[("reason", qinglian_core::i18n::text(l, refusal_reason(reason)))])
                }}</p>
            }
            .into_any(),
        ),
    }
}

/// `/sessions/:id`.
#[component]
pub fn SessionPage() -> impl IntoView {
    let state = use_app();
    let params = use_params_map();
    view! {
        <TogetherPage title=Key::SessionsTitle intro=Key::SessionsIntro children=move |user: User| {
            // Redrawn only when this session changes (a confirmed check-in)
            // or the content arrives, not on every sync.
            let session = Memo::new(move |_| {
                let id: Option<i64> = params.read().get("id").and_then(|id| id.parse().ok());
                state.together.view.with(|v| v.sessions.iter().find(|s| Some(s.id) == id).cloned())
            });
            let user = user.clone();
            move || {
                // It names lessons from the content, which may still be
                // loading when the page opens.
                state.pack.track();
                match session.get() {
                    Some(session) => view! { <SessionDetail session=session user=user.clone()/> }.into_any(),
                    None => view! {
                        <p class="notice">{tr(Key::SessionNotFound)}</p>
                        <A href="/sessions" attr:class="button">{tr(Key::SessionBack)}</A>
                    }.into_any(),
                }
            }
        }/>
    }
}

#[component]
fn SessionDetail(session: StudySession, user: User) -> impl IntoView {
    let state = use_app();
    let now = now_ms();
    let pack = state.pack();
    let convenes = session.secret.is_some();
    let started = now >= session.starts_at;
    let cancelled = session.cancelled_at.is_some();
    let may_cancel = !cancelled
        && session.ends_at >= now
        && (user.id == session.scheduled_by
            || user.id == session.convener_id
            || state
                .together
                .view
                .with_untracked(|v| v.units.iter().any(|u| u.id == session.unit_id)));
    let id = session.id;
    view! {
        <article class="card session">
            <p class="muted small">
                <span class="badge">{tr(kind_name(session.kind))}</span>
                {cancelled.then(|| view! { " " <span class="badge warn">{tr(Key::SessionCancelled)}</span> })}
            </p>
            <h2>{session.topic.clone()}</h2>
            <p>{when(&session)}</p>
            <p>{trf(Key::SessionPlace, vec![("place", session.place.clone())])}</p>
            <p>{trf(Key::SessionConvener, vec![("name", session.convener_name.clone())])}</p>
            <p class="muted">{trf(Key::SessionUnit, vec![("unit", session.unit_name.clone())])}</p>
        </article>
        {pack.map(|pack| view! { <Preparation session=session.clone() pack=pack/> })}
        {(!cancelled).then(|| view! {
            {convenes.then(|| view! { <CheckInCode session=session.clone()/> })}
            <CheckInForm session=session.clone()/>
        })}
        {session.attendees.clone().map(|attendees| {
            let total = attendees.len();
            let confirmed = attendees.iter().filter(|a| matches!(a.check_in.as_ref().map(|c| &c.state), Some(CheckInState::Confirmed { .. }))).count();
            let prepared = attendees.iter().filter(|a| a.prepared).count();
            view! {
                <section class="card">
                    <h2>{tr(Key::AttendanceTitle)}</h2>
                    <p>{trf(Key::AttendanceCount, vec![("n", confirmed.to_string()), ("total", total.to_string()), ("prepared", prepared.to_string())])}</p>
                    <ul class="attendees">
                        {attendees.into_iter().map(|a| {
                            let status = match a.check_in.as_ref().map(|c| &c.state) {
                                Some(CheckInState::Confirmed { .. }) => ("badge done", Key::AttendeeConfirmed),
                                Some(CheckInState::Refused { .. }) => ("badge warn", Key::AttendeeRefused),
                                None => ("badge", Key::AttendeeAbsent),
                            };
                            view! {
                                <li>
                                    <span>{a.name.clone()}</span>" "
                                    <span class=status.0>{tr(status.1)}</span>
                                    {a.prepared.then(|| view! { " " <span class="badge">{tr(Key::AttendeePrepared)}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        })}
        {session.summary.clone().map(|summary| view! {
            <section class="card">
                <h2>{tr(Key::SessionSummary)}</h2>
                {session.summary_published_at.map(|at| view! {
                    <p class="muted small">{trf(Key::MinutesPublishedOn, vec![("date", date(at))])}</p>
                })}
                <p class="prewrap">{summary}</p>
            </section>
        })}
        {(convenes && started && !cancelled).then(|| view! { <MinutesForm session=session.clone()/> })}
        {(started && !cancelled).then(|| view! { <SessionReflection session=id/> })}
        {may_cancel.then(|| view! {
            <p>
                <button type="button" class="button danger" on:click=move |_| {
                    let lang = state.settings.with_untracked(|s| s.lang);
                    let ask = qinglian_core::i18n::text(lang, Key::SessionCancelConfirm);
                    if window().confirm_with_message(ask).unwrap_or(false) {
                        together::queue(state, Request::CancelSession { session: id });
                    }
                }>{tr(Key::SessionCancel)}</button>
            </p>
        })}
        <Outbox belongs=is_session_request/>
        <p><A href="/sessions" attr:class="button">{tr(Key::SessionBack)}</A></p>
    }
}

/// The lessons and scenario to prepare, each with this phone's state.
#[component]
fn Preparation(session: StudySession, pack: std::sync::Arc<Pack>) -> impl IntoView {
    let state = use_app();
    if session.lessons.is_empty() && session.scenario.is_none() {
        return None;
    }
    let progress = state.progress.get_untracked();
    let mut all_done = true;
    let mut items = Vec::new();
    for id in &session.lessons {
        let done = progress.lessons_done.contains_key(id);
        all_done &= done;
        let title = pack
            .lesson(id)
            .map_or_else(|| id.clone(), |l| l.title.clone());
        items.push((format!("/lesson/{id}"), title, done));
    }
    if let Some(id) = &session.scenario {
        let done = progress.scenarios.contains_key(id);
        all_done &= done;
        let title = pack
            .scenario(id)
            .map_or_else(|| id.clone(), |s| s.title.clone());
        items.push((format!("/scenario/{id}"), title, done));
    }
    Some(view! {
        <section class="card">
            <h2>{tr(Key::SessionPrepare)}</h2>
            <ul class="prepare">
                {items.into_iter().map(|(href, title, done)| view! {
                    <li>
                        <A href=href>{title}</A>" "
                        {done.then(|| view! { <span class="badge done">{tr(Key::StatusDone)}</span> })}
                    </li>
                }).collect_view()}
            </ul>
            {all_done.then(|| view! { <p class="good">{tr(Key::SessionAllPrepared)}</p> })}
        </section>
    })
}

/// The convener's code: six digits and a QR code, new every minute, derived
/// from the session's secret and the phone's clock (no network needed).
#[component]
fn CheckInCode(session: StudySession) -> impl IntoView {
    let shown = RwSignal::new(false);
    let now = RwSignal::new(now_ms());
    let ticker = StoredValue::new_local(None::<gloo_timers::callback::Interval>);
    Effect::new(move |_| {
        if shown.get() {
            now.set(now_ms());
            ticker.set_value(Some(gloo_timers::callback::Interval::new(
                1_000,
                move || now.set(now_ms()),
            )));
        } else {
            ticker.set_value(None);
        }
    });
    on_cleanup(move || ticker.set_value(None));
    let secret = session.secret.clone().unwrap_or_default();
    let id = session.id;
    let code =
        Memo::new(move |_| check_in_code(&secret, check_in_step(now.get())).unwrap_or_default());
    view! {
        <section class="card">
            <h2>{tr(Key::CheckInTitle)}</h2>
            <button type="button" class="button primary" aria-expanded=move || shown.get().to_string()
                on:click=move |_| shown.update(|s| *s = !*s)>
                {move || if shown.get() { tr(Key::HideCheckInCode)() } else { tr(Key::ShowCheckInCode)() }}
            </button>
            <Show when=move || shown.get()>
                <div class="check-in-code">
                    <p class="code" aria-live="polite">{move || {
                        let c = code.get();
                        format!("{} {}", &c[..c.len().min(3)], &c[c.len().min(3)..])
                    }}</p>
                    {move || {
                        let origin = window().location().origin().unwrap_or_default();
                        view! { <QrCode text=format!("{origin}{}", check_in_path(id, &code.get())) label=Key::CheckInCodeQr/> }
                    }}
                    <p class="muted small">{move || trf(Key::CheckInCodeChanges, vec![("s", (check_in_code_ttl(now.get()) / 1000 + 1).to_string())])()}</p>
                    <p class="muted small">{tr(Key::CheckInCodeHelp)}</p>
                </div>
            </Show>
        </section>
    }
}

/// Records a check-in event with the typed code; shown until the server has
/// confirmed one (a refused check-in can be done again).
#[component]
fn CheckInForm(session: StudySession) -> impl IntoView {
    let state = use_app();
    let id = session.id;
    let status = Memo::new(move |_| together::my_check_in(&state, &session));
    let open = move || {
        !matches!(
            status.get(),
            MyCheckIn::Waiting | MyCheckIn::Judged(CheckInState::Confirmed { .. })
        )
    };
    let refused = move || {
        matches!(
            status.get(),
            MyCheckIn::Judged(CheckInState::Refused { .. })
        )
    };
    let code = RwSignal::new(String::new());
    let note: Note = RwSignal::new(None);
    view! {
        <section class="card" id="check-in">
            <h2>{tr(Key::CheckInTitle)}</h2>
            {move || check_in_line(&state, status.get())}
            <Show when=open>
                {move || refused().then(|| view! { <p>{tr(Key::CheckInAgain)}</p> })}
                <form class="stack" on:submit=move |ev| {
                    ev.prevent_default();
                    match normalise_code(&code.get_untracked()) {
                        None => note.set(Some((Key::CheckInBadCode, vec![], false))),
                        Some(code_text) => {
                            if state.record(EventKind::SessionCheckIn { session: id, code: code_text }) {
                                note.set(None);
                                code.set(String::new());
                            }
                        }
                    }
                }>
                    <label class="field" for="check-in-code">
                        <span>{tr(Key::CheckInCodeLabel)}</span>
                        <input id="check-in-code" inputmode="numeric" autocomplete="one-time-code"
                            maxlength="12" prop:value=code on:input=move |ev| code.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="button primary">{tr(Key::CheckInButton)}</button>
                    <FormNote note=note/>
                    <p class="muted small">{tr(Key::CheckInOffline)}</p>
                </form>
            </Show>
        </section>
    }
}

/// The convener's minutes: points, decisions, who spoke, and the summary
/// published to the unit.
#[component]
fn MinutesForm(session: StudySession) -> impl IntoView {
    let state = use_app();
    let current = session.minutes.clone().unwrap_or_default();
    let points = RwSignal::new(current.points.clone());
    let decisions = RwSignal::new(current.decisions.clone());
    let speakers = RwSignal::new(current.speakers.join("\n"));
    let summary = RwSignal::new(current.summary.clone());
    let note: Note = RwSignal::new(None);
    let id = session.id;
    let save = move |publish: bool| {
        let minutes = SessionMinutes {
            points: points.get_untracked().trim().to_owned(),
            decisions: decisions.get_untracked().trim().to_owned(),
            speakers: speakers
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            summary: summary.get_untracked().trim().to_owned(),
        };
        if let Err(problem) = minutes.check() {
            let field = match problem.field.as_str() {
                "points" => Key::MinutesPoints,
                "decisions" => Key::MinutesDecisions,
                "summary" => Key::MinutesSummary,
                _ => Key::MinutesSpeakers,
            };
            let (key, slots) = form_problem(&problem, field);
            note.set(Some((key, slots, false)));
            return;
        }
        let request = Request::SaveMinutes {
            session: id,
            minutes: MinutesRequest { minutes, publish },
        };
        if together::queue(state, request) {
            note.set(Some((Key::MinutesSaved, vec![], true)));
        } else {
            note.set(Some((Key::FormNotSaved, vec![], false)));
        }
    };
    view! {
        <section class="card">
            <h2>{tr(Key::MinutesTitle)}</h2>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); save(false); }>
                <TextArea id="minutes-points" label=Key::MinutesPoints value=points/>
                <TextArea id="minutes-decisions" label=Key::MinutesDecisions value=decisions/>
                <TextArea id="minutes-speakers" label=Key::MinutesSpeakers value=speakers/>
                <TextArea id="minutes-summary" label=Key::MinutesSummary value=summary/>
                <div class="actions">
                    <button type="submit" class="button">{tr(Key::MinutesSave)}</button>
                    <button type="button" class="button primary" on:click=move |_| save(true)>{tr(Key::MinutesPublish)}</button>
                </div>
                <FormNote note=note/>
            </form>
        </section>
    }
}

/// A labelled text area bound to a signal.
#[component]
pub fn TextArea(id: &'static str, label: Key, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field" for=id>
            <span>{tr(label)}</span>
            <textarea id=id maxlength="4000" prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))></textarea>
        </label>
    }
}

/// The member's own reflection on a session (an event, like a lesson's note).
#[component]
fn SessionReflection(session: i64) -> impl IntoView {
    let state = use_app();
    let saved = state
        .progress
        .with_untracked(|p| p.session_reflections.get(&session).cloned())
        .unwrap_or_default();
    let draft = RwSignal::new(saved);
    let status = RwSignal::new(None::<Key>);
    view! {
        <form class="card stack" on:submit=move |ev| {
            ev.prevent_default();
            let text = draft.get_untracked();
            if state.record(EventKind::SessionReflectionSaved { session, text }) {
                status.set(Some(Key::ReflectionSaved));
            }
        }>
            <h2>{tr(Key::SessionReflectionTitle)}</h2>
            <label class="field" for="session-reflection">
                <span>{tr(Key::SessionReflectionPrompt)}</span>
                <textarea id="session-reflection" maxlength="3000" prop:value=draft
                    on:input=move |ev| { draft.set(event_target_value(&ev)); status.set(None); }></textarea>
            </label>
            <p class="muted small">{tr(Key::ReflectionPrivate)}</p>
            <button type="submit" class="button">{tr(Key::ReflectionSave)}</button>
            <span role="status" class="good">{move || status.get().map(|k| tr(k)())}</span>
        </form>
    }
}

/// `/sessions/check-in?session=…&code=…`: what the convener's QR code opens.
/// The check-in is recorded at once (once), offline too.
#[component]
pub fn CheckInLinkPage() -> impl IntoView {
    let state = use_app();
    let query = use_query_map();
    view! {
        <TogetherPage title=Key::CheckInTitle intro=Key::CheckInOffline children=move |_user: User| {
            let (session, code) = query.with_untracked(|q| {
                (
                    q.get("session").and_then(|s| s.parse::<i64>().ok()).filter(|s| *s > 0),
                    q.get("code").and_then(|c| normalise_code(&c)),
                )
            });
            let (Some(session), Some(code)) = (session, code) else {
                return view! {
                    <p class="notice" role="alert">{tr(Key::CheckInBadLink)}</p>
                    <A href="/sessions" attr:class="button">{tr(Key::SessionBack)}</A>
                }.into_any();
            };
            // Recorded once per code: reloading the link changes nothing.
            // An earlier check-in may be anywhere in the log.
            state.complete_log();
            let already = state.log.with_untracked(|log| log.all().unwrap_or_default().iter().any(|e| matches!(
                &e.kind,
                EventKind::SessionCheckIn { session: s, code: c } if *s == session && *c == code
            )));
            let recorded = already || state.record(EventKind::SessionCheckIn { session, code: code.clone() });
            let known = state.together.view.with_untracked(|v| v.sessions.iter().find(|s| s.id == session).cloned());
            view! {
                {match &known {
                    Some(s) => view! { <p>{trf(Key::CheckInFromLink, vec![("topic", s.topic.clone()), ("code", code.clone())])}</p> }.into_any(),
                    None => view! { <p class="notice">{tr(Key::CheckInUnknownLink)}</p> }.into_any(),
                }}
                {recorded.then(|| view! { <p class="good" role="status">{tr(Key::CheckInDone)}</p> })}
                <A href=format!("/sessions/{session}") attr:class="button primary">{tr(Key::SessionOpen)}</A>
            }.into_any()
        }/>
    }
}

/// `/sessions/new`: a leader schedules a session for a unit they lead.
#[component]
pub fn ScheduleSessionPage() -> impl IntoView {
    view! {
        <TogetherPage title=Key::ScheduleTitle intro=Key::SessionsIntro children=move |user: User| {
            view! { <WithPack children=move |pack| view! { <ScheduleForm user=user.clone() pack=pack/> }/> }
        }/>
    }
}

#[component]
fn ScheduleForm(user: User, pack: std::sync::Arc<Pack>) -> impl IntoView {
    let state = use_app();
    let units = state.together.view.with_untracked(|v| v.units.clone());
    if units.is_empty() {
        return view! { <p class="notice">{tr(Key::NoLedUnits)}</p> }.into_any();
    }
    let unit = RwSignal::new(units[0].id);
    let kind = RwSignal::new(SessionKind::GroupStudy);
    let topic = RwSignal::new(String::new());
    let tomorrow = calendar::day_of(now_ms(), offset_minutes()) + 1;
    let day = RwSignal::new(calendar::iso_date(tomorrow));
    let start = RwSignal::new("15:00".to_owned());
    let end = RwSignal::new("16:30".to_owned());
    let place = RwSignal::new(String::new());
    let convener = RwSignal::new(user.id);
    let lessons = RwSignal::new(Vec::<String>::new());
    let scenario = RwSignal::new(String::new());
    let note: Note = RwSignal::new(None);
    let units_for_members = units.clone();
    let members = move || {
        let id = unit.get();
        units_for_members
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.members.clone())
            .unwrap_or_default()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let offset = offset_minutes();
        let times = calendar::parse_iso_date(&day.get_untracked()).zip(
            calendar::parse_clock(&start.get_untracked())
                .zip(calendar::parse_clock(&end.get_untracked())),
        );
        let Some((day, (start, end))) = times else {
            note.set(Some((
                Key::FormMissing,
                vec![("field", tr(Key::ScheduleDate)().to_owned())],
                false,
            )));
            return;
        };
        let scenario = scenario.get_untracked();
        let session = NewStudySession {
            client_id: crate::storage::new_uuid(),
            unit_id: unit.get_untracked(),
            kind: kind.get_untracked(),
            topic: topic.get_untracked().trim().to_owned(),
            lessons: lessons.get_untracked(),
            scenario: (!scenario.is_empty()).then_some(scenario),
            starts_at: calendar::local_time(day, start, offset),
            ends_at: calendar::local_time(day, end, offset),
            place: place.get_untracked().trim().to_owned(),
            convener_id: Some(convener.get_untracked()),
        };
        if let Err(problem) = session.check(now_ms()) {
            let field = match problem.field.as_str() {
                "topic" => Key::ScheduleTopic,
                "place" => Key::SchedulePlace,
                _ => Key::ScheduleDate,
            };
            let (key, slots) = form_problem(&problem, field);
            note.set(Some((key, slots, false)));
            return;
        }
        if together::queue(state, Request::ScheduleSession(session)) {
            note.set(Some((Key::ScheduleQueued, vec![], true)));
            topic.set(String::new());
            lessons.set(Vec::new());
        } else {
            note.set(Some((Key::FormNotSaved, vec![], false)));
        }
    };
    let lesson_choices: Vec<(String, String)> = pack
        .lessons
        .iter()
        .map(|l| (l.id.clone(), l.title.clone()))
        .collect();
    let scenario_choices: Vec<(String, String)> = pack
        .scenarios
        .iter()
        .map(|s| (s.id.clone(), s.title.clone()))
        .collect();
    view! {
        <form class="card stack" on:submit=submit>
            <label class="field" for="schedule-unit">
                <span>{tr(Key::ScheduleUnit)}</span>
                <select id="schedule-unit" on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse() { unit.set(id); convener.set(user.id); }
                }>
                    {units.iter().map(|u| view! { <option value=u.id.to_string()>{u.name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label class="field" for="schedule-kind">
                <span>{tr(Key::ScheduleKind)}</span>
                <select id="schedule-kind" on:change=move |ev| {
                    kind.set(match event_target_value(&ev).as_str() {
                        "centre_group" => SessionKind::CentreGroup,
                        "integrity_lecture" => SessionKind::IntegrityLecture,
                        _ => SessionKind::GroupStudy,
                    })
                }>
                    <option value="group_study">{tr(Key::SessionKindGroupStudy)}</option>
                    <option value="centre_group">{tr(Key::SessionKindCentreGroup)}</option>
                    <option value="integrity_lecture">{tr(Key::SessionKindIntegrityLecture)}</option>
                </select>
            </label>
            <label class="field" for="schedule-topic">
                <span>{tr(Key::ScheduleTopic)}</span>
                <input id="schedule-topic" maxlength="200" prop:value=topic on:input=move |ev| topic.set(event_target_value(&ev))/>
            </label>
            <div class="row">
                <label class="field" for="schedule-date">
                    <span>{tr(Key::ScheduleDate)}</span>
                    <input id="schedule-date" type="date" prop:value=day on:input=move |ev| day.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="schedule-start">
                    <span>{tr(Key::ScheduleStart)}</span>
                    <input id="schedule-start" type="time" prop:value=start on:input=move |ev| start.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="schedule-end">
                    <span>{tr(Key::ScheduleEnd)}</span>
                    <input id="schedule-end" type="time" prop:value=end on:input=move |ev| end.set(event_target_value(&ev))/>
                </label>
            </div>
            <label class="field" for="schedule-place">
                <span>{tr(Key::SchedulePlace)}</span>
                <input id="schedule-place" maxlength="200" prop:value=place on:input=move |ev| place.set(event_target_value(&ev))/>
            </label>
            <label class="field" for="schedule-convener">
                <span>{tr(Key::ScheduleConvener)}</span>
                <select id="schedule-convener" on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse() { convener.set(id); }
                }>
                    <option value=user.id.to_string() selected=true>{tr(Key::ScheduleConvenerMe)}</option>
                    {move || members().into_iter().filter(|m| m.id != user.id).map(|m| view! {
                        <option value=m.id.to_string()>{m.name.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <fieldset class="choices">
                <legend>{tr(Key::ScheduleLessons)}</legend>
                {lesson_choices.into_iter().map(|(id, title)| {
                    let checked_id = id.clone();
                    let toggle_id = id.clone();
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || lessons.with(|l| l.contains(&checked_id))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    lessons.update(|l| {
                                        l.retain(|x| x != &toggle_id);
                                        if on { l.push(toggle_id.clone()); }
                                    });
                                }/>
                            <span>{title}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <label class="field" for="schedule-scenario">
                <span>{tr(Key::ScheduleScenario)}</span>
                <select id="schedule-scenario" on:change=move |ev| scenario.set(event_target_value(&ev))>
                    <option value="">{tr(Key::ScheduleNone)}</option>
                    {scenario_choices.into_iter().map(|(id, title)| view! { <option value=id>{title}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button primary">{tr(Key::ScheduleSubmit)}</button>
            <FormNote note=note/>
        </form>
        <Outbox belongs=is_session_request/>
    }.into_any()
}

/// The next session within a week that this phone's member has not been
/// confirmed at, for Today.
pub fn next_session(state: &AppState) -> Option<StudySession> {
    let now = now_ms();
    state.together.view.with(|v| {
        v.sessions
            .iter()
            .filter(|s| {
                s.cancelled_at.is_none()
                    && s.ends_at >= now
                    && s.starts_at <= now + 7 * calendar::MS_PER_DAY
            })
            .min_by_key(|s| s.starts_at)
            .cloned()
    })
}

/// A session's date and time for Today.
pub fn session_when(session: &StudySession) -> String {
    date_time(session.starts_at)
}
