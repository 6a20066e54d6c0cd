//! Settings → "Bureau server": sign in, join with an invite code, the sync
//! status with "Sync now", and a careful sign-out.

use crate::state::{offset_minutes, tr, trf, use_app};
use crate::sync::{self, SyncPhase};
use leptos::prelude::*;
use leptos_router::components::A;
use qinglian_core::i18n::{Key, Message, ServerCall};
use qinglian_core::sync::{JoinRequest, Role, MIN_PASSWORD_CHARS};

/// The local date of a time, `YYYY-MM-DD`.
pub fn date(at: i64) -> String {
    qinglian_core::calendar::iso_date(qinglian_core::calendar::day_of(at, offset_minutes()))
}

/// The local date and time, `YYYY-MM-DD HH:MM`.
pub fn date_time(at: i64) -> String {
    format!("{} {}", date(at), clock_time(at))
}

/// `HH:MM` in local time.
pub fn clock_time(at: i64) -> String {
    let local = at + i64::from(offset_minutes()) * 60_000;
    let minutes = local.div_euclid(60_000).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// One line on sync for the top of every page, when signed in.
#[component]
pub fn SyncStatus() -> impl IntoView {
    let state = use_app();
    let lang = move || state.settings.with(|s| s.lang);
    let text = move || {
        let online = state.online.get();
        let waiting = sync::waiting(&state);
        let record = state.sync.record.get();
        if record.user.is_none() && record.session_ended {
            return Some((
                "error",
                trf(Key::BureauSessionEnded, vec![("n", waiting.to_string())])(),
            ));
        }
        record.user.as_ref()?;
        let phase = state.sync.phase.get();
        let (class, words) = match phase {
            _ if !online => (
                "offline",
                trf(Key::SyncOffline, vec![("n", waiting.to_string())])(),
            ),
            SyncPhase::Syncing => ("busy", tr(Key::SyncSyncing)().to_owned()),
            SyncPhase::Failed(reason) => (
                "error",
                trf(Key::SyncFailed, vec![("reason", reason.show(lang()))])(),
            ),
            _ if waiting > 0 => (
                "busy",
                trf(Key::SyncWaiting, vec![("n", waiting.to_string())])(),
            ),
            _ => match record.last_synced_at {
                Some(at) => ("ok", trf(Key::SyncedAt, vec![("time", clock_time(at))])()),
                None => (
                    "busy",
                    trf(Key::SyncWaiting, vec![("n", waiting.to_string())])(),
                ),
            },
        };
        Some((class, words))
    };
    view! {
        <p class="sync-status" role="status" aria-live="polite" class:hidden=move || text().is_none()>
            {move || text().map(|(class, words)| view! { <span class=format!("sync-dot {class}") aria-hidden="true"></span>{words} })}
        </p>
    }
}

#[component]
pub fn BureauServer() -> impl IntoView {
    let state = use_app();
    let signed_in = move || state.sync.record.with(|r| r.user.is_some());
    view! {
        <section class="card bureau" aria-labelledby="bureau-heading">
            <h2 id="bureau-heading">{tr(Key::BureauTitle)}</h2>
            {move || state.sync.record.with(|r| r.session_ended && r.user.is_none()).then(|| view! {
                <p class="notice" role="alert">{trf(Key::BureauSessionEnded, vec![("n", sync::waiting(&state).to_string())])}</p>
            })}
            <Show when=signed_in fallback=|| view! { <SignInForms/> }>
                <SignedIn/>
            </Show>
        </section>
    }
}

#[component]
fn SignInForms() -> impl IntoView {
    let state = use_app();
    // An invite link (`/join?code=…`, often from a QR code) opens the join
    // form with the code filled in.
    let linked_code = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("code"))
        .filter(|c| !c.trim().is_empty());
    let from_link = linked_code.is_some();
    let joining = RwSignal::new(from_link);
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let invite = RwSignal::new(linked_code.unwrap_or_default());
    let display_name = RwSignal::new(state.settings.get_untracked().display_name);
    let error = RwSignal::new(None::<Message>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !state.online.get_untracked() {
            error.set(Some(Message::key(Key::BureauNeedsNetwork)));
            return;
        }
        if joining.get_untracked()
            && password.with_untracked(|p| p.chars().count() < MIN_PASSWORD_CHARS)
        {
            error.set(Some(Message::of(
                Key::BureauPasswordShort,
                vec![("n", MIN_PASSWORD_CHARS.to_string())],
            )));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = if joining.get_untracked() {
                sync::join(
                    state,
                    JoinRequest {
                        invite_code: invite.get_untracked(),
                        login: login.get_untracked(),
                        display_name: display_name.get_untracked(),
                        password: password.get_untracked(),
                    },
                )
                .await
            } else {
                sync::sign_in(state, login.get_untracked(), password.get_untracked()).await
            };
            busy.set(false);
            match result {
                Ok(()) => password.set(String::new()),
                Err(reason) => error.set(Some(reason)),
            }
        });
    };
    view! {
        <p class="muted">{tr(Key::BureauIntro)}</p>
        {from_link.then(|| view! { <p class="notice">{tr(Key::JoinFromLink)}</p> })}
        <div class="segmented two" role="group" aria-label=tr(Key::BureauTitle)>
            <button type="button" class="button" aria-pressed=move || (!joining.get()).to_string() on:click=move |_| joining.set(false)>{tr(Key::BureauSignIn)}</button>
            <button type="button" class="button" aria-pressed=move || joining.get().to_string() on:click=move |_| joining.set(true)>{tr(Key::BureauJoin)}</button>
        </div>
        <form on:submit=submit class="account-form">
            <Show when=move || joining.get()>
                <label class="field" for="invite-code">
                    <span>{tr(Key::BureauInviteCode)}</span>
                    <input id="invite-code" type="text" autocomplete="off" autocapitalize="characters" required
                        prop:value=invite on:input=move |ev| invite.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="join-name">
                    <span>{tr(Key::BureauDisplayName)}</span>
                    <input id="join-name" type="text" autocomplete="name" required
                        prop:value=display_name on:input=move |ev| display_name.set(event_target_value(&ev))/>
                </label>
            </Show>
            <label class="field" for="login-name">
                <span>{tr(Key::BureauLogin)}</span>
                <input id="login-name" type="text" autocomplete="username" autocapitalize="none" required
                    prop:value=login on:input=move |ev| login.set(event_target_value(&ev))/>
            </label>
            <label class="field" for="login-password">
                <span>{tr(Key::BureauPassword)}</span>
                <input id="login-password" type="password" required
                    autocomplete=move || if joining.get() { "new-password" } else { "current-password" }
                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
            </label>
            <p role="alert" class="bad">{move || error.get().map(|m| m.show(state.settings.with(|s| s.lang)))}</p>
            <button type="submit" class="button primary wide" disabled=move || busy.get()>
                {move || if joining.get() { tr(Key::BureauJoin)() } else { tr(Key::BureauSignIn)() }}
            </button>
        </form>
    }
}

#[component]
fn SignedIn() -> impl IntoView {
    let state = use_app();
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let user = move || state.sync.record.with(|r| r.user.clone());
    let waiting = move || sync::waiting(&state);
    let sign_out = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            // First try to hand everything over.
            if state.online.get_untracked() {
                sync::request_sync(state);
                gloo_timers::future::TimeoutFuture::new(1_500).await;
            }
            busy.set(false);
            // Counted in the whole log, not only its last chunks.
            state.complete_log();
            if sync::waiting(&state) == 0 {
                sync::sign_out(state).await;
            } else {
                confirming.set(true);
            }
        });
    };
    view! {
        {move || user().map(|u| {
            let role = match u.role { Role::Learner => tr(Key::RoleLearner)(), Role::Leader => tr(Key::RoleLeader)(), Role::Admin => tr(Key::RoleAdmin)() };
            view! {
                <p>{trf(Key::BureauSignedInAs, vec![("name", u.display_name.clone()), ("login", u.login.clone())])}</p>
                <p class="muted">{role}{u.unit_name.clone().map(|n| format!(" · {n}"))}</p>
                <div class="button-row">
                    {matches!(u.role, Role::Leader | Role::Admin).then(|| view! {
                        <A href="/unit" attr:class="button">{tr(Key::UnitReportTitle)}</A>
                    })}
                    {(u.role == Role::Admin).then(|| view! {
                        <A href="/admin" attr:class="button">{tr(Key::AdminOpen)}</A>
                    })}
                </div>
            }
        })}
        <div class="button-row">
            <button type="button" class="button primary" on:click=move |_| sync::request_sync(state)
                disabled=move || !state.online.get() || state.sync.phase.get() == SyncPhase::Syncing>{tr(Key::SyncNow)}</button>
            <button type="button" class="button" on:click=sign_out disabled=move || busy.get()>{tr(Key::BureauSignOut)}</button>
        </div>
        <PasswordChange/>
        <SignedInDevices/>
        {move || {
            let conflicts = state.sync.record.with(|r| r.conflicts.len());
            (conflicts > 0).then(|| view! { <p class="notice">{trf(Key::SyncConflicts, vec![("n", conflicts.to_string())])}</p> })
        }}
        <Show when=move || confirming.get()>
            <div class="confirm" role="alertdialog" aria-labelledby="signout-question">
                <p id="signout-question"><strong>{move || trf(Key::BureauSignOutWaiting, vec![("n", waiting().to_string())])()}</strong></p>
                <div class="button-row">
                    <button type="button" class="button danger" on:click=move |_| {
                        confirming.set(false);
                        leptos::task::spawn_local(async move { sync::sign_out(state).await });
                    }>{tr(Key::BureauSignOutAnyway)}</button>
                    <button type="button" class="button" on:click=move |_| confirming.set(false)>{tr(Key::BureauStaySignedIn)}</button>
                </div>
            </div>
        </Show>
    }
}

/// Change one's own password; after a one-time password (a reset or a
/// roster import) this is the first thing asked.
#[component]
pub fn PasswordChange() -> impl IntoView {
    let state = use_app();
    let must = move || state.sync.record.with(|r| r.must_change_password);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<(), Message>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if new.with_untracked(|p| p.chars().count() < MIN_PASSWORD_CHARS) {
            outcome.set(Some(Err(Message::of(
                Key::BureauPasswordShort,
                vec![("n", MIN_PASSWORD_CHARS.to_string())],
            ))));
            return;
        }
        let body = serde_json::json!({
            "old_password": current.get_untracked(),
            "new_password": new.get_untracked(),
        });
        leptos::task::spawn_local(async move {
            match sync::api(
                "POST",
                "/api/v1/auth/password",
                Some(body),
                ServerCall::Account,
            )
            .await
            {
                Ok(_) => {
                    current.set(String::new());
                    new.set(String::new());
                    state.sync.update_record(|r| r.must_change_password = false);
                    outcome.set(Some(Ok(())));
                    sync::request_sync(state);
                }
                Err(refusal) => outcome.set(Some(Err(refusal.message))),
            }
        });
    };
    // Open from the start when a new password is needed, and left open after
    // it is set, so the confirmation stays in view.
    let open_at_start = state.sync.record.with_untracked(|r| r.must_change_password);
    view! {
        <details class="account-more" open=open_at_start>
            <summary>{tr(Key::PasswordTitle)}</summary>
            {move || must().then(|| view! { <p class="notice" role="alert">{tr(Key::PasswordMustChange)}</p> })}
            <form class="account-form" on:submit=submit>
                <label class="field" for="password-current">
                    <span>{tr(Key::PasswordCurrent)}</span>
                    <input id="password-current" type="password" autocomplete="current-password" required
                        prop:value=current on:input=move |ev| current.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="password-new">
                    <span>{tr(Key::PasswordNew)}</span>
                    <input id="password-new" type="password" autocomplete="new-password" required
                        prop:value=new on:input=move |ev| new.set(event_target_value(&ev))/>
                </label>
                <div role="status" aria-live="polite">
                    {move || outcome.get().map(|o| match o {
                        Ok(()) => view! { <p class="good">{tr(Key::PasswordChanged)}</p> }.into_any(),
                        Err(m) => view! { <p class="bad">{m.show(state.settings.with(|s| s.lang))}</p> }.into_any(),
                    })}
                </div>
                <button type="submit" class="button primary">{tr(Key::PasswordSave)}</button>
            </form>
        </details>
    }
}

/// The devices signed in to one's account, each of which can be signed out
/// (a lost phone): the server ends that session at once.
#[component]
pub fn SignedInDevices() -> impl IntoView {
    let state = use_app();
    let reload = RwSignal::new(0u32);
    let error = RwSignal::new(None::<Message>);
    let sessions = LocalResource::new(move || {
        reload.track();
        let online = state.online.get();
        async move {
            if !online {
                return Err(Message::key(Key::BureauNeedsNetwork));
            }
            sync::api("GET", "/api/v1/auth/sessions", None, ServerCall::Account)
                .await
                .map_err(|r| r.message)
        }
    });
    let lang = move || state.settings.with(|s| s.lang);
    view! {
        <details class="account-more">
            <summary>{tr(Key::DevicesTitle)}</summary>
            <Suspense fallback=|| view! { <p class="muted">{tr(Key::Loading)}</p> }>
                {move || sessions.get().map(|result| match result {
                    Err(m) => view! { <p class="notice">{m.show(lang())}</p> }.into_any(),
                    Ok(answer) => {
                        let list = answer["sessions"].as_array().cloned().unwrap_or_default();
                        view! {
                            <ul class="plain-list">
                                {list.into_iter().map(|s| {
                                    let id = s["id"].as_i64().unwrap_or_default();
                                    let current = s["current"].as_bool().unwrap_or(false);
                                    let agent = s["user_agent"].as_str().map(describe_agent).unwrap_or_else(|| tr(Key::DeviceUnknown)().to_owned());
                                    view! {
                                        <li class="list-row">
                                            <span>
                                                <strong>{agent}</strong>
                                                {current.then(|| view! { " · "<span class="badge">{tr(Key::DeviceThis)}</span> })}
                                                <br/><span class="muted small">{trf(Key::DeviceSince, vec![
                                                    ("date", date_time(s["created_at"].as_i64().unwrap_or_default())),
                                                    ("time", date_time(s["last_seen_at"].as_i64().unwrap_or_default())),
                                                ])}</span>
                                            </span>
                                            {(!current).then(|| view! {
                                                <button type="button" class="button small-button" on:click=move |_| {
                                                    leptos::task::spawn_local(async move {
                                                        match sync::api("DELETE", &format!("/api/v1/auth/sessions/{id}"), None, ServerCall::Account).await {
                                                            Ok(_) => reload.update(|n| *n += 1),
                                                            Err(r) => error.set(Some(r.message)),
                                                        }
                                                    });
                                                }>{tr(Key::DeviceSignOut)}</button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </Suspense>
            {move || error.get().map(|m| view! { <p class="bad" role="alert">{m.show(lang())}</p> })}
        </details>
    }
}

/// A short name for a browser from its user agent: the phone or system and
/// the browser, which is what a person recognises in a list of devices.
fn describe_agent(agent: &str) -> String {
    let system = [
        ("HarmonyOS", "HarmonyOS"),
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "Mac"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| name);
    let browser = [
        ("MicroMessenger", "WeChat"),
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| name);
    match (system, browser) {
        (Some(s), Some(b)) => format!("{b} · {s}"),
        (Some(s), None) => s.to_owned(),
        (None, Some(b)) => b.to_owned(),
        (None, None) => agent.chars().take(40).collect(),
    }
}
