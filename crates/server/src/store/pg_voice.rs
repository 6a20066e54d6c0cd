//! [`VoiceStore`] on PostgreSQL: questions, feedback rounds, who answered a
//! round, and the answers without anything that ties them to a person or a
//! moment (migration `migrations_pg/0002_together.sql`).
//!
//! As in `pg_sessions.rs`, several servers may share the database: a second
//! `client_id` loses against a unique constraint and the stored row is
//! read, and one member's answer to a round is one row of
//! `feedback_respondents` (its primary key), whichever server takes it.

use super::pg_sessions::{begin, created_or_stored, id_of, retrying, Attempt, PgTx};
use super::voice::{
    AnswerOutcome, NewQuestionRecord, NewRoundRecord, StoredAnswer, StoredQuestion, StoredRound,
    Units, VoiceStore,
};
use super::{PgStore, StoreError};
use async_trait::async_trait;
use qinglian_core::together::Statement;
use rand::RngCore;
use sqlx::postgres::PgRow;
use sqlx::Row;

const QUESTION_SELECT: &str = "SELECT q.id, q.user_id, a.display_name AS asker_name, q.unit_id,
        n.name AS unit_name, q.text, q.show_name, q.asked_at, q.answer, q.answered_at,
        b.display_name AS answered_by, q.published_at
    FROM questions q
    JOIN users a ON a.id = q.user_id
    JOIN units n ON n.id = q.unit_id
    LEFT JOIN users b ON b.id = q.answered_by";

/// `units` as a condition on `q.unit_id`: bind this (`$1`, an array of unit
/// ids, or NULL for every unit).
const UNIT_FILTER: &str = "($1::BIGINT[] IS NULL OR q.unit_id = ANY($1))";

fn unit_ids(units: Units<'_>) -> Option<Vec<i64>> {
    match units {
        Units::All => None,
        Units::Only(ids) => Some(ids.to_vec()),
    }
}

fn question_of(row: &PgRow) -> Result<StoredQuestion, StoreError> {
    Ok(StoredQuestion {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        asker_name: row.try_get("asker_name")?,
        unit_id: row.try_get("unit_id")?,
        unit_name: row.try_get("unit_name")?,
        text: row.try_get("text")?,
        show_name: row.try_get("show_name")?,
        asked_at: row.try_get("asked_at")?,
        answer: row.try_get("answer")?,
        answered_at: row.try_get("answered_at")?,
        answered_by: row.try_get("answered_by")?,
        published_at: row.try_get("published_at")?,
    })
}

async fn question_in(tx: &mut PgTx, id: i64) -> Result<Option<StoredQuestion>, Attempt> {
    Ok(sqlx::query(&format!("{QUESTION_SELECT} WHERE q.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(question_of)
        .transpose()?)
}

const ROUND_SELECT: &str = "SELECT r.id, r.opened_by, r.unit_id, n.name AS unit_name,
        r.statements, r.opened_at, r.closes_at
    FROM feedback_rounds r JOIN units n ON n.id = r.unit_id";

fn round_of(row: &PgRow) -> Result<StoredRound, StoreError> {
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

async fn round_in(tx: &mut PgTx, id: i64) -> Result<Option<StoredRound>, Attempt> {
    Ok(sqlx::query(&format!("{ROUND_SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(round_of)
        .transpose()?)
}

/// A fresh answer key: 128 bits from the operating system's generator, so
/// that neither the key nor the order answers are read in (by key) says
/// anything about when, or in which order, answers came.
fn answer_key() -> [u8; 16] {
    let mut key = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

const QUESTION_BY_CLIENT_ID: &str =
    "SELECT id FROM questions WHERE user_id = $1 AND client_id = $2";
const ROUND_BY_CLIENT_ID: &str =
    "SELECT id FROM feedback_rounds WHERE opened_by = $1 AND client_id = $2";

impl PgStore {
    async fn ask_once(
        &self,
        question: &NewQuestionRecord<'_>,
        now: i64,
    ) -> Result<(StoredQuestion, bool), Attempt> {
        let mut tx = begin(self).await?;
        let existing = id_of(
            &mut tx,
            QUESTION_BY_CLIENT_ID,
            question.user_id,
            question.client_id,
        )
        .await?;
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                let unit: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE id = $1")
                    .bind(question.unit_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if unit.is_none() {
                    return Err(StoreError::UnknownUnit(question.unit_id).into());
                }
                let inserted: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO questions (user_id, client_id, unit_id, text, show_name, asked_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (user_id, client_id) DO NOTHING RETURNING id",
                )
                .bind(question.user_id)
                .bind(question.client_id)
                .bind(question.unit_id)
                .bind(question.text)
                .bind(question.show_name)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                created_or_stored(
                    &mut tx,
                    inserted,
                    QUESTION_BY_CLIENT_ID,
                    question.user_id,
                    question.client_id,
                    "question",
                )
                .await?
            }
        };
        let stored = question_in(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Db(format!("question {id} vanished")))?;
        tx.commit().await?;
        Ok((stored, created))
    }

    async fn answer_question_once(
        &self,
        id: i64,
        answer: &str,
        answered_by: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, Attempt> {
        let mut tx = begin(self).await?;
        let changed = sqlx::query(
            "UPDATE questions SET answer = $1, answered_at = $2, answered_by = $3,
                 published_at = CASE WHEN $4 THEN COALESCE(published_at, $2) ELSE published_at END
             WHERE id = $5",
        )
        .bind(answer)
        .bind(now)
        .bind(answered_by)
        .bind(publish)
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

    async fn publish_question_once(
        &self,
        id: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, Attempt> {
        let mut tx = begin(self).await?;
        // The row stays as read until the update: no answer can change under it.
        let answered: Option<bool> =
            sqlx::query_scalar("SELECT answer IS NOT NULL FROM questions WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(answered) = answered else {
            return Ok(None);
        };
        if publish && !answered {
            return Err(StoreError::Refused(
                "only an answered question can be published".to_owned(),
            )
            .into());
        }
        sqlx::query(
            "UPDATE questions
             SET published_at = CASE WHEN $1 THEN COALESCE(published_at, $2) ELSE NULL END
             WHERE id = $3",
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

    async fn open_round_once(
        &self,
        round: &NewRoundRecord<'_>,
        statements: &str,
        now: i64,
    ) -> Result<(StoredRound, bool), Attempt> {
        let mut tx = begin(self).await?;
        let existing = id_of(
            &mut tx,
            ROUND_BY_CLIENT_ID,
            round.opened_by,
            round.client_id,
        )
        .await?;
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                // FOR SHARE: the unit cannot be archived before this commits.
                let open: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT archived_at FROM units WHERE id = $1 FOR SHARE")
                        .bind(round.unit_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if !matches!(open, Some(None)) {
                    return Err(StoreError::UnknownUnit(round.unit_id).into());
                }
                let inserted: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO feedback_rounds
                         (opened_by, client_id, unit_id, statements, opened_at, closes_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (opened_by, client_id) DO NOTHING RETURNING id",
                )
                .bind(round.opened_by)
                .bind(round.client_id)
                .bind(round.unit_id)
                .bind(statements)
                .bind(now)
                .bind(round.closes_at)
                .fetch_optional(&mut *tx)
                .await?;
                created_or_stored(
                    &mut tx,
                    inserted,
                    ROUND_BY_CLIENT_ID,
                    round.opened_by,
                    round.client_id,
                    "round",
                )
                .await?
            }
        };
        let stored = round_in(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Db(format!("round {id} vanished")))?;
        tx.commit().await?;
        Ok((stored, created))
    }

    async fn record_answer_once(
        &self,
        round_id: i64,
        user_id: i64,
        client_id: &str,
        ratings: &str,
        comment: Option<&str>,
        now: i64,
    ) -> Result<AnswerOutcome, Attempt> {
        let mut tx = begin(self).await?;
        // Twice at most: when a concurrent request of this member stored its
        // row first, the insert below does nothing and the second pass reads
        // that (committed) row.
        for _ in 0..2 {
            // One statement, so one snapshot: both rows as of one moment.
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT round_id, client_id FROM feedback_respondents
                 WHERE user_id = $1 AND (round_id = $2 OR client_id = $3)",
            )
            .bind(user_id)
            .bind(round_id)
            .bind(client_id)
            .fetch_all(&mut *tx)
            .await?;
            match rows.iter().find(|(round, _)| *round == round_id) {
                Some((_, held)) if held == client_id => return Ok(AnswerOutcome::Retry),
                Some(_) => return Ok(AnswerOutcome::AlreadyAnswered),
                None => {}
            }
            if !rows.is_empty() {
                return Ok(AnswerOutcome::ClientIdUsed);
            }
            // The round's row is locked: its answers are rewritten below, one
            // answering transaction after the other.
            let open: Option<bool> = sqlx::query_scalar(
                "SELECT closes_at > $2 FROM feedback_rounds WHERE id = $1 FOR NO KEY UPDATE",
            )
            .bind(round_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if open != Some(true) {
                return Ok(AnswerOutcome::Closed);
            }
            let inserted = sqlx::query(
                "INSERT INTO feedback_respondents (round_id, user_id, client_id)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(round_id)
            .bind(user_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                continue;
            }
            rewrite_answers(&mut tx, round_id, ratings, comment).await?;
            tx.commit().await?;
            return Ok(AnswerOutcome::Recorded);
        }
        Err(
            StoreError::Db("an answer's respondent row conflicts but cannot be read".to_owned())
                .into(),
        )
    }
}

/// Stores a new answer by rewriting all of the round's answers, in the order
/// of their random keys, in the answering transaction. PostgreSQL stamps every
/// row with the transaction that wrote it (`xmin`) and keeps rows where they
/// were written: were the answer only inserted, it would share its `xmin` with
/// its member's `feedback_respondents` row, and anyone able to `SELECT` both
/// tables could join them. Rewritten so, every answer of a round carries the
/// latest answering transaction's `xmin` and lies in key order; the round's
/// row lock keeps two answering transactions from rewriting at once.
async fn rewrite_answers(
    tx: &mut PgTx,
    round_id: i64,
    ratings: &str,
    comment: Option<&str>,
) -> Result<(), sqlx::Error> {
    let mut answers: Vec<(Vec<u8>, String, Option<String>)> = sqlx::query_as(
        "DELETE FROM feedback_answers WHERE round_id = $1 RETURNING id, ratings, comment",
    )
    .bind(round_id)
    .fetch_all(&mut **tx)
    .await?;
    answers.push((
        answer_key().to_vec(),
        ratings.to_owned(),
        comment.map(str::to_owned),
    ));
    answers.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut keys = Vec::with_capacity(answers.len());
    let mut all_ratings = Vec::with_capacity(answers.len());
    let mut comments = Vec::with_capacity(answers.len());
    for (key, ratings, comment) in answers {
        keys.push(key);
        all_ratings.push(ratings);
        comments.push(comment);
    }
    sqlx::query(
        "INSERT INTO feedback_answers (id, round_id, ratings, comment)
         SELECT k, $2, r, c
         FROM UNNEST($1::bytea[], $3::text[], $4::text[]) WITH ORDINALITY AS t(k, r, c, n)
         ORDER BY n",
    )
    .bind(keys)
    .bind(round_id)
    .bind(all_ratings)
    .bind(comments)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl VoiceStore for PgStore {
    async fn ask(
        &self,
        question: NewQuestionRecord<'_>,
        now: i64,
    ) -> Result<(StoredQuestion, bool), StoreError> {
        retrying(|| self.ask_once(&question, now)).await
    }

    async fn question(&self, id: i64) -> Result<Option<StoredQuestion>, StoreError> {
        sqlx::query(&format!("{QUESTION_SELECT} WHERE q.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(question_of)
            .transpose()
    }

    async fn questions_of(&self, user_id: i64) -> Result<Vec<StoredQuestion>, StoreError> {
        sqlx::query(&format!(
            "{QUESTION_SELECT} WHERE q.user_id = $1 ORDER BY q.asked_at DESC, q.id DESC"
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
            "{QUESTION_SELECT} WHERE q.unit_id = ANY($1)
               AND q.answered_at IS NULL AND q.asked_at < $2
             ORDER BY q.asked_at, q.id"
        ))
        .bind(unit_ids)
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
        retrying(|| self.answer_question_once(id, answer, answered_by, publish, now)).await
    }

    async fn publish_question(
        &self,
        id: i64,
        publish: bool,
        now: i64,
    ) -> Result<Option<StoredQuestion>, StoreError> {
        retrying(|| self.publish_question_once(id, publish, now)).await
    }

    async fn open_round(
        &self,
        round: NewRoundRecord<'_>,
        now: i64,
    ) -> Result<(StoredRound, bool), StoreError> {
        let statements = serde_json::to_string(round.statements)
            .map_err(|err| StoreError::Db(err.to_string()))?;
        retrying(|| self.open_round_once(&round, &statements, now)).await
    }

    async fn round_by_client_id(
        &self,
        user_id: i64,
        client_id: &str,
    ) -> Result<Option<StoredRound>, StoreError> {
        sqlx::query(&format!(
            "{ROUND_SELECT} WHERE r.opened_by = $1 AND r.client_id = $2"
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
        sqlx::query(&format!("{ROUND_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(round_of)
            .transpose()
    }

    async fn rounds(&self, closes_after: i64) -> Result<Vec<StoredRound>, StoreError> {
        sqlx::query(&format!(
            "{ROUND_SELECT} WHERE r.closes_at > $1 ORDER BY r.opened_at DESC, r.id DESC"
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
             WHERE user_id = $1 AND round_id = ANY($2) ORDER BY round_id",
        )
        .bind(user_id)
        .bind(round_ids)
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
        let ratings = serde_json::to_string(&answer.ratings)
            .map_err(|err| StoreError::Db(err.to_string()))?;
        retrying(|| {
            self.record_answer_once(
                round_id,
                user_id,
                client_id,
                &ratings,
                answer.comment.as_deref(),
                now,
            )
        })
        .await
    }

    async fn answers(&self, round_id: i64) -> Result<Vec<StoredAnswer>, StoreError> {
        // By the random key, never by the order the rows were written in.
        sqlx::query("SELECT ratings, comment FROM feedback_answers WHERE round_id = $1 ORDER BY id")
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
