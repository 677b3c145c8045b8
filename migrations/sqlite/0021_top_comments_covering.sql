-- An article's top-level comments in each order, read from the index alone. A page of comments
-- skips the pages before it (`OFFSET`), and for every comment it skipped SQLite fetched the row
-- to test what `listed!` asks (status, deletion, author, the pinned mark): the last page of an
-- article with 8,000 top-level comments took 5.7 ms against 1.6 ms for its first, and the page
-- number is the visitor's to choose. With those columns in the index a skipped comment is one
-- index entry (a deleted one still has its answers looked up).
DROP INDEX comments_top_new;
CREATE INDEX comments_top_new ON comments (article_id, parent_id, created_at, id, status, deleted_at, author_id, pinned_at);
DROP INDEX comments_top_hot;
CREATE INDEX comments_top_hot ON comments (article_id, parent_id, like_count, id, status, deleted_at, author_id, pinned_at);
-- The pinned comment's own index carries the same columns: with only the top-level indexes
-- covering, SQLite read every top-level comment of the article to find the pinned one.
DROP INDEX comments_pinned;
CREATE INDEX comments_pinned ON comments (article_id, parent_id, status, deleted_at, author_id, pinned_at) WHERE pinned_at IS NOT NULL;
