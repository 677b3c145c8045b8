-- The list pages, feeds, sitemaps and 上一篇/下一篇 read the published articles in order, and
-- only those. The order's indexes now hold the published articles alone, so a page deep in the
-- archive is found by walking the index without reading any article's row: the front page's
-- page 10,000 of 100,000 articles 44 -> 5 ms (with the list statement's page-first form,
-- `db::articles::list`).
DROP INDEX articles_by_published;
CREATE INDEX articles_by_published ON articles (published_at DESC, id DESC) WHERE state = 'published';
DROP INDEX articles_by_channel;
CREATE INDEX articles_by_channel ON articles (channel_id, published_at DESC, id DESC) WHERE state = 'published';
