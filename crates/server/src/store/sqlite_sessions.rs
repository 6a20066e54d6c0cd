//! [`SessionStore`] on SQLite: study sessions, check-in verdicts and
//! assignments (migration `0004_study_sessions.sql`), and the report's
//! aggregates over the events table with `json_extract`.

use super::sessions::{
    AssignmentRecord, CheckInVerdict, NewAssignmentRow, NewSessionRow, PendingCheckIn,
    QuestionTally, SessionRecord, SessionStore, StudyFacts,
};
use super::{SqliteStore, StoreError};
use async_trait::async_trait;
use qinglian_core::together::{AssignedItem, CheckInRefusal, SessionKind, SessionMinutes};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use std::collections::HashMap;

const SESSION_COLUMNS: &str = "s.id, s.unit_id, n.name AS unit_name, s.kind, s.topic, s.lessons,
    s.scenario, s.starts_at, s.ends_at, s.place, s.convener_id,
    c.display_name AS convener_name, s.scheduled_by, s.secret, s.created_at,
    s.cancelled_at, s.minutes, s.summary_published_at";
const SESSION_FROM: &str = "study_sessions s JOIN units n ON n.id = s.unit_id
    JOIN users c ON c.id = s.convener_id";

const ASSIGNMENT_COLUMNS: &str = "a.id, a.unit_id, n.name AS unit_name, a.items, a.due_at,
    a.note, a.assigned_by, b.display_name AS assigned_by_name, a.assigned_at, a.cancelled_at";
const ASSIGNMENT_FROM: &str = "assignments a JOIN units n ON n.id = a.unit_id
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

fn session_of(row: &SqliteRow) -> Result<SessionRecord, StoreError> {
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

fn assignment_of(row: &SqliteRow) -> Result<AssignmentRecord, StoreError> {
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

fn verdict_of(row: &SqliteRow) -> Result<CheckInVerdict, StoreError> {
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

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_study_session(
        &self,
        session: NewSessionRow,
        now: i64,
    ) -> Result<(SessionRecord, bool), StoreError> {
        let mut tx = self.write().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM study_sessions WHERE scheduled_by = ? AND client_id = ?",
        )
        .bind(session.scheduled_by)
        .bind(&session.client_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                let lessons =
                    serde_json::to_string(&session.lessons).map_err(|e| db("lessons", e))?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO study_sessions (unit_id, kind, topic, lessons, scenario,
                        starts_at, ends_at, place, convener_id, scheduled_by, client_id,
                        secret, created_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                .fetch_one(&mut *tx)
                .await?;
                (id, true)
            }
        };
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM {SESSION_FROM} WHERE s.id = ?"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let record = session_of(&row)?;
        tx.commit().await?;
        Ok((record, created))
    }

    async fn study_session(&self, id: i64) -> Result<Option<SessionRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM {SESSION_FROM} WHERE s.id = ?"
        ))
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
            "SELECT {SESSION_COLUMNS} FROM {SESSION_FROM} WHERE s.ends_at >= ?
             ORDER BY s.starts_at DESC, s.id DESC"
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
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE study_sessions SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let record = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM {SESSION_FROM} WHERE s.id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(session_of)
        .transpose()?;
        tx.commit().await?;
        Ok(record)
    }

    async fn set_session_minutes(
        &self,
        id: i64,
        minutes: &SessionMinutes,
        publish: bool,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let json = serde_json::to_string(minutes).map_err(|e| db("minutes", e))?;
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE study_sessions SET minutes = ?, minutes_at = ?,
                summary_published_at = CASE WHEN ? THEN COALESCE(summary_published_at, ?)
                                            ELSE summary_published_at END
             WHERE id = ?",
        )
        .bind(json)
        .bind(now)
        .bind(publish)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let record = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM {SESSION_FROM} WHERE s.id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(session_of)
        .transpose()?;
        tx.commit().await?;
        Ok(record)
    }

    async fn pending_check_ins(&self, user_id: i64) -> Result<Vec<PendingCheckIn>, StoreError> {
        sqlx::query(
            "SELECT e.id, e.at, json_extract(e.payload, '$.session') AS session,
                    json_extract(e.payload, '$.code') AS code
             FROM events e
             WHERE e.user_id = ? AND e.kind = 'session_check_in'
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
        let mut tx = self.write().await?;
        for v in verdicts {
            let (shown_at, refusal) = match v.outcome {
                Ok(shown) => (Some(shown), None),
                Err(reason) => (None, Some(reason.id())),
            };
            sqlx::query(
                "INSERT INTO session_check_ins
                    (event_id, session_id, user_id, at, shown_at, refusal, judged_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
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

    async fn check_ins_of(&self, session_ids: &[i64]) -> Result<Vec<CheckInVerdict>, StoreError> {
        let mut out = Vec::new();
        for chunk in session_ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT c.event_id, c.session_id, c.user_id, c.at, c.shown_at, c.refusal
                 FROM session_check_ins c
                 WHERE c.session_id IN ({marks}) AND NOT EXISTS (
                    SELECT 1 FROM events v WHERE v.user_id = c.user_id AND v.kind = 'void'
                      AND json_extract(v.payload, '$.target') = c.event_id)
                 ORDER BY c.at, c.rowid"
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                out.push(verdict_of(&row)?);
            }
        }
        Ok(out)
    }

    async fn create_assignment(
        &self,
        assignment: NewAssignmentRow,
        now: i64,
    ) -> Result<(AssignmentRecord, bool), StoreError> {
        let mut tx = self.write().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM assignments WHERE assigned_by = ? AND client_id = ?",
        )
        .bind(assignment.assigned_by)
        .bind(&assignment.client_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                let items = serde_json::to_string(&assignment.items).map_err(|e| db("items", e))?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO assignments (unit_id, items, due_at, note, assigned_by,
                        client_id, assigned_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(assignment.unit_id)
                .bind(items)
                .bind(assignment.due_at)
                .bind(assignment.note.trim())
                .bind(assignment.assigned_by)
                .bind(&assignment.client_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                (id, true)
            }
        };
        let row = sqlx::query(&format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.id = ?"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let record = assignment_of(&row)?;
        tx.commit().await?;
        Ok((record, created))
    }

    async fn assignment(&self, id: i64) -> Result<Option<AssignmentRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(assignment_of)
        .transpose()
    }

    async fn assignments_since(&self, due_after: i64) -> Result<Vec<AssignmentRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.due_at >= ?
             ORDER BY a.due_at, a.id"
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
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE assignments SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let record = sqlx::query(&format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(assignment_of)
        .transpose()?;
        tx.commit().await?;
        Ok(record)
    }

    async fn study_facts(&self, user_ids: &[i64]) -> Result<HashMap<i64, StudyFacts>, StoreError> {
        super::sqlite_progress::study_facts(&self.pool, user_ids).await
    }

    async fn question_tallies(&self, user_ids: &[i64]) -> Result<Vec<QuestionTally>, StoreError> {
        let mut sums: HashMap<(String, String), (u64, u64)> = HashMap::new();
        for chunk in user_ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT lesson, question, SUM(answers) AS answers, SUM(wrong) AS wrong
                 FROM progress_answers WHERE user_id IN ({marks}) GROUP BY 1, 2"
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let lesson: String = row.try_get("lesson")?;
                let question: String = row.try_get("question")?;
                let answers: i64 = row.try_get("answers")?;
                let wrong: i64 = row.try_get("wrong")?;
                let sum = sums.entry((lesson, question)).or_default();
                sum.0 += answers.max(0) as u64;
                sum.1 += wrong.max(0) as u64;
            }
        }
        Ok(sums
            .into_iter()
            .map(|((lesson, question), (answers, wrong))| QuestionTally {
                lesson,
                question,
                answers,
                wrong,
            })
            .collect())
    }
}
