-- Event numbers per article, in commit order (as migrations/sqlite/0007): a writing transaction
-- takes the next number by `UPDATE articles SET event_seq = event_seq + 1 … RETURNING
-- event_seq`, which holds the article's row until it commits, so numbers have no gaps and
-- follow the order of commits even with many writers at once (a sequence would not: its values
-- come in call order and are visible before their transaction commits). Events are keyed
-- (article_id, seq); existing ones keep their id as their number.
ALTER TABLE articles ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;

ALTER TABLE comment_events ADD COLUMN seq BIGINT;
UPDATE comment_events SET seq = id;
ALTER TABLE comment_events ALTER COLUMN seq SET NOT NULL;
ALTER TABLE comment_events DROP CONSTRAINT comment_events_pkey;
DROP INDEX comment_events_by_article;
ALTER TABLE comment_events DROP COLUMN id;
ALTER TABLE comment_events ADD PRIMARY KEY (article_id, seq);

UPDATE articles a SET event_seq = COALESCE((SELECT MAX(seq) FROM comment_events e WHERE e.article_id = a.id), 0);
