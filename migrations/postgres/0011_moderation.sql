-- Moderation (`db::moderation`), as migrations/sqlite/0015: reports, hiding, bans,
-- pre-moderation, the word filter, locked threads and pinned comments.

ALTER TABLE comments ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('published', 'pending', 'rejected'));
ALTER TABLE comments ADD COLUMN held_reason TEXT;
ALTER TABLE comments ADD COLUMN hidden_at BIGINT;
ALTER TABLE comments ADD COLUMN hidden_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE comments ADD COLUMN hide_batch BIGINT;
ALTER TABLE comments ADD COLUMN pinned_at BIGINT;
CREATE INDEX comments_pending ON comments (created_at) WHERE status = 'pending';
CREATE INDEX comments_hidden ON comments (hidden_at) WHERE hidden_at IS NOT NULL;
CREATE INDEX comments_by_hide_batch ON comments (hide_batch) WHERE hide_batch IS NOT NULL;

ALTER TABLE comment_events DROP CONSTRAINT comment_events_kind_check;
ALTER TABLE comment_events ADD CONSTRAINT comment_events_kind_check
    CHECK (kind IN ('created', 'deleted', 'liked', 'hidden', 'restored', 'rejected', 'pinned', 'unpinned'));

CREATE TABLE comment_reports (
    comment_id  BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reporter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT   NOT NULL CHECK (reason IN ('spam', 'abuse', 'illegal', 'other')),
    detail      TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    handled_at  BIGINT,
    PRIMARY KEY (comment_id, reporter_id)
);
CREATE INDEX comment_reports_open ON comment_reports (comment_id) WHERE handled_at IS NULL;
CREATE INDEX comment_reports_by_reporter ON comment_reports (reporter_id, created_at);

ALTER TABLE users ADD COLUMN banned_until BIGINT;
ALTER TABLE users ADD COLUMN ban_reason TEXT;

ALTER TABLE articles ADD COLUMN comments_locked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE articles ADD COLUMN premoderate BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE moderation_settings (
    id                  BIGINT PRIMARY KEY CHECK (id = 1),
    premoderation       TEXT   NOT NULL DEFAULT 'off' CHECK (premoderation IN ('off', 'all', 'new')),
    new_reader_comments BIGINT NOT NULL DEFAULT 3,
    queue_version       BIGINT NOT NULL DEFAULT 0,
    filters_version     BIGINT NOT NULL DEFAULT 0
);
INSERT INTO moderation_settings (id) VALUES (1);

CREATE TABLE word_filters (
    id         BIGSERIAL PRIMARY KEY,
    pattern    TEXT    NOT NULL,
    is_regex   BOOLEAN NOT NULL DEFAULT FALSE,
    action     TEXT    NOT NULL CHECK (action IN ('hold', 'refuse')),
    created_at BIGINT  NOT NULL,
    created_by BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (pattern, is_regex)
);

ALTER TABLE audit_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN comment_id BIGINT REFERENCES comments (id) ON DELETE SET NULL;
CREATE FUNCTION jinri_audit_log_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is never deleted';
END
$$;
CREATE TRIGGER audit_log_kept BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION jinri_audit_log_kept();

-- Posting learns holding: with `p_held` set (the reason a comment is held, decided by the server
-- from the site's rules, the article and the word filter) the comment is stored as 'pending',
-- with no event and no count; it is logged as 'created' when a moderator approves it. A reply
-- answers only a published comment that is not hidden. Otherwise as in 0007.
DROP FUNCTION jinri_post_comment(BIGINT, BIGINT, BIGINT, TEXT, BIGINT, TEXT);
CREATE FUNCTION jinri_post_comment(
    p_article BIGINT,
    p_parent BIGINT,
    p_author BIGINT,
    p_body TEXT,
    p_min_interval BIGINT,
    p_channel TEXT,
    p_held TEXT
)
RETURNS TABLE (
    o_last_post_at BIGINT,
    o_article_exists BOOLEAN,
    o_previous TEXT,
    o_parent_root BIGINT,
    o_parent_author TEXT,
    o_id BIGINT,
    o_seq BIGINT,
    o_count BIGINT,
    o_at BIGINT
)
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1 FROM users u WHERE u.id = p_author FOR NO KEY UPDATE;
    o_at := floor(extract(epoch FROM clock_timestamp()))::BIGINT;
    SELECT (SELECT MAX(c.created_at) FROM comments c WHERE c.author_id = p_author),
           EXISTS (SELECT 1 FROM articles a WHERE a.id = p_article AND a.state = 'published'),
           (SELECT c.body FROM comments c
             WHERE c.author_id = p_author AND c.article_id = p_article AND c.deleted_at IS NULL
             ORDER BY c.created_at DESC, c.id DESC LIMIT 1),
           (SELECT COALESCE(p.root_id, p.id) FROM comments p
             WHERE p.id = p_parent AND p.article_id = p_article AND p.status = 'published' AND p.hidden_at IS NULL),
           (SELECT u.name FROM comments p JOIN users u ON u.id = p.author_id
             WHERE p.id = p_parent AND p.article_id = p_article)
      INTO o_last_post_at, o_article_exists, o_previous, o_parent_root, o_parent_author;
    IF (o_last_post_at IS NULL OR o_last_post_at + p_min_interval <= o_at)
       AND o_article_exists
       AND (p_parent IS NULL OR o_parent_root IS NOT NULL)
       AND o_previous IS DISTINCT FROM p_body THEN
        IF p_held IS NOT NULL THEN
            INSERT INTO comments (article_id, parent_id, root_id, author_id, body, created_at, status, held_reason)
                VALUES (p_article, p_parent, o_parent_root, p_author, p_body, o_at, 'pending', p_held)
                RETURNING id INTO o_id;
            UPDATE moderation_settings SET queue_version = queue_version + 1 WHERE id = 1;
        ELSE
            WITH a AS (UPDATE articles SET event_seq = event_seq + 1, comment_count = comment_count + 1
                       WHERE id = p_article RETURNING event_seq, comment_count),
                 c AS (INSERT INTO comments (article_id, parent_id, root_id, author_id, body, created_at)
                       SELECT p_article, p_parent, o_parent_root, p_author, p_body, o_at FROM a
                       RETURNING id),
                 e AS (INSERT INTO comment_events (article_id, seq, kind, comment_id, at)
                       SELECT p_article, a.event_seq, 'created', c.id, o_at FROM a, c)
            SELECT c.id, a.event_seq, a.comment_count INTO o_id, o_seq, o_count FROM a, c;
            PERFORM pg_notify(p_channel, p_article::text || ':' || o_seq::text || ':' || current_setting('application_name'));
        END IF;
    END IF;
    RETURN NEXT;
END
$$;
