-- How many published articles each channel has, kept by triggers on every write to `articles`
-- (the newsroom, scheduled publishing, imports, a statement typed by hand): the list pages show
-- "第 N / M 页", and counting the articles for M read every row of the table on each rendered
-- page (17 ms at 100,000 articles).
CREATE TABLE channel_article_counts (
    channel_id INTEGER PRIMARY KEY REFERENCES channels (id),
    published  INTEGER NOT NULL
);

INSERT INTO channel_article_counts (channel_id, published)
SELECT c.id, (SELECT COUNT(*) FROM articles a WHERE a.channel_id = c.id AND a.state = 'published') FROM channels c;

CREATE TRIGGER channel_article_counts_insert AFTER INSERT ON articles WHEN NEW.state = 'published'
BEGIN
    INSERT INTO channel_article_counts (channel_id, published) VALUES (NEW.channel_id, 1)
        ON CONFLICT (channel_id) DO UPDATE SET published = published + 1;
END;

CREATE TRIGGER channel_article_counts_delete AFTER DELETE ON articles WHEN OLD.state = 'published'
BEGIN
    UPDATE channel_article_counts SET published = published - 1 WHERE channel_id = OLD.channel_id;
END;

CREATE TRIGGER channel_article_counts_update AFTER UPDATE OF state, channel_id ON articles
    WHEN OLD.state IS NOT NEW.state OR OLD.channel_id IS NOT NEW.channel_id
BEGIN
    UPDATE channel_article_counts SET published = published - 1
        WHERE channel_id = OLD.channel_id AND OLD.state = 'published';
    INSERT INTO channel_article_counts (channel_id, published) SELECT NEW.channel_id, 1 WHERE NEW.state = 'published'
        ON CONFLICT (channel_id) DO UPDATE SET published = published + 1;
END;
