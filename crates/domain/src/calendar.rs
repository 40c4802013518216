//! Dates and instants: calendar dates are England's (Europe/London); instants are UTC
//! with microsecond precision, written one canonical way everywhere (hash, export, DB).

use chrono::{DateTime, NaiveDate, SubsecRound, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A moment something was recorded, in UTC, truncated to whole microseconds so that it
/// round-trips exactly through SQLite text and PostgreSQL `timestamptz`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Instant(DateTime<Utc>);

impl Instant {
    pub fn now() -> Self {
        Instant(Utc::now().trunc_subsecs(6))
    }
    pub fn from_utc(t: DateTime<Utc>) -> Self {
        Instant(t.trunc_subsecs(6))
    }
    pub fn from_micros(us: i64) -> Option<Self> {
        DateTime::<Utc>::from_timestamp_micros(us).map(Instant)
    }
    pub fn micros(self) -> i64 {
        self.0.timestamp_micros()
    }
    pub fn utc(self) -> DateTime<Utc> {
        self.0
    }
    /// The calendar date in England at this instant.
    pub fn england_date(self) -> NaiveDate {
        self.0
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive()
    }
    /// Parses the canonical form written by `Display` (RFC 3339, UTC, microseconds).
    pub fn parse(s: &str) -> Result<Self, crate::DomainError> {
        DateTime::parse_from_rfc3339(s.trim())
            .map(|t| Instant::from_utc(t.with_timezone(&Utc)))
            .map_err(|_| crate::DomainError::Invalid {
                what: "instant",
                value: s.to_string(),
                how: "write an instant as RFC 3339, e.g. 2025-01-06T09:30:00.000000Z".into(),
            })
    }
    /// Noon in England on a date: the demo's stand-in for "recorded during that day".
    pub fn england_at(date: NaiveDate, hour: u32, minute: u32) -> Self {
        let naive = date
            .and_hms_opt(hour.min(23), minute.min(59), 0)
            .unwrap_or_default();
        let t = chrono_tz::Europe::London
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&naive));
        Instant(t)
    }
}

fn put_digits(buf: &mut [u8], mut v: u32) {
    for b in buf.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

impl Instant {
    /// The canonical text `YYYY-MM-DDTHH:MM:SS.ffffffZ` as bytes, written without
    /// `core::fmt`: this runs for every event hashed or stored. `None` outside years 0-9999.
    pub fn canonical_bytes(self) -> Option<[u8; 27]> {
        use chrono::{Datelike, Timelike};
        let t = self.0;
        let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
        let mut b = *b"0000-00-00T00:00:00.000000Z";
        put_digits(&mut b[0..4], year);
        put_digits(&mut b[5..7], t.month());
        put_digits(&mut b[8..10], t.day());
        put_digits(&mut b[11..13], t.hour());
        put_digits(&mut b[14..16], t.minute());
        put_digits(&mut b[17..19], t.second().min(59));
        put_digits(&mut b[20..26], (t.nanosecond() / 1_000).min(999_999));
        Some(b)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.canonical_bytes() {
            // The bytes are ASCII digits and punctuation, so always UTF-8.
            Some(b) => f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?),
            None => write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
        }
    }
}

/// Whole years of age on a day (negative before birth).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// A date as `YYYY-MM-DD` bytes without `core::fmt`; `None` outside years 0-9999.
pub fn date_bytes(d: NaiveDate) -> Option<[u8; 10]> {
    use chrono::Datelike;
    let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    let mut b = *b"0000-00-00";
    put_digits(&mut b[0..4], year);
    put_digits(&mut b[5..7], d.month());
    put_digits(&mut b[8..10], d.day());
    Some(b)
}

/// A date as `YYYY-MM-DD` text (the fast path of `NaiveDate`'s own `Display`).
pub fn date_text(d: NaiveDate) -> String {
    match date_bytes(d) {
        Some(b) => b.iter().map(|&c| c as char).collect(),
        None => d.to_string(),
    }
}

/// A date as GOV.UK writes it: `6 January 2025`.
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Today's date in England.
pub fn england_today() -> NaiveDate {
    Instant::now().england_date()
}

/// Parses an ISO date (YYYY-MM-DD) with a message that says how to mend it.
pub fn parse_date(s: &str) -> Result<NaiveDate, crate::DomainError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| crate::DomainError::Invalid {
        what: "date",
        value: s.to_string(),
        how: "write a date as YYYY-MM-DD, e.g. 2025-01-06".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn england_dates_follow_british_summer_time() {
        // 23:30 UTC on 30 June is already 1 July in England (BST, UTC+1).
        let t = Instant::parse("2025-06-30T23:30:00Z").expect("valid");
        assert_eq!(
            t.england_date(),
            NaiveDate::from_ymd_opt(2025, 7, 1).expect("date")
        );
        // 23:30 UTC on 30 December is still 30 December (GMT).
        let w = Instant::parse("2025-12-30T23:30:00Z").expect("valid");
        assert_eq!(
            w.england_date(),
            NaiveDate::from_ymd_opt(2025, 12, 30).expect("date")
        );
        assert_eq!(t.to_string(), "2025-06-30T23:30:00.000000Z");
        assert_eq!(Instant::parse(&t.to_string()).ok(), Some(t));
        let d = NaiveDate::from_ymd_opt(2026, 2, 14).expect("date");
        assert_eq!(date_text(d), d.to_string());
        let odd = Instant::parse("0999-01-02T03:04:05.000006Z").expect("valid");
        assert_eq!(odd.to_string(), "0999-01-02T03:04:05.000006Z");
    }
}
