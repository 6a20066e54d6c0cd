-- Studying together: group study sessions with an offline check-in, the
-- server's verdict on each check-in event, and assignments.

-- A session of a unit (for the members of the unit and the units below).
-- secret is the check-in secret (hex); minutes the convener's record as
-- JSON (`together::SessionMinutes`); lessons a JSON array of lesson ids.
-- (scheduled_by, client_id) makes a retried request the same session.
CREATE TABLE study_sessions (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id               INTEGER NOT NULL REFERENCES units(id),
    kind                  TEXT    NOT NULL,
    topic                 TEXT    NOT NULL,
    lessons               TEXT    NOT NULL DEFAULT '[]',
    scenario              TEXT,
    starts_at             INTEGER NOT NULL,
    ends_at               INTEGER NOT NULL,
    place                 TEXT    NOT NULL,
    convener_id           INTEGER NOT NULL REFERENCES users(id),
    scheduled_by          INTEGER NOT NULL REFERENCES users(id),
    client_id             TEXT    NOT NULL,
    secret                TEXT    NOT NULL,
    created_at            INTEGER NOT NULL,
    cancelled_at          INTEGER,
    minutes               TEXT,
    minutes_at            INTEGER,
    summary_published_at  INTEGER,
    UNIQUE (scheduled_by, client_id)
);
CREATE INDEX study_sessions_unit ON study_sessions(unit_id, starts_at);
CREATE INDEX study_sessions_ends ON study_sessions(ends_at);

-- The server's verdict on each `session_check_in` event, judged when the
-- event is pushed (one row per event, so judging again changes nothing).
-- session_id is not a foreign key: a check-in of an unknown session is
-- judged (refused) too. Either shown_at (confirmed) or refusal is set.
CREATE TABLE session_check_ins (
    event_id    TEXT    PRIMARY KEY,
    session_id  INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    at          INTEGER NOT NULL,
    shown_at    INTEGER,
    refusal     TEXT,
    judged_at   INTEGER NOT NULL,
    CHECK ((shown_at IS NULL) <> (refusal IS NULL))
);
CREATE INDEX session_check_ins_session ON session_check_ins(session_id, user_id);
CREATE INDEX session_check_ins_user ON session_check_ins(user_id, session_id);

-- Work a leader assigns to the members of a unit (and the units below);
-- items is a JSON array of `together::AssignedItem`.
CREATE TABLE assignments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    items         TEXT    NOT NULL,
    due_at        INTEGER NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    assigned_by   INTEGER NOT NULL REFERENCES users(id),
    client_id     TEXT    NOT NULL,
    assigned_at   INTEGER NOT NULL,
    cancelled_at  INTEGER,
    UNIQUE (assigned_by, client_id)
);
CREATE INDEX assignments_unit ON assignments(unit_id, due_at);
CREATE INDEX assignments_due ON assignments(due_at);
