//! Every date the site shows is formatted here, on the server, in the site's time zone,
//! so the browser hydrates exactly the text the server rendered.

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

pub fn now_unix() -> i64 {
    Utc::now().timestamp()
}

fn local(tz: Tz, unix: i64) -> DateTime<Tz> {
    tz.timestamp_opt(unix, 0).single().unwrap_or_else(|| tz.timestamp_opt(0, 0).unwrap())
}

/// The calendar day of `unix` in `tz`, to compare days without formatting them.
pub fn day(tz: Tz, unix: i64) -> chrono::NaiveDate {
    local(tz, unix).date_naive()
}

/// `2021-04-14`
pub fn date(tz: Tz, unix: i64) -> String {
    let mut s = String::with_capacity(10);
    push_date(&mut s, &local(tz, unix));
    s
}

/// `2021-04-14` as chrono's `%Y-%m-%d` writes it, digit by digit: a page of comments formats
/// ~60 times, and `format` parses its pattern anew on each call (1 % of a signed-in article
/// page's CPU).
fn push_date(s: &mut String, t: &DateTime<Tz>) {
    let year = t.year();
    if (0..=9999).contains(&year) {
        push_digits(s, year as u32, 4);
    } else {
        s.push_str(&t.format("%Y").to_string());
    }
    s.push('-');
    push_digits(s, t.month(), 2);
    s.push('-');
    push_digits(s, t.day(), 2);
}

/// `09:30`
fn push_hour_minute(s: &mut String, t: &DateTime<Tz>) {
    push_digits(s, t.hour(), 2);
    s.push(':');
    push_digits(s, t.minute(), 2);
}

/// `n`'s last `width` decimal digits, zero-padded.
fn push_digits(s: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        s.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
    }
}

/// `2021-04-14 09:30`
pub fn date_time(tz: Tz, unix: i64) -> String {
    let t = local(tz, unix);
    let mut s = String::with_capacity(16);
    push_date(&mut s, &t);
    s.push(' ');
    push_hour_minute(&mut s, &t);
    s
}

/// RFC 3339 with the site's offset, for `<time datetime>` and OpenGraph.
pub fn iso(tz: Tz, unix: i64) -> String {
    local(tz, unix).to_rfc3339()
}

/// `2026-12-03T18:30`, the value of an `<input type="datetime-local">`, in the site's time zone.
pub fn local_input(tz: Tz, unix: i64) -> String {
    let t = local(tz, unix);
    let mut s = String::with_capacity(16);
    push_date(&mut s, &t);
    s.push('T');
    push_hour_minute(&mut s, &t);
    s
}

/// Reads what an `<input type="datetime-local">` sends (`2026-12-03T18:30`, seconds allowed) as
/// a time in the site's time zone; in the hour skipped by a change to summer time, `None`; in
/// the hour repeated at its end, the first.
pub fn parse_local_input(tz: Tz, s: &str) -> Option<i64> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    tz.from_local_datetime(&naive).earliest().map(|t| t.timestamp())
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

    /// The digit-by-digit dates are the ones chrono's patterns write, every quarter hour of
    /// two years (both of Sydney's clock changes each year) and at the years' far ends.
    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap().timestamp();
        let far = [
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap().timestamp(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 0).unwrap().timestamp(),
            Utc.with_ymd_and_hms(-5, 6, 7, 8, 9, 0).unwrap().timestamp(),
            Utc.with_ymd_and_hms(12345, 6, 7, 8, 9, 0).unwrap().timestamp(),
            0,
        ];
        let mut checked = 0;
        for t in (0..2 * 366 * 96).map(|i| start + i * 900).chain(far) {
            for tz in [Sydney, chrono_tz::UTC, chrono_tz::Asia::Shanghai] {
                let l = local(tz, t);
                assert_eq!(date(tz, t), l.format("%Y-%m-%d").to_string(), "{t}");
                assert_eq!(date_time(tz, t), l.format("%Y-%m-%d %H:%M").to_string(), "{t}");
                assert_eq!(local_input(tz, t), l.format("%Y-%m-%dT%H:%M").to_string(), "{t}");
                checked += 1;
            }
        }
        assert!(checked > 200_000);
    }

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
    fn a_publication_time_is_read_in_the_site_time_zone() {
        let t = Utc.with_ymd_and_hms(2026, 12, 3, 7, 30, 0).unwrap().timestamp();
        assert_eq!(local_input(Sydney, t), "2026-12-03T18:30");
        assert_eq!(parse_local_input(Sydney, "2026-12-03T18:30"), Some(t));
        assert_eq!(parse_local_input(Sydney, "2026-12-03T18:30:00"), Some(t));
        // 2026-10-04 02:30 does not exist in Sydney (clocks go from 02:00 to 03:00).
        assert_eq!(parse_local_input(Sydney, "2026-10-04T02:30"), None);
        for bad in ["", "2026-13-01T10:00", "明天", "2026-12-03 18:30", "2026-12-03T18:30+11:00"] {
            assert_eq!(parse_local_input(Sydney, bad), None, "{bad}");
        }
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
