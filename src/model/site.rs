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
    /// What a failed plain form post was sent back to this page with (`server::flash`): set
    /// only when the server renders the page the flash was made for, so it reaches the browser
    /// in that page's hydration data alone; over HTTP always `None` and left out of the JSON.
    /// It rides with the facts, which a visit reads once as well, rather than in a resource of
    /// its own that every page made (its signal, memo, task and hydration entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash: Option<super::FormFlash>,
}

/// The top bar's facts an admin sets (`/admin/site`, `jinri facts set`): key, label, example.
pub const FACT_FIELDS: [(&str, &str, &str); 3] =
    [("weather", "天气", "20.1°C-21.3°C"), ("exchange_rate", "澳元兑人民币汇率", "4.73"), ("city", "城市", "悉尼")];

/// The longest value a fact may have, in characters.
pub const FACT_MAX: usize = 40;

/// A fact's value as it is stored: trimmed, 1 to `FACT_MAX` characters, no control characters.
pub fn check_fact(value: &str) -> Result<String, String> {
    let value = value.trim();
    let len = value.chars().count();
    if len == 0 {
        return Err("请填写".to_owned());
    }
    if len > FACT_MAX {
        return Err(format!("最多 {FACT_MAX} 个字符，现在是 {len} 个"));
    }
    if value.chars().any(char::is_control) {
        return Err("不能包含控制字符".to_owned());
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fact_is_trimmed_and_bounded() {
        assert_eq!(check_fact("  悉尼 "), Ok("悉尼".to_owned()));
        assert_eq!(check_fact("   "), Err("请填写".to_owned()));
        assert!(check_fact(&"晴".repeat(41)).unwrap_err().contains("最多 40 个字符"));
        assert_eq!(check_fact(&"晴".repeat(40)).map(|v| v.chars().count()), Ok(40));
        assert!(check_fact("18°C\n<script>").is_err());
    }
}
