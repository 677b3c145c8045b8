-- Sign-in sessions: only a SHA-256 hash of the cookie's token is stored.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Events counted by abuse limits: failed logins per account and per IP, registrations per IP.
CREATE TABLE limit_events (
    scope TEXT   NOT NULL,
    key   TEXT   NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX limit_events_by_key ON limit_events (scope, key, at);
CREATE INDEX limit_events_by_time ON limit_events (at);
