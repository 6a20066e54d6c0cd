-- Qinglian server on PostgreSQL: units, accounts, sessions, devices, the
-- synced event log, published content and the audit log. The SQLite
-- migrations 0001-0003 in one, with the same tables and columns, so that the
-- two schemas read alike.
--
-- Times are milliseconds since 1970 UTC (BIGINT), as the app's events use.
-- Text columns use the "C" collation: compared and sorted byte by byte as
-- SQLite does (e.g. the account list by display name), and ILIKE folds ASCII
-- letters only, as SQLite's LIKE, whatever the database's locale.

CREATE TABLE units (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT COLLATE "C" NOT NULL,
    parent_id    BIGINT REFERENCES units(id),
    created_at   BIGINT NOT NULL,
    -- When it was archived (empty, no longer used), if it was.
    archived_at  BIGINT
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE users (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login                 TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name          TEXT COLLATE "C" NOT NULL,
    password_hash         TEXT COLLATE "C" NOT NULL,
    role                  TEXT COLLATE "C" NOT NULL
                              CHECK (role IN ('learner', 'leader', 'admin')),
    unit_id               BIGINT REFERENCES units(id),
    created_at            BIGINT NOT NULL,
    disabled_at           BIGINT,
    -- Set by a password reset or a roster import: the password is a one-time
    -- one, to be replaced at the next sign-in, and it expires.
    must_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    password_expires_at   BIGINT
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE invites (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT COLLATE "C" NOT NULL UNIQUE,
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    role        TEXT COLLATE "C" NOT NULL CHECK (role IN ('learner', 'leader')),
    max_uses    BIGINT NOT NULL,
    uses        BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT NOT NULL,
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX invites_unit ON invites(unit_id);

-- Only a hash of each session token is kept: a copy of the database opens no
-- session. The id is public (never reused); the browser and the address are
-- what the user sees of their devices.
CREATE TABLE sessions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    TEXT COLLATE "C" NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    user_agent    TEXT COLLATE "C",
    client_addr   TEXT COLLATE "C"
);
CREATE INDEX sessions_user ON sessions(user_id);

-- A device belongs to the first user that pushed from it.
CREATE TABLE devices (
    id             TEXT COLLATE "C" PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users(id),
    max_seq        BIGINT NOT NULL DEFAULT 0,
    first_seen_at  BIGINT NOT NULL,
    last_push_at   BIGINT NOT NULL
);
CREATE INDEX devices_user ON devices(user_id);

-- The event log. order_id is the server's order (pull cursors); a push holds
-- its user's row locked, so one user's events commit in order_id order.
-- payload is the event's canonical JSON, compared byte for byte to tell
-- duplicates from conflicts (queries read it as payload::jsonb).
CREATE TABLE events (
    order_id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT COLLATE "C" NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    device       TEXT COLLATE "C" NOT NULL REFERENCES devices(id),
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    payload      TEXT COLLATE "C" NOT NULL,
    received_at  BIGINT NOT NULL,
    UNIQUE (device, seq)
);
CREATE INDEX events_user_order ON events(user_id, order_id);
-- Reports aggregate events in SQL per user and kind (voided events are left
-- out through a list of the users' void targets).
CREATE INDEX events_user_kind ON events(user_id, kind);

-- Every publication of the content, kept for good; the newest is current.
CREATE TABLE content_packs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version       TEXT COLLATE "C" NOT NULL,
    json          TEXT COLLATE "C" NOT NULL,
    published_at  BIGINT NOT NULL,
    published_by  BIGINT REFERENCES users(id),
    summary       TEXT COLLATE "C",
    -- The version this row re-published (a rollback), if it is one.
    rollback_of   TEXT COLLATE "C"
);
CREATE INDEX content_packs_version ON content_packs(version, id);

-- Who did what, when, from where. actor is the login, or "cli" for the
-- command line; details is a JSON object.
CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           BIGINT NOT NULL,
    actor_id     BIGINT REFERENCES users(id),
    actor        TEXT COLLATE "C" NOT NULL,
    action       TEXT COLLATE "C" NOT NULL,
    target       TEXT COLLATE "C",
    client_addr  TEXT COLLATE "C",
    details      TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_actor ON audit_log(actor, at);
CREATE INDEX audit_action ON audit_log(action, at);
