-- Studying together on PostgreSQL (SQLite migrations 0004 and 0005): study
-- sessions with the server's verdicts on check-ins, assignments, questions
-- to the leaders, and the anonymous feedback rounds. Same tables and columns
-- as on SQLite; times are ms since the epoch, JSON is kept as the text the
-- server wrote, and text columns use the "C" collation (byte by byte, as
-- SQLite and 0001_core.sql). Several servers may share the database: every "the same
-- client_id again" rule is a unique constraint, so two servers creating the
-- same thing at once store it once.

-- A session of a unit (for the members of the unit and the units below).
-- secret is the check-in secret (hex); minutes the convener's record as
-- JSON (`together::SessionMinutes`); lessons a JSON array of lesson ids.
-- (scheduled_by, client_id) makes a retried request the same session.
CREATE TABLE study_sessions (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id               BIGINT NOT NULL REFERENCES units(id),
    kind                  TEXT COLLATE "C" NOT NULL,
    topic                 TEXT COLLATE "C" NOT NULL,
    lessons               TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    scenario              TEXT COLLATE "C",
    starts_at             BIGINT NOT NULL,
    ends_at               BIGINT NOT NULL,
    place                 TEXT COLLATE "C" NOT NULL,
    convener_id           BIGINT NOT NULL REFERENCES users(id),
    scheduled_by          BIGINT NOT NULL REFERENCES users(id),
    client_id             TEXT COLLATE "C" NOT NULL,
    secret                TEXT COLLATE "C" NOT NULL,
    created_at            BIGINT NOT NULL,
    cancelled_at          BIGINT,
    minutes               TEXT COLLATE "C",
    minutes_at            BIGINT,
    summary_published_at  BIGINT,
    UNIQUE (scheduled_by, client_id)
);
CREATE INDEX study_sessions_unit ON study_sessions (unit_id, starts_at);
CREATE INDEX study_sessions_ends ON study_sessions (ends_at);

-- The server's verdict on each `session_check_in` event, judged when the
-- event is pushed (one row per event, so judging again changes nothing).
-- session_id is not a foreign key: a check-in of an unknown session is
-- judged (refused) too. Either shown_at (confirmed) or refusal is set.
-- n is the order of judging, which SQLite's rowid gives: it breaks ties of
-- `at` when the verdicts of a session are listed.
CREATE TABLE session_check_ins (
    event_id    TEXT COLLATE "C" PRIMARY KEY,
    session_id  BIGINT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    at          BIGINT NOT NULL,
    shown_at    BIGINT,
    refusal     TEXT COLLATE "C",
    judged_at   BIGINT NOT NULL,
    n           BIGINT GENERATED ALWAYS AS IDENTITY,
    CHECK ((shown_at IS NULL) <> (refusal IS NULL))
);
CREATE INDEX session_check_ins_session ON session_check_ins (session_id, user_id);
CREATE INDEX session_check_ins_user ON session_check_ins (user_id, session_id);

-- Work a leader assigns to the members of a unit (and the units below);
-- items is a JSON array of `together::AssignedItem`.
CREATE TABLE assignments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    items         TEXT COLLATE "C" NOT NULL,
    due_at        BIGINT NOT NULL,
    note          TEXT COLLATE "C" NOT NULL DEFAULT '',
    assigned_by   BIGINT NOT NULL REFERENCES users(id),
    client_id     TEXT COLLATE "C" NOT NULL,
    assigned_at   BIGINT NOT NULL,
    cancelled_at  BIGINT,
    UNIQUE (assigned_by, client_id)
);
CREATE INDEX assignments_unit ON assignments (unit_id, due_at);
CREATE INDEX assignments_due ON assignments (due_at);

-- A member's question. unit_id is the asker's unit when asking; show_name
-- lets the leaders see who asked (never shown once published).
CREATE TABLE questions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    client_id     TEXT COLLATE "C" NOT NULL,
    unit_id       BIGINT  NOT NULL REFERENCES units(id),
    text          TEXT COLLATE "C" NOT NULL,
    show_name     BOOLEAN NOT NULL,
    asked_at      BIGINT  NOT NULL,
    answer        TEXT COLLATE "C",
    answered_at   BIGINT,
    answered_by   BIGINT REFERENCES users(id),
    published_at  BIGINT,
    UNIQUE (user_id, client_id),
    CHECK (published_at IS NULL OR answer IS NOT NULL)
);
CREATE INDEX questions_unit ON questions (unit_id, answered_at);
CREATE INDEX questions_published ON questions (unit_id, published_at);

-- A feedback round on the leadership of unit_id; statements is a JSON array
-- of {"zh-Hans", "en"}.
CREATE TABLE feedback_rounds (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    opened_by   BIGINT NOT NULL REFERENCES users(id),
    client_id   TEXT COLLATE "C" NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    statements  TEXT COLLATE "C" NOT NULL,
    opened_at   BIGINT NOT NULL,
    closes_at   BIGINT NOT NULL,
    UNIQUE (opened_by, client_id)
);
CREATE INDEX feedback_rounds_closes ON feedback_rounds (closes_at);

-- Who answered a round: no time. client_id tells a retry of the same answer
-- from a second answer; the primary key makes it one answer per member and
-- round, whichever server takes it. Unlike SQLite's WITHOUT ROWID tables,
-- PostgreSQL's heap keeps rows in the order they were written, each with the
-- id of the transaction that wrote it (xmin): so each answering transaction
-- rewrites all of the round's answers in key order (pg_voice.rs), and no
-- answer shares its xmin or its place with its member's row here.
-- docs/SERVER.md says what remains.
CREATE TABLE feedback_respondents (
    round_id   BIGINT NOT NULL REFERENCES feedback_rounds(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    client_id  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, user_id),
    UNIQUE (user_id, client_id)
);

-- The answers, apart from who gave them: no account, device, client_id or
-- time. The key is 16 random bytes drawn by the server (never a sequence or
-- a clock); answers are read in the order of that key. ratings is a JSON
-- array of 1–5, one per statement.
CREATE TABLE feedback_answers (
    id        BYTEA  PRIMARY KEY CHECK (length(id) = 16),
    round_id  BIGINT NOT NULL REFERENCES feedback_rounds(id),
    ratings   TEXT COLLATE "C" NOT NULL,
    comment   TEXT COLLATE "C"
);
CREATE INDEX feedback_answers_round ON feedback_answers (round_id, id);
