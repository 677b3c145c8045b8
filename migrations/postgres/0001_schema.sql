-- Jinri schema on PostgreSQL: the tables of migrations/sqlite/0001–0006 as they stand after
-- them. Every integer column is BIGINT (ids BIGSERIAL), because the server reads them as i64
-- and sqlx decodes i64 only from INT8. Times are Unix seconds.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT    NOT NULL,
    -- Lower-cased NFC name: names are unique ignoring case.
    name_key      TEXT    NOT NULL UNIQUE,
    -- NULL for accounts that cannot sign in (imported commenters).
    password_hash TEXT,
    role          TEXT    NOT NULL DEFAULT 'reader'
                  CHECK (role IN ('reader', 'editor', 'moderator', 'admin')),
    created_at    BIGINT  NOT NULL,
    -- The name folded to what it looks like (`server::names::stored_skeleton`); not UNIQUE.
    skeleton      TEXT
);
CREATE INDEX users_by_skeleton ON users (skeleton);

CREATE TABLE channels (
    id       BIGSERIAL PRIMARY KEY,
    slug     TEXT   NOT NULL UNIQUE,
    name     TEXT   NOT NULL,
    position BIGINT NOT NULL
);

CREATE TABLE articles (
    id            BIGSERIAL PRIMARY KEY,
    channel_id    BIGINT NOT NULL REFERENCES channels (id),
    title         TEXT   NOT NULL,
    summary       TEXT   NOT NULL,
    source        TEXT   NOT NULL,
    original_url  TEXT,
    published_at  BIGINT NOT NULL,
    -- Kept in step with comments in the same transaction; lists and 热门 read it without a join.
    comment_count BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);
CREATE INDEX articles_by_published ON articles (published_at DESC, id DESC);
CREATE INDEX articles_by_channel ON articles (channel_id, published_at DESC, id DESC);
CREATE INDEX articles_by_comments ON articles (comment_count DESC, published_at DESC);

-- An article's body in reading order: paragraphs and captioned figures.
CREATE TABLE article_blocks (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    kind       TEXT   NOT NULL CHECK (kind IN ('paragraph', 'figure')),
    body       TEXT   NOT NULL,
    caption    TEXT,
    PRIMARY KEY (article_id, position)
);

CREATE TABLE comments (
    id         BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id  BIGINT REFERENCES comments (id),
    author_id  BIGINT NOT NULL REFERENCES users (id),
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT,
    -- The top-level comment a reply belongs to (NULL for a top-level comment).
    root_id    BIGINT REFERENCES comments (id),
    like_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX comments_by_article ON comments (article_id, created_at DESC, id DESC);
CREATE INDEX comments_by_parent ON comments (parent_id);
CREATE INDEX comments_by_root ON comments (root_id);
CREATE INDEX comments_top_new ON comments (article_id, parent_id, created_at, id);
CREATE INDEX comments_top_hot ON comments (article_id, parent_id, like_count, id);
CREATE INDEX comments_by_author ON comments (author_id, created_at);

CREATE TABLE comment_likes (
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);

-- Every change a live page must see.
CREATE TABLE comment_events (
    id         BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL CHECK (kind IN ('created', 'deleted', 'liked')),
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL
);
CREATE INDEX comment_events_by_article ON comment_events (article_id, id);

-- Facts the top bar shows (weather range, exchange rate, city); set with `jinri facts set`.
CREATE TABLE site_facts (
    key        TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Sign-in sessions: only a SHA-256 hash of the cookie's token is stored.
CREATE TABLE sessions (
    token_hash   TEXT   PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Events counted by abuse limits. `id` is what SQLite's rowid is there: the row an attempt
-- gives back.
CREATE TABLE limit_events (
    id    BIGSERIAL PRIMARY KEY,
    scope TEXT   NOT NULL,
    key   TEXT   NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX limit_events_by_key ON limit_events (scope, key, at);
CREATE INDEX limit_events_by_time ON limit_events (at);

-- Keys the server makes once and keeps, so every server process signs with the same one.
CREATE TABLE site_secrets (
    name   TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);

-- What a failed plain form post is sent back to its form with (`server::flash`).
CREATE TABLE form_flash (
    token_hash TEXT   PRIMARY KEY,
    client     TEXT   NOT NULL,
    path       TEXT   NOT NULL,
    payload    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX form_flash_expires ON form_flash (expires_at);
CREATE INDEX form_flash_by_client ON form_flash (client, expires_at);
