-- How many published articles each channel has, kept by triggers on every write to `articles`
-- (the newsroom, scheduled publishing, imports, a statement typed by hand): the list pages show
-- "第 N / M 页", and counting the articles for M read every published row on each rendered page.
CREATE TABLE channel_article_counts (
    channel_id BIGINT PRIMARY KEY REFERENCES channels (id),
    published  BIGINT NOT NULL
);

INSERT INTO channel_article_counts (channel_id, published)
SELECT c.id, (SELECT COUNT(*) FROM articles a WHERE a.channel_id = c.id AND a.state = 'published') FROM channels c;

CREATE FUNCTION channel_article_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'published' THEN
        UPDATE channel_article_counts SET published = published - 1 WHERE channel_id = OLD.channel_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.state = 'published' THEN
        INSERT INTO channel_article_counts (channel_id, published) VALUES (NEW.channel_id, 1)
            ON CONFLICT (channel_id) DO UPDATE SET published = channel_article_counts.published + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER channel_article_counts_insert_delete AFTER INSERT OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION channel_article_counts_keep();

CREATE TRIGGER channel_article_counts_update AFTER UPDATE OF state, channel_id ON articles
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.channel_id IS DISTINCT FROM NEW.channel_id)
    EXECUTE FUNCTION channel_article_counts_keep();
