-- Studying together, part two: questions to the unit's leaders (with the
-- answers published as a FAQ) and anonymous feedback rounds on the
-- leadership (民主测评). Independent of the study-session tables.

-- A member's question. unit_id is the asker's unit when asking; show_name
-- lets the leaders see who asked (never shown once published).
CREATE TABLE questions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    client_id     TEXT    NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    text          TEXT    NOT NULL,
    show_name     INTEGER NOT NULL CHECK (show_name IN (0, 1)),
    asked_at      INTEGER NOT NULL,
    answer        TEXT,
    answered_at   INTEGER,
    answered_by   INTEGER REFERENCES users(id),
    published_at  INTEGER,
    UNIQUE (user_id, client_id),
    CHECK (published_at IS NULL OR answer IS NOT NULL)
);
CREATE INDEX questions_unit ON questions(unit_id, answered_at);
CREATE INDEX questions_published ON questions(unit_id, published_at);

-- A feedback round on the leadership of unit_id; statements is a JSON array
-- of {"zh-Hans", "en"}.
CREATE TABLE feedback_rounds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    opened_by   INTEGER NOT NULL REFERENCES users(id),
    client_id   TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    statements  TEXT    NOT NULL,
    opened_at   INTEGER NOT NULL,
    closes_at   INTEGER NOT NULL,
    UNIQUE (opened_by, client_id)
);
CREATE INDEX feedback_rounds_closes ON feedback_rounds(closes_at);

-- Who answered a round: no time, and no rowid (the rows are kept in
-- (round, user) order, not in the order of answering). client_id tells a
-- retry of the same answer from a second answer.
CREATE TABLE feedback_respondents (
    round_id   INTEGER NOT NULL REFERENCES feedback_rounds(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    client_id  TEXT    NOT NULL,
    PRIMARY KEY (round_id, user_id),
    UNIQUE (user_id, client_id)
) WITHOUT ROWID;

-- The answers, apart from who gave them: no account, device, client_id or
-- time. The key is 16 random bytes and the table has no rowid, so the rows
-- are stored in the order of that random key, not in the order of
-- answering. ratings is a JSON array of 1–5, one per statement.
CREATE TABLE feedback_answers (
    id        BLOB    PRIMARY KEY CHECK (typeof(id) = 'blob' AND length(id) = 16),
    round_id  INTEGER NOT NULL REFERENCES feedback_rounds(id),
    ratings   TEXT    NOT NULL,
    comment   TEXT
) WITHOUT ROWID;
CREATE INDEX feedback_answers_round ON feedback_answers(round_id);
