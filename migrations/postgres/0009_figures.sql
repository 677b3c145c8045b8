-- Newsroom figures (`server::figures`): each uploaded picture is re-encoded at a few widths,
-- and each of those files is kept here under its content hash (`/media/NAME`), so every
-- process serves it and `jinri backup` holds it. A file is never changed once written.
CREATE TABLE media (
    name         TEXT    PRIMARY KEY,
    content_type TEXT    NOT NULL,
    bytes        BYTEA   NOT NULL,
    created_at   BIGINT  NOT NULL
);

-- An uploaded figure's credit (图片来源), its other widths (`<img srcset>`) and the size of
-- its largest file (so the page keeps its place while the picture loads). Figures drawn for
-- the demo content have none of these.
ALTER TABLE article_blocks ADD COLUMN credit TEXT;
ALTER TABLE article_blocks ADD COLUMN srcset TEXT;
ALTER TABLE article_blocks ADD COLUMN width BIGINT;
ALTER TABLE article_blocks ADD COLUMN height BIGINT;
