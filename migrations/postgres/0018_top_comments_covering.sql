-- An article's top-level comments in each order, read from the index alone (an index-only scan
-- where the table's visibility map allows). A page of comments skips the pages before it
-- (`OFFSET`), and for every comment it skipped the row was fetched to test what `listed!` asks
-- (status, deletion, author, the pinned mark); the page number is the visitor's to choose.
DROP INDEX comments_top_new;
CREATE INDEX comments_top_new ON comments (article_id, parent_id, created_at, id) INCLUDE (status, deleted_at, author_id, pinned_at);
DROP INDEX comments_top_hot;
CREATE INDEX comments_top_hot ON comments (article_id, parent_id, like_count, id) INCLUDE (status, deleted_at, author_id, pinned_at);
