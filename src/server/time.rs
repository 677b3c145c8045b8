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

/// The day in the site's time zone, as a number that grows by one at each local midnight.
pub fn day_number(tz: Tz, unix: i64) -> i32 {
    local(tz, unix).date_naive().num_days_from_ce()
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

    #[test]
    fn the_day_number_turns_at_local_midnight_and_only_then() {
        // 2 December 2026, 23:59:59 in Sydney (UTC+11 in summer) is 12:59:59 UTC.
        let last_second = Utc.with_ymd_and_hms(2026, 12, 2, 12, 59, 59).unwrap().timestamp();
        let day = day_number(Sydney, last_second);
        assert_eq!(day_number(Sydney, last_second - 86_399), day, "the day's first second");
        assert_eq!(day_number(Sydney, last_second + 1), day + 1, "local midnight");
        assert_eq!(day_number(chrono_tz::UTC, last_second + 1), day_number(chrono_tz::UTC, last_second), "not UTC's");
    }
}
