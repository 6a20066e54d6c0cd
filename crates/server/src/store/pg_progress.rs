//! The PostgreSQL store's progress summaries (see [`super::progress`]):
//! kept up to date by a push (one statement per table a batch touches),
//! read by reports.

use super::progress::{
    add_day, add_first, add_quiz, add_study_first, BatchSums, LESSON_DONE, PLEDGE_ACKNOWLEDGED,
    RISK_CHECK_COMPLETED,
};
use super::{ProgressFacts, StoreError, StudyFacts};
use qinglian_core::calendar::MS_PER_DAY;
use qinglian_core::events::Event;
use qinglian_core::progress::MASTERY_PERCENT;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashMap;

/// Adds the newly stored events of a push to the user's summaries, in the
/// push's transaction (the user's row locked), or rebuilds them from the
/// events when a void is involved (the batch stores a void event, or an
/// event that a stored void event names).
pub(super) async fn record_progress(
    tx: &mut PgConnection,
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
        let ids: Vec<&str> = stored.iter().map(|e| e.id.as_str()).collect();
        sqlx::query(
            "SELECT 1 FROM events WHERE user_id = $1 AND kind = 'void'
                AND payload::jsonb ->> 'target' = ANY($2) LIMIT 1",
        )
        .bind(user_id)
        .bind(&ids)
        .fetch_optional(&mut *tx)
        .await?
        .is_some()
    };
    if voided {
        return rebuild_progress(tx, user_id).await;
    }
    if !sums.days.is_empty() {
        let (days, seconds): (Vec<i64>, Vec<i64>) = sums.days.into_iter().unzip();
        sqlx::query(
            "INSERT INTO progress_days (user_id, day, seconds)
             SELECT $1, t.day, t.seconds FROM UNNEST($2::bigint[], $3::bigint[]) AS t(day, seconds)
             ON CONFLICT (user_id, day) DO UPDATE
                SET seconds = COALESCE(progress_days.seconds, 0) + excluded.seconds",
        )
        .bind(user_id)
        .bind(&days)
        .bind(&seconds)
        .execute(&mut *tx)
        .await?;
    }
    if !sums.firsts.is_empty() {
        let mut kinds = Vec::new();
        let mut items = Vec::new();
        let mut firsts = Vec::new();
        for ((kind, item), first_at) in sums.firsts {
            kinds.push(kind);
            items.push(item);
            firsts.push(first_at);
        }
        sqlx::query(
            "INSERT INTO progress_firsts (user_id, kind, item, first_at)
             SELECT $1, t.kind, t.item, t.first_at
             FROM UNNEST($2::text[], $3::text[], $4::bigint[]) AS t(kind, item, first_at)
             ON CONFLICT (user_id, kind, item) DO UPDATE
                SET first_at = LEAST(progress_firsts.first_at, excluded.first_at)",
        )
        .bind(user_id)
        .bind(&kinds)
        .bind(&items)
        .bind(&firsts)
        .execute(&mut *tx)
        .await?;
    }
    if !sums.quizzes.is_empty() {
        let mut lessons = Vec::new();
        let (mut attempts, mut best, mut last_at) = (Vec::new(), Vec::new(), Vec::new());
        let (mut last_device, mut last_seq) = (Vec::new(), Vec::new());
        let (mut last_score, mut last_total, mut mastered) = (Vec::new(), Vec::new(), Vec::new());
        for (lesson, q) in sums.quizzes {
            lessons.push(lesson);
            attempts.push(q.attempts);
            best.push(q.best);
            last_at.push(q.last.0);
            last_device.push(q.last.1);
            last_seq.push(q.last.2);
            last_score.push(q.last_score);
            last_total.push(q.last_total);
            mastered.push(q.mastered_at);
        }
        // SET sees the row as it was; GREATEST and LEAST leave NULLs out
        // (only from events stored before the summaries) as MAX and MIN do.
        // The last attempt: the greatest (at, device, seq), devices in "C".
        let later = "(excluded.last_at, excluded.last_device, excluded.last_seq)
                     > (q.last_at, q.last_device, q.last_seq)";
        sqlx::query(&format!(
            "INSERT INTO progress_quizzes AS q (user_id, lesson, attempts, best, last_at,
                                                last_device, last_seq, last_score, last_total,
                                                mastered_at)
             SELECT $1, t.* FROM UNNEST($2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                                        $6::text[], $7::bigint[], $8::bigint[], $9::bigint[],
                                        $10::bigint[]) AS t
             ON CONFLICT (user_id, lesson) DO UPDATE SET
                attempts = q.attempts + excluded.attempts,
                best = GREATEST(q.best, excluded.best),
                mastered_at = LEAST(q.mastered_at, excluded.mastered_at),
                last_at = CASE WHEN {later} THEN excluded.last_at ELSE q.last_at END,
                last_device = CASE WHEN {later} THEN excluded.last_device ELSE q.last_device END,
                last_seq = CASE WHEN {later} THEN excluded.last_seq ELSE q.last_seq END,
                last_score = CASE WHEN {later} THEN excluded.last_score ELSE q.last_score END,
                last_total = CASE WHEN {later} THEN excluded.last_total ELSE q.last_total END"
        ))
        .bind(user_id)
        .bind(&lessons)
        .bind(&attempts)
        .bind(&best)
        .bind(&last_at)
        .bind(&last_device)
        .bind(&last_seq)
        .bind(&last_score)
        .bind(&last_total)
        .bind(&mastered)
        .execute(&mut *tx)
        .await?;
    }
    if !sums.answers.is_empty() {
        let (mut lessons, mut questions) = (Vec::new(), Vec::new());
        let (mut answers, mut wrong) = (Vec::new(), Vec::new());
        for ((lesson, question), (n, w)) in sums.answers {
            lessons.push(lesson);
            questions.push(question);
            answers.push(n);
            wrong.push(w);
        }
        sqlx::query(
            "INSERT INTO progress_answers AS a (user_id, lesson, question, answers, wrong)
             SELECT $1, t.* FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS t
             ON CONFLICT (user_id, lesson, question) DO UPDATE
                SET answers = a.answers + excluded.answers, wrong = a.wrong + excluded.wrong",
        )
        .bind(user_id)
        .bind(&lessons)
        .bind(&questions)
        .bind(&answers)
        .bind(&wrong)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Rebuilds one user's summaries from their events (the same sums as
/// migration 0004 made for everyone).
pub(super) async fn rebuild_progress(
    tx: &mut PgConnection,
    user_id: i64,
) -> Result<(), StoreError> {
    for table in [
        "progress_days",
        "progress_firsts",
        "progress_quizzes",
        "progress_answers",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    // The user's events that no void event of theirs names.
    let live = "WITH voided AS MATERIALIZED (
            SELECT payload::jsonb ->> 'target' AS target FROM events
            WHERE user_id = $1 AND kind = 'void'),
         live AS (
            SELECT e.at, e.device, e.seq, e.kind, e.payload::jsonb AS p FROM events e
            WHERE e.user_id = $1 AND e.kind <> 'void'
              AND NOT EXISTS (SELECT 1 FROM voided v WHERE v.target = e.id))";
    for sql in [
        // UTC days: floor division (PostgreSQL's % truncates, as SQLite's).
        format!(
            "INSERT INTO progress_days (user_id, day, seconds)
             {live} SELECT $1, (at - (((at % {MS_PER_DAY}) + {MS_PER_DAY}) % {MS_PER_DAY})) / {MS_PER_DAY},
                           SUM((p ->> 'seconds')::bigint)::bigint
             FROM live WHERE kind = 'study_time' GROUP BY 2"
        ),
        format!(
            "INSERT INTO progress_firsts (user_id, kind, item, first_at)
             {live} SELECT $1, kind, item, MIN(at) FROM (
                SELECT kind, at,
                       CASE kind WHEN 'lesson_done' THEN p ->> 'lesson'
                                 WHEN 'scenario_finished' THEN p ->> 'scenario'
                                 WHEN 'risk_check_completed' THEN p ->> 'checklist'
                                 ELSE p ->> 'version' END AS item
                FROM live
                WHERE kind IN ('lesson_done', 'scenario_finished', 'risk_check_completed',
                               'pledge_acknowledged')) f
             WHERE item IS NOT NULL GROUP BY 2, 3"
        ),
        format!(
            "INSERT INTO progress_quizzes (user_id, lesson, attempts, best, last_at, last_device,
                                           last_seq, last_score, last_total, mastered_at)
             {live} SELECT $1, lesson, COUNT(*), MAX(score),
                    MAX(CASE WHEN back = 1 THEN at END), MAX(CASE WHEN back = 1 THEN device END),
                    MAX(CASE WHEN back = 1 THEN seq END), MAX(CASE WHEN back = 1 THEN score END),
                    MAX(CASE WHEN back = 1 THEN total END),
                    MIN(CASE WHEN total > 0 AND score * 100 >= total * {MASTERY_PERCENT} THEN at END)
             FROM (SELECT lesson, score, total, at, device, seq,
                          ROW_NUMBER() OVER (PARTITION BY lesson
                                             ORDER BY at DESC, device COLLATE \"C\" DESC, seq DESC) AS back
                   FROM (SELECT at, device, seq, p ->> 'lesson' AS lesson,
                                (p ->> 'score')::bigint AS score, (p ->> 'total')::bigint AS total
                         FROM live WHERE kind = 'quiz_finished') q) r
             WHERE lesson IS NOT NULL GROUP BY 2"
        ),
        // `correct` is a JSON boolean; anything but true counts as wrong.
        format!(
            "INSERT INTO progress_answers (user_id, lesson, question, answers, wrong)
             {live} SELECT $1, lesson, question, COUNT(*), SUM(CASE WHEN correct THEN 0 ELSE 1 END)
             FROM (SELECT p ->> 'lesson' AS lesson, p ->> 'question' AS question,
                          (p -> 'correct') = 'true'::jsonb AS correct
                   FROM live WHERE kind = 'question_answered') a
             WHERE lesson IS NOT NULL AND question IS NOT NULL GROUP BY 2, 3"
        ),
    ] {
        sqlx::query(&sql).bind(user_id).execute(&mut *tx).await?;
    }
    Ok(())
}

/// What reports need of these users' events (see `Store::progress_facts`).
pub(super) async fn progress_facts(
    pool: &PgPool,
    user_ids: &[i64],
) -> Result<HashMap<i64, ProgressFacts>, StoreError> {
    let mut facts: HashMap<i64, ProgressFacts> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(facts);
    }
    // All three in one snapshot, as SQLite's reads in WAL mode see one.
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    for row in
        sqlx::query("SELECT user_id, day, seconds FROM progress_days WHERE user_id = ANY($1)")
            .bind(user_ids)
            .fetch_all(&mut *tx)
            .await?
    {
        add_day(
            facts.entry(row.try_get("user_id")?).or_default(),
            row.try_get("day")?,
            row.try_get("seconds")?,
        );
    }
    for row in sqlx::query(&format!(
        "SELECT user_id, kind, item, first_at FROM progress_firsts
         WHERE user_id = ANY($1)
           AND kind IN ('{LESSON_DONE}', '{PLEDGE_ACKNOWLEDGED}', '{RISK_CHECK_COMPLETED}')"
    ))
    .bind(user_ids)
    .fetch_all(&mut *tx)
    .await?
    {
        let kind: String = row.try_get("kind")?;
        add_first(
            facts.entry(row.try_get("user_id")?).or_default(),
            &kind,
            row.try_get("item")?,
            row.try_get("first_at")?,
        );
    }
    for row in sqlx::query(
        "SELECT user_id, lesson, attempts, best, last_score, last_total, mastered_at
         FROM progress_quizzes WHERE user_id = ANY($1)",
    )
    .bind(user_ids)
    .fetch_all(&mut *tx)
    .await?
    {
        add_quiz(
            facts.entry(row.try_get("user_id")?).or_default(),
            (
                row.try_get("lesson")?,
                row.try_get("attempts")?,
                row.try_get("best")?,
                row.try_get("last_score")?,
                row.try_get("last_total")?,
                row.try_get("mastered_at")?,
            ),
        );
    }
    tx.commit().await?;
    Ok(facts)
}

/// What studying together needs of these users' events (see
/// `SessionStore::study_facts`).
pub(super) async fn study_facts(
    pool: &PgPool,
    user_ids: &[i64],
) -> Result<HashMap<i64, StudyFacts>, StoreError> {
    let mut facts: HashMap<i64, StudyFacts> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(facts);
    }
    for row in sqlx::query(
        "SELECT user_id, kind, item, first_at FROM progress_firsts WHERE user_id = ANY($1)",
    )
    .bind(user_ids)
    .fetch_all(pool)
    .await?
    {
        let kind: String = row.try_get("kind")?;
        add_study_first(
            facts.entry(row.try_get("user_id")?).or_default(),
            &kind,
            row.try_get("item")?,
            row.try_get("first_at")?,
        );
    }
    Ok(facts)
}
