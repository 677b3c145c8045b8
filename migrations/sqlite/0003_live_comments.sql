-- Live comments: thread roots for paging, likes, and the event log live streams resume from.

-- The top-level comment a reply belongs to (NULL for a top-level comment), so a page of
-- top-level comments fetches its whole threads in one query.
ALTER TABLE comments ADD COLUMN root_id INTEGER REFERENCES comments (id);
ALTER TABLE comments ADD COLUMN like_count INTEGER NOT NULL DEFAULT 0;

WITH RECURSIVE tree (id, root) AS (
    SELECT id, id FROM comments WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, t.root FROM comments c JOIN tree t ON c.parent_id = t.id
)
UPDATE comments SET root_id = (SELECT root FROM tree WHERE tree.id = comments.id) WHERE parent_id IS NOT NULL;

CREATE INDEX comments_by_root ON comments (root_id);
CREATE INDEX comments_top_new ON comments (article_id, parent_id, created_at, id);
CREATE INDEX comments_top_hot ON comments (article_id, parent_id, like_count, id);
CREATE INDEX comments_by_author ON comments (author_id, created_at);

CREATE TABLE comment_likes (
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);

-- Every change a live page must see, in commit order. Ids only grow (AUTOINCREMENT never
-- reuses one), so a reader resumes with "everything after id N".
CREATE TABLE comment_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('created', 'deleted', 'liked')),
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    at         BIGINT  NOT NULL
);
CREATE INDEX comment_events_by_article ON comment_events (article_id, id);
