-- Sign-in limits, kept in the database so that a restart forgets nothing
-- (and, on PostgreSQL, so that several servers count together).
CREATE TABLE sign_in_pairs (
    login         TEXT    NOT NULL,
    addr          TEXT    NOT NULL,
    failures      INTEGER NOT NULL,
    next_at       INTEGER NOT NULL,
    last_failure  INTEGER NOT NULL,
    PRIMARY KEY (login, addr)
) WITHOUT ROWID;
CREATE INDEX sign_in_pairs_last ON sign_in_pairs(last_failure);

CREATE TABLE sign_in_tries (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    addr  TEXT    NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX sign_in_tries_addr ON sign_in_tries(addr, at);
