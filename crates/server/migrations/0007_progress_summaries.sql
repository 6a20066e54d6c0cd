-- What reports read instead of the events: each user's live events (those
-- no void event of the same user names) summed up, kept up to date by every
-- push (a push that stores a void event, or an event a stored void event
-- names, rebuilds that user's rows from the events; see
-- `store::progress`), and filled here from the events already stored.
-- A report then reads a few rows per member instead of every event and
-- its JSON.

-- Study seconds per UTC day (uncapped sums of `study_time`).
CREATE TABLE progress_days (
    user_id  INTEGER NOT NULL REFERENCES users(id),
    day      INTEGER NOT NULL,
    seconds  INTEGER,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;

-- The first time of each lesson done, scenario finished, risk self-check
-- completed and pledge version acknowledged: kind, and item (the lesson,
-- scenario, checklist, or the version in decimal).
CREATE TABLE progress_firsts (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    kind      TEXT    NOT NULL,
    item      TEXT    NOT NULL,
    first_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, item)
) WITHOUT ROWID;

-- Each lesson's quiz: attempts, best score, the last attempt (the greatest
-- at, device, seq) and the first attempt that mastered it.
CREATE TABLE progress_quizzes (
    user_id      INTEGER NOT NULL REFERENCES users(id),
    lesson       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    best         INTEGER,
    last_at      INTEGER NOT NULL,
    last_device  TEXT    NOT NULL,
    last_seq     INTEGER NOT NULL,
    last_score   INTEGER,
    last_total   INTEGER,
    mastered_at  INTEGER,
    PRIMARY KEY (user_id, lesson)
) WITHOUT ROWID;

-- Answers given to each question, and how many of them were wrong.
CREATE TABLE progress_answers (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    lesson    TEXT    NOT NULL,
    question  TEXT    NOT NULL,
    answers   INTEGER NOT NULL,
    wrong     INTEGER NOT NULL,
    PRIMARY KEY (user_id, lesson, question)
) WITHOUT ROWID;

-- The voided events: (user, id) named by a void event of the same user.
CREATE TEMP TABLE voided_events (
    user_id  INTEGER NOT NULL,
    id       TEXT    NOT NULL,
    PRIMARY KEY (user_id, id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO voided_events (user_id, id)
    SELECT user_id, json_extract(payload, '$.target') FROM events
    WHERE kind = 'void' AND json_extract(payload, '$.target') IS NOT NULL;

-- The same sums as `store::progress` makes from events (80: MASTERY_PERCENT).
INSERT INTO progress_days (user_id, day, seconds)
    SELECT user_id, (at - (((at % 86400000) + 86400000) % 86400000)) / 86400000,
           SUM(json_extract(payload, '$.seconds'))
    FROM events e
    WHERE kind = 'study_time'
      AND NOT EXISTS (SELECT 1 FROM voided_events v WHERE v.user_id = e.user_id AND v.id = e.id)
    GROUP BY 1, 2;

INSERT INTO progress_firsts (user_id, kind, item, first_at)
    SELECT user_id, kind, item, MIN(at) FROM (
        SELECT user_id, kind, at,
               CASE kind WHEN 'lesson_done' THEN json_extract(payload, '$.lesson')
                         WHEN 'scenario_finished' THEN json_extract(payload, '$.scenario')
                         WHEN 'risk_check_completed' THEN json_extract(payload, '$.checklist')
                         ELSE CAST(json_extract(payload, '$.version') AS TEXT) END AS item
        FROM events e
        WHERE kind IN ('lesson_done', 'scenario_finished', 'risk_check_completed', 'pledge_acknowledged')
          AND NOT EXISTS (SELECT 1 FROM voided_events v WHERE v.user_id = e.user_id AND v.id = e.id))
    WHERE item IS NOT NULL
    GROUP BY 1, 2, 3;

INSERT INTO progress_quizzes (user_id, lesson, attempts, best, last_at, last_device, last_seq,
                              last_score, last_total, mastered_at)
    SELECT user_id, lesson, COUNT(*), MAX(score),
           MAX(CASE WHEN back = 1 THEN at END), MAX(CASE WHEN back = 1 THEN device END),
           MAX(CASE WHEN back = 1 THEN seq END), MAX(CASE WHEN back = 1 THEN score END),
           MAX(CASE WHEN back = 1 THEN total END),
           MIN(CASE WHEN total > 0 AND score * 100 >= total * 80 THEN at END)
    FROM (SELECT user_id, lesson, score, total, at, device, seq,
                 ROW_NUMBER() OVER (PARTITION BY user_id, lesson
                                    ORDER BY at DESC, device DESC, seq DESC) AS back
          FROM (SELECT user_id, at, device, seq,
                       json_extract(payload, '$.lesson') AS lesson,
                       json_extract(payload, '$.score') AS score,
                       json_extract(payload, '$.total') AS total
                FROM events e
                WHERE kind = 'quiz_finished'
                  AND NOT EXISTS (SELECT 1 FROM voided_events v
                                  WHERE v.user_id = e.user_id AND v.id = e.id)))
    WHERE lesson IS NOT NULL
    GROUP BY 1, 2;

INSERT INTO progress_answers (user_id, lesson, question, answers, wrong)
    SELECT user_id, lesson, question, COUNT(*), SUM(CASE WHEN correct THEN 0 ELSE 1 END)
    FROM (SELECT user_id,
                 json_extract(payload, '$.lesson') AS lesson,
                 json_extract(payload, '$.question') AS question,
                 json_extract(payload, '$.correct') AS correct
          FROM events e
          WHERE kind = 'question_answered'
            AND NOT EXISTS (SELECT 1 FROM voided_events v WHERE v.user_id = e.user_id AND v.id = e.id))
    WHERE lesson IS NOT NULL AND question IS NOT NULL
    GROUP BY 1, 2, 3;

DROP TABLE voided_events;
