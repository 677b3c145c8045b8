-- The pinned comment of an article's thread, found without reading its every top-level comment:
-- each page of comments looks for it (a 10,000-comment article scanned 8,000 rows per page).
CREATE INDEX comments_pinned ON comments (article_id, parent_id) WHERE pinned_at IS NOT NULL;
