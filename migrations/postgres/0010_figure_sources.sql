-- The hash of the file a figure was made from (`figures::hash_name`), so that importing the
-- same picture again is seen to change nothing without decoding it (`server::import`).
ALTER TABLE article_blocks ADD COLUMN source_hash TEXT;
