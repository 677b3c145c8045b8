-- Jinri schema. Times are Unix seconds (BIGINT) so the same SQL runs on PostgreSQL.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    -- Lower-cased NFC name: names are unique ignoring case.
    name_key      TEXT    NOT NULL UNIQUE,
    -- NULL for accounts that cannot sign in (imported commenters).
    password_hash TEXT,
    role          TEXT    NOT NULL DEFAULT 'reader'
                  CHECK (role IN ('reader', 'editor', 'moderator', 'admin')),
    created_at    BIGINT  NOT NULL
);

CREATE TABLE channels (
    id       INTEGER PRIMARY KEY,
    slug     TEXT    NOT NULL UNIQUE,
    name     TEXT    NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL REFERENCES channels (id),
    title         TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    original_url  TEXT,
    published_at  BIGINT  NOT NULL,
    -- Kept in step with comments in the same transaction; lists and 热门 read it without a join.
    comment_count INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX articles_by_published ON articles (published_at DESC, id DESC);
CREATE INDEX articles_by_channel ON articles (channel_id, published_at DESC, id DESC);
CREATE INDEX articles_by_comments ON articles (comment_count DESC, published_at DESC);

-- An article's body in reading order: paragraphs and captioned figures.
CREATE TABLE article_blocks (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('paragraph', 'figure')),
    body       TEXT    NOT NULL,
    caption    TEXT,
    PRIMARY KEY (article_id, position)
);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id  INTEGER REFERENCES comments (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX comments_by_article ON comments (article_id, created_at DESC, id DESC);
CREATE INDEX comments_by_parent ON comments (parent_id);

-- Facts the top bar shows (weather range, exchange rate, city); set with `jinri facts set`.
CREATE TABLE site_facts (
    key        TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
