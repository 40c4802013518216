//! England and Wales bank holidays, for any year: the regular days worked out by their
//! rules, the one-off and moved days as data with their source. Working-day time limits
//! skip them, so no date a record may hold leaves a clock without an answer.
//!
//! The regular days (Banking and Financial Dealings Act 1971, schedule 1, and the royal
//! proclamations made each year under it): New Year's Day, Good Friday, Easter Monday,
//! the early May bank holiday (first Monday in May, since 1978), the spring bank holiday
//! (last Monday in May), the summer bank holiday (last Monday in August), Christmas Day
//! and Boxing Day. A New Year's Day, Christmas Day or Boxing Day that falls at a weekend
//! has its substitute on the next weekday that is not already a holiday.

use chrono::{Datelike, NaiveDate, Weekday};

/// A day declared by proclamation in place of, or beside, the regular ones.
pub struct Proclaimed {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub what: &'static str,
    /// The regular holiday it replaces that year, if it was moved (its month and day).
    pub instead_of: Option<(u32, u32)>,
}

/// Where the one-off and moved days come from: GOV.UK's published list of UK bank
/// holidays (<https://www.gov.uk/bank-holidays>, from 2018), and for earlier years the
/// proclamations as listed in "Bank holidays in England and Wales", House of Commons
/// Library briefing SN01167.
pub const PROCLAIMED_SOURCE: &str =
    "https://www.gov.uk/bank-holidays; House of Commons Library briefing SN01167 (Bank holidays)";

/// The one-off and moved bank holidays of England and Wales since 1990.
#[rustfmt::skip]
pub const PROCLAIMED: &[Proclaimed] = &[
    Proclaimed { year: 1995, month: 5, day: 8, what: "Early May bank holiday, moved for the 50th anniversary of VE Day", instead_of: Some((5, 1)) },
    Proclaimed { year: 1999, month: 12, day: 31, what: "Millennium celebrations", instead_of: None },
    Proclaimed { year: 2002, month: 6, day: 3, what: "Golden Jubilee of Queen Elizabeth II", instead_of: None },
    Proclaimed { year: 2002, month: 6, day: 4, what: "Spring bank holiday, moved for the Golden Jubilee", instead_of: Some((5, 27)) },
    Proclaimed { year: 2011, month: 4, day: 29, what: "Wedding of Prince William and Catherine Middleton", instead_of: None },
    Proclaimed { year: 2012, month: 6, day: 4, what: "Spring bank holiday, moved for the Diamond Jubilee", instead_of: Some((5, 28)) },
    Proclaimed { year: 2012, month: 6, day: 5, what: "Diamond Jubilee of Queen Elizabeth II", instead_of: None },
    Proclaimed { year: 2020, month: 5, day: 8, what: "Early May bank holiday (VE Day), moved for the 75th anniversary of VE Day", instead_of: Some((5, 4)) },
    Proclaimed { year: 2022, month: 6, day: 2, what: "Spring bank holiday, moved for the Platinum Jubilee", instead_of: Some((5, 30)) },
    Proclaimed { year: 2022, month: 6, day: 3, what: "Platinum Jubilee of Queen Elizabeth II", instead_of: None },
    Proclaimed { year: 2022, month: 9, day: 19, what: "State Funeral of Queen Elizabeth II", instead_of: None },
    Proclaimed { year: 2023, month: 5, day: 8, what: "Coronation of King Charles III", instead_of: None },
];

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, also
/// called Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// The first `weekday` of a month, or its last.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, last: bool) -> Option<NaiveDate> {
    if last {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let end = next.pred_opt()?;
        let back = (end.weekday().num_days_from_monday() + 7 - weekday.num_days_from_monday()) % 7;
        end.checked_sub_days(chrono::Days::new(u64::from(back)))
    } else {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let on = (weekday.num_days_from_monday() + 7 - first.weekday().num_days_from_monday()) % 7;
        first.checked_add_days(chrono::Days::new(u64::from(on)))
    }
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Every bank holiday of a year in England and Wales, in order.
pub fn bank_holidays(year: i32) -> Vec<NaiveDate> {
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let mut days: Vec<NaiveDate> = Vec::with_capacity(10);
    // New Year's Day, or the Monday after it when it falls at a weekend.
    if let Some(ny) = ymd(1, 1) {
        days.push(match ny.weekday() {
            Weekday::Sat => ny + chrono::Days::new(2),
            Weekday::Sun => ny + chrono::Days::new(1),
            _ => ny,
        });
    }
    if let Some(easter) = easter_sunday(year) {
        days.extend(easter.checked_sub_days(chrono::Days::new(2)));
        days.extend(easter.succ_opt());
    }
    if year >= 1978 {
        days.extend(nth_weekday(year, 5, Weekday::Mon, false));
    }
    days.extend(nth_weekday(year, 5, Weekday::Mon, true));
    days.extend(nth_weekday(year, 8, Weekday::Mon, true));
    // Christmas Day and Boxing Day; each that falls at a weekend has its substitute on
    // the next weekday not already taken.
    for d in [ymd(12, 25), ymd(12, 26)].into_iter().flatten() {
        let mut day = d;
        while weekend(day) || days.contains(&day) {
            day = day + chrono::Days::new(1);
        }
        days.push(day);
    }
    // Moved days replace the regular ones; one-off days join them.
    for p in PROCLAIMED.iter().filter(|p| p.year == year) {
        if let Some((m, d)) = p.instead_of {
            days.retain(|x| !(x.month() == m && x.day() == d));
        }
        days.extend(ymd(p.month, p.day));
    }
    days.sort();
    days.dedup();
    days
}

/// Whether a day is a bank holiday in England and Wales.
pub fn is_bank_holiday(d: NaiveDate) -> bool {
    // Only the months that have one are worked out.
    matches!(d.month(), 1 | 3 | 4 | 5 | 6 | 8 | 9 | 12) && bank_holidays(d.year()).contains(&d)
}

/// True for a Monday-to-Friday that is not a bank holiday: any date at all.
pub fn is_working_day(d: NaiveDate) -> bool {
    !weekend(d) && !is_bank_holiday(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    /// England and Wales bank holidays 2018-2028 as GOV.UK publishes them
    /// (https://www.gov.uk/bank-holidays, read November 2026).
    #[rustfmt::skip]
    const PUBLISHED: &[(i32, u32, u32)] = &[
        (2018, 1, 1), (2018, 3, 30), (2018, 4, 2), (2018, 5, 7), (2018, 5, 28), (2018, 8, 27), (2018, 12, 25), (2018, 12, 26),
        (2019, 1, 1), (2019, 4, 19), (2019, 4, 22), (2019, 5, 6), (2019, 5, 27), (2019, 8, 26), (2019, 12, 25), (2019, 12, 26),
        (2020, 1, 1), (2020, 4, 10), (2020, 4, 13), (2020, 5, 8), (2020, 5, 25), (2020, 8, 31), (2020, 12, 25), (2020, 12, 28),
        (2021, 1, 1), (2021, 4, 2), (2021, 4, 5), (2021, 5, 3), (2021, 5, 31), (2021, 8, 30), (2021, 12, 27), (2021, 12, 28),
        (2022, 1, 3), (2022, 4, 15), (2022, 4, 18), (2022, 5, 2), (2022, 6, 2), (2022, 6, 3), (2022, 8, 29), (2022, 9, 19), (2022, 12, 26), (2022, 12, 27),
        (2023, 1, 2), (2023, 4, 7), (2023, 4, 10), (2023, 5, 1), (2023, 5, 8), (2023, 5, 29), (2023, 8, 28), (2023, 12, 25), (2023, 12, 26),
        (2024, 1, 1), (2024, 3, 29), (2024, 4, 1), (2024, 5, 6), (2024, 5, 27), (2024, 8, 26), (2024, 12, 25), (2024, 12, 26),
        (2025, 1, 1), (2025, 4, 18), (2025, 4, 21), (2025, 5, 5), (2025, 5, 26), (2025, 8, 25), (2025, 12, 25), (2025, 12, 26),
        (2026, 1, 1), (2026, 4, 3), (2026, 4, 6), (2026, 5, 4), (2026, 5, 25), (2026, 8, 31), (2026, 12, 25), (2026, 12, 28),
        (2027, 1, 1), (2027, 3, 26), (2027, 3, 29), (2027, 5, 3), (2027, 5, 31), (2027, 8, 30), (2027, 12, 27), (2027, 12, 28),
        (2028, 1, 3), (2028, 4, 14), (2028, 4, 17), (2028, 5, 1), (2028, 5, 29), (2028, 8, 28), (2028, 12, 25), (2028, 12, 26),
    ];

    #[test]
    fn the_published_holidays_2018_to_2028_are_worked_out() {
        for year in 2018..=2028 {
            let published: Vec<NaiveDate> = PUBLISHED
                .iter()
                .filter(|h| h.0 == year)
                .map(|&(y, m, day)| d(y, m, day))
                .collect();
            assert_eq!(bank_holidays(year), published, "{year}");
        }
    }

    #[test]
    fn easter_and_the_one_off_days() {
        // Easter Sundays from the tables (Book of Common Prayer).
        for (y, m, day) in [
            (1990, 4, 15),
            (2000, 4, 23),
            (2011, 4, 24),
            (2038, 4, 25),
            (2100, 3, 28),
        ] {
            assert_eq!(easter_sunday(y), Some(d(y, m, day)), "{y}");
        }
        assert!(is_bank_holiday(d(1999, 12, 31)));
        assert!(is_bank_holiday(d(2011, 4, 29)));
        assert!(is_bank_holiday(d(2012, 6, 5)) && !is_bank_holiday(d(2012, 5, 28)));
        assert!(is_bank_holiday(d(1995, 5, 8)) && !is_bank_holiday(d(1995, 5, 1)));
        // Every year from 1990 to 2100 has its eight regular days, each a weekday.
        for year in 1990..=2100 {
            let days = bank_holidays(year);
            assert!(days.len() >= 8, "{year}: {days:?}");
            assert!(days.iter().all(|x| !weekend(*x)), "{year}: {days:?}");
        }
    }
}
