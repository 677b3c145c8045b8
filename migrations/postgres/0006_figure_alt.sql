-- What a figure shows, for readers who cannot see it (`<img alt>`); the caption says
-- something else. Figures stored before this have none and fall back to their caption.
ALTER TABLE article_blocks ADD COLUMN alt TEXT;
