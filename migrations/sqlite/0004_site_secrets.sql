-- Keys the server makes once and keeps, so every server process (and every restart) signs
-- and checks with the same one. `secret` is hex text, which PostgreSQL stores the same way.
CREATE TABLE site_secrets (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);
