-- How many replies of each thread everyone is shown, kept by triggers on every write to
-- `comments` (posting, deleting, moderation, imports, copies, a statement typed by hand). A page
-- of comments showed each top-level comment's count by counting its replies on the index: work
-- in proportion to a thread's length, which its readers decide, on every page that shows it
-- (a 2,000-reply thread: ~160 µs a page). Now a lookup.
--
-- `listed` counts the replies `listed!` (src/server/db/comments.rs) shows to a visitor: a
-- published reply, or a deleted one while a published reply answers it. A reader is also shown
-- their own held replies; the page adds those from `comments_unpublished`.
--
-- A reply's change moves the count by its own listing and, when it was published or stops being
-- so, by its parent's: a deleted reply is listed while at least one published reply answers it.
-- SQLite runs these after each row, one writer at a time, so every trigger sees the rows before
-- it changed and its own change.
CREATE TABLE thread_counts (
    root_id INTEGER PRIMARY KEY,
    listed  INTEGER NOT NULL
);

INSERT INTO thread_counts (root_id, listed)
SELECT c.id, (SELECT COUNT(*) FROM comments r WHERE r.root_id = c.id AND r.status = 'published'
              AND (r.deleted_at IS NULL OR EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = r.id AND k.status = 'published')))
FROM comments c WHERE c.parent_id IS NULL;

CREATE INDEX comments_unpublished ON comments (root_id, author_id, status, deleted_at) WHERE status <> 'published';

CREATE TRIGGER thread_counts_root_insert AFTER INSERT ON comments WHEN NEW.parent_id IS NULL
BEGIN
    INSERT INTO thread_counts (root_id, listed) VALUES (NEW.id, 0) ON CONFLICT (root_id) DO NOTHING;
END;

CREATE TRIGGER thread_counts_root_delete AFTER DELETE ON comments WHEN OLD.parent_id IS NULL
BEGIN
    DELETE FROM thread_counts WHERE root_id = OLD.id;
END;

CREATE TRIGGER thread_counts_reply_insert AFTER INSERT ON comments WHEN NEW.parent_id IS NOT NULL
BEGIN
    UPDATE thread_counts SET listed = listed
        + (NEW.status = 'published' AND (NEW.deleted_at IS NULL
           OR EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = NEW.id AND k.status = 'published')))
        + (NEW.status = 'published' AND NEW.parent_id <> NEW.root_id
           AND EXISTS (SELECT 1 FROM comments p WHERE p.id = NEW.parent_id AND p.status = 'published' AND p.deleted_at IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = NEW.parent_id AND k.status = 'published' AND k.id <> NEW.id))
    WHERE root_id = NEW.root_id;
END;

CREATE TRIGGER thread_counts_reply_delete AFTER DELETE ON comments WHEN OLD.parent_id IS NOT NULL
BEGIN
    UPDATE thread_counts SET listed = listed
        - (OLD.status = 'published' AND (OLD.deleted_at IS NULL
           OR EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = OLD.id AND k.status = 'published')))
        - (OLD.status = 'published' AND OLD.parent_id <> OLD.root_id
           AND EXISTS (SELECT 1 FROM comments p WHERE p.id = OLD.parent_id AND p.status = 'published' AND p.deleted_at IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = OLD.parent_id AND k.status = 'published' AND k.id <> OLD.id))
    WHERE root_id = OLD.root_id;
END;

CREATE TRIGGER thread_counts_reply_update AFTER UPDATE OF status, deleted_at ON comments
    WHEN NEW.parent_id IS NOT NULL AND (OLD.status IS NOT NEW.status OR OLD.deleted_at IS NOT NEW.deleted_at)
BEGIN
    UPDATE thread_counts SET listed = listed
        + (NEW.status = 'published' AND (NEW.deleted_at IS NULL
           OR EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = NEW.id AND k.status = 'published')))
        - (OLD.status = 'published' AND (OLD.deleted_at IS NULL
           OR EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = NEW.id AND k.status = 'published')))
        + CASE WHEN (OLD.status = 'published') <> (NEW.status = 'published') AND NEW.parent_id <> NEW.root_id
               AND EXISTS (SELECT 1 FROM comments p WHERE p.id = NEW.parent_id AND p.status = 'published' AND p.deleted_at IS NOT NULL)
               AND NOT EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = NEW.parent_id AND k.status = 'published' AND k.id <> NEW.id)
          THEN (NEW.status = 'published') - (OLD.status = 'published') ELSE 0 END
    WHERE root_id = NEW.root_id;
END;
