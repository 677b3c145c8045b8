-- Posting reads the thread's and the site's rules itself, in the statement that stores the
-- comment, instead of the server reading them in a round trip of their own before it: the
-- article's lock and pre-moderation, the site's pre-moderation (with the author's published
-- comments when only new readers are held) and the word filter's list version.
--
-- `p_filter` is what the server's word filter said of the text (NULL, 'hold' or 'refuse') and
-- `p_filters_version` the list version that filter was built from. Nothing is stored if the
-- thread is locked, if the list has moved since (the server builds its filter again and asks
-- again), or if the filter refuses; otherwise the comment is held for review ('pending', with
-- the reason in `o_held`) when the site holds every comment ('site'), the article does
-- ('article'), the author is still among their first `new_reader_comments` ('new_reader'), or
-- the filter asked for it ('filter'), in that order, as `db::moderation::Rules::held`.
-- A lock that commits while this runs is seen by the article's UPDATE, which re-reads the row
-- it waited for: then nothing is stored and the lock is answered.
-- Otherwise as in 0011.
DROP FUNCTION jinri_post_comment(BIGINT, BIGINT, BIGINT, TEXT, BIGINT, TEXT, TEXT);
CREATE FUNCTION jinri_post_comment(
    p_article BIGINT,
    p_parent BIGINT,
    p_author BIGINT,
    p_body TEXT,
    p_min_interval BIGINT,
    p_channel TEXT,
    p_filter TEXT,
    p_filters_version BIGINT
)
RETURNS TABLE (
    o_last_post_at BIGINT,
    o_article_exists BOOLEAN,
    o_previous TEXT,
    o_parent_root BIGINT,
    o_parent_author TEXT,
    o_locked BOOLEAN,
    o_article_premoderated BOOLEAN,
    o_premoderation TEXT,
    o_new_reader_comments BIGINT,
    o_author_published BIGINT,
    o_filters_version BIGINT,
    o_held TEXT,
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
             WHERE p.id = p_parent AND p.article_id = p_article),
           COALESCE((SELECT a.comments_locked FROM articles a WHERE a.id = p_article), FALSE),
           COALESCE((SELECT a.premoderate FROM articles a WHERE a.id = p_article), FALSE),
           s.premoderation, s.new_reader_comments, s.filters_version
      INTO o_last_post_at, o_article_exists, o_previous, o_parent_root, o_parent_author,
           o_locked, o_article_premoderated, o_premoderation, o_new_reader_comments, o_filters_version
      FROM moderation_settings s WHERE s.id = 1;
    o_author_published := 0;
    IF o_premoderation = 'new' THEN
        SELECT COUNT(*) INTO o_author_published FROM (SELECT 1 FROM comments c
            WHERE c.author_id = p_author AND c.status = 'published' LIMIT o_new_reader_comments) x;
    END IF;
    IF NOT (o_article_exists AND o_locked)
       AND o_filters_version = p_filters_version
       AND p_filter IS DISTINCT FROM 'refuse'
       AND (o_last_post_at IS NULL OR o_last_post_at + p_min_interval <= o_at)
       AND o_article_exists
       AND (p_parent IS NULL OR o_parent_root IS NOT NULL)
       AND o_previous IS DISTINCT FROM p_body THEN
        o_held := CASE
            WHEN o_premoderation = 'all' THEN 'site'
            WHEN o_article_premoderated THEN 'article'
            WHEN o_premoderation = 'new' AND o_author_published < o_new_reader_comments THEN 'new_reader'
            WHEN p_filter = 'hold' THEN 'filter'
        END;
        IF o_held IS NOT NULL THEN
            INSERT INTO comments (article_id, parent_id, root_id, author_id, body, created_at, status, held_reason)
                VALUES (p_article, p_parent, o_parent_root, p_author, p_body, o_at, 'pending', o_held)
                RETURNING id INTO o_id;
            UPDATE moderation_settings SET queue_version = queue_version + 1 WHERE id = 1;
        ELSE
            WITH a AS (UPDATE articles SET event_seq = event_seq + 1, comment_count = comment_count + 1
                       WHERE id = p_article AND NOT comments_locked AND state = 'published'
                       RETURNING event_seq, comment_count),
                 c AS (INSERT INTO comments (article_id, parent_id, root_id, author_id, body, created_at)
                       SELECT p_article, p_parent, o_parent_root, p_author, p_body, o_at FROM a
                       RETURNING id),
                 e AS (INSERT INTO comment_events (article_id, seq, kind, comment_id, at)
                       SELECT p_article, a.event_seq, 'created', c.id, o_at FROM a, c)
            SELECT c.id, a.event_seq, a.comment_count INTO o_id, o_seq, o_count FROM a, c;
            IF o_id IS NULL THEN
                -- Locked or withdrawn while this ran: answer what the row says now.
                o_held := NULL;
                SELECT a.comments_locked, a.state = 'published' INTO o_locked, o_article_exists
                  FROM articles a WHERE a.id = p_article;
                o_locked := COALESCE(o_locked, FALSE);
                o_article_exists := COALESCE(o_article_exists, FALSE);
            ELSE
                PERFORM pg_notify(p_channel, p_article::text || ':' || o_seq::text || ':' || current_setting('application_name'));
            END IF;
        END IF;
    END IF;
    RETURN NEXT;
END
$$;
