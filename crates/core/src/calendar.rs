//! Days, weeks and quarters in the learner's local time, from UTC milliseconds
//! and the device's offset. Plain arithmetic: no time-zone database needed.

/// A calendar day as a count of days since 1970-01-01 (local).
pub type Day = i32;

pub const MS_PER_DAY: i64 = 86_400_000;

/// The local day of a UTC timestamp, for a device `offset_minutes` east of UTC.
pub fn day_of(at_ms: i64, offset_minutes: i32) -> Day {
    (at_ms + i64::from(offset_minutes) * 60_000).div_euclid(MS_PER_DAY) as Day
}

/// Monday-based week number: 1970-01-01 was a Thursday.
pub fn week_of(day: Day) -> i32 {
    (day + 3).div_euclid(7)
}

/// The Monday that starts `day`'s week.
pub fn week_start(day: Day) -> Day {
    week_of(day) * 7 - 3
}

/// (year, month 1–12, day 1–31) of a day number (Howard Hinnant's algorithm).
pub fn civil(day: Day) -> (i32, u32, u32) {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// The day number of a calendar date.
pub fn from_civil(year: i32, month: u32, day: u32) -> Day {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as Day
}

/// A calendar quarter: (year, 1–4).
pub fn quarter_of(day: Day) -> (i32, u32) {
    let (y, m, _) = civil(day);
    (y, (m - 1) / 3 + 1)
}

/// First and last day of a quarter.
pub fn quarter_bounds((year, quarter): (i32, u32)) -> (Day, Day) {
    let first = from_civil(year, (quarter - 1) * 3 + 1, 1);
    let next = if quarter == 4 {
        from_civil(year + 1, 1, 1)
    } else {
        from_civil(year, quarter * 3 + 1, 1)
    };
    (first, next - 1)
}

/// `YYYY-MM-DD`, for certificates and exports.
pub fn iso_date(day: Day) -> String {
    let (y, m, d) = civil(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Reads `YYYY-MM-DD` (a date field's value) back; `None` for anything else
/// or a date that does not exist.
pub fn parse_iso_date(text: &str) -> Option<Day> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let number = from_civil(year, month, day);
    (civil(number) == (year, month, day)).then_some(number)
}

/// Reads `HH:MM` (a time field's value) as minutes after midnight.
pub fn parse_clock(text: &str) -> Option<i64> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let hours: i64 = hours.parse().ok()?;
    let minutes: i64 = minutes.get(..2).unwrap_or(minutes).parse().ok()?;
    ((0..24).contains(&hours) && (0..60).contains(&minutes)).then_some(hours * 60 + minutes)
}

/// The UTC time (ms) of a local day and minute, for a device
/// `offset_minutes` east of UTC.
pub fn local_time(day: Day, minute_of_day: i64, offset_minutes: i32) -> i64 {
    i64::from(day) * MS_PER_DAY + (minute_of_day - i64::from(offset_minutes)) * 60_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_read_back() {
        assert_eq!(parse_iso_date("2026-11-28"), Some(20_785));
        assert_eq!(parse_iso_date("2026-02-30"), None);
        assert_eq!(parse_iso_date("tomorrow"), None);
        assert_eq!(parse_clock("14:30"), Some(870));
        assert_eq!(parse_clock("14:30:00"), Some(870));
        assert_eq!(parse_clock("24:00"), None);
        let at = local_time(20_785, 870, 480);
        assert_eq!(day_of(at, 480), 20_785);
        assert_eq!(at.rem_euclid(MS_PER_DAY), (870 - 480) * 60_000);
    }

    #[test]
    fn known_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(from_civil(2026, 11, 28), 20_785);
        assert_eq!(iso_date(20_785), "2026-11-28");
        assert_eq!(civil(from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-23 was a Monday, 2026-11-29 a Sunday.
        let monday = from_civil(2026, 11, 23);
        assert_eq!(week_start(monday), monday);
        assert_eq!(week_start(from_civil(2026, 11, 29)), monday);
        assert_eq!(week_start(from_civil(2026, 11, 30)), monday + 7);
    }

    #[test]
    fn local_days_follow_the_offset() {
        // 2026-11-28 17:00 UTC is already the 29th in Beijing (UTC+8).
        let at = i64::from(from_civil(2026, 11, 28)) * MS_PER_DAY + 17 * 3_600_000;
        assert_eq!(day_of(at, 0), from_civil(2026, 11, 28));
        assert_eq!(day_of(at, 480), from_civil(2026, 11, 29));
    }

    #[test]
    fn quarters() {
        assert_eq!(quarter_of(from_civil(2026, 11, 28)), (2026, 4));
        assert_eq!(
            quarter_bounds((2026, 1)),
            (from_civil(2026, 1, 1), from_civil(2026, 3, 31))
        );
        assert_eq!(quarter_bounds((2026, 4)).1, from_civil(2026, 12, 31));
    }
}
