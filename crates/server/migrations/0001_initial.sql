-- Qinglian server: accounts, sessions, the synced event log and published content.
-- Times are milliseconds since 1970 UTC, as the app's events use.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES units(id),
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    login          TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('learner', 'leader', 'admin')),
    unit_id        INTEGER REFERENCES units(id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        TEXT    NOT NULL UNIQUE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    role        TEXT    NOT NULL CHECK (role IN ('learner', 'leader')),
    max_uses    INTEGER NOT NULL,
    uses        INTEGER NOT NULL DEFAULT 0,
    expires_at  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
);

-- Only a hash of each session token is kept: a copy of the database opens no session.
CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- A device belongs to the first user that pushed from it.
CREATE TABLE devices (
    id             TEXT    PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    max_seq        INTEGER NOT NULL DEFAULT 0,
    first_seen_at  INTEGER NOT NULL,
    last_push_at   INTEGER NOT NULL
);
CREATE INDEX devices_user ON devices(user_id);

-- The event log. order_id is the server's order (pull cursors); payload is the
-- event's canonical JSON, compared byte for byte to tell duplicates from conflicts.
CREATE TABLE events (
    order_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    device       TEXT    NOT NULL REFERENCES devices(id),
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    UNIQUE (device, seq)
);
CREATE INDEX events_user_order ON events(user_id, order_id);

CREATE TABLE content_packs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    version       TEXT    NOT NULL,
    json          TEXT    NOT NULL,
    published_at  INTEGER NOT NULL,
    published_by  INTEGER REFERENCES users(id)
);
