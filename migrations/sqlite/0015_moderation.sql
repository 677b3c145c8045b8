-- Moderation (`db::moderation`): reports, hiding, bans, pre-moderation, the word filter, locked
-- threads and pinned comments.

-- A comment is 'published', or held for review ('pending', seen by its author and moderators
-- only) or refused after review ('rejected', seen by its author only). Only published comments
-- have events and count in `articles.comment_count`. `held_reason` says why one was held:
-- 'site', 'article', 'new_reader' or 'filter'.
ALTER TABLE comments ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('published', 'pending', 'rejected'));
ALTER TABLE comments ADD COLUMN held_reason TEXT;
-- Hidden by a moderator: readers see 该评论已被管理员隐藏 and its replies stay. `hide_batch` is
-- the audit line of a "hide everything this reader wrote", which undoing it restores.
ALTER TABLE comments ADD COLUMN hidden_at BIGINT;
ALTER TABLE comments ADD COLUMN hidden_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE comments ADD COLUMN hide_batch INTEGER;
-- 置顶: at most one top-level comment of an article (the action unpins the others).
ALTER TABLE comments ADD COLUMN pinned_at BIGINT;
CREATE INDEX comments_pending ON comments (created_at) WHERE status = 'pending';
CREATE INDEX comments_hidden ON comments (hidden_at) WHERE hidden_at IS NOT NULL;
CREATE INDEX comments_by_hide_batch ON comments (hide_batch) WHERE hide_batch IS NOT NULL;

-- The log learns the moderators' changes: 'hidden', 'restored' (shown again) and 'rejected'
-- (only the author's page has the comment). An approved comment is logged as 'created' when
-- it is approved. SQLite changes a CHECK only by building the table again.
CREATE TABLE comment_events_new (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL
               CHECK (kind IN ('created', 'deleted', 'liked', 'hidden', 'restored', 'rejected', 'pinned', 'unpinned')),
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    at         BIGINT  NOT NULL,
    PRIMARY KEY (article_id, seq)
);
INSERT INTO comment_events_new (article_id, seq, kind, comment_id, at)
    SELECT article_id, seq, kind, comment_id, at FROM comment_events;
DROP TABLE comment_events;
ALTER TABLE comment_events_new RENAME TO comment_events;
CREATE INDEX comment_events_by_time ON comment_events (at);

-- 举报: one report per reader per comment. Reports of a comment are handled together: hiding
-- it or dismissing its reports sets `handled_at` on all that are open.
CREATE TABLE comment_reports (
    comment_id  INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reporter_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL CHECK (reason IN ('spam', 'abuse', 'illegal', 'other')),
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    handled_at  BIGINT,
    PRIMARY KEY (comment_id, reporter_id)
);
CREATE INDEX comment_reports_open ON comment_reports (comment_id) WHERE handled_at IS NULL;
CREATE INDEX comment_reports_by_reporter ON comment_reports (reporter_id, created_at);

-- Bans: until a time (unix seconds; `model::BAN_FOREVER` for good), with a reason. NULL: none.
ALTER TABLE users ADD COLUMN banned_until BIGINT;
ALTER TABLE users ADD COLUMN ban_reason TEXT;

-- Threads: comments locked (the form gives way to a notice), and held for review.
ALTER TABLE articles ADD COLUMN comments_locked BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN premoderate BOOLEAN NOT NULL DEFAULT 0;

-- Site-wide rules, one row. `premoderation`: 'off', 'all' (every comment is held) or 'new'
-- (a reader's first `new_reader_comments` comments are held). `queue_version` grows with every
-- change to the moderation queue, so open queue pages in every process learn of it;
-- `filters_version` with every change to the word filter, so every process rebuilds its copy.
CREATE TABLE moderation_settings (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    premoderation       TEXT    NOT NULL DEFAULT 'off' CHECK (premoderation IN ('off', 'all', 'new')),
    new_reader_comments INTEGER NOT NULL DEFAULT 3,
    queue_version       BIGINT  NOT NULL DEFAULT 0,
    filters_version     BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO moderation_settings (id) VALUES (1);

-- The word filter: words (stored normalised, `server::wordfilter::normalize`) and patterns
-- (regular expressions over normalised text); a match holds the comment or refuses it.
CREATE TABLE word_filters (
    id         INTEGER PRIMARY KEY,
    pattern    TEXT    NOT NULL,
    is_regex   BOOLEAN NOT NULL DEFAULT 0,
    action     TEXT    NOT NULL CHECK (action IN ('hold', 'refuse')),
    created_at BIGINT  NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (pattern, is_regex)
);

-- The audit log keeps why a moderator acted, and the comment acted on; no statement may
-- delete from it.
ALTER TABLE audit_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN comment_id INTEGER REFERENCES comments (id) ON DELETE SET NULL;
CREATE TRIGGER audit_log_kept BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is never deleted');
END;
