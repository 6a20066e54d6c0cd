-- What reports read instead of the events: each user's live events (those
-- no void event of the same user names) summed up, kept up to date by every
-- push (a push that stores a void event, or an event a stored void event
-- names, rebuilds that user's rows from the events; see
-- `store::progress`), and filled here from the events already stored.
-- The same tables as SQLite's migration 0007. A report then reads a few
-- rows per member instead of every event and its JSON.

-- Study seconds per UTC day (uncapped sums of `study_time`).
CREATE TABLE progress_days (
    user_id  BIGINT NOT NULL REFERENCES users(id),
    day      BIGINT NOT NULL,
    seconds  BIGINT,
    PRIMARY KEY (user_id, day)
);

-- The first time of each lesson done, scenario finished, risk self-check
-- completed and pledge version acknowledged: kind, and item (the lesson,
-- scenario, checklist, or the version in decimal).
CREATE TABLE progress_firsts (
    user_id   BIGINT NOT NULL REFERENCES users(id),
    kind      TEXT COLLATE "C" NOT NULL,
    item      TEXT COLLATE "C" NOT NULL,
    first_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, item)
);

-- Each lesson's quiz: attempts, best score, the last attempt (the greatest
-- at, device, seq; devices compared byte by byte) and the first attempt
-- that mastered it.
CREATE TABLE progress_quizzes (
    user_id      BIGINT NOT NULL REFERENCES users(id),
    lesson       TEXT COLLATE "C" NOT NULL,
    attempts     BIGINT NOT NULL,
    best         BIGINT,
    last_at      BIGINT NOT NULL,
    last_device  TEXT COLLATE "C" NOT NULL,
    last_seq     BIGINT NOT NULL,
    last_score   BIGINT,
    last_total   BIGINT,
    mastered_at  BIGINT,
    PRIMARY KEY (user_id, lesson)
);

-- Answers given to each question, and how many of them were wrong.
CREATE TABLE progress_answers (
    user_id   BIGINT NOT NULL REFERENCES users(id),
    lesson    TEXT COLLATE "C" NOT NULL,
    question  TEXT COLLATE "C" NOT NULL,
    answers   BIGINT NOT NULL,
    wrong     BIGINT NOT NULL,
    PRIMARY KEY (user_id, lesson, question)
);

-- The events of the kinds summed up that no void event of the same user
-- names, with their payloads parsed once.
CREATE TEMP TABLE live_events ON COMMIT DROP AS
    WITH voided AS MATERIALIZED (
        SELECT user_id, payload::jsonb ->> 'target' AS target FROM events WHERE kind = 'void')
    SELECT e.user_id, e.at, e.device, e.seq, e.kind, e.payload::jsonb AS p
    FROM events e
    WHERE e.kind IN ('study_time', 'lesson_done', 'scenario_finished', 'risk_check_completed',
                     'pledge_acknowledged', 'quiz_finished', 'question_answered')
      AND NOT EXISTS (
        SELECT 1 FROM voided v WHERE v.user_id = e.user_id AND v.target = e.id);

-- The same sums as `store::progress` makes from events (80: MASTERY_PERCENT).
-- UTC days: floor division (PostgreSQL's % truncates, as SQLite's).
INSERT INTO progress_days (user_id, day, seconds)
    SELECT user_id, (at - (((at % 86400000) + 86400000) % 86400000)) / 86400000,
           SUM((p ->> 'seconds')::bigint)::bigint
    FROM live_events WHERE kind = 'study_time'
    GROUP BY 1, 2;

INSERT INTO progress_firsts (user_id, kind, item, first_at)
    SELECT user_id, kind, item, MIN(at) FROM (
        SELECT user_id, kind, at,
               CASE kind WHEN 'lesson_done' THEN p ->> 'lesson'
                         WHEN 'scenario_finished' THEN p ->> 'scenario'
                         WHEN 'risk_check_completed' THEN p ->> 'checklist'
                         ELSE p ->> 'version' END AS item
        FROM live_events
        WHERE kind IN ('lesson_done', 'scenario_finished', 'risk_check_completed',
                       'pledge_acknowledged')) f
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
                                    ORDER BY at DESC, device COLLATE "C" DESC, seq DESC) AS back
          FROM (SELECT user_id, at, device, seq,
                       p ->> 'lesson' AS lesson,
                       (p ->> 'score')::bigint AS score,
                       (p ->> 'total')::bigint AS total
                FROM live_events WHERE kind = 'quiz_finished') q) r
    WHERE lesson IS NOT NULL
    GROUP BY 1, 2;

-- `correct` is a JSON boolean; anything but true counts as wrong.
INSERT INTO progress_answers (user_id, lesson, question, answers, wrong)
    SELECT user_id, lesson, question, COUNT(*),
           SUM(CASE WHEN correct THEN 0 ELSE 1 END)
    FROM (SELECT user_id, p ->> 'lesson' AS lesson, p ->> 'question' AS question,
                 (p -> 'correct') = 'true'::jsonb AS correct
          FROM live_events WHERE kind = 'question_answered') a
    WHERE lesson IS NOT NULL AND question IS NOT NULL
    GROUP BY 1, 2, 3;
