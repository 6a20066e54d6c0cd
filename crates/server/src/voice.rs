//! Studying together, the members' voice: questions to the unit's leaders
//! (answered, and published as a FAQ without the asker's name) and
//! anonymous feedback rounds on a unit's leadership (民主测评).
//!
//! Who is who, for a unit U: its members are the learners and leaders whose
//! unit is U or below it; its leaders are the leaders whose own unit is U or
//! above it; administrators may do what leaders may, everywhere.
//!
//! Feedback answers are anonymous by construction: the store keeps who
//! answered apart from the answers, the answers carry no account, device,
//! request id or time, and nothing here logs, audits or returns an answer,
//! except through [`tally`] once the round has closed, and only with at
//! least [`MIN_FEEDBACK_ANSWERS`](qinglian_core::together::MIN_FEEDBACK_ANSWERS)
//! answers.

use crate::auth::{store_error, CurrentUser};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::reports::subtree;
use crate::store::voice::{
    AnswerOutcome, NewQuestionRecord, NewRoundRecord, StoredAnswer, StoredQuestion, StoredRound,
    Units,
};
use crate::store::{StoreError, Unit};
use crate::{now_ms, AppState};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use qinglian_core::calendar::MS_PER_DAY;
use qinglian_core::sync::{Role, User};
use qinglian_core::together::{
    tally, AnswerRequest, FeedbackAnswer, FeedbackResults, FeedbackRound, FieldProblem,
    NewFeedbackRound, NewQuestion, PublishRequest, Question, QuestionsView,
};
use rand::seq::SliceRandom;
use std::collections::HashSet;

/// Rounds stay in the list this long after they close (ms).
pub const ROUNDS_LISTED_MS: i64 = 365 * MS_PER_DAY;

fn problem(problem: FieldProblem) -> ApiError {
    ApiError::unprocessable(problem.to_string())
}

/// 201 for a new record, 200 for one found by its `client_id`.
fn created_or_found<T: serde::Serialize>(created: bool, body: T) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(body)).into_response()
}

/// `id` and the units above it, nearest first.
pub fn ancestors_or_self(units: &[Unit], id: i64) -> Vec<i64> {
    let mut chain = vec![id];
    let mut at = id;
    while let Some(parent) = units.iter().find(|u| u.id == at).and_then(|u| u.parent_id) {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
        at = parent;
    }
    chain
}

/// The units a leader leads (their own and every unit below); none for
/// anyone else.
fn led_units(user: &User, units: &[Unit]) -> HashSet<i64> {
    match (user.role, user.unit_id) {
        (Role::Leader, Some(own)) => subtree(units, own),
        _ => HashSet::new(),
    }
}

/// May this account answer, publish or withdraw questions asked in `unit`?
fn leads(user: &User, units: &[Unit], unit: i64) -> bool {
    user.role == Role::Admin || led_units(user, units).contains(&unit)
}

// ---------------------------------------------------------------------------
// Ask a leader
// ---------------------------------------------------------------------------

fn question(q: StoredQuestion, mine: bool, asker_name: Option<String>) -> Question {
    Question {
        id: q.id,
        unit_id: q.unit_id,
        unit_name: q.unit_name,
        text: q.text,
        asked_at: q.asked_at,
        mine,
        asker_name,
        answer: q.answer,
        answered_at: q.answered_at,
        answered_by: q.answered_by,
        published_at: q.published_at,
    }
}

/// As the asker sees their own question: with their name.
fn as_asker(q: StoredQuestion) -> Question {
    let name = q.asker_name.clone();
    question(q, true, Some(name))
}

/// As a leader sees a question: the asker's name only if they chose so.
fn as_leader(q: StoredQuestion, reader: i64) -> Question {
    let mine = q.user_id == reader;
    let name = (q.show_name || mine).then(|| q.asker_name.clone());
    question(q, mine, name)
}

/// As a FAQ entry: never who asked, not even to the asker.
fn as_faq(q: StoredQuestion) -> Question {
    question(q, false, None)
}

/// `POST /api/v1/questions`: a member asks the leaders of their unit.
pub async fn ask(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiJson(body): ApiJson<NewQuestion>,
) -> ApiResult<Response> {
    let user = &caller.0;
    let Some(unit_id) = user.unit_id else {
        return Err(ApiError::unprocessable(
            "unit_id: your account belongs to no unit, so there are no leaders to ask",
        ));
    };
    body.check().map_err(problem)?;
    let (stored, created) = state
        .store
        .ask(
            NewQuestionRecord {
                user_id: user.id,
                client_id: &body.client_id,
                unit_id,
                text: body.text.trim(),
                show_name: body.show_name,
            },
            now_ms(),
        )
        .await
        .map_err(store_error)?;
    Ok(created_or_found(created, as_asker(stored)))
}

/// `GET /api/v1/questions`: the caller's own questions, a leader's inbox,
/// and the FAQ of the caller's unit and the units above it.
pub async fn list_questions(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> ApiResult<Json<QuestionsView>> {
    let user = &caller.0;
    let store = &state.store;
    let mine = store
        .questions_of(user.id)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(as_asker)
        .collect();
    let units = store.units().await.map_err(store_error)?;
    let inbox = match user.role {
        Role::Admin => store.questions_in(Units::All).await,
        Role::Leader => {
            let led: Vec<i64> = led_units(user, &units).into_iter().collect();
            store.questions_in(Units::Only(&led)).await
        }
        Role::Learner => Ok(Vec::new()),
    }
    .map_err(store_error)?
    .into_iter()
    .filter(|q| q.user_id != user.id)
    .map(|q| as_leader(q, user.id))
    .collect();
    let faq = match (user.role, user.unit_id) {
        (Role::Admin, None) => store.published_questions(Units::All).await,
        (_, Some(unit)) => {
            let above = ancestors_or_self(&units, unit);
            store.published_questions(Units::Only(&above)).await
        }
        (_, None) => Ok(Vec::new()),
    }
    .map_err(store_error)?
    .into_iter()
    .map(as_faq)
    .collect();
    Ok(Json(QuestionsView { mine, inbox, faq }))
}

/// The question, if the caller leads its unit: 404 unknown, 403 otherwise.
async fn question_to_lead(state: &AppState, user: &User, id: i64) -> ApiResult<StoredQuestion> {
    let q = state
        .store
        .question(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no question with id {id}")))?;
    let units = state.store.units().await.map_err(store_error)?;
    if !leads(user, &units, q.unit_id) {
        return Err(ApiError::forbidden(
            "only the leaders of the asker's unit (or a unit above it) and administrators answer this question",
        ));
    }
    if q.user_id == user.id {
        return Err(ApiError::forbidden(
            "you asked this question: a leader above you answers it",
        ));
    }
    Ok(q)
}

/// `POST /api/v1/questions/{id}/answer`: a leader of the asker's unit (or
/// above), or an administrator, answers; `publish` also makes it a FAQ entry.
pub async fn answer(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AnswerRequest>,
) -> ApiResult<Json<Question>> {
    let user = caller.require(&[Role::Leader, Role::Admin])?;
    question_to_lead(&state, user, id).await?;
    body.check().map_err(problem)?;
    let stored = state
        .store
        .answer_question(id, body.text.trim(), user.id, body.publish, now_ms())
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no question with id {id}")))?;
    Ok(Json(as_leader(stored, user.id)))
}

/// `POST /api/v1/questions/{id}/publish`: publishes an answered question as
/// a FAQ entry, or withdraws it.
pub async fn publish(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PublishRequest>,
) -> ApiResult<Json<Question>> {
    let user = caller.require(&[Role::Leader, Role::Admin])?;
    question_to_lead(&state, user, id).await?;
    let stored = state
        .store
        .publish_question(id, body.publish, now_ms())
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no question with id {id}")))?;
    Ok(Json(as_leader(stored, user.id)))
}

// ---------------------------------------------------------------------------
// Anonymous feedback rounds
// ---------------------------------------------------------------------------

/// Where one account stands with one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Standing {
    /// A member of the rated unit (or below) who is not one of the leaders rated.
    may_answer: bool,
    /// One of the leaders rated (a leader whose own unit is the rated one).
    rated: bool,
    /// Sees the results after the close: administrators, the opener, the
    /// leaders of the rated unit and of the units above it.
    entitled: bool,
}

impl Standing {
    fn sees_round(self) -> bool {
        self.may_answer || self.entitled
    }
}

/// What an account's place in the unit tree says about rounds.
struct Place {
    user: User,
    /// The caller's unit and the units above it.
    above: HashSet<i64>,
    /// For leaders: their unit and the units below it.
    led: HashSet<i64>,
}

impl Place {
    fn of(user: &User, units: &[Unit]) -> Place {
        Place {
            user: user.clone(),
            above: user
                .unit_id
                .map(|u| ancestors_or_self(units, u).into_iter().collect())
                .unwrap_or_default(),
            led: led_units(user, units),
        }
    }

    fn standing(&self, round: &StoredRound) -> Standing {
        let member = matches!(self.user.role, Role::Learner | Role::Leader)
            && self.above.contains(&round.unit_id);
        let rated = self.user.role == Role::Leader && self.user.unit_id == Some(round.unit_id);
        Standing {
            may_answer: member && !rated,
            rated,
            entitled: self.user.role == Role::Admin
                || round.opened_by == self.user.id
                || self.led.contains(&round.unit_id),
        }
    }
}

fn round_view(round: StoredRound, standing: Standing, answered: bool, now: i64) -> FeedbackRound {
    FeedbackRound {
        may_see_results: standing.entitled && now >= round.closes_at,
        id: round.id,
        unit_id: round.unit_id,
        unit_name: round.unit_name,
        statements: round.statements,
        opened_at: round.opened_at,
        closes_at: round.closes_at,
        may_answer: standing.may_answer,
        answered,
    }
}

/// `POST /api/v1/feedback/rounds`: administrators, or a leader of a unit
/// strictly above the rated one, open a round.
pub async fn open_round(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiJson(body): ApiJson<NewFeedbackRound>,
) -> ApiResult<Response> {
    let user = caller.require(&[Role::Leader, Role::Admin])?;
    let now = now_ms();
    let units = state.store.units().await.map_err(store_error)?;
    let place = Place::of(user, &units);
    // A retry of a round already opened answers the same, even once the
    // time given has passed.
    if let Some(round) = state
        .store
        .round_by_client_id(user.id, &body.client_id)
        .await
        .map_err(store_error)?
    {
        let standing = place.standing(&round);
        return Ok(created_or_found(
            false,
            round_view(round, standing, false, now),
        ));
    }
    if user.role == Role::Leader {
        if user.unit_id == Some(body.unit_id) {
            return Err(ApiError::forbidden(
                "a leader may not open a round on their own unit: it rates them; a leader above or an administrator opens it",
            ));
        }
        if !place.led.contains(&body.unit_id) {
            return Err(ApiError::forbidden(
                "leaders open rounds only for the units below their own",
            ));
        }
    }
    body.check(now).map_err(problem)?;
    let (round, created) = state
        .store
        .open_round(
            NewRoundRecord {
                opened_by: user.id,
                client_id: &body.client_id,
                unit_id: body.unit_id,
                statements: &body.statements,
                closes_at: body.closes_at,
            },
            now,
        )
        .await
        .map_err(|err| match err {
            StoreError::UnknownUnit(id) => {
                ApiError::unprocessable(format!("unit_id: no open unit with id {id}"))
            }
            other => store_error(other),
        })?;
    let standing = place.standing(&round);
    Ok(created_or_found(
        created,
        round_view(round, standing, false, now),
    ))
}

/// `GET /api/v1/feedback/rounds`: the rounds of the last year the caller may
/// answer or see; never how many have answered.
pub async fn list_rounds(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> ApiResult<Json<Vec<FeedbackRound>>> {
    let user = &caller.0;
    let now = now_ms();
    let units = state.store.units().await.map_err(store_error)?;
    let place = Place::of(user, &units);
    let rounds: Vec<(StoredRound, Standing)> = state
        .store
        .rounds(now - ROUNDS_LISTED_MS)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|round| {
            let standing = place.standing(&round);
            (round, standing)
        })
        .filter(|(_, standing)| standing.sees_round())
        .collect();
    let ids: Vec<i64> = rounds.iter().map(|(r, _)| r.id).collect();
    let answered: HashSet<i64> = state
        .store
        .rounds_answered_by(user.id, &ids)
        .await
        .map_err(store_error)?
        .into_iter()
        .collect();
    Ok(Json(
        rounds
            .into_iter()
            .map(|(round, standing)| {
                let done = answered.contains(&round.id);
                round_view(round, standing, done, now)
            })
            .collect(),
    ))
}

/// A round and where the caller stands with it; 404 when there is none.
async fn round_for(state: &AppState, user: &User, id: i64) -> ApiResult<(StoredRound, Standing)> {
    let round = state
        .store
        .round(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(format!("no feedback round with id {id}")))?;
    let units = state.store.units().await.map_err(store_error)?;
    let standing = Place::of(user, &units).standing(&round);
    Ok((round, standing))
}

/// `POST /api/v1/feedback/rounds/{id}/answers`: a member's answer, once,
/// while the round is open. Neither logged nor audited.
pub async fn give_answer(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FeedbackAnswer>,
) -> ApiResult<Response> {
    let user = &caller.0;
    let (round, standing) = round_for(&state, user, id).await?;
    if !standing.may_answer {
        return Err(ApiError::forbidden(if standing.rated {
            "the leaders of the rated unit do not answer: the round rates them"
        } else {
            "only members of the rated unit (and the units below it) answer this round"
        }));
    }
    body.check(round.statements.len()).map_err(problem)?;
    let answer = StoredAnswer {
        ratings: body.ratings,
        comment: body
            .comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
    };
    let now = now_ms();
    let outcome = state
        .store
        .record_answer(id, user.id, &body.client_id, &answer, now)
        .await
        .map_err(store_error)?;
    let created = match outcome {
        AnswerOutcome::Recorded => true,
        AnswerOutcome::Retry => false,
        AnswerOutcome::AlreadyAnswered => {
            return Err(ApiError::conflict(
                "already answered: each member answers a round once",
            ))
        }
        AnswerOutcome::ClientIdUsed => {
            return Err(ApiError::conflict(
                "client_id: already used by this account for another round",
            ))
        }
        AnswerOutcome::Closed => {
            return Err(ApiError::conflict(
                "the round has closed: answers are no longer taken",
            ))
        }
    };
    Ok(created_or_found(
        created,
        round_view(round, standing, true, now),
    ))
}

/// `GET /api/v1/feedback/rounds/{id}/results`: after the close, for the
/// opener, the leaders of the unit and above, and administrators; nothing
/// but `too_few` below the threshold.
pub async fn results(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<FeedbackResults>> {
    let user = &caller.0;
    let (round, standing) = round_for(&state, user, id).await?;
    if !standing.entitled {
        return Err(ApiError::forbidden(
            "the results go to the opener, the unit's leaders, the leaders above and administrators",
        ));
    }
    if now_ms() < round.closes_at {
        return Err(ApiError::forbidden(
            "results are shown after the round closes",
        ));
    }
    let answers = state.store.answers(id).await.map_err(store_error)?;
    let mut comments: Vec<String> = answers.iter().filter_map(|a| a.comment.clone()).collect();
    comments.shuffle(&mut rand::thread_rng());
    let ratings: Vec<Vec<u8>> = answers.into_iter().map(|a| a.ratings).collect();
    Ok(Json(tally(round.statements.len(), &ratings, comments)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>) -> Unit {
        Unit {
            id,
            name: format!("u{id}"),
            parent_id: parent,
            created_at: 0,
            archived_at: None,
        }
    }

    fn user(id: i64, role: Role, unit: Option<i64>) -> User {
        User {
            id,
            login: format!("l{id}"),
            display_name: format!("n{id}"),
            role,
            unit_id: unit,
            unit_name: None,
        }
    }

    fn round(unit: i64, opened_by: i64) -> StoredRound {
        StoredRound {
            id: 1,
            opened_by,
            unit_id: unit,
            unit_name: String::new(),
            statements: vec![],
            opened_at: 0,
            closes_at: 10,
        }
    }

    #[test]
    fn ancestors_follow_parents_and_stop_on_a_cycle() {
        let units = [unit(1, None), unit(2, Some(1)), unit(3, Some(2))];
        assert_eq!(ancestors_or_self(&units, 3), [3, 2, 1]);
        assert_eq!(ancestors_or_self(&units, 1), [1]);
        let cycle = [unit(1, Some(2)), unit(2, Some(1))];
        assert_eq!(ancestors_or_self(&cycle, 1), [1, 2]);
    }

    #[test]
    fn standings_follow_the_unit_tree() {
        // 1 bureau ⊃ 2 office ⊃ 3 section; 4 elsewhere.
        let units = [
            unit(1, None),
            unit(2, Some(1)),
            unit(3, Some(2)),
            unit(4, None),
        ];
        let r = round(2, 100);
        let of = |u: User| Place::of(&u, &units).standing(&r);
        let rated = of(user(1, Role::Leader, Some(2)));
        assert!(rated.rated && !rated.may_answer && rated.entitled);
        let above = of(user(2, Role::Leader, Some(1)));
        assert!(!above.may_answer && above.entitled);
        let below = of(user(3, Role::Leader, Some(3)));
        assert!(below.may_answer && !below.entitled);
        let learner = of(user(4, Role::Learner, Some(2)));
        assert!(learner.may_answer && !learner.entitled);
        let outsider = of(user(5, Role::Learner, Some(4)));
        assert!(!outsider.sees_round());
        let upper_learner = of(user(6, Role::Learner, Some(1)));
        assert!(!upper_learner.sees_round());
        let admin = of(user(7, Role::Admin, None));
        assert!(admin.entitled && !admin.may_answer);
        let opener = of(user(100, Role::Leader, Some(4)));
        assert!(opener.entitled && !opener.may_answer);
    }
}
