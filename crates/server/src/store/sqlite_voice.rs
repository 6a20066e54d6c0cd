//! [`VoiceStore`] on SQLite: questions, feedback rounds, who answered a round,
//! and the answers without anything that ties them to a person or a moment.

use super::voice::{
    AnswerOutcome, NewQuestionRecord, NewRoundRecord, StoredAnswer, StoredQuestion, StoredRound,
    Units, VoiceStore,
};
use super::{SqliteStore, StoreError};
use async_trait::async_trait;
use qinglian_core::together::Statement;
use rand::RngCore;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

type Tx = Transaction<'static, Sqlite>;

const QUESTION_SELECT: &str = "SELECT q.id, q.user_id, a.display_name AS asker_name, q.unit_id,
        n.name AS unit_name, q.text, q.show_name, q.asked_at, q.answer, q.answered_at,
        b.display_name AS answered_by, q.published_at
    FROM questions q
    JOIN users a ON a.id = q.user_id
    JOIN units n ON n.id = q.unit_id
    LEFT JOIN users b ON b.id = q.answered_by";

/// `units` as a condition on `q.unit_id`: bind this (`?1`, a JSON array, or
/// NULL for every unit).
const UNIT_FILTER: &str = "(?1 IS NULL OR q.unit_id IN (SELECT value FROM json_each(?1)))";

fn unit_ids(units: Units<'_>) -> Option<String> {
    match units {
        Units::All => None,
        Units::Only(ids) => Some(json_ids(ids)),
    }
}

fn json_ids(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned())
}

fn question_of(row: &SqliteRow) -> Result<StoredQuestion, StoreError> {
    Ok(StoredQuestion {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        asker_name: row.try_get("asker_name")?,
        unit_id: row.try_get("unit_id")?,
        unit_name: row.try_get("unit_name")?,
        text: row.try_get("text")?,
        show_name: row.try_get::<i64, _>("show_name")? != 0,
        asked_at: row.try_get("asked_at")?,
        answer: row.try_get("answer")?,
        answered_at: row.try_get("answered_at")?,
        answered_by: row.try_get("answered_by")?,
        published_at: row.try_get("published_at")?,
    })
}

async fn question_in(tx: &mut Tx, id: i64) -> Result<Option<StoredQuestion>, StoreError> {
    sqlx::query(&format!("{QUESTION_SELECT} WHERE q.id = ?"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(question_of)
        .transpose()
}

const ROUND_SELECT: &str = "SELECT r.id, r.opened_by, r.unit_id, n.name AS unit_name,
        r.statements, r.opened_at, r.closes_at
    FROM feedback_rounds r JOIN units n ON n.id = r.unit_id";

fn round_of(row: &SqliteRow) -> Result<StoredRound, StoreError> {
    let statements: String = row.try_get("statements")?;
    let statements: Vec<Statement> = serde_json::from_str(&statements)
        .map_err(|err| StoreError::Db(format!("a round's statements cannot be read: {err}")))?;
    Ok(StoredRound {
        id: row.try_get("id")?,
        opened_by: row.try_get("opened_by")?,
        unit_id: row.try_get("unit_id")?,
        unit_name: row.try_get("unit_name")?,
        statements,
        opened_at: row.try_get("opened_at")?,
        closes_at: row.try_get("closes_at")?,
    })
}

async fn round_in(tx: &mut Tx, id: i64) -> Result<Option<StoredRound>, StoreError> {
    sqlx::query(&format!("{ROUND_SELECT} WHERE r.id = ?"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(round_of)
        .transpose()
}

/// A fresh answer key: 128 bits from the operating system's generator, so
/// that neither the key nor the storage order it decides says anything
/// about when, or in which order, answers came.
fn answer_key() -> [u8; 16] {
    let mut key = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

#[async_trait]
impl VoiceStore for SqliteStore {
    async fn ask(
        &self,
        question: NewQuestionRecord<'_>,
        now: i64,
    ) -> Result<(StoredQuestion, bool), StoreError> {
        let mut tx = self.write().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM questions WHERE user_id = ? AND client_id = ?")
                .bind(question.user_id)
                .bind(question.client_id)
                .fetch_optional(&mut *tx)
                .await?;
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                let unit: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE id = ?")
                    .bind(question.unit_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if unit.is_none() {
                    return Err(StoreError::UnknownUnit(question.unit_id));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO questions (user_id, client_id, unit_id, text, show_name, asked_at)
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(question.user_id)
                .bind(question.client_id)
                .bind(question.unit_id)
                .bind(question.text)
                .bind(question.show_name)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                (id, true)
            }
        };
        let stored = question_in(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Db(format!("question {id} vanished")))?;
        tx.commit().await?;
        Ok((stored, created))
    }

    async fn question(&self, id: i64) -> Result<Option<StoredQuestion>, StoreError> {
        sqlx::query(&format!("{QUESTION_SELECT} WHERE q.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(question_of)
            .transpose()
    }

    async fn questions_of(&self, user_id: i64) -> Result<Vec<StoredQuestion>, StoreError> {
        sqlx::query(&format!(
            "{QUESTION_SELECT} WHERE q.user_id = ? ORDER BY q.asked_at DESC, q.id DESC"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(question_of)
        .collect()
    }

    async fn questions_in(&self, units: Units<'_>) -> Result<Vec<StoredQuestion>, StoreError> {
        sqlx::query(&format!(
            "{QUESTION_SELECT} WHERE {UNIT_FILTER}
             ORDER BY q.answered_at IS NOT NULL,
                      CASE WHEN q.answered_at IS NULL THEN q.asked_at ELSE -q.answered_at END,
                      q.id"
        ))
        .bind(unit_ids(units))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(question_of)
        .collect()
    }

    async fn published_questions(
        &self,
        units: Units<'_>,
    ) -> Result<Vec<StoredQuestion>, StoreError> {
        sqlx::query(&format!(
            "{QUESTION_SELECT} WHERE {UNIT_FILTER} AND q.published_at IS NOT NULL
               AND q.answer IS NOT NULL
             ORDER BY q.published_at DESC, q.id DESC"
        ))
        .bind(unit_ids(units))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(question_of)
        .collect()
    }

    async fn open_questions(
        &self,
        unit_ids: &[i64],
        asked_before: i64,
    ) -> Result<Vec<StoredQuestion>, StoreError> {
        sqlx::query(&format!(
            "{QUESTION_SELECT} WHERE q.unit_id IN (SELECT value FROM json_each(?1))
               AND q.answered_at IS NULL AND q.asked_at < ?2
             ORDER BY q.asked_at, q.id"
        ))
        .bind(json_ids(unit_ids))
        .bind(asked_before)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(question_of)
        .collect()
    }

    async fn answer_question(
        &self,
        id: i64,
        answer: &str,
        answered_by: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, StoreError> {
        let mut tx = self.write().await?;
        let changed = sqlx::query(
            "UPDATE questions SET answer = ?, answered_at = ?, answered_by = ?,
                 published_at = CASE WHEN ? THEN COALESCE(published_at, ?) ELSE published_at END
             WHERE id = ?",
        )
        .bind(answer)
        .bind(now)
        .bind(answered_by)
        .bind(publish)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        let stored = question_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn publish_question(
        &self,
        id: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, StoreError> {
        let mut tx = self.write().await?;
        let Some(question) = question_in(&mut tx, id).await? else {
            return Ok(None);
        };
        if publish && question.answer.is_none() {
            return Err(StoreError::Refused(
                "only an answered question can be published".to_owned(),
            ));
        }
        sqlx::query(
            "UPDATE questions
             SET published_at = CASE WHEN ? THEN COALESCE(published_at, ?) ELSE NULL END
             WHERE id = ?",
        )
        .bind(publish)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let stored = question_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn open_round(
        &self,
        round: NewRoundRecord<'_>,
        now: i64,
    ) -> Result<(StoredRound, bool), StoreError> {
        let mut tx = self.write().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM feedback_rounds WHERE opened_by = ? AND client_id = ?",
        )
        .bind(round.opened_by)
        .bind(round.client_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                let open: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT archived_at FROM units WHERE id = ?")
                        .bind(round.unit_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if !matches!(open, Some(None)) {
                    return Err(StoreError::UnknownUnit(round.unit_id));
                }
                let statements = serde_json::to_string(round.statements)
                    .map_err(|err| StoreError::Db(err.to_string()))?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO feedback_rounds
                         (opened_by, client_id, unit_id, statements, opened_at, closes_at)
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(round.opened_by)
                .bind(round.client_id)
                .bind(round.unit_id)
                .bind(statements)
                .bind(now)
                .bind(round.closes_at)
                .fetch_one(&mut *tx)
                .await?;
                (id, true)
            }
        };
        let stored = round_in(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Db(format!("round {id} vanished")))?;
        tx.commit().await?;
        Ok((stored, created))
    }

    async fn round_by_client_id(
        &self,
        user_id: i64,
        client_id: &str,
    ) -> Result<Option<StoredRound>, StoreError> {
        sqlx::query(&format!(
            "{ROUND_SELECT} WHERE r.opened_by = ? AND r.client_id = ?"
        ))
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(round_of)
        .transpose()
    }

    async fn round(&self, id: i64) -> Result<Option<StoredRound>, StoreError> {
        sqlx::query(&format!("{ROUND_SELECT} WHERE r.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(round_of)
            .transpose()
    }

    async fn rounds(&self, closes_after: i64) -> Result<Vec<StoredRound>, StoreError> {
        sqlx::query(&format!(
            "{ROUND_SELECT} WHERE r.closes_at > ? ORDER BY r.opened_at DESC, r.id DESC"
        ))
        .bind(closes_after)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(round_of)
        .collect()
    }

    async fn rounds_answered_by(
        &self,
        user_id: i64,
        round_ids: &[i64],
    ) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT round_id FROM feedback_respondents
             WHERE user_id = ? AND round_id IN (SELECT value FROM json_each(?))",
        )
        .bind(user_id)
        .bind(json_ids(round_ids))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn record_answer(
        &self,
        round_id: i64,
        user_id: i64,
        client_id: &str,
        answer: &StoredAnswer,
        now: i64,
    ) -> Result<AnswerOutcome, StoreError> {
        let mut tx = self.write().await?;
        let held: Option<String> = sqlx::query_scalar(
            "SELECT client_id FROM feedback_respondents WHERE round_id = ? AND user_id = ?",
        )
        .bind(round_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        match held {
            Some(held) if held == client_id => return Ok(AnswerOutcome::Retry),
            Some(_) => return Ok(AnswerOutcome::AlreadyAnswered),
            None => {}
        }
        let used: Option<i64> = sqlx::query_scalar(
            "SELECT round_id FROM feedback_respondents WHERE user_id = ? AND client_id = ?",
        )
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?;
        if used.is_some() {
            return Ok(AnswerOutcome::ClientIdUsed);
        }
        let open: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM feedback_rounds WHERE id = ? AND closes_at > ?")
                .bind(round_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
        if open.is_none() {
            return Ok(AnswerOutcome::Closed);
        }
        sqlx::query(
            "INSERT INTO feedback_respondents (round_id, user_id, client_id) VALUES (?, ?, ?)",
        )
        .bind(round_id)
        .bind(user_id)
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
        let ratings = serde_json::to_string(&answer.ratings)
            .map_err(|err| StoreError::Db(err.to_string()))?;
        sqlx::query(
            "INSERT INTO feedback_answers (id, round_id, ratings, comment) VALUES (?, ?, ?, ?)",
        )
        .bind(answer_key().to_vec())
        .bind(round_id)
        .bind(ratings)
        .bind(&answer.comment)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AnswerOutcome::Recorded)
    }

    async fn answers(&self, round_id: i64) -> Result<Vec<StoredAnswer>, StoreError> {
        sqlx::query("SELECT ratings, comment FROM feedback_answers WHERE round_id = ?")
            .bind(round_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let ratings: String = row.try_get("ratings")?;
                Ok(StoredAnswer {
                    ratings: serde_json::from_str(&ratings).map_err(|err| {
                        StoreError::Db(format!("stored ratings cannot be read: {err}"))
                    })?,
                    comment: row.try_get("comment")?,
                })
            })
            .collect()
    }
}
