-- As migrations/sqlite/0012_external_ids.sql.
ALTER TABLE articles ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX articles_by_external_id ON articles (external_id) WHERE external_id IS NOT NULL;
