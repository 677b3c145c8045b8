//! The server's side of moderation that is not SQL: the word filter as last read, and
//! publishing what a moderator's action logged.

use super::wordfilter::{Entry, FilterAction, WordFilter};
use super::{db, AppState};
use crate::model::ArticleId;
use std::sync::{Arc, RwLock};

/// The word filter as this process last built it, with the version of the list it was built
/// from (`moderation_settings.filters_version`). A post is checked against it and stored only if
/// that version is still the database's, read in the statement that stores it
/// (`db::comments::post`); if any process changed the list meanwhile, the post is refused as
/// `StaleFilter`, the filter is built again from the newer list, and the post is asked again.
pub struct FilterCache(RwLock<(i64, Arc<WordFilter>)>);

impl Default for FilterCache {
    fn default() -> Self {
        FilterCache(RwLock::new((-1, Arc::new(WordFilter::empty()))))
    }
}

impl FilterCache {
    /// The filter as last built, and its list's version (-1 before the first build).
    pub fn current(&self) -> (i64, Arc<WordFilter>) {
        let held = self.0.read().unwrap_or_else(|e| e.into_inner());
        (held.0, held.1.clone())
    }

    /// The filter of list version `version` or newer, built again from the database if the one
    /// held is older.
    pub async fn at_least(&self, state: &AppState, version: i64) -> Result<(i64, Arc<WordFilter>), sqlx::Error> {
        let held = self.current();
        if held.0 >= version {
            return Ok(held);
        }
        let (version, lines) = db::moderation::filter_entries(&state.pool).await?;
        let entries: Vec<Entry> = lines
            .into_iter()
            .filter_map(|l| {
                Some(Entry {
                    id: l.id,
                    pattern: l.pattern,
                    is_regex: l.is_regex,
                    action: FilterAction::parse(&l.action)?,
                })
            })
            .collect();
        let built = Arc::new(WordFilter::new(&entries));
        let mut held = self.0.write().unwrap_or_else(|e| e.into_inner());
        if held.0 < version {
            *held = (version, built.clone());
        }
        Ok((version, built))
    }
}

/// Events one publication reads per article (a "hide everything" may log many).
const PUBLISH_BATCH: i64 = 500;

/// Publishes what an action logged (`db::moderation::Done::events`: per article, the first
/// event), read back from the log so every page gets the comment as it is now. Streams of
/// other processes learn of it through the database (`live::relay`); a page further behind
/// than a batch catches up from the log itself.
pub async fn publish_logged(state: &AppState, events: &[(ArticleId, i64)]) {
    for &(article, first) in events {
        match db::comments::events_since(&state.pool, state.config.site.timezone, article, first - 1, PUBLISH_BATCH)
            .await
        {
            Ok(replay) => replay.events.into_iter().for_each(|e| state.hub.publish(e)),
            Err(e) => tracing::warn!(error = %e, article = article.0, "a moderator's change not published live"),
        }
    }
}
