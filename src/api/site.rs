use crate::model::{AppError, SiteFacts, SitemapEntry};
use leptos::prelude::*;

/// The facts of the top bar and footer: today's date in the site's time zone and the stored
/// weather, exchange rate and city. A failure to read the stored ones is logged and they show
/// empty: the rest comes from the configuration, which the footer and the pages' canonical
/// links are written from without waiting (`server_facts`), and the browser reads them back
/// from these when it hydrates. With them, the page's form flash: what a failed plain form
/// post (no JavaScript) was sent back with, taken from the flash cookie by
/// `server::flash::layer` for the page's own request, so only that page's render (in-process,
/// then in its hydration data) sees it; called over HTTP there is none.
#[server(endpoint = "site/facts")]
pub async fn get_site_facts() -> Result<SiteFacts, AppError> {
    use crate::server::AppState;
    let state = AppState::current()?;
    // Read at most once a second per process (`PageCache::facts`); a change made here shows at
    // once (`forget_facts`), one made by another process within a second.
    let stored = match state.page_cache.facts(&state).await {
        Ok(facts) => Some(facts),
        Err(e) => {
            tracing::error!(error = %e, "the site facts could not be read");
            None
        }
    };
    let site = &state.config.site;
    let mut facts = server_facts(&state);
    facts.today = crate::server::time::month_day(site.timezone, crate::server::time::now_unix());
    facts.flash = crate::server::flash::current();
    if let Some(stored) = stored {
        let fact = |k: &str| stored.get(k).cloned().unwrap_or_default();
        facts.weather = fact("weather");
        facts.exchange_rate = fact("exchange_rate");
        facts.city = fact("city");
    }
    Ok(facts)
}

/// The site facts of the configuration alone, as the server knows them without reading or
/// computing anything: today's date and the stored weather, exchange rate and city empty.
#[cfg(feature = "ssr")]
pub fn server_facts(state: &crate::server::AppState) -> SiteFacts {
    let site = &state.config.site;
    SiteFacts {
        name: site.name.clone(),
        slogan: site.slogan.clone(),
        today: String::new(),
        weather: String::new(),
        exchange_rate: String::new(),
        city: String::new(),
        phone: site.phone.clone(),
        email_contact: site.email_contact.clone(),
        email_business: site.email_business.clone(),
        email_tips: site.email_tips.clone(),
        copyright: site.copyright.clone(),
        base_url: site.base_url.clone(),
        flash: None,
    }
}

/// Each channel's newest articles (`SITEMAP_PER_CHANNEL`), for the 网站地图 page.
#[server(endpoint = "site/map")]
pub async fn list_sitemap() -> Result<Vec<SitemapEntry>, AppError> {
    use crate::server::{db, AppState};
    let state = AppState::current()?;
    db::articles::sitemap(&state.pool, state.config.site.timezone, db::articles::SITEMAP_PER_CHANNEL)
        .await
        .map_err(super::internal)
}
