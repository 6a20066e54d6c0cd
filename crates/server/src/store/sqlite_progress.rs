//! The SQLite store's progress summaries (see [`super::progress`]): kept up
//! to date by a push, read by reports.
//!
//! The reads give one row per user with that user's rows as a JSON array:
//! sqlx hands each SQLite row over from its worker thread (about 1.5 µs a
//! row), which for a unit of 500 members was most of a report's time.

use super::progress::{
    add_day, add_first, add_quiz, add_study_first, BatchSums, QuizRow, LESSON_DONE,
    PLEDGE_ACKNOWLEDGED, RISK_CHECK_COMPLETED,
};
use super::{ProgressFacts, StoreError, StudyFacts};
use qinglian_core::calendar::MS_PER_DAY;
use qinglian_core::events::Event;
use qinglian_core::progress::MASTERY_PERCENT;
use sqlx::{Row, SqliteConnection, SqlitePool};
use std::collections::{HashMap, HashSet};

/// Adds the newly stored events of a push to the user's summaries, in the
/// push's transaction, or rebuilds them from the events when a void is
/// involved (the batch stores a void event, or an event that a stored void
/// event names).
pub(super) async fn record_progress(
    tx: &mut SqliteConnection,
    user_id: i64,
    stored: &[&Event],
) -> Result<(), StoreError> {
    if stored.is_empty() {
        return Ok(());
    }
    let mut sums = BatchSums::default();
    for event in stored {
        sums.add(event);
    }
    let voided = sums.voids || {
        let targets: HashSet<String> = sqlx::query_scalar(
            "SELECT json_extract(payload, '$.target') FROM events
             WHERE user_id = ? AND kind = 'void' AND json_extract(payload, '$.target') IS NOT NULL",
        )
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        !targets.is_empty() && stored.iter().any(|e| targets.contains(&e.id))
    };
    if voided {
        return rebuild_progress(tx, user_id).await;
    }
    for (day, seconds) in &sums.days {
        sqlx::query(
            "INSERT INTO progress_days (user_id, day, seconds) VALUES (?, ?, ?)
             ON CONFLICT (user_id, day) DO UPDATE SET seconds = COALESCE(seconds, 0) + excluded.seconds",
        )
        .bind(user_id)
        .bind(day)
        .bind(seconds)
        .execute(&mut *tx)
        .await?;
    }
    for ((kind, item), first_at) in &sums.firsts {
        sqlx::query(
            "INSERT INTO progress_firsts (user_id, kind, item, first_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (user_id, kind, item) DO UPDATE SET first_at = min(first_at, excluded.first_at)",
        )
        .bind(user_id)
        .bind(kind)
        .bind(item)
        .bind(first_at)
        .execute(&mut *tx)
        .await?;
    }
    for (lesson, q) in &sums.quizzes {
        // SET sees the row as it was; NULLs (only from events stored before
        // the summaries, never from a push) are left out as MAX and MIN do.
        sqlx::query(
            "INSERT INTO progress_quizzes (user_id, lesson, attempts, best, last_at, last_device,
                                           last_seq, last_score, last_total, mastered_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id, lesson) DO UPDATE SET
                attempts = attempts + excluded.attempts,
                best = COALESCE(max(best, excluded.best), best, excluded.best),
                mastered_at = COALESCE(min(mastered_at, excluded.mastered_at), mastered_at,
                                       excluded.mastered_at),
                last_score = CASE WHEN (excluded.last_at, excluded.last_device, excluded.last_seq)
                                       > (last_at, last_device, last_seq)
                             THEN excluded.last_score ELSE last_score END,
                last_total = CASE WHEN (excluded.last_at, excluded.last_device, excluded.last_seq)
                                       > (last_at, last_device, last_seq)
                             THEN excluded.last_total ELSE last_total END,
                last_at = CASE WHEN (excluded.last_at, excluded.last_device, excluded.last_seq)
                                    > (last_at, last_device, last_seq)
                          THEN excluded.last_at ELSE last_at END,
                last_device = CASE WHEN (excluded.last_at, excluded.last_device, excluded.last_seq)
                                        > (last_at, last_device, last_seq)
                              THEN excluded.last_device ELSE last_device END,
                last_seq = CASE WHEN (excluded.last_at, excluded.last_device, excluded.last_seq)
                                     > (last_at, last_device, last_seq)
                           THEN excluded.last_seq ELSE last_seq END",
        )
        .bind(user_id)
        .bind(lesson)
        .bind(q.attempts)
        .bind(q.best)
        .bind(q.last.0)
        .bind(&q.last.1)
        .bind(q.last.2)
        .bind(q.last_score)
        .bind(q.last_total)
        .bind(q.mastered_at)
        .execute(&mut *tx)
        .await?;
    }
    for ((lesson, question), (answers, wrong)) in &sums.answers {
        sqlx::query(
            "INSERT INTO progress_answers (user_id, lesson, question, answers, wrong)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (user_id, lesson, question) DO UPDATE SET
                answers = answers + excluded.answers, wrong = wrong + excluded.wrong",
        )
        .bind(user_id)
        .bind(lesson)
        .bind(question)
        .bind(answers)
        .bind(wrong)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Rebuilds one user's summaries from their events (the same sums as
/// migration 0007 made for everyone).
pub(super) async fn rebuild_progress(
    tx: &mut SqliteConnection,
    user_id: i64,
) -> Result<(), StoreError> {
    for table in [
        "progress_days",
        "progress_firsts",
        "progress_quizzes",
        "progress_answers",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = ?"))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    // The user's events that no void event of theirs names.
    let live = "WITH voided AS (
            SELECT json_extract(payload, '$.target') AS target FROM events
            WHERE user_id = ?1 AND kind = 'void'),
         live AS (
            SELECT at, device, seq, kind, payload FROM events
            WHERE user_id = ?1 AND id NOT IN (SELECT target FROM voided WHERE target IS NOT NULL))";
    for sql in [
        format!(
            "INSERT INTO progress_days (user_id, day, seconds)
             {live} SELECT ?1, (at - (((at % {MS_PER_DAY}) + {MS_PER_DAY}) % {MS_PER_DAY})) / {MS_PER_DAY},
                           SUM(json_extract(payload, '$.seconds'))
             FROM live WHERE kind = 'study_time' GROUP BY 2"
        ),
        format!(
            "INSERT INTO progress_firsts (user_id, kind, item, first_at)
             {live} SELECT ?1, kind, item, MIN(at) FROM (
                SELECT kind, at,
                       CASE kind WHEN 'lesson_done' THEN json_extract(payload, '$.lesson')
                                 WHEN 'scenario_finished' THEN json_extract(payload, '$.scenario')
                                 WHEN 'risk_check_completed' THEN json_extract(payload, '$.checklist')
                                 ELSE CAST(json_extract(payload, '$.version') AS TEXT) END AS item
                FROM live
                WHERE kind IN ('lesson_done', 'scenario_finished', 'risk_check_completed',
                               'pledge_acknowledged'))
             WHERE item IS NOT NULL GROUP BY 2, 3"
        ),
        format!(
            "INSERT INTO progress_quizzes (user_id, lesson, attempts, best, last_at, last_device,
                                           last_seq, last_score, last_total, mastered_at)
             {live} SELECT ?1, lesson, COUNT(*), MAX(score),
                    MAX(CASE WHEN back = 1 THEN at END), MAX(CASE WHEN back = 1 THEN device END),
                    MAX(CASE WHEN back = 1 THEN seq END), MAX(CASE WHEN back = 1 THEN score END),
                    MAX(CASE WHEN back = 1 THEN total END),
                    MIN(CASE WHEN total > 0 AND score * 100 >= total * {MASTERY_PERCENT} THEN at END)
             FROM (SELECT lesson, score, total, at, device, seq,
                          ROW_NUMBER() OVER (PARTITION BY lesson
                                             ORDER BY at DESC, device DESC, seq DESC) AS back
                   FROM (SELECT at, device, seq,
                                json_extract(payload, '$.lesson') AS lesson,
                                json_extract(payload, '$.score') AS score,
                                json_extract(payload, '$.total') AS total
                         FROM live WHERE kind = 'quiz_finished'))
             WHERE lesson IS NOT NULL GROUP BY 2"
        ),
        format!(
            "INSERT INTO progress_answers (user_id, lesson, question, answers, wrong)
             {live} SELECT ?1, lesson, question, COUNT(*), SUM(CASE WHEN correct THEN 0 ELSE 1 END)
             FROM (SELECT json_extract(payload, '$.lesson') AS lesson,
                          json_extract(payload, '$.question') AS question,
                          json_extract(payload, '$.correct') AS correct
                   FROM live WHERE kind = 'question_answered')
             WHERE lesson IS NOT NULL AND question IS NOT NULL GROUP BY 2, 3"
        ),
    ] {
        sqlx::query(&sql).bind(user_id).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Runs `sql` (with `{marks}` for the chunk's placeholders) for each chunk
/// of 500 users; each row is a user id and that user's rows as JSON.
async fn per_user_json<T: serde::de::DeserializeOwned>(
    pool: &SqlitePool,
    user_ids: &[i64],
    sql: &str,
    mut each: impl FnMut(i64, Vec<T>),
) -> Result<(), StoreError> {
    for chunk in user_ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = sql.replace("{marks}", &marks);
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(pool).await? {
            let user: i64 = row.try_get(0)?;
            let json: String = row.try_get(1)?;
            let rows: Vec<T> = serde_json::from_str(&json)
                .map_err(|err| StoreError::Db(format!("a progress summary: {err}")))?;
            each(user, rows);
        }
    }
    Ok(())
}

/// What reports need of these users' events (see `Store::progress_facts`).
pub(super) async fn progress_facts(
    pool: &SqlitePool,
    user_ids: &[i64],
) -> Result<HashMap<i64, ProgressFacts>, StoreError> {
    let mut facts: HashMap<i64, ProgressFacts> = HashMap::new();
    per_user_json(
        pool,
        user_ids,
        "SELECT user_id, json_group_array(json_array(day, seconds)) FROM progress_days
         WHERE user_id IN ({marks}) GROUP BY user_id",
        |user, rows: Vec<(i64, Option<i64>)>| {
            let entry = facts.entry(user).or_default();
            for (day, seconds) in rows {
                add_day(entry, day, seconds);
            }
        },
    )
    .await?;
    per_user_json(
        pool,
        user_ids,
        &format!(
            "SELECT user_id, json_group_array(json_array(kind, item, first_at)) FROM progress_firsts
             WHERE user_id IN ({{marks}})
               AND kind IN ('{LESSON_DONE}', '{PLEDGE_ACKNOWLEDGED}', '{RISK_CHECK_COMPLETED}')
             GROUP BY user_id"
        ),
        |user, rows: Vec<(String, String, i64)>| {
            let entry = facts.entry(user).or_default();
            for (kind, item, first_at) in rows {
                add_first(entry, &kind, item, first_at);
            }
        },
    )
    .await?;
    per_user_json(
        pool,
        user_ids,
        "SELECT user_id, json_group_array(json_array(lesson, attempts, best, last_score,
                                                     last_total, mastered_at))
         FROM progress_quizzes WHERE user_id IN ({marks}) GROUP BY user_id",
        |user, rows: Vec<QuizRow>| {
            let entry = facts.entry(user).or_default();
            for row in rows {
                add_quiz(entry, row);
            }
        },
    )
    .await?;
    Ok(facts)
}

/// What studying together needs of these users' events (see
/// `SessionStore::study_facts`).
pub(super) async fn study_facts(
    pool: &SqlitePool,
    user_ids: &[i64],
) -> Result<HashMap<i64, StudyFacts>, StoreError> {
    let mut facts: HashMap<i64, StudyFacts> = HashMap::new();
    per_user_json(
        pool,
        user_ids,
        "SELECT user_id, json_group_array(json_array(kind, item, first_at)) FROM progress_firsts
         WHERE user_id IN ({marks}) GROUP BY user_id",
        |user, rows: Vec<(String, String, i64)>| {
            let entry = facts.entry(user).or_default();
            for (kind, item, first_at) in rows {
                add_study_first(entry, &kind, item, first_at);
            }
        },
    )
    .await?;
    Ok(facts)
}
