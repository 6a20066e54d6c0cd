//! Studying together, the server's side of group study sessions and
//! assignments: leaders schedule sessions and assign lessons, members check
//! in offline with the code on the convener's phone (a `session_check_in`
//! event, judged when it is pushed), and the unit report counts who came,
//! who prepared and who did what was assigned.
//!
//! Who is who, for a unit U: its members are the learners and leaders (not
//! disabled) whose unit is U or below it; its leaders are the leaders whose
//! own unit is U or above it; administrators count as leaders of every unit.

use crate::auth::{store_error, CurrentUser};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::reports::subtree;
use crate::store::{
    AssignmentRecord, CheckInVerdict, NewAssignmentRow, NewSessionRow, SessionRecord, StoreError,
    StudyFacts, Unit, UserRecord,
};
use crate::{now_ms, AppState};
use axum::{extract::State, http::StatusCode, Json};
use qinglian_core::calendar::MS_PER_DAY;
use qinglian_core::content::Pack;
use qinglian_core::progress::{Progress, RiskRecord, ScenarioRecord};
use qinglian_core::sync::{Role, User};
use qinglian_core::together::{
    self, AssignedItem, Assignment, Attendee, CheckIn, CheckInRefusal, CheckInState, FieldProblem,
    MinutesRequest, NewAssignment, NewStudySession, StudySession,
};
use rand::RngCore;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Sessions and assignments are listed from this far back (ms): a session
/// that ended, an assignment that was due, within the last 90 days.
pub const RECENT_MS: i64 = 90 * MS_PER_DAY;

// ---------------------------------------------------------------------------
// Who may do what
// ---------------------------------------------------------------------------

/// Is `user` a leader of `unit` (their own unit is it or above it), or an
/// administrator?
pub fn leads(user: &User, units: &[Unit], unit: i64) -> bool {
    match user.role {
        Role::Admin => true,
        Role::Leader => user
            .unit_id
            .is_some_and(|own| subtree(units, own).contains(&unit)),
        Role::Learner => false,
    }
}

/// Is `user` a member of `unit` (a learner or leader whose unit is it or
/// below it)?
pub fn member_of(user: &User, units: &[Unit], unit: i64) -> bool {
    user.role != Role::Admin
        && user
            .unit_id
            .is_some_and(|own| subtree(units, unit).contains(&own))
}

/// The members of `unit`: learners and leaders, not disabled, of it and below.
pub fn members<'a>(records: &'a [UserRecord], units: &[Unit], unit: i64) -> Vec<&'a UserRecord> {
    let below = subtree(units, unit);
    records
        .iter()
        .filter(|r| r.user.role != Role::Admin && r.disabled_at.is_none())
        .filter(|r| r.user.unit_id.is_some_and(|u| below.contains(&u)))
        .collect()
}

fn field_error(problem: FieldProblem) -> ApiError {
    ApiError::unprocessable(problem.to_string()).with("field", problem.field)
}

fn refuse(field: &str, reason: impl Into<String>) -> ApiError {
    field_error(FieldProblem {
        field: field.to_owned(),
        reason: reason.into(),
        kind: qinglian_core::together::ProblemKind::Other,
    })
}

/// The unit of a new session or assignment: 403 unless the caller leads
/// it, 422 when it is unknown (to an administrator) or archived.
fn unit_to_lead<'a>(user: &User, units: &'a [Unit], unit_id: i64) -> ApiResult<&'a Unit> {
    if !leads(user, units, unit_id) {
        return Err(ApiError::forbidden(
            "only leaders of this unit (or of a unit above it) and administrators may do this",
        ));
    }
    let unit = units
        .iter()
        .find(|u| u.id == unit_id)
        .ok_or_else(|| refuse("unit_id", format!("no unit with id {unit_id}")))?;
    if unit.archived_at.is_some() {
        return Err(refuse("unit_id", "this unit is archived"));
    }
    Ok(unit)
}

fn current_pack(state: &AppState) -> Option<std::sync::Arc<crate::content::CurrentPack>> {
    state.content.current()
}

fn has_lesson(pack: Option<&Pack>, id: &str) -> bool {
    pack.is_some_and(|p| p.lessons.iter().any(|l| l.id == id))
}

fn has_scenario(pack: Option<&Pack>, id: &str) -> bool {
    pack.is_some_and(|p| p.scenarios.iter().any(|s| s.id == id))
}

/// The parts of a member's progress that [`AssignedItem::done`] reads.
pub fn progress_of(facts: &StudyFacts) -> Progress {
    Progress {
        lessons_done: facts.lessons_done.clone(),
        scenarios: facts
            .scenarios
            .iter()
            .map(|s| (s.clone(), ScenarioRecord::default()))
            .collect(),
        risk: facts
            .checklists
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    RiskRecord {
                        completed_at: Some(0),
                        ..RiskRecord::default()
                    },
                )
            })
            .collect(),
        pledges: facts.pledges.clone(),
        ..Progress::default()
    }
}

/// Read every lesson to prepare before the session started.
fn prepared(session: &SessionRecord, facts: Option<&StudyFacts>) -> bool {
    session.lessons.iter().all(|lesson| {
        facts
            .and_then(|f| f.lessons_done.get(lesson))
            .is_some_and(|at| *at < session.starts_at)
    })
}

// ---------------------------------------------------------------------------
// Check-ins
// ---------------------------------------------------------------------------

/// Judges the user's stored check-in events that have no verdict yet and
/// keeps the verdicts (idempotent on the event id). Called right after a
/// push that carried a check-in, and before listing the user's sessions.
pub async fn judge_check_ins(state: &AppState, user: &User) -> Result<usize, StoreError> {
    let pending = state.store.pending_check_ins(user.id).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let units = state.store.units().await?;
    let mut sessions: HashMap<i64, Option<SessionRecord>> = HashMap::new();
    let mut verdicts = Vec::with_capacity(pending.len());
    for check_in in pending {
        let session = match sessions.entry(check_in.session_id) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(new) => {
                new.insert(state.store.study_session(check_in.session_id).await?)
            }
        };
        let outcome = match session.as_ref() {
            Some(s) if member_of(user, &units, s.unit_id) => {
                if s.cancelled_at.is_some() {
                    Err(CheckInRefusal::Cancelled)
                } else {
                    together::verify_check_in(
                        &s.secret,
                        s.starts_at,
                        s.ends_at,
                        &check_in.code,
                        check_in.at,
                    )
                }
            }
            _ => Err(CheckInRefusal::UnknownSession),
        };
        verdicts.push(CheckInVerdict {
            event_id: check_in.event_id,
            session_id: check_in.session_id,
            user_id: user.id,
            at: check_in.at,
            outcome,
        });
    }
    state.store.record_check_ins(&verdicts, now_ms()).await?;
    Ok(verdicts.len())
}

/// [`judge_check_ins`] after a push: a failure is logged, never the push's.
pub async fn judge_after_push(state: &AppState, user: &User) {
    if let Err(err) = judge_check_ins(state, user).await {
        tracing::warn!(user = %user.login, "cannot judge check-ins now: {err}");
    }
}

fn check_in_of(verdict: &CheckInVerdict) -> CheckIn {
    CheckIn {
        event_id: verdict.event_id.clone(),
        state: match verdict.outcome {
            Ok(shown_at) => CheckInState::Confirmed { shown_at },
            Err(reason) => CheckInState::Refused { reason },
        },
    }
}

/// One member's check-in to one session as shown: a confirmed one when
/// there is any (the latest), else the latest refused one.
fn shown_check_in<'a>(verdicts: impl Iterator<Item = &'a CheckInVerdict>) -> Option<CheckIn> {
    let mut latest = None;
    let mut confirmed = None;
    for v in verdicts {
        latest = Some(v);
        if v.outcome.is_ok() {
            confirmed = Some(v);
        }
    }
    confirmed.or(latest).map(check_in_of)
}

// ---------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------

/// May `user` see this session at all?
fn may_see(user: &User, units: &[Unit], s: &SessionRecord) -> bool {
    s.convener_id == user.id
        || s.scheduled_by == user.id
        || leads(user, units, s.unit_id)
        || member_of(user, units, s.unit_id)
}

/// The sessions as `user` sees them: the secret for the convener and the
/// scheduler only; minutes and attendees for them and the unit's leaders;
/// the summary for everyone once published; the reader's own check-in.
async fn views(
    state: &AppState,
    user: &User,
    units: &[Unit],
    sessions: Vec<SessionRecord>,
) -> ApiResult<Vec<StudySession>> {
    let ids: Vec<i64> = sessions.iter().map(|s| s.id).collect();
    let verdicts = state.store.check_ins_of(&ids).await.map_err(store_error)?;
    let mut by_session: HashMap<i64, Vec<&CheckInVerdict>> = HashMap::new();
    for v in &verdicts {
        by_session.entry(v.session_id).or_default().push(v);
    }
    let insider = |s: &SessionRecord| {
        s.convener_id == user.id || s.scheduled_by == user.id || leads(user, units, s.unit_id)
    };
    let (records, facts) = if sessions.iter().any(insider) {
        let records = state.store.users().await.map_err(store_error)?;
        let mut wanted: HashSet<i64> = HashSet::new();
        for s in sessions.iter().filter(|s| insider(s)) {
            wanted.extend(
                members(&records, units, s.unit_id)
                    .iter()
                    .map(|r| r.user.id),
            );
        }
        let wanted: Vec<i64> = wanted.into_iter().collect();
        let facts = state
            .store
            .study_facts(&wanted)
            .await
            .map_err(store_error)?;
        (records, facts)
    } else {
        (Vec::new(), HashMap::new())
    };
    let none = Vec::new();
    Ok(sessions
        .into_iter()
        .map(|s| {
            let checks = by_session.get(&s.id).unwrap_or(&none);
            let inside = insider(&s);
            let attendees = inside.then(|| {
                members(&records, units, s.unit_id)
                    .into_iter()
                    .map(|r| Attendee {
                        user_id: r.user.id,
                        name: r.user.display_name.clone(),
                        check_in: shown_check_in(
                            checks.iter().copied().filter(|v| v.user_id == r.user.id),
                        ),
                        prepared: prepared(&s, facts.get(&r.user.id)),
                    })
                    .collect()
            });
            let summary = s
                .summary_published_at
                .and(s.minutes.as_ref())
                .map(|m| m.summary.clone());
            StudySession {
                id: s.id,
                unit_id: s.unit_id,
                unit_name: s.unit_name.clone(),
                kind: s.kind,
                topic: s.topic.clone(),
                lessons: s.lessons.clone(),
                scenario: s.scenario.clone(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                place: s.place.clone(),
                convener_id: s.convener_id,
                convener_name: s.convener_name.clone(),
                scheduled_by: s.scheduled_by,
                cancelled_at: s.cancelled_at,
                summary,
                summary_published_at: s.summary_published_at,
                minutes: if inside { s.minutes.clone() } else { None },
                secret: (s.convener_id == user.id || s.scheduled_by == user.id)
                    .then(|| s.secret.clone()),
                my_check_in: shown_check_in(
                    checks.iter().copied().filter(|v| v.user_id == user.id),
                ),
                attendees,
            }
        })
        .collect())
}

async fn view(
    state: &AppState,
    user: &User,
    units: &[Unit],
    session: SessionRecord,
) -> ApiResult<StudySession> {
    views(state, user, units, vec![session])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("a session view went missing"))
}

/// A new check-in secret: [`together::SECRET_BYTES`] random bytes, hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; together::SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /api/v1/sessions` → 201 (200 for a retry) with the session.
pub async fn create_session(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiJson(body): ApiJson<NewStudySession>,
) -> ApiResult<(StatusCode, Json<StudySession>)> {
    let user = caller.require(&[Role::Leader, Role::Admin])?;
    let now = now_ms();
    body.check(now).map_err(field_error)?;
    let units = state.store.units().await.map_err(store_error)?;
    unit_to_lead(user, &units, body.unit_id)?;
    let convener_id = body.convener_id.unwrap_or(user.id);
    if convener_id != user.id {
        let convener = state
            .store
            .user(convener_id)
            .await
            .map_err(store_error)?
            .filter(|r| r.disabled_at.is_none());
        let fits = convener.is_some_and(|r| {
            member_of(&r.user, &units, body.unit_id)
                || (r.user.role == Role::Leader && leads(&r.user, &units, body.unit_id))
        });
        if !fits {
            return Err(refuse(
                "convener_id",
                format!("account {convener_id} is not a member or leader of this unit"),
            ));
        }
    }
    let current = current_pack(&state);
    let pack = current.as_ref().map(|c| &c.pack);
    for (i, lesson) in body.lessons.iter().enumerate() {
        if !has_lesson(pack, lesson) {
            return Err(refuse(
                &format!("lessons[{i}]"),
                format!("no lesson {lesson:?} in the current content"),
            ));
        }
    }
    if let Some(scenario) = &body.scenario {
        if !has_scenario(pack, scenario) {
            return Err(refuse(
                "scenario",
                format!("no scenario {scenario:?} in the current content"),
            ));
        }
    }
    let (record, created) = state
        .store
        .create_study_session(
            NewSessionRow {
                client_id: body.client_id,
                unit_id: body.unit_id,
                kind: body.kind,
                topic: body.topic,
                lessons: body.lessons,
                scenario: body.scenario,
                starts_at: body.starts_at,
                ends_at: body.ends_at,
                place: body.place,
                convener_id,
                scheduled_by: user.id,
                secret: new_secret(),
            },
            now,
        )
        .await
        .map_err(store_error)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view(&state, user, &units, record).await?)))
}

/// `GET /api/v1/sessions` → the sessions the caller may see that ended in
/// the last 90 days or are still to come, latest start first.
pub async fn list_sessions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<StudySession>>> {
    judge_after_push(&state, &user).await;
    let units = state.store.units().await.map_err(store_error)?;
    let sessions: Vec<SessionRecord> = state
        .store
        .study_sessions_since(now_ms() - RECENT_MS)
        .await
        .map_err(store_error)?
        .into_iter()
        .filter(|s| may_see(&user, &units, s))
        .collect();
    Ok(Json(views(&state, &user, &units, sessions).await?))
}

async fn session_or_404(state: &AppState, id: i64) -> ApiResult<SessionRecord> {
    state
        .store
        .study_session(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no session with id {id}")))
}

/// `POST /api/v1/sessions/{id}/cancel` (the scheduler, the convener, the
/// unit's leaders) → the session; cancelling twice changes nothing.
pub async fn cancel_session(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<StudySession>> {
    let session = session_or_404(&state, id).await?;
    let units = state.store.units().await.map_err(store_error)?;
    if !(session.scheduled_by == user.id
        || session.convener_id == user.id
        || leads(&user, &units, session.unit_id))
    {
        return Err(ApiError::forbidden(
            "only the scheduler, the convener and the unit's leaders may cancel a session",
        ));
    }
    let session = state
        .store
        .cancel_study_session(id, now_ms())
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no session with id {id}")))?;
    Ok(Json(view(&state, &user, &units, session).await?))
}

/// `PUT /api/v1/sessions/{id}/minutes` (the convener, the scheduler) → the
/// session. `publish: true` publishes the summary; it stays published.
pub async fn put_minutes(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MinutesRequest>,
) -> ApiResult<Json<StudySession>> {
    let session = session_or_404(&state, id).await?;
    if session.convener_id != user.id && session.scheduled_by != user.id {
        return Err(ApiError::forbidden(
            "only the convener and the leader who scheduled the session write its minutes",
        ));
    }
    if session.cancelled_at.is_some() {
        return Err(ApiError::conflict("this session was cancelled"));
    }
    body.minutes.check().map_err(field_error)?;
    let units = state.store.units().await.map_err(store_error)?;
    let session = state
        .store
        .set_session_minutes(id, &body.minutes, body.publish, now_ms())
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no session with id {id}")))?;
    Ok(Json(view(&state, &user, &units, session).await?))
}

// ---------------------------------------------------------------------------
// Assignments
// ---------------------------------------------------------------------------

/// Member id → the parts of their progress that complete assignments.
type Completion = HashMap<i64, Progress>;

async fn completion(state: &AppState, ids: &[i64]) -> ApiResult<Completion> {
    Ok(state
        .store
        .study_facts(ids)
        .await
        .map_err(store_error)?
        .iter()
        .map(|(id, facts)| (*id, progress_of(facts)))
        .collect())
}

/// Has the member done every item?
pub fn all_done(items: &[AssignedItem], progress: Option<&Progress>) -> bool {
    let empty = Progress::default();
    let progress = progress.unwrap_or(&empty);
    items.iter().all(|item| item.done(progress))
}

fn assignment_view(a: &AssignmentRecord, counts: Option<(u32, u32)>) -> Assignment {
    Assignment {
        id: a.id,
        unit_id: a.unit_id,
        unit_name: a.unit_name.clone(),
        items: a.items.clone(),
        due_at: a.due_at,
        note: a.note.clone(),
        assigned_by: a.assigned_by_name.clone(),
        assigned_at: a.assigned_at,
        cancelled_at: a.cancelled_at,
        members: counts.map(|c| c.0),
        done: counts.map(|c| c.1),
    }
}

/// The assignments as a leader sees them: with members expected and done.
async fn leader_views(
    state: &AppState,
    units: &[Unit],
    list: &[&AssignmentRecord],
) -> ApiResult<Vec<Assignment>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let records = state.store.users().await.map_err(store_error)?;
    let mut wanted: HashSet<i64> = HashSet::new();
    let expected: Vec<Vec<i64>> = list
        .iter()
        .map(|a| {
            let ids: Vec<i64> = members(&records, units, a.unit_id)
                .iter()
                .map(|r| r.user.id)
                .collect();
            wanted.extend(&ids);
            ids
        })
        .collect();
    let wanted: Vec<i64> = wanted.into_iter().collect();
    let done = completion(state, &wanted).await?;
    Ok(list
        .iter()
        .zip(expected)
        .map(|(a, ids)| {
            let finished = ids
                .iter()
                .filter(|id| all_done(&a.items, done.get(id)))
                .count();
            assignment_view(a, Some((ids.len() as u32, finished as u32)))
        })
        .collect())
}

/// `POST /api/v1/assignments` → 201 (200 for a retry) with the assignment.
pub async fn create_assignment(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiJson(body): ApiJson<NewAssignment>,
) -> ApiResult<(StatusCode, Json<Assignment>)> {
    let user = caller.require(&[Role::Leader, Role::Admin])?;
    let now = now_ms();
    body.check(now).map_err(field_error)?;
    let units = state.store.units().await.map_err(store_error)?;
    unit_to_lead(user, &units, body.unit_id)?;
    let current = current_pack(&state);
    let pack = current.as_ref().map(|c| &c.pack);
    for (i, item) in body.items.iter().enumerate() {
        let field = format!("items[{i}]");
        let known = match item {
            AssignedItem::Lesson { id } => has_lesson(pack, id),
            AssignedItem::Scenario { id } => has_scenario(pack, id),
            AssignedItem::RiskCheck { checklist } => {
                pack.is_some_and(|p| p.risk_checklists.iter().any(|c| &c.id == checklist))
            }
            AssignedItem::Pledge { version } => {
                *version >= 1 && pack.is_some_and(|p| *version <= p.pledge.version)
            }
        };
        if !known {
            return Err(refuse(&field, "not in the current content"));
        }
    }
    let (record, created) = state
        .store
        .create_assignment(
            NewAssignmentRow {
                client_id: body.client_id,
                unit_id: body.unit_id,
                items: body.items,
                due_at: body.due_at,
                note: body.note,
                assigned_by: user.id,
            },
            now,
        )
        .await
        .map_err(store_error)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let view = leader_views(&state, &units, &[&record])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("an assignment view went missing"))?;
    Ok((status, Json(view)))
}

/// `POST /api/v1/assignments/{id}/cancel` (whoever assigned it, the unit's
/// leaders) → the assignment; cancelling twice changes nothing.
pub async fn cancel_assignment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Assignment>> {
    let record = state
        .store
        .assignment(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no assignment with id {id}")))?;
    let units = state.store.units().await.map_err(store_error)?;
    if record.assigned_by != user.id && !leads(&user, &units, record.unit_id) {
        return Err(ApiError::forbidden(
            "only the unit's leaders may cancel an assignment",
        ));
    }
    let record = state
        .store
        .cancel_assignment(id, now_ms())
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no assignment with id {id}")))?;
    let view = leader_views(&state, &units, &[&record])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("an assignment view went missing"))?;
    Ok(Json(view))
}

/// `GET /api/v1/assignments` → the assignments addressed to the caller (of
/// their unit and the units above, not cancelled) and, for leaders, those
/// of the units they lead (cancelled ones too) with `members` and `done`;
/// due within the last 90 days or later, by due time.
pub async fn list_assignments(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<Assignment>>> {
    let units = state.store.units().await.map_err(store_error)?;
    let all = state
        .store
        .assignments_since(now_ms() - RECENT_MS)
        .await
        .map_err(store_error)?;
    let led: Vec<&AssignmentRecord> = all
        .iter()
        .filter(|a| leads(&user, &units, a.unit_id))
        .collect();
    let mut led_views: BTreeMap<i64, Assignment> = leader_views(&state, &units, &led)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let list = all
        .iter()
        .filter_map(|a| {
            if let Some(view) = led_views.remove(&a.id) {
                Some(view)
            } else if a.cancelled_at.is_none() && member_of(&user, &units, a.unit_id) {
                Some(assignment_view(a, None))
            } else {
                None
            }
        })
        .collect();
    Ok(Json(list))
}

// ---------------------------------------------------------------------------
// The unit report's parts
// ---------------------------------------------------------------------------

/// A member's line in the unit report, its studying-together part.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MemberTogether {
    /// Sessions with a confirmed check-in, of those that ended in the last 90 days or are to come.
    pub sessions_attended: u32,
    /// Assignments addressed to the member, not done and not yet due.
    pub assignments_open: u32,
    /// Assignments addressed to the member, not done and past due (due
    /// within the last 90 days).
    pub assignments_overdue: u32,
}

/// A question the unit's members miss: their answers, wrong ones, and the
/// error rate in per mille, with its lesson so the app can link to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuestionErrors {
    pub lesson: String,
    pub question: String,
    pub answers: u64,
    pub wrong: u64,
    pub error_rate_per_mille: u32,
}

/// A session of the unit (or a unit below) in the report.
#[derive(Clone, Debug, Serialize)]
pub struct SessionLine {
    pub id: i64,
    pub unit_id: i64,
    pub topic: String,
    pub kind: together::SessionKind,
    pub starts_at: i64,
    /// Members of the session's unit now.
    pub expected: u32,
    /// Members with a confirmed check-in.
    pub attended: u32,
    /// Members who read every lesson to prepare before the start; `null`
    /// when there was nothing to prepare.
    pub prepared: Option<u32>,
}

/// An assignment of the unit (or a unit below) in the report.
#[derive(Clone, Debug, Serialize)]
pub struct AssignmentLine {
    pub id: i64,
    pub unit_id: i64,
    pub items: Vec<AssignedItem>,
    pub due_at: i64,
    pub members: u32,
    pub done: u32,
    /// Members not done after the due time (0 before it).
    pub overdue: u32,
}

/// The report's studying-together parts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TogetherReport {
    /// At most [`QUESTION_ERRORS_TOP`], each with at least
    /// [`QUESTION_ERRORS_MIN_ANSWERS`] answers: highest error rate first,
    /// then most answers.
    pub question_errors: Vec<QuestionErrors>,
    /// Not cancelled, ended in the last 90 days or to come; latest first.
    pub sessions: Vec<SessionLine>,
    /// Not cancelled, due in the last 90 days or later; by due time.
    pub assignments: Vec<AssignmentLine>,
}

/// Most questions in `question_errors`.
pub const QUESTION_ERRORS_TOP: usize = 20;
/// Fewest answers for a question to be listed in `question_errors`.
pub const QUESTION_ERRORS_MIN_ANSWERS: u64 = 3;

/// The questions of the pack the members miss most.
pub fn question_errors(
    tallies: Vec<crate::store::QuestionTally>,
    pack: Option<&Pack>,
) -> Vec<QuestionErrors> {
    let in_pack: HashSet<(&str, &str)> = pack
        .map(|p| {
            p.lessons
                .iter()
                .flat_map(|l| l.quiz.iter().map(move |q| (l.id.as_str(), q.id.as_str())))
                .collect()
        })
        .unwrap_or_default();
    let mut list: Vec<QuestionErrors> = tallies
        .into_iter()
        .filter(|t| t.answers >= QUESTION_ERRORS_MIN_ANSWERS)
        .filter(|t| in_pack.contains(&(t.lesson.as_str(), t.question.as_str())))
        .map(|t| QuestionErrors {
            error_rate_per_mille: ((t.wrong * 1000 + t.answers / 2) / t.answers) as u32,
            lesson: t.lesson,
            question: t.question,
            answers: t.answers,
            wrong: t.wrong,
        })
        .collect();
    list.sort_by(|a, b| {
        b.error_rate_per_mille
            .cmp(&a.error_rate_per_mille)
            .then(b.answers.cmp(&a.answers))
            .then_with(|| (&a.lesson, &a.question).cmp(&(&b.lesson, &b.question)))
    });
    list.truncate(QUESTION_ERRORS_TOP);
    list
}

/// Each member's line of the report, by user id.
pub type MemberLines = HashMap<i64, MemberTogether>;

/// Computes the report's studying-together parts for the unit `root` (and
/// below), and each member's [`MemberTogether`] (see [`fill_member_lines`]).
/// The database's aggregates run side by side.
pub async fn report_parts(
    state: &AppState,
    units: &[Unit],
    root: i64,
    now: i64,
) -> ApiResult<(TogetherReport, MemberLines)> {
    let below = subtree(units, root);
    let records = state.store.users().await.map_err(store_error)?;
    let unit_members = members(&records, units, root);
    let ids: Vec<i64> = unit_members.iter().map(|r| r.user.id).collect();
    let (facts, tallies) = tokio::try_join!(
        state.store.study_facts(&ids),
        state.store.question_tallies(&ids)
    )
    .map_err(store_error)?;
    let progress: Completion = facts.iter().map(|(id, f)| (*id, progress_of(f))).collect();
    let since = now - RECENT_MS;

    let current = current_pack(state);
    let question_errors = question_errors(tallies, current.as_ref().map(|c| &c.pack));

    // Sessions: of the unit and below for the list; of the units above too
    // for each member's attendance.
    let all_sessions: Vec<SessionRecord> = state
        .store
        .study_sessions_since(since)
        .await
        .map_err(store_error)?
        .into_iter()
        .filter(|s| s.cancelled_at.is_none())
        .collect();
    let session_ids: Vec<i64> = all_sessions.iter().map(|s| s.id).collect();
    let verdicts = state
        .store
        .check_ins_of(&session_ids)
        .await
        .map_err(store_error)?;
    let confirmed: HashSet<(i64, i64)> = verdicts
        .iter()
        .filter(|v| v.outcome.is_ok())
        .map(|v| (v.session_id, v.user_id))
        .collect();
    let sessions = all_sessions
        .iter()
        .filter(|s| below.contains(&s.unit_id))
        .map(|s| {
            let expected = members(&records, units, s.unit_id);
            SessionLine {
                id: s.id,
                unit_id: s.unit_id,
                topic: s.topic.clone(),
                kind: s.kind,
                starts_at: s.starts_at,
                expected: expected.len() as u32,
                attended: expected
                    .iter()
                    .filter(|r| confirmed.contains(&(s.id, r.user.id)))
                    .count() as u32,
                prepared: (!s.lessons.is_empty()).then(|| {
                    expected
                        .iter()
                        .filter(|r| prepared(s, facts.get(&r.user.id)))
                        .count() as u32
                }),
            }
        })
        .collect();

    let all_assignments: Vec<AssignmentRecord> = state
        .store
        .assignments_since(since)
        .await
        .map_err(store_error)?
        .into_iter()
        .filter(|a| a.cancelled_at.is_none())
        .collect();
    let assignments = all_assignments
        .iter()
        .filter(|a| below.contains(&a.unit_id))
        .map(|a| {
            let expected = members(&records, units, a.unit_id);
            let done = expected
                .iter()
                .filter(|r| all_done(&a.items, progress.get(&r.user.id)))
                .count() as u32;
            let count = expected.len() as u32;
            AssignmentLine {
                id: a.id,
                unit_id: a.unit_id,
                items: a.items.clone(),
                due_at: a.due_at,
                members: count,
                done,
                overdue: if now > a.due_at { count - done } else { 0 },
            }
        })
        .collect();

    let addressed: Vec<(&AssignmentRecord, HashSet<i64>)> = all_assignments
        .iter()
        .map(|a| (a, subtree(units, a.unit_id)))
        .collect();
    let mut lines = MemberLines::new();
    for record in records
        .iter()
        .filter(|r| r.user.role != Role::Admin)
        .filter(|r| r.user.unit_id.is_some_and(|u| below.contains(&u)))
    {
        let Some(unit) = record.user.unit_id else {
            continue;
        };
        let user_id = &record.user.id;
        let line = lines.entry(*user_id).or_default();
        line.sessions_attended = all_sessions
            .iter()
            .filter(|s| confirmed.contains(&(s.id, *user_id)))
            .count() as u32;
        for (a, _) in addressed.iter().filter(|(_, to)| to.contains(&unit)) {
            if all_done(&a.items, progress.get(user_id)) {
                continue;
            }
            if now > a.due_at {
                line.assignments_overdue += 1;
            } else {
                line.assignments_open += 1;
            }
        }
    }
    Ok((
        TogetherReport {
            question_errors,
            sessions,
            assignments,
        },
        lines,
    ))
}

/// Puts each member's studying-together figures into their report line.
pub fn fill_member_lines(lines: &mut [crate::reports::MemberReport], mut by_user: MemberLines) {
    for line in lines {
        if let Some(together) = by_user.remove(&line.user_id) {
            line.together = together;
        }
    }
}
