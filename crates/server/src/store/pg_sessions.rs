//! [`SessionStore`] on PostgreSQL: study sessions, check-in verdicts and
//! assignments (migration `migrations_pg/0002_together.sql`), and the
//! report's aggregates over the events table with `jsonb`.
//!
//! Several servers may share the database, so what SQLite got from its one
//! writer at a time comes from the schema here: a second `client_id` or
//! event id loses against a unique constraint (`ON CONFLICT DO NOTHING`,
//! then the stored row is read), and a transaction that meets a deadlock or
//! a serialization failure is run again ([`retrying`]). Also the helpers
//! that `pg_voice.rs` shares.

use super::sessions::{
    AssignmentRecord, CheckInVerdict, NewAssignmentRow, NewSessionRow, PendingCheckIn,
    QuestionTally, SessionRecord, SessionStore, StudyFacts,
};
use super::{PgStore, StoreError};
use async_trait::async_trait;
use qinglian_core::together::{AssignedItem, CheckInRefusal, SessionKind, SessionMinutes};
use rand::Rng;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

/// A transaction on PostgreSQL.
pub(super) type PgTx = Transaction<'static, Postgres>;

/// How often a transaction is tried when PostgreSQL aborts it for a
/// deadlock or a serialization failure with another server's transaction.
const TRIES: u32 = 5;

/// Why one try of a transaction failed: a conflict with a concurrent
/// transaction that may pass when the whole transaction is run again, or
/// anything else (returned as it is).
pub(super) enum Attempt {
    Again(sqlx::Error),
    Fail(StoreError),
}

impl From<sqlx::Error> for Attempt {
    fn from(err: sqlx::Error) -> Self {
        let transient = matches!(
            &err,
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40001" | "40P01"))
        );
        if transient {
            Attempt::Again(err)
        } else {
            Attempt::Fail(err.into())
        }
    }
}

impl From<StoreError> for Attempt {
    fn from(err: StoreError) -> Self {
        Attempt::Fail(err)
    }
}

/// Runs a transaction (`attempt` begins and commits it) until it passes or
/// fails for another reason than a conflict, pausing a few random
/// milliseconds between tries; after [`TRIES`] conflicts the store is busy.
pub(super) async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Attempt>>,
{
    let mut tried = 0;
    loop {
        tried += 1;
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(Attempt::Fail(err)) => return Err(err),
            Err(Attempt::Again(err)) if tried >= TRIES => {
                tracing::warn!("a transaction met a conflict {tried} times: {err}");
                return Err(StoreError::Busy);
            }
            Err(Attempt::Again(_)) => {
                // A little later, at a random moment, so that the transactions
                // that met do not meet again.
                let pause = rand::thread_rng().gen_range(5..=40) * u64::from(tried);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
        }
    }
}

/// Begins a write transaction. READ COMMITTED whatever the server's default:
/// after an `ON CONFLICT DO NOTHING` has waited for another transaction, the
/// next statement must see that transaction's row.
pub(super) async fn begin(store: &PgStore) -> Result<PgTx, sqlx::Error> {
    store
        .pool
        .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
        .await
}

const SESSION_SELECT: &str = "SELECT s.id, s.unit_id, n.name AS unit_name, s.kind, s.topic,
        s.lessons, s.scenario, s.starts_at, s.ends_at, s.place, s.convener_id,
        c.display_name AS convener_name, s.scheduled_by, s.secret, s.created_at,
        s.cancelled_at, s.minutes, s.summary_published_at
    FROM study_sessions s JOIN units n ON n.id = s.unit_id
    JOIN users c ON c.id = s.convener_id";

const ASSIGNMENT_SELECT: &str = "SELECT a.id, a.unit_id, n.name AS unit_name, a.items,
        a.due_at, a.note, a.assigned_by, b.display_name AS assigned_by_name, a.assigned_at,
        a.cancelled_at
    FROM assignments a JOIN units n ON n.id = a.unit_id
    JOIN users b ON b.id = a.assigned_by";

fn db(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Db(format!("{what}: {err}"))
}

fn kind_id(kind: SessionKind) -> Result<String, StoreError> {
    match serde_json::to_value(kind).map_err(|e| db("session kind", e))? {
        serde_json::Value::String(id) => Ok(id),
        other => Err(db("session kind", other)),
    }
}

fn session_of(row: &PgRow) -> Result<SessionRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let lessons: String = row.try_get("lessons")?;
    let minutes: Option<String> = row.try_get("minutes")?;
    Ok(SessionRecord {
        id: row.try_get("id")?,
        unit_id: row.try_get("unit_id")?,
        unit_name: row.try_get("unit_name")?,
        kind: serde_json::from_value(serde_json::Value::String(kind))
            .map_err(|e| db("stored session kind", e))?,
        topic: row.try_get("topic")?,
        lessons: serde_json::from_str(&lessons).map_err(|e| db("stored lessons", e))?,
        scenario: row.try_get("scenario")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        place: row.try_get("place")?,
        convener_id: row.try_get("convener_id")?,
        convener_name: row.try_get("convener_name")?,
        scheduled_by: row.try_get("scheduled_by")?,
        secret: row.try_get("secret")?,
        created_at: row.try_get("created_at")?,
        cancelled_at: row.try_get("cancelled_at")?,
        minutes: minutes
            .map(|m| serde_json::from_str(&m))
            .transpose()
            .map_err(|e| db("stored minutes", e))?,
        summary_published_at: row.try_get("summary_published_at")?,
    })
}

fn assignment_of(row: &PgRow) -> Result<AssignmentRecord, StoreError> {
    let items: String = row.try_get("items")?;
    Ok(AssignmentRecord {
        id: row.try_get("id")?,
        unit_id: row.try_get("unit_id")?,
        unit_name: row.try_get("unit_name")?,
        items: serde_json::from_str::<Vec<AssignedItem>>(&items)
            .map_err(|e| db("stored items", e))?,
        due_at: row.try_get("due_at")?,
        note: row.try_get("note")?,
        assigned_by: row.try_get("assigned_by")?,
        assigned_by_name: row.try_get("assigned_by_name")?,
        assigned_at: row.try_get("assigned_at")?,
        cancelled_at: row.try_get("cancelled_at")?,
    })
}

fn verdict_of(row: &PgRow) -> Result<CheckInVerdict, StoreError> {
    let shown_at: Option<i64> = row.try_get("shown_at")?;
    let refusal: Option<String> = row.try_get("refusal")?;
    let outcome = match (shown_at, refusal) {
        (Some(shown), _) => Ok(shown),
        (None, Some(id)) => Err(CheckInRefusal::from_id(&id)
            .ok_or_else(|| db("stored refusal", format!("unknown {id:?}")))?),
        (None, None) => return Err(db("stored check-in", "neither confirmed nor refused")),
    };
    Ok(CheckInVerdict {
        event_id: row.try_get("event_id")?,
        session_id: row.try_get("session_id")?,
        user_id: row.try_get("user_id")?,
        at: row.try_get("at")?,
        outcome,
    })
}

/// The id that `sql` (`$1` an account, `$2` a client id) finds: what an
/// account already created with this `client_id`.
pub(super) async fn id_of(
    tx: &mut PgTx,
    sql: &str,
    account: i64,
    client_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(sql)
        .bind(account)
        .bind(client_id)
        .fetch_optional(&mut **tx)
        .await
}

/// What an `INSERT … ON CONFLICT (…, client_id) DO NOTHING RETURNING id`
/// gave: the new row (created), or, when it inserted nothing because another
/// server stored the same request meanwhile (and has committed), that row.
pub(super) async fn created_or_stored(
    tx: &mut PgTx,
    inserted: Option<i64>,
    by_client_id: &str,
    account: i64,
    client_id: &str,
    what: &str,
) -> Result<(i64, bool), Attempt> {
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    match id_of(tx, by_client_id, account, client_id).await? {
        Some(id) => Ok((id, false)),
        None => Err(db(what, "vanished").into()),
    }
}

async fn session_in(tx: &mut PgTx, id: i64) -> Result<Option<SessionRecord>, Attempt> {
    Ok(sqlx::query(&format!("{SESSION_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(session_of)
        .transpose()?)
}

async fn assignment_in(tx: &mut PgTx, id: i64) -> Result<Option<AssignmentRecord>, Attempt> {
    Ok(sqlx::query(&format!("{ASSIGNMENT_SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(assignment_of)
        .transpose()?)
}

impl PgStore {
    async fn create_study_session_once(
        &self,
        session: &NewSessionRow,
        now: i64,
    ) -> Result<(SessionRecord, bool), Attempt> {
        let mut tx = begin(self).await?;
        let existing = "SELECT id FROM study_sessions WHERE scheduled_by = $1 AND client_id = $2";
        let (id, created) =
            match id_of(&mut tx, existing, session.scheduled_by, &session.client_id).await? {
                Some(id) => (id, false),
                None => {
                    let lessons =
                        serde_json::to_string(&session.lessons).map_err(|e| db("lessons", e))?;
                    let inserted: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO study_sessions (unit_id, kind, topic, lessons, scenario,
                        starts_at, ends_at, place, convener_id, scheduled_by, client_id,
                        secret, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT (scheduled_by, client_id) DO NOTHING RETURNING id",
                    )
                    .bind(session.unit_id)
                    .bind(kind_id(session.kind)?)
                    .bind(session.topic.trim())
                    .bind(lessons)
                    .bind(&session.scenario)
                    .bind(session.starts_at)
                    .bind(session.ends_at)
                    .bind(session.place.trim())
                    .bind(session.convener_id)
                    .bind(session.scheduled_by)
                    .bind(&session.client_id)
                    .bind(&session.secret)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    created_or_stored(
                        &mut tx,
                        inserted,
                        existing,
                        session.scheduled_by,
                        &session.client_id,
                        "study session",
                    )
                    .await?
                }
            };
        let record = session_in(&mut tx, id)
            .await?
            .ok_or_else(|| db("study session", format!("{id} vanished")))?;
        tx.commit().await?;
        Ok((record, created))
    }

    async fn cancel_study_session_once(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<SessionRecord>, Attempt> {
        let mut tx = begin(self).await?;
        sqlx::query(
            "UPDATE study_sessions SET cancelled_at = $1 WHERE id = $2 AND cancelled_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let record = session_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn set_session_minutes_once(
        &self,
        id: i64,
        minutes: &str,
        publish: bool,
        now: i64,
    ) -> Result<Option<SessionRecord>, Attempt> {
        let mut tx = begin(self).await?;
        sqlx::query(
            "UPDATE study_sessions SET minutes = $1, minutes_at = $2,
                summary_published_at = CASE WHEN $3 THEN COALESCE(summary_published_at, $2)
                                            ELSE summary_published_at END
             WHERE id = $4",
        )
        .bind(minutes)
        .bind(now)
        .bind(publish)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let record = session_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn record_check_ins_once(
        &self,
        verdicts: &[CheckInVerdict],
        now: i64,
    ) -> Result<(), Attempt> {
        let mut tx = begin(self).await?;
        for v in verdicts {
            let (shown_at, refusal) = match v.outcome {
                Ok(shown) => (Some(shown), None),
                Err(reason) => (None, Some(reason.id())),
            };
            sqlx::query(
                "INSERT INTO session_check_ins
                    (event_id, session_id, user_id, at, shown_at, refusal, judged_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(&v.event_id)
            .bind(v.session_id)
            .bind(v.user_id)
            .bind(v.at)
            .bind(shown_at)
            .bind(refusal)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_assignment_once(
        &self,
        assignment: &NewAssignmentRow,
        now: i64,
    ) -> Result<(AssignmentRecord, bool), Attempt> {
        let mut tx = begin(self).await?;
        let existing = "SELECT id FROM assignments WHERE assigned_by = $1 AND client_id = $2";
        let (id, created) = match id_of(
            &mut tx,
            existing,
            assignment.assigned_by,
            &assignment.client_id,
        )
        .await?
        {
            Some(id) => (id, false),
            None => {
                let items = serde_json::to_string(&assignment.items).map_err(|e| db("items", e))?;
                let inserted: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO assignments (unit_id, items, due_at, note, assigned_by,
                        client_id, assigned_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (assigned_by, client_id) DO NOTHING RETURNING id",
                )
                .bind(assignment.unit_id)
                .bind(items)
                .bind(assignment.due_at)
                .bind(assignment.note.trim())
                .bind(assignment.assigned_by)
                .bind(&assignment.client_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                created_or_stored(
                    &mut tx,
                    inserted,
                    existing,
                    assignment.assigned_by,
                    &assignment.client_id,
                    "assignment",
                )
                .await?
            }
        };
        let record = assignment_in(&mut tx, id)
            .await?
            .ok_or_else(|| db("assignment", format!("{id} vanished")))?;
        tx.commit().await?;
        Ok((record, created))
    }

    async fn cancel_assignment_once(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<AssignmentRecord>, Attempt> {
        let mut tx = begin(self).await?;
        sqlx::query(
            "UPDATE assignments SET cancelled_at = $1 WHERE id = $2 AND cancelled_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let record = assignment_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(record)
    }
}

#[async_trait]
impl SessionStore for PgStore {
    async fn create_study_session(
        &self,
        session: NewSessionRow,
        now: i64,
    ) -> Result<(SessionRecord, bool), StoreError> {
        retrying(|| self.create_study_session_once(&session, now)).await
    }

    async fn study_session(&self, id: i64) -> Result<Option<SessionRecord>, StoreError> {
        sqlx::query(&format!("{SESSION_SELECT} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(session_of)
            .transpose()
    }

    async fn study_sessions_since(
        &self,
        ends_after: i64,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        sqlx::query(&format!(
            "{SESSION_SELECT} WHERE s.ends_at >= $1 ORDER BY s.starts_at DESC, s.id DESC"
        ))
        .bind(ends_after)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(session_of)
        .collect()
    }

    async fn cancel_study_session(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        retrying(|| self.cancel_study_session_once(id, now)).await
    }

    async fn set_session_minutes(
        &self,
        id: i64,
        minutes: &SessionMinutes,
        publish: bool,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let json = serde_json::to_string(minutes).map_err(|e| db("minutes", e))?;
        retrying(|| self.set_session_minutes_once(id, &json, publish, now)).await
    }

    async fn pending_check_ins(&self, user_id: i64) -> Result<Vec<PendingCheckIn>, StoreError> {
        sqlx::query(
            "SELECT e.id, e.at, (e.payload::jsonb ->> 'session')::BIGINT AS session,
                    e.payload::jsonb ->> 'code' AS code
             FROM events e
             WHERE e.user_id = $1 AND e.kind = 'session_check_in'
               AND NOT EXISTS (SELECT 1 FROM session_check_ins c WHERE c.event_id = e.id)
             ORDER BY e.order_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(PendingCheckIn {
                event_id: row.try_get("id")?,
                session_id: row.try_get::<Option<i64>, _>("session")?.unwrap_or(0),
                code: row
                    .try_get::<Option<String>, _>("code")?
                    .unwrap_or_default(),
                at: row.try_get("at")?,
            })
        })
        .collect()
    }

    async fn record_check_ins(
        &self,
        verdicts: &[CheckInVerdict],
        now: i64,
    ) -> Result<(), StoreError> {
        if verdicts.is_empty() {
            return Ok(());
        }
        retrying(|| self.record_check_ins_once(verdicts, now)).await
    }

    async fn check_ins_of(&self, session_ids: &[i64]) -> Result<Vec<CheckInVerdict>, StoreError> {
        if session_ids.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query(
            "SELECT c.event_id, c.session_id, c.user_id, c.at, c.shown_at, c.refusal
             FROM session_check_ins c
             WHERE c.session_id = ANY($1) AND NOT EXISTS (
                SELECT 1 FROM events v WHERE v.user_id = c.user_id AND v.kind = 'void'
                  AND v.payload::jsonb ->> 'target' = c.event_id)
             ORDER BY c.at, c.n",
        )
        .bind(session_ids)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(verdict_of)
        .collect()
    }

    async fn create_assignment(
        &self,
        assignment: NewAssignmentRow,
        now: i64,
    ) -> Result<(AssignmentRecord, bool), StoreError> {
        retrying(|| self.create_assignment_once(&assignment, now)).await
    }

    async fn assignment(&self, id: i64) -> Result<Option<AssignmentRecord>, StoreError> {
        sqlx::query(&format!("{ASSIGNMENT_SELECT} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(assignment_of)
            .transpose()
    }

    async fn assignments_since(&self, due_after: i64) -> Result<Vec<AssignmentRecord>, StoreError> {
        sqlx::query(&format!(
            "{ASSIGNMENT_SELECT} WHERE a.due_at >= $1 ORDER BY a.due_at, a.id"
        ))
        .bind(due_after)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(assignment_of)
        .collect()
    }

    async fn cancel_assignment(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<AssignmentRecord>, StoreError> {
        retrying(|| self.cancel_assignment_once(id, now)).await
    }

    async fn study_facts(&self, user_ids: &[i64]) -> Result<HashMap<i64, StudyFacts>, StoreError> {
        super::pg_progress::study_facts(&self.pool, user_ids).await
    }

    async fn question_tallies(&self, user_ids: &[i64]) -> Result<Vec<QuestionTally>, StoreError> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = "SELECT lesson, question, SUM(answers)::bigint AS answers,
                          SUM(wrong)::bigint AS wrong
                   FROM progress_answers WHERE user_id = ANY($1) GROUP BY 1, 2";
        let mut tallies = Vec::new();
        for row in sqlx::query(sql)
            .bind(user_ids)
            .fetch_all(&self.pool)
            .await?
        {
            let lesson: String = row.try_get("lesson")?;
            let question: String = row.try_get("question")?;
            let answers: i64 = row.try_get("answers")?;
            let wrong: i64 = row.try_get("wrong")?;
            tallies.push(QuestionTally {
                lesson,
                question,
                answers: answers.max(0) as u64,
                wrong: wrong.max(0) as u64,
            });
        }
        Ok(tallies)
    }
}
