-- Events older than `live.keep_events_days` are pruned (`db::comments::prune_events`) by their
-- time: an index keeps that from reading the whole log.
CREATE INDEX comment_events_by_time ON comment_events (at);
