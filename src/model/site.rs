use serde::{Deserialize, Serialize};

/// What the top bar and footer show. The date is computed by the server in the site's
/// time zone; weather, exchange rate and city are stored facts an editor updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteFacts {
    pub name: String,
    pub slogan: String,
    /// e.g. `11月09日`
    pub today: String,
    /// e.g. `20.1°C-21.3°C`
    pub weather: String,
    /// e.g. `澳元 : 人民币=4.73`
    pub exchange_rate: String,
    pub city: String,
    pub phone: String,
    pub email_contact: String,
    pub email_business: String,
    pub email_tips: String,
    pub copyright: String,
    /// Public address of the site without trailing slash, for canonical links.
    pub base_url: String,
}
