-- An article imported with `jinri import` keeps the id its file gave it, so importing the same
-- files again updates those articles instead of adding copies (`server::import`).
ALTER TABLE articles ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX articles_by_external_id ON articles (external_id) WHERE external_id IS NOT NULL;
