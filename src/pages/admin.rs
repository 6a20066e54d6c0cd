//! The administrator's console: the bureau's units, invites (code, link, QR
//! code and a printable sheet), people, roster import, content publishing
//! with history and roll-back, and the audit log. Everything here is the
//! server's: the page says so plainly when offline or not an administrator.

use crate::components::account::{date, date_time};
use crate::components::qr::QrCode;
use crate::state::{tr, trf, use_app};
use crate::sync::{api, Refusal};
use leptos::prelude::*;
use qinglian_core::i18n::{Key, ServerCall};
use qinglian_core::sync::Role;
use serde_json::{json, Value};

/// The console's sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Units,
    Invites,
    People,
    Roster,
    Content,
    Audit,
}

impl Section {
    const ALL: [Section; 6] = [
        Section::Units,
        Section::Invites,
        Section::People,
        Section::Roster,
        Section::Content,
        Section::Audit,
    ];

    fn key(self) -> Key {
        match self {
            Section::Units => Key::AdminUnits,
            Section::Invites => Key::AdminInvites,
            Section::People => Key::AdminPeople,
            Section::Roster => Key::AdminRoster,
            Section::Content => Key::AdminContent,
            Section::Audit => Key::AdminAudit,
        }
    }
}

/// A server call's outcome shown under a form: done, or why not (the
/// learner's words, then the server's own detail for the administrator).
#[derive(Clone, Debug)]
enum Outcome {
    Done(String),
    Refused(Refusal),
}

#[component]
fn OutcomeLine(outcome: RwSignal<Option<Outcome>>) -> impl IntoView {
    let state = use_app();
    let lang = move || state.settings.with(|s| s.lang);
    view! {
        <div role="status" aria-live="polite">
            {move || outcome.get().map(|o| match o {
                Outcome::Done(text) => view! { <p class="good">{text}</p> }.into_any(),
                Outcome::Refused(refusal) => view! {
                    <p class="bad">{refusal.message.show(lang())}
                        {refusal.detail().map(|d| view! { <br/><span class="small">{d}</span> })}
                    </p>
                }.into_any(),
            })}
        </div>
    }
}

fn refused(refusal: Refusal) -> Option<Outcome> {
    Some(Outcome::Refused(refusal))
}

/// Runs `call` and puts its outcome (or `done` words) in `outcome`; bumps
/// `reload` when it worked so lists fetch again.
fn act<F, Fut>(outcome: RwSignal<Option<Outcome>>, reload: RwSignal<u32>, call: F)
where
    F: FnOnce() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<Value, Refusal>> + 'static,
{
    let done = tr(Key::AdminDone)().to_owned();
    leptos::task::spawn_local(async move {
        match call().await {
            Ok(_) => {
                outcome.set(Some(Outcome::Done(done)));
                reload.update(|n| *n += 1);
            }
            Err(refusal) => outcome.set(refused(refusal)),
        }
    });
}

async fn get(url: String) -> Result<Value, Refusal> {
    api("GET", &url, None, ServerCall::Admin).await
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let state = use_app();
    // A memo: the sync record changes with every sync (its time, its
    // counts), and the browser says "online" again when the network
    // changes; neither may redraw the console and lose what is typed.
    let access = Memo::new(move |_| {
        let is_admin = state
            .sync
            .record
            .with(|r| r.user.as_ref().is_some_and(|u| u.role == Role::Admin));
        (is_admin, state.online.get())
    });
    let section = RwSignal::new(Section::Units);
    view! {
        <section class="page admin">
            <h1>{tr(Key::AdminTitle)}</h1>
            {move || if !access.get().0 {
                view! { <p class="notice" role="alert">{tr(Key::AdminOnly)}</p> }.into_any()
            } else if !access.get().1 {
                view! { <p class="notice" role="alert">{tr(Key::AdminOffline)}</p> }.into_any()
            } else {
                view! {
                    <nav class="segmented-nav no-print" aria-label=tr(Key::AdminSections)>
                        {Section::ALL.into_iter().map(|s| view! {
                            <button type="button" class="button" class:primary=move || section.get() == s
                                aria-pressed=move || (section.get() == s).to_string()
                                on:click=move |_| section.set(s)>{tr(s.key())}</button>
                        }).collect_view()}
                    </nav>
                    {move || match section.get() {
                        Section::Units => view! { <UnitsSection/> }.into_any(),
                        Section::Invites => view! { <InvitesSection/> }.into_any(),
                        Section::People => view! { <PeopleSection/> }.into_any(),
                        Section::Roster => view! { <RosterSection/> }.into_any(),
                        Section::Content => view! { <ContentSection/> }.into_any(),
                        Section::Audit => view! { <AuditSection/> }.into_any(),
                    }}
                }.into_any()
            }}
        </section>
    }
}

/// A unit as the console lists it: in tree order, with its depth.
#[derive(Clone, Debug, PartialEq)]
struct UnitEntry {
    id: i64,
    name: String,
    depth: usize,
    archived: bool,
}

/// The units as a flat list in tree order, for lists and `<select>`s.
fn flatten_tree(nodes: &Value, depth: usize, out: &mut Vec<UnitEntry>) {
    for node in nodes.as_array().into_iter().flatten() {
        out.push(UnitEntry {
            id: node["id"].as_i64().unwrap_or_default(),
            name: node["name"].as_str().unwrap_or_default().to_owned(),
            depth,
            archived: !node["archived_at"].is_null(),
        });
        flatten_tree(&node["children"], depth + 1, out);
    }
}

/// The live units, indented by depth, for a `<select>`.
fn unit_options(units: &[UnitEntry]) -> impl IntoView {
    units
        .iter()
        .filter(|unit| !unit.archived)
        .map(|unit| {
            let label = format!("{}{}", "\u{3000}".repeat(unit.depth), unit.name);
            view! { <option value=unit.id.to_string()>{label}</option> }
        })
        .collect_view()
}

/// Loads the unit tree once per `reload`.
fn unit_tree(reload: RwSignal<u32>) -> LocalResource<Result<Vec<UnitEntry>, Refusal>> {
    LocalResource::new(move || {
        reload.track();
        async move {
            let answer = get("/api/v1/admin/units".to_owned()).await?;
            let mut units = Vec::new();
            flatten_tree(&answer["tree"], 0, &mut units);
            Ok(units)
        }
    })
}

#[component]
fn Refused(refusal: Refusal) -> impl IntoView {
    let state = use_app();
    view! {
        <p class="notice" role="alert">{move || refusal.message.show(state.settings.with(|s| s.lang))}</p>
    }
}

#[component]
fn UnitsSection() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let outcome = RwSignal::new(None::<Outcome>);
    let units = unit_tree(reload);
    let name = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({
            "name": name.get_untracked().trim(),
            "parent_id": parent.get_untracked().parse::<i64>().ok(),
        });
        name.set(String::new());
        act(outcome, reload, move || async move {
            api("POST", "/api/v1/admin/units", Some(body), ServerCall::Admin).await
        });
    };
    view! {
        <section class="card" aria-labelledby="units-heading">
            <h2 id="units-heading">{tr(Key::AdminUnits)}</h2>
            <p class="muted small">{tr(Key::UnitsIntro)}</p>
            <Suspense fallback=|| view! { <p class="muted">{tr(Key::Loading)}</p> }>
                {move || units.get().map(|result| match result {
                    Err(refusal) => view! { <Refused refusal=refusal/> }.into_any(),
                    Ok(list) => {
                        let all = list.clone();
                        view! {
                            <ul class="unit-tree">
                                {list.into_iter().map(|unit| view! {
                                    <UnitRow unit=unit all=all.clone() outcome=outcome reload=reload/>
                                }).collect_view()}
                            </ul>
                            <form class="stack" on:submit=add>
                                <h3>{tr(Key::UnitAddTitle)}</h3>
                                <label class="field" for="unit-name">
                                    <span>{tr(Key::UnitNameLabel)}</span>
                                    <input id="unit-name" type="text" required maxlength="128" prop:value=name
                                        on:input=move |ev| name.set(event_target_value(&ev))/>
                                </label>
                                <label class="field" for="unit-parent">
                                    <span>{tr(Key::UnitParentLabel)}</span>
                                    <select id="unit-parent" on:change=move |ev| parent.set(event_target_value(&ev))>
                                        <option value="">{tr(Key::UnitTop)}</option>
                                        {unit_options(&all)}
                                    </select>
                                </label>
                                <button type="submit" class="button primary">{tr(Key::UnitAdd)}</button>
                            </form>
                        }.into_any()
                    }
                })}
            </Suspense>
            <OutcomeLine outcome=outcome/>
        </section>
    }
}

#[component]
fn UnitRow(
    unit: UnitEntry,
    all: Vec<UnitEntry>,
    outcome: RwSignal<Option<Outcome>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let UnitEntry {
        id,
        name,
        depth,
        archived,
    } = unit;
    let editing = RwSignal::new(false);
    let new_name = RwSignal::new(name.clone());
    let new_parent = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut body = json!({ "name": new_name.get_untracked().trim() });
        let parent = new_parent.get_untracked();
        if parent == "top" {
            body["parent_id"] = Value::Null;
        } else if let Ok(parent) = parent.parse::<i64>() {
            body["parent_id"] = json!(parent);
        }
        editing.set(false);
        act(outcome, reload, move || async move {
            api(
                "PATCH",
                &format!("/api/v1/admin/units/{id}"),
                Some(body),
                ServerCall::Admin,
            )
            .await
        });
    };
    let archive = move |_| {
        act(outcome, reload, move || async move {
            api(
                "POST",
                &format!("/api/v1/admin/units/{id}/archive"),
                None,
                ServerCall::Admin,
            )
            .await
        });
    };
    let others: Vec<_> = all.into_iter().filter(|u| u.id != id).collect();
    let label = name.clone();
    view! {
        <li class="unit-row" style=format!("--depth: {depth}") class:archived=archived>
            <span class="unit-name">{name}</span>
            {archived.then(|| view! { <span class="badge">{tr(Key::UnitArchived)}</span> })}
            {(!archived).then(|| view! {
                <span class="button-row">
                    <button type="button" class="button small-button" on:click=move |_| editing.update(|e| *e = !*e)
                        aria-expanded=move || editing.get().to_string()>{tr(Key::UnitRename)}" / "{tr(Key::UnitMove)}</button>
                    <button type="button" class="button small-button" on:click=archive>{tr(Key::UnitArchive)}</button>
                </span>
            })}
            <Show when=move || editing.get()>
                <form class="stack" on:submit=save>
                    <label class="field">
                        <span>{tr(Key::UnitNameLabel)}</span>
                        <input type="text" required maxlength="128" prop:value=new_name aria-label=label.clone()
                            on:input=move |ev| new_name.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span>{tr(Key::UnitMove)}</span>
                        <select on:change=move |ev| new_parent.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            <option value="top">{tr(Key::UnitTop)}</option>
                            {unit_options(&others)}
                        </select>
                    </label>
                    <button type="submit" class="button primary">{tr(Key::UnitSave)}</button>
                </form>
            </Show>
        </li>
    }
}

/// The words for an invite's status.
fn invite_status(status: &str) -> Key {
    match status {
        "used_up" => Key::InviteStatusUsedUp,
        "expired" => Key::InviteStatusExpired,
        "revoked" => Key::InviteStatusRevoked,
        _ => Key::InviteStatusActive,
    }
}

fn role_key(role: &str) -> Key {
    match role {
        "leader" => Key::RoleLeader,
        "admin" => Key::RoleAdmin,
        _ => Key::RoleLearner,
    }
}

#[component]
fn InvitesSection() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let outcome = RwSignal::new(None::<Outcome>);
    let units = unit_tree(reload);
    let invites = LocalResource::new(move || {
        reload.track();
        get("/api/v1/admin/invites".to_owned())
    });
    let unit = RwSignal::new(String::new());
    let role = RwSignal::new("learner".to_owned());
    let uses = RwSignal::new("30".to_owned());
    let days = RwSignal::new("14".to_owned());
    // The invite on show (just made, or chosen from the list).
    let shown = RwSignal::new(None::<Value>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({
            "unit_id": unit.get_untracked().parse::<i64>().unwrap_or_default(),
            "role": role.get_untracked(),
            "max_uses": uses.get_untracked().trim().parse::<u32>().unwrap_or(0),
            "expires_in_days": days.get_untracked().trim().parse::<u32>().unwrap_or(0),
        });
        leptos::task::spawn_local(async move {
            match api(
                "POST",
                "/api/v1/admin/invites",
                Some(body),
                ServerCall::Admin,
            )
            .await
            {
                Ok(invite) => {
                    shown.set(Some(invite));
                    outcome.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(refusal) => outcome.set(refused(refusal)),
            }
        });
    };
    view! {
        <section class="card no-print" aria-labelledby="invite-heading">
            <h2 id="invite-heading">{tr(Key::InviteCreateTitle)}</h2>
            <form class="stack" on:submit=create>
                <label class="field" for="invite-unit">
                    <span>{tr(Key::InviteUnit)}</span>
                    <select id="invite-unit" required on:change=move |ev| unit.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        <Suspense fallback=|| ()>
                            {move || units.get().and_then(Result::ok).map(|list| unit_options(&list))}
                        </Suspense>
                    </select>
                </label>
                <label class="field" for="invite-role">
                    <span>{tr(Key::InviteRole)}</span>
                    <select id="invite-role" on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="learner">{tr(Key::RoleLearner)}</option>
                        <option value="leader">{tr(Key::RoleLeader)}</option>
                    </select>
                </label>
                <label class="field" for="invite-uses">
                    <span>{tr(Key::InviteUses)}</span>
                    <input id="invite-uses" type="number" inputmode="numeric" min="1" max="1000" required prop:value=uses
                        on:input=move |ev| uses.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="invite-days">
                    <span>{tr(Key::InviteDays)}</span>
                    <input id="invite-days" type="number" inputmode="numeric" min="1" max="365" required prop:value=days
                        on:input=move |ev| days.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="button primary">{tr(Key::InviteCreate)}</button>
            </form>
            <OutcomeLine outcome=outcome/>
        </section>
        {move || shown.get().map(|invite| view! { <InviteSheet invite=invite/> })}
        <section class="card no-print" aria-labelledby="invites-heading">
            <h2 id="invites-heading">{tr(Key::InviteList)}</h2>
            <Suspense fallback=|| view! { <p class="muted">{tr(Key::Loading)}</p> }>
                {move || invites.get().map(|result| match result {
                    Err(refusal) => view! { <Refused refusal=refusal/> }.into_any(),
                    Ok(answer) => {
                        let list = answer["invites"].as_array().cloned().unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="muted">{tr(Key::InviteNone)}</p> }.into_any();
                        }
                        view! {
                            <ul class="plain-list">
                                {list.into_iter().map(|invite| {
                                    let code = invite["code"].as_str().unwrap_or_default().to_owned();
                                    let status = invite["status"].as_str().unwrap_or_default().to_owned();
                                    let active = status == "active";
                                    let revoke_code = code.clone();
                                    let show = invite.clone();
                                    view! {
                                        <li class="list-row">
                                            <span>
                                                <strong class="code">{code}</strong>" · "
                                                {invite["unit_name"].as_str().unwrap_or_default().to_owned()}" · "
                                                {tr(role_key(invite["role"].as_str().unwrap_or_default()))}
                                                <br/><span class="muted small">
                                                    {tr(invite_status(&status))}" · "
                                                    {trf(Key::InviteUsesLeft, vec![
                                                        ("n", invite["uses_left"].to_string()),
                                                        ("max", invite["max_uses"].to_string()),
                                                    ])}" · "
                                                    {trf(Key::InviteUntil, vec![("date", date(invite["expires_at"].as_i64().unwrap_or_default()))])}
                                                </span>
                                            </span>
                                            <span class="button-row">
                                                {active.then(|| view! {
                                                    <button type="button" class="button small-button" on:click=move |_| shown.set(Some(show.clone()))>{tr(Key::InviteShow)}</button>
                                                })}
                                                {active.then(|| view! {
                                                    <button type="button" class="button small-button danger" on:click=move |_| {
                                                        let code = revoke_code.clone();
                                                        act(outcome, reload, move || async move {
                                                            api("DELETE", &format!("/api/v1/admin/invites/{code}"), None, ServerCall::Admin).await
                                                        });
                                                    }>{tr(Key::InviteRevoke)}</button>
                                                })}
                                            </span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

/// One invite as staff will see it: the code, the link, the QR code to scan
/// with the phone camera, and a button that prints this sheet alone.
#[component]
fn InviteSheet(invite: Value) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let code = invite["code"].as_str().unwrap_or_default().to_owned();
    let link = format!(
        "{origin}{}",
        invite["join_path"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("/join?code={code}"))
    );
    let unit = invite["unit_name"].as_str().unwrap_or_default().to_owned();
    let until = date(invite["expires_at"].as_i64().unwrap_or_default());
    let uses = invite["max_uses"].as_u64().unwrap_or_default().to_string();
    view! {
        <section class="card invite-sheet print-only-sheet" aria-labelledby="sheet-heading">
            <h2 id="sheet-heading">{tr(Key::AppName)}" · "{unit.clone()}</h2>
            <p>{trf(Key::InviteSheet, vec![("unit", unit), ("date", until), ("n", uses)])}</p>
            <div class="invite-qr">
                <QrCode text=link.clone() label=Key::InviteQrLabel/>
                <p class="muted small">{tr(Key::InviteScan)}</p>
            </div>
            <p>{tr(Key::InviteCode)}": "<strong class="code big">{code}</strong></p>
            <p class="small">{tr(Key::InviteLink)}": "<span class="code break">{link}</span></p>
            <button type="button" class="button no-print" on:click=|_| { let _ = window().print(); }>{tr(Key::InvitePrint)}</button>
        </section>
    }
}

#[component]
fn PeopleSection() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let outcome = RwSignal::new(None::<Outcome>);
    let units = unit_tree(reload);
    let query = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let people = LocalResource::new(move || {
        reload.track();
        let mut url = format!(
            "/api/v1/admin/users?q={}",
            js_sys::encode_uri_component(query.get().trim())
        );
        for (name, value) in [
            ("unit_id", unit.get()),
            ("role", role.get()),
            ("disabled", status.get()),
        ] {
            if !value.is_empty() {
                url.push_str(&format!("&{name}={value}"));
            }
        }
        get(url)
    });
    view! {
        <section class="card" aria-labelledby="people-heading">
            <h2 id="people-heading">{tr(Key::AdminPeople)}</h2>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <label class="field" for="people-search">
                    <span>{tr(Key::PeopleSearch)}</span>
                    <input id="people-search" type="search" prop:value=query on:input=move |ev| query.set(event_target_value(&ev))/>
                </label>
                <div class="filter-row">
                    <label class="field" for="people-unit">
                        <span>{tr(Key::InviteUnit)}</span>
                        <select id="people-unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                            <option value="">{tr(Key::PeopleAllUnits)}</option>
                            <Suspense fallback=|| ()>
                                {move || units.get().and_then(Result::ok).map(|list| unit_options(&list))}
                            </Suspense>
                        </select>
                    </label>
                    <label class="field" for="people-role">
                        <span>{tr(Key::InviteRole)}</span>
                        <select id="people-role" on:change=move |ev| role.set(event_target_value(&ev))>
                            <option value="">{tr(Key::PeopleAllRoles)}</option>
                            <option value="learner">{tr(Key::RoleLearner)}</option>
                            <option value="leader">{tr(Key::RoleLeader)}</option>
                            <option value="admin">{tr(Key::RoleAdmin)}</option>
                        </select>
                    </label>
                    <label class="field" for="people-status">
                        <span>{tr(Key::PeopleStatus)}</span>
                        <select id="people-status" on:change=move |ev| status.set(event_target_value(&ev))>
                            <option value="">{tr(Key::FilterAll)}</option>
                            <option value="false">{tr(Key::PeopleActive)}</option>
                            <option value="true">{tr(Key::PeopleDisabled)}</option>
                        </select>
                    </label>
                </div>
            </form>
            <OutcomeLine outcome=outcome/>
            <Suspense fallback=|| view! { <p class="muted">{tr(Key::Loading)}</p> }>
                {move || people.get().map(|result| match result {
                    Err(refusal) => view! { <Refused refusal=refusal/> }.into_any(),
                    Ok(answer) => {
                        let list = answer["users"].as_array().cloned().unwrap_or_default();
                        let unit_list = units.get().and_then(Result::ok).unwrap_or_default();
                        view! {
                            <p class="muted" aria-live="polite">{trf(Key::PeopleFound, vec![("n", answer["total"].to_string())])}</p>
                            <ul class="plain-list">
                                {list.into_iter().map(|person| view! {
                                    <PersonRow person=person units=unit_list.clone() outcome=outcome reload=reload/>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PersonRow(
    person: Value,
    units: Vec<UnitEntry>,
    outcome: RwSignal<Option<Outcome>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let id = person["id"].as_i64().unwrap_or_default();
    let login = person["login"].as_str().unwrap_or_default().to_owned();
    let disabled = !person["disabled_at"].is_null();
    let role = person["role"].as_str().unwrap_or("learner").to_owned();
    let editing = RwSignal::new(false);
    let new_role = RwSignal::new(role.clone());
    let new_unit = RwSignal::new(
        person["unit_id"]
            .as_i64()
            .map(|u| u.to_string())
            .unwrap_or_default(),
    );
    let one_time = RwSignal::new(None::<String>);
    let last_sync = person["last_sync"].as_i64();
    let toggle = move |_| {
        let action = if disabled { "enable" } else { "disable" };
        act(outcome, reload, move || async move {
            api(
                "POST",
                &format!("/api/v1/admin/users/{id}/{action}"),
                None,
                ServerCall::Admin,
            )
            .await
        });
    };
    let reset = move |_| {
        let state = use_app();
        leptos::task::spawn_local(async move {
            match api(
                "POST",
                &format!("/api/v1/admin/users/{id}/reset-password"),
                None,
                ServerCall::Admin,
            )
            .await
            {
                Ok(answer) => {
                    let lang = state.settings.with_untracked(|s| s.lang);
                    one_time.set(Some(qinglian_core::i18n::fill(
                        lang,
                        Key::PeopleOneTime,
                        &[
                            ("login", answer["login"].as_str().unwrap_or_default()),
                            (
                                "password",
                                answer["one_time_password"].as_str().unwrap_or_default(),
                            ),
                            (
                                "date",
                                &date_time(answer["expires_at"].as_i64().unwrap_or_default()),
                            ),
                        ],
                    )));
                }
                Err(refusal) => outcome.set(refused(refusal)),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({
            "role": new_role.get_untracked(),
            "unit_id": new_unit.get_untracked().parse::<i64>().ok(),
        });
        editing.set(false);
        act(outcome, reload, move || async move {
            api(
                "PATCH",
                &format!("/api/v1/admin/users/{id}"),
                Some(body),
                ServerCall::Admin,
            )
            .await
        });
    };
    view! {
        <li class="list-row person" class:archived=disabled>
            <span>
                <strong>{person["display_name"].as_str().unwrap_or_default().to_owned()}</strong>
                " ("<span class="code">{login.clone()}</span>")"
                <br/><span class="muted small">
                    {tr(role_key(&role))}
                    {person["unit_name"].as_str().map(|u| format!(" · {u}"))}" · "
                    {match last_sync {
                        Some(at) => trf(Key::PeopleLastSync, vec![("time", date_time(at))])(),
                        None => tr(Key::PeopleNeverSynced)().to_owned(),
                    }}
                    {disabled.then(|| view! { " · "<strong class="bad">{tr(Key::PeopleDisabled)}</strong> })}
                </span>
            </span>
            <span class="button-row">
                <button type="button" class="button small-button" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>{tr(Key::PeopleChange)}</button>
                <button type="button" class="button small-button" on:click=toggle>
                    {if disabled { tr(Key::PeopleEnable) } else { tr(Key::PeopleDisable) }}
                </button>
                <button type="button" class="button small-button" on:click=reset>{tr(Key::PeopleResetPassword)}</button>
            </span>
            {move || one_time.get().map(|text| view! { <p class="notice" role="alert">{text}</p> })}
            <Show when=move || editing.get()>
                <form class="stack" on:submit=save>
                    <label class="field">
                        <span>{tr(Key::InviteRole)}</span>
                        <select prop:value=new_role on:change=move |ev| new_role.set(event_target_value(&ev))>
                            <option value="learner">{tr(Key::RoleLearner)}</option>
                            <option value="leader">{tr(Key::RoleLeader)}</option>
                            <option value="admin">{tr(Key::RoleAdmin)}</option>
                        </select>
                    </label>
                    <label class="field">
                        <span>{tr(Key::InviteUnit)}</span>
                        <select prop:value=new_unit on:change=move |ev| new_unit.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {unit_options(&units)}
                        </select>
                    </label>
                    <button type="submit" class="button primary">{tr(Key::UnitSave)}</button>
                </form>
            </Show>
        </li>
    }
}

/// Reads the first file chosen in a file input as text.
async fn file_text(file: web_sys::File) -> Option<String> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|t| t.as_string())
}

#[component]
fn RosterSection() -> impl IntoView {
    let outcome = RwSignal::new(None::<Outcome>);
    let csv = RwSignal::new(String::new());
    let checked = RwSignal::new(None::<Value>);
    let imported = RwSignal::new(None::<Value>);
    let choose = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let Some(text) = file_text(file).await else {
                outcome.set(Some(Outcome::Refused(Refusal::from(
                    qinglian_core::i18n::Message::key(Key::DataImportUnreadable),
                ))));
                return;
            };
            imported.set(None);
            match api(
                "POST",
                "/api/v1/admin/roster/preview",
                Some(json!({ "csv": text })),
                ServerCall::Admin,
            )
            .await
            {
                Ok(answer) => {
                    csv.set(text);
                    checked.set(Some(answer));
                    outcome.set(None);
                }
                Err(refusal) => outcome.set(refused(refusal)),
            }
        });
    };
    let import = move |_| {
        let text = csv.get_untracked();
        leptos::task::spawn_local(async move {
            match api(
                "POST",
                "/api/v1/admin/roster/import",
                Some(json!({ "csv": text })),
                ServerCall::Admin,
            )
            .await
            {
                Ok(answer) => {
                    checked.set(None);
                    imported.set(Some(answer));
                    outcome.set(None);
                }
                Err(refusal) => outcome.set(refused(refusal)),
            }
        });
    };
    view! {
        <section class="card no-print" aria-labelledby="roster-heading">
            <h2 id="roster-heading">{tr(Key::AdminRoster)}</h2>
            <p class="muted small">{tr(Key::RosterIntro)}</p>
            <label class="field" for="roster-file">
                <span>{tr(Key::RosterFile)}</span>
                <input id="roster-file" type="file" accept=".csv,text/csv" on:change=choose/>
            </label>
            <OutcomeLine outcome=outcome/>
            {move || checked.get().map(|answer| {
                let ok = answer["ok"].as_u64().unwrap_or_default();
                view! {
                    <p role="status">{trf(Key::RosterChecked, vec![("ok", ok.to_string()), ("errors", answer["errors"].to_string())])}</p>
                    <RosterTable rows=answer["rows"].clone()/>
                    {(ok > 0).then(|| view! {
                        <button type="button" class="button primary" on:click=import>{tr(Key::RosterImport)}</button>
                    })}
                }
            })}
        </section>
        {move || imported.get().map(|answer| view! {
            <section class="card roster-sheet" aria-labelledby="roster-sheet-heading">
                <h2 id="roster-sheet-heading">{tr(Key::RosterSheetTitle)}</h2>
                <p role="status">{trf(Key::RosterCreated, vec![("n", answer["ok"].to_string())])}</p>
                <RosterTable rows=answer["rows"].clone()/>
                <button type="button" class="button no-print" on:click=|_| { let _ = window().print(); }>{tr(Key::Print)}</button>
            </section>
        })}
    }
}

#[component]
fn RosterTable(rows: Value) -> impl IntoView {
    let rows = rows.as_array().cloned().unwrap_or_default();
    let passwords = rows.iter().any(|r| r["one_time_password"].is_string());
    view! {
        <div class="table-scroll">
            <table class="report-table">
                <thead><tr>
                    <th scope="col">{tr(Key::RosterLine)}</th>
                    <th scope="col">{tr(Key::UnitName)}</th>
                    <th scope="col">{tr(Key::BureauLogin)}</th>
                    <th scope="col">{tr(Key::InviteUnit)}</th>
                    <th scope="col">{tr(Key::InviteRole)}</th>
                    <th scope="col">{if passwords { tr(Key::RosterOneTime) } else { tr(Key::RosterResult) }}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let error = row["error"].as_str().map(str::to_owned);
                        let has_error = error.is_some();
                        view! {
                            <tr class:bad=has_error>
                                <td>{row["line"].to_string()}</td>
                                <td>{row["display_name"].as_str().unwrap_or_default().to_owned()}</td>
                                <td class="code">{row["login"].as_str().unwrap_or_default().to_owned()}</td>
                                <td>{row["unit_path"].as_str().unwrap_or_default().to_owned()}</td>
                                <td>{row["role"].as_str().unwrap_or_default().to_owned()}</td>
                                <td>{match (row["one_time_password"].as_str(), error) {
                                    (Some(password), _) => view! { <strong class="code">{password.to_owned()}</strong> }.into_any(),
                                    (None, Some(error)) => view! { <span class="bad">{error}</span> }.into_any(),
                                    (None, None) => view! { <span class="good">{tr(Key::RosterOk)}</span> }.into_any(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn ContentSection() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let outcome = RwSignal::new(None::<Outcome>);
    let problems = RwSignal::new(Vec::<String>::new());
    let history = LocalResource::new(move || {
        reload.track();
        get("/api/v1/admin/content/history".to_owned())
    });
    let upload = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let files: Vec<web_sys::File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        input.set_value("");
        let state = use_app();
        leptos::task::spawn_local(async move {
            problems.set(Vec::new());
            let mut packs = Vec::new();
            for file in files {
                let Some(text) = file_text(file).await else {
                    continue;
                };
                match serde_json::from_str::<Value>(&text) {
                    // The export's files, one edition each; or both in one.
                    Ok(value) if value["packs"].is_array() => {
                        packs.extend(value["packs"].as_array().cloned().unwrap_or_default())
                    }
                    Ok(value) => packs.push(value),
                    Err(_) => {}
                }
            }
            if packs.len() != 2 {
                outcome.set(Some(Outcome::Refused(Refusal::from(
                    qinglian_core::i18n::Message::key(Key::ContentNeedsBoth),
                ))));
                return;
            }
            let lang = state.settings.with_untracked(|s| s.lang);
            match api(
                "PUT",
                "/api/v1/admin/content",
                Some(json!({ "version": "", "packs": packs })),
                ServerCall::Admin,
            )
            .await
            {
                Ok(answer) => {
                    outcome.set(Some(Outcome::Done(qinglian_core::i18n::fill(
                        lang,
                        Key::ContentPublished,
                        &[
                            ("version", answer["version"].as_str().unwrap_or_default()),
                            ("summary", answer["summary"].as_str().unwrap_or_default()),
                        ],
                    ))));
                    reload.update(|n| *n += 1);
                }
                Err(refusal) => {
                    let list: Vec<String> = refusal.body["problems"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_str().map(str::to_owned))
                        .collect();
                    if list.is_empty() {
                        outcome.set(refused(refusal));
                    } else {
                        outcome.set(Some(Outcome::Done(String::new())));
                        outcome.set(None);
                        problems.set(list);
                    }
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="content-heading">
            <h2 id="content-heading">{tr(Key::AdminContent)}</h2>
            <p class="muted small">{tr(Key::ContentUploadIntro)}</p>
            <label class="field" for="content-files">
                <span>{tr(Key::ContentFiles)}</span>
                <input id="content-files" type="file" multiple accept=".json,application/json" on:change=upload/>
            </label>
            <OutcomeLine outcome=outcome/>
            {move || {
                let list = problems.get();
                (!list.is_empty()).then(|| view! {
                    <div class="notice" role="alert">
                        <p><strong>{trf(Key::ContentRefused, vec![("n", list.len().to_string())])}</strong></p>
                        <ul class="problems">{list.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <h3>{tr(Key::ContentHistory)}</h3>
            <Suspense fallback=|| view! { <p class="muted">{tr(Key::Loading)}</p> }>
                {move || history.get().map(|result| match result {
                    Err(refusal) => view! { <Refused refusal=refusal/> }.into_any(),
                    Ok(answer) => {
                        let current = answer["current"].as_str().unwrap_or_default().to_owned();
                        let versions = answer["versions"].as_array().cloned().unwrap_or_default();
                        view! {
                            <p>{trf(Key::ContentCurrent, vec![("version", current.clone())])}</p>
                            <ul class="plain-list">
                                {versions.into_iter().map(|v| {
                                    let version = v["version"].as_str().unwrap_or_default().to_owned();
                                    let is_current = version == current;
                                    let again = version.clone();
                                    view! {
                                        <li class="list-row">
                                            <span>
                                                <strong class="code">{version}</strong>
                                                {is_current.then(|| view! { " · "<span class="badge">{tr(Key::ContentIsCurrent)}</span> })}
                                                <br/><span class="muted small">
                                                    {v["published_at"].as_i64().map(date_time)}
                                                    {v["published_by"].as_str().map(|by| format!(" · {by}"))}
                                                </span>
                                                <br/><span class="small">{v["summary"].as_str().unwrap_or_default().to_owned()}</span>
                                            </span>
                                            {(!is_current).then(|| view! {
                                                <button type="button" class="button small-button" on:click=move |_| {
                                                    let version = again.clone();
                                                    act(outcome, reload, move || async move {
                                                        api("POST", "/api/v1/admin/content/rollback", Some(json!({ "version": version })), ServerCall::Admin).await
                                                    });
                                                }>{tr(Key::ContentRollBack)}</button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AuditSection() -> impl IntoView {
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let entries = RwSignal::new(Vec::<Value>::new());
    let next_before = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<Refusal>);
    let load = move |before: Option<i64>| {
        let mut url = format!(
            "/api/v1/admin/audit?actor={}&action={}&limit=50",
            js_sys::encode_uri_component(actor.get_untracked().trim()),
            js_sys::encode_uri_component(action.get_untracked().trim()),
        );
        if let Some(before) = before {
            url.push_str(&format!("&before={before}"));
        }
        leptos::task::spawn_local(async move {
            match get(url).await {
                Ok(answer) => {
                    let page = answer["entries"].as_array().cloned().unwrap_or_default();
                    if before.is_some() {
                        entries.update(|e| e.extend(page));
                    } else {
                        entries.set(page);
                    }
                    next_before.set(answer["next_before"].as_i64());
                    error.set(None);
                }
                Err(refusal) => error.set(Some(refusal)),
            }
        });
    };
    load(None);
    view! {
        <section class="card" aria-labelledby="audit-heading">
            <h2 id="audit-heading">{tr(Key::AdminAudit)}</h2>
            <form class="filter-row" on:submit=move |ev| { ev.prevent_default(); load(None); }>
                <label class="field" for="audit-actor">
                    <span>{tr(Key::AuditActor)}</span>
                    <input id="audit-actor" type="search" prop:value=actor on:input=move |ev| actor.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="audit-action">
                    <span>{tr(Key::AuditAction)}</span>
                    <input id="audit-action" type="search" prop:value=action on:input=move |ev| action.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="button">{tr(Key::AuditFilter)}</button>
            </form>
            {move || error.get().map(|refusal| view! { <Refused refusal=refusal/> })}
            {move || {
                let list = entries.get();
                if list.is_empty() {
                    return view! { <p class="muted">{tr(Key::AuditEmpty)}</p> }.into_any();
                }
                view! {
                    <div class="table-scroll">
                        <table class="report-table audit">
                            <thead><tr>
                                <th scope="col">{tr(Key::AuditWhen)}</th>
                                <th scope="col">{tr(Key::AuditActor)}</th>
                                <th scope="col">{tr(Key::AuditAction)}</th>
                                <th scope="col">{tr(Key::AuditWhat)}</th>
                                <th scope="col">{tr(Key::AuditWhere)}</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| view! {
                                    <tr>
                                        <td>{date_time(e["at"].as_i64().unwrap_or_default())}</td>
                                        <td>{e["actor"].as_str().unwrap_or_default().to_owned()}</td>
                                        <td class="code">{e["action"].as_str().unwrap_or_default().to_owned()}</td>
                                        <td class="small">{e["target"].as_str().unwrap_or_default().to_owned()}" "
                                            {(!e["details"].is_null()).then(|| e["details"].to_string())}</td>
                                        <td class="small">{e["client_addr"].as_str().unwrap_or("—").to_owned()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {move || next_before.get().map(|before| view! {
                <button type="button" class="button" on:click=move |_| load(Some(before))>{tr(Key::AuditMore)}</button>
            })}
        </section>
    }
}
