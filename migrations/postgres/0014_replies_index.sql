-- A thread's replies, read from the index alone: every page of comments counts each top-level
-- comment's visible replies (status, deletion, the reader's own held ones) and takes its first
-- few in id order. On `(root_id)` each counted reply was a fetch of its row from the table.
DROP INDEX comments_by_root;
CREATE INDEX comments_by_root ON comments (root_id, id) INCLUDE (status, deleted_at, author_id);
