-- Sign-in limits, shared by every server on this database. A try locks its
-- address's row first, so tries through two servers at once are counted
-- one after the other.
CREATE TABLE sign_in_addresses (
    addr  TEXT PRIMARY KEY
);

CREATE TABLE sign_in_pairs (
    login         TEXT    NOT NULL,
    addr          TEXT    NOT NULL,
    failures      BIGINT  NOT NULL,
    next_at       BIGINT  NOT NULL,
    last_failure  BIGINT  NOT NULL,
    PRIMARY KEY (login, addr)
);
CREATE INDEX sign_in_pairs_last ON sign_in_pairs(last_failure);

CREATE TABLE sign_in_tries (
    id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    addr  TEXT   NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX sign_in_tries_addr ON sign_in_tries(addr, at);
