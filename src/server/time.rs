//! Every date the site shows is formatted here, on the server, in the site's time zone,
//! so the browser hydrates exactly the text the server rendered.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;

pub fn now_unix() -> i64 {
    Utc::now().timestamp()
}

fn local(tz: Tz, unix: i64) -> DateTime<Tz> {
    tz.timestamp_opt(unix, 0).single().unwrap_or_else(|| tz.timestamp_opt(0, 0).unwrap())
}

/// `2021-04-14`
pub fn date(tz: Tz, unix: i64) -> String {
    local(tz, unix).format("%Y-%m-%d").to_string()
}

/// `2021-04-14 09:30`
pub fn date_time(tz: Tz, unix: i64) -> String {
    local(tz, unix).format("%Y-%m-%d %H:%M").to_string()
}

/// RFC 3339 with the site's offset, for `<time datetime>` and OpenGraph.
pub fn iso(tz: Tz, unix: i64) -> String {
    local(tz, unix).to_rfc3339()
}

/// `11月09日`, the top bar's date.
pub fn month_day(tz: Tz, unix: i64) -> String {
    let d = local(tz, unix);
    format!("{:02}月{:02}日", d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Australia::Sydney;

    #[test]
    fn dates_are_shown_in_the_site_time_zone() {
        // 2021-04-13 23:30 UTC is already the 14th in Sydney (UTC+10 in April).
        let t = Utc.with_ymd_and_hms(2021, 4, 13, 23, 30, 0).unwrap().timestamp();
        assert_eq!(date(Sydney, t), "2021-04-14");
        assert_eq!(date_time(Sydney, t), "2021-04-14 09:30");
        assert_eq!(iso(Sydney, t), "2021-04-14T09:30:00+10:00");
        assert_eq!(month_day(Sydney, t), "04月14日");
    }

    #[test]
    fn the_top_bar_date_pads_month_and_day() {
        let t = Utc.with_ymd_and_hms(2026, 11, 8, 14, 0, 0).unwrap().timestamp();
        assert_eq!(month_day(Sydney, t), "11月09日");
    }
}
