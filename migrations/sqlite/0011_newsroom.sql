-- The newsroom writes articles in the site (`db::newsroom`). Each article has a state; only
-- 'published' ones are shown to readers, listed, and in the sitemap and feeds. An article
-- written in the site keeps its body as Markdown (`body_md`, with `[图N]` lines placing its
-- figures); the demo's articles keep their paragraphs in `article_blocks` until an editor
-- saves them. Every save is kept whole in `article_revisions`.
ALTER TABLE articles ADD COLUMN state TEXT NOT NULL DEFAULT 'published'
    CHECK (state IN ('draft', 'scheduled', 'published', 'withdrawn'));
ALTER TABLE articles ADD COLUMN body_md TEXT;
ALTER TABLE articles ADD COLUMN updated_at BIGINT;
-- What the scheduler looks for each second.
CREATE INDEX articles_scheduled ON articles (published_at) WHERE state = 'scheduled';
-- The newsroom's list: the newest saved first.
CREATE INDEX articles_by_update ON articles (COALESCE(updated_at, created_at) DESC, id DESC);

CREATE TABLE article_revisions (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- NULL when the editor's account is gone, or for `jinri import`.
    editor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT  NOT NULL,
    title        TEXT    NOT NULL,
    channel_id   INTEGER NOT NULL REFERENCES channels (id),
    summary      TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    original_url TEXT,
    body_md      TEXT    NOT NULL
);
CREATE INDEX article_revisions_by_article ON article_revisions (article_id, id DESC);
