-- How many replies of each thread everyone is shown, kept by a trigger on every write to
-- `comments` (posting, deleting, moderation, imports, copies, a statement typed by hand). A page
-- of comments showed each top-level comment's count by counting its replies on the index: work
-- in proportion to a thread's length, which its readers decide, on every page that shows it.
-- Now a lookup.
--
-- `listed` counts the replies `listed!` (src/server/db/comments.rs) shows to a visitor: a
-- published reply, or a deleted one while a published reply answers it. A reader is also shown
-- their own held replies; the page adds those from `comments_unpublished`.
--
-- A reply's change moves the count by its own listing and, when it was published or stops being
-- so, by its parent's: a deleted reply is listed while at least one published reply answers it.
-- The trigger runs before each row: it sees the rows an outer statement changed before this
-- one, not this one (which it excludes where it matters). It first locks the article's row, as
-- posting does before anything else: two transactions changing one thread take turns, and the
-- second reads what the first committed (each statement of the function reads afresh), so
-- neither counts from a state the other is changing.
CREATE TABLE thread_counts (
    root_id BIGINT PRIMARY KEY,
    listed  BIGINT NOT NULL
);

INSERT INTO thread_counts (root_id, listed)
SELECT c.id, (SELECT COUNT(*) FROM comments r WHERE r.root_id = c.id AND r.status = 'published'
              AND (r.deleted_at IS NULL OR EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = r.id AND k.status = 'published')))
FROM comments c WHERE c.parent_id IS NULL;

CREATE INDEX comments_unpublished ON comments (root_id, author_id) WHERE status <> 'published';

CREATE FUNCTION thread_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r comments;
    answered BOOLEAN;
    was_published BOOLEAN := false;
    is_published BOOLEAN := false;
    delta BIGINT := 0;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF r.parent_id IS NULL THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO thread_counts (root_id, listed) VALUES (NEW.id, 0) ON CONFLICT (root_id) DO NOTHING;
        ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM thread_counts WHERE root_id = OLD.id;
        END IF;
        RETURN r;
    END IF;
    PERFORM 1 FROM articles WHERE id = r.article_id FOR NO KEY UPDATE;
    answered := EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = r.id AND k.status = 'published');
    IF TG_OP <> 'INSERT' THEN
        was_published := OLD.status = 'published';
        IF was_published AND (OLD.deleted_at IS NULL OR answered) THEN
            delta := delta - 1;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        is_published := NEW.status = 'published';
        IF is_published AND (NEW.deleted_at IS NULL OR answered) THEN
            delta := delta + 1;
        END IF;
    END IF;
    IF was_published <> is_published AND r.parent_id <> r.root_id
       AND EXISTS (SELECT 1 FROM comments p WHERE p.id = r.parent_id AND p.status = 'published' AND p.deleted_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = r.parent_id AND k.status = 'published' AND k.id <> r.id)
    THEN
        delta := delta + CASE WHEN is_published THEN 1 ELSE -1 END;
    END IF;
    IF delta <> 0 THEN
        UPDATE thread_counts SET listed = listed + delta WHERE root_id = r.root_id;
    END IF;
    RETURN r;
END
$$;

CREATE TRIGGER thread_counts_insert_delete BEFORE INSERT OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION thread_counts_keep();

CREATE TRIGGER thread_counts_update BEFORE UPDATE OF status, deleted_at ON comments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION thread_counts_keep();
