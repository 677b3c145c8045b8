-- Posting a comment in one statement, run outside any transaction the server opens (its own
-- implicit transaction commits when it returns). Every writer of an article takes the
-- article's row in turn (its next event number and its count); done from the server, the row
-- stayed locked from that update until the server had read the answer and sent COMMIT, a round
-- trip through a busy process for every post. Here the row is held from the update to the
-- commit inside the database only.
--
-- The same checks and the same rule as `db::comments::BeforePost::refusal` (SQLite runs them
-- from the server in one transaction): the author's row is locked first, and each statement of
-- a PL/pgSQL function reads with a snapshot of its own, so the interval check sees a post the
-- same author committed through another process while this one waited for the lock.
-- Nothing is written when a check fails; the server tells the reader why from the columns.
-- The comment's time comes from the database's clock, like the order of its events.
CREATE FUNCTION jinri_post_comment(
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
           EXISTS (SELECT 1 FROM articles a WHERE a.id = p_article),
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
