-- As migrations/sqlite/0011_newsroom.sql: article states, Markdown bodies, and every save kept.
ALTER TABLE articles ADD COLUMN state TEXT NOT NULL DEFAULT 'published'
    CHECK (state IN ('draft', 'scheduled', 'published', 'withdrawn'));
ALTER TABLE articles ADD COLUMN body_md TEXT;
ALTER TABLE articles ADD COLUMN updated_at BIGINT;
CREATE INDEX articles_scheduled ON articles (published_at) WHERE state = 'scheduled';
CREATE INDEX articles_by_update ON articles ((COALESCE(updated_at, created_at)) DESC, id DESC);

CREATE TABLE article_revisions (
    id           BIGSERIAL PRIMARY KEY,
    article_id   BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    editor_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    title        TEXT   NOT NULL,
    channel_id   BIGINT NOT NULL REFERENCES channels (id),
    summary      TEXT   NOT NULL,
    source       TEXT   NOT NULL,
    original_url TEXT,
    body_md      TEXT   NOT NULL
);
CREATE INDEX article_revisions_by_article ON article_revisions (article_id, id DESC);

-- Comments go to published articles only: jinri_post_comment of 0005 with that one condition added.
CREATE OR REPLACE FUNCTION jinri_post_comment(
    p_article BIGINT,
    p_parent BIGINT,
    p_author BIGINT,
    p_body TEXT,
    p_min_interval BIGINT,
    p_channel TEXT
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
    -- The comment's time is read once the author's row is ours: a post of theirs that
    -- committed while this one waited is older than this one, never newer.
    o_at := floor(extract(epoch FROM clock_timestamp()))::BIGINT;
    SELECT (SELECT MAX(c.created_at) FROM comments c WHERE c.author_id = p_author),
           EXISTS (SELECT 1 FROM articles a WHERE a.id = p_article AND a.state = 'published'),
           (SELECT c.body FROM comments c
             WHERE c.author_id = p_author AND c.article_id = p_article AND c.deleted_at IS NULL
             ORDER BY c.created_at DESC, c.id DESC LIMIT 1),
           (SELECT COALESCE(p.root_id, p.id) FROM comments p WHERE p.id = p_parent AND p.article_id = p_article),
           (SELECT u.name FROM comments p JOIN users u ON u.id = p.author_id
             WHERE p.id = p_parent AND p.article_id = p_article)
      INTO o_last_post_at, o_article_exists, o_previous, o_parent_root, o_parent_author;
    IF (o_last_post_at IS NULL OR o_last_post_at + p_min_interval <= o_at)
       AND o_article_exists
       AND (p_parent IS NULL OR o_parent_root IS NOT NULL)
       AND o_previous IS DISTINCT FROM p_body THEN
        -- The article's row is locked by its update before the comment's foreign key is
        -- checked against it (see `db::comments::insert_recorded`).
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
    RETURN NEXT;
END
$$;
