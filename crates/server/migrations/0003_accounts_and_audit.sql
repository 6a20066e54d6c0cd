-- Account life cycle: archived units, revoked invites, disabled accounts,
-- one-time passwords that must be changed, sessions listed by id, content
-- history, and the audit log of every administrative action.

ALTER TABLE units ADD COLUMN archived_at INTEGER;

ALTER TABLE invites ADD COLUMN revoked_at INTEGER;

ALTER TABLE users ADD COLUMN disabled_at INTEGER;
-- Set by a password reset or a roster import: the password is a one-time
-- one, to be replaced at the next sign-in, and it expires.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_expires_at INTEGER;

ALTER TABLE content_packs ADD COLUMN summary TEXT;
-- The version this row re-published (a rollback), if it is one.
ALTER TABLE content_packs ADD COLUMN rollback_of TEXT;

-- Sessions get a public id (never reused), and what the user sees of their
-- devices: the browser and the address.
CREATE TABLE sessions_v2 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT    NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    user_agent    TEXT,
    client_addr   TEXT
);
INSERT INTO sessions_v2 (token_hash, user_id, created_at, last_seen_at)
    SELECT token_hash, user_id, created_at, last_seen_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v2 RENAME TO sessions;
CREATE INDEX sessions_user ON sessions(user_id);

-- Who did what, when, from where. actor is the login, or "cli" for the
-- command line; details is a JSON object.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor_id     INTEGER REFERENCES users(id),
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    target       TEXT,
    client_addr  TEXT,
    details      TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_actor ON audit_log(actor, at);
CREATE INDEX audit_action ON audit_log(action, at);
