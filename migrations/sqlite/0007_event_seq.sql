-- Event numbers per article, in commit order. A writing transaction takes the next number by
-- `UPDATE articles SET event_seq = event_seq + 1 … RETURNING event_seq`, which holds the
-- article's row until it commits: numbers have no gaps and follow the order of commits on
-- every database (on PostgreSQL, where writers run at once, a global id would not).
--
-- Events are keyed (article_id, seq). Existing events keep their global id as their number and
-- each article's counter starts at its largest, so a page open across the upgrade resumes with
-- the id it last saw and misses nothing.
ALTER TABLE articles ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE comment_events_by_seq (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('created', 'deleted', 'liked')),
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    at         BIGINT  NOT NULL,
    PRIMARY KEY (article_id, seq)
);
INSERT INTO comment_events_by_seq (article_id, seq, kind, comment_id, at)
    SELECT article_id, id, kind, comment_id, at FROM comment_events;
DROP TABLE comment_events;
ALTER TABLE comment_events_by_seq RENAME TO comment_events;

UPDATE articles SET event_seq = COALESCE((SELECT MAX(seq) FROM comment_events e WHERE e.article_id = articles.id), 0);
