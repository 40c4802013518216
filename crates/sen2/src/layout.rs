//! The return's layout by collection year, as data: census day, the first year each
//! element was collected (and the last, where it was dropped), and the code lists that
//! changed. A new year is a new row here, not new code. Years 2024 to 2027 are known;
//! 2026 and 2027 are taken to keep the 2025 layout (the 2026 guide names no element
//! changes; unconfirmed).

use chrono::NaiveDate;

/// A collection year the layout is known for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Year {
    pub year: i32,
    /// Census day: the third Thursday of January.
    pub census: NaiveDate,
}

/// The years sendscope writes and checks.
pub const YEARS: [i32; 4] = [2024, 2025, 2026, 2027];

/// Elements collected only from a year on: (tag, first year).
pub const SINCE: &[(&str, i32)] = &[
    ("RequestSource", 2025),
    ("ReviewDraft", 2025),
    ("PhaseTransferDueDate", 2025),
    ("PhaseTransferFinalDate", 2025),
    ("DSCO", 2025),
    ("ReviewMeeting", 2024),
    ("ReviewOutcome", 2024),
];

/// Need types (SENtype) with the first year each was collected.
pub const NEED_TYPES: &[(&str, i32)] = &[
    ("SPLD", 2023),
    ("MLD", 2023),
    ("SLD", 2023),
    ("PMLD", 2023),
    ("SEMH", 2023),
    ("SLCN", 2023),
    ("HI", 2023),
    ("VI", 2023),
    ("MSI", 2023),
    ("PD", 2023),
    ("ASD", 2023),
    ("OTH", 2023),
    ("DS", 2025),
];

/// SENsetting codes (used only where a setting has no URN or UKPRN).
pub const SEN_SETTINGS: &[&str] = &["OLA", "OPA", "EHE", "EYP", "OTH", "NEET", "NIEC", "NIEO"];
/// UPNunknown reasons.
pub const UPN_UNKNOWN: &[&str] = &["UN1", "UN2", "UN3", "UN5", "UN8", "UN9", "UN10"];
/// Request and assessment outcomes.
pub const OUTCOMES: &[&str] = &["Y", "N", "A", "W", "H"];

impl Year {
    /// The layout for return year `year`, if known.
    pub fn of(year: i32) -> Option<Year> {
        YEARS.contains(&year).then(|| Year {
            year,
            census: census_day(year),
        })
    }

    /// The layout for the return whose census day is `census`.
    pub fn for_census(census: NaiveDate) -> Result<Year, String> {
        let year = chrono::Datelike::year(&census);
        let y = Year::of(year).ok_or_else(|| {
            format!(
                "sendscope knows the SEN2 layout for the returns of {}; {year} is not one of them",
                YEARS.map(|y| y.to_string()).join(", ")
            )
        })?;
        if y.census != census {
            return Err(format!(
                "{census} is not a census day: the {year} return's is {} (the third Thursday of January)",
                y.census
            ));
        }
        Ok(y)
    }

    /// Whether `tag` is collected this year.
    pub fn collects(&self, tag: &str) -> bool {
        SINCE
            .iter()
            .find(|(t, _)| *t == tag)
            .is_none_or(|(_, from)| self.year >= *from)
    }

    /// The reference period: the calendar year before the census.
    pub fn period(&self) -> (NaiveDate, NaiveDate) {
        let y = self.year - 1;
        (
            NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(self.census),
            NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(self.census),
        )
    }

    /// Whether `code` is a need type this year.
    pub fn need_type(&self, code: &str) -> bool {
        NEED_TYPES
            .iter()
            .any(|(c, from)| *c == code && self.year >= *from)
    }
}

/// The third Thursday of January of `year`.
pub fn census_day(year: i32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let to_thursday = (3 + 7 - chrono::Datelike::weekday(&first).num_days_from_monday()) % 7;
    first + chrono::Days::new(u64::from(to_thursday) + 14)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn census_days_are_the_third_thursday_of_january() {
        for (y, d) in [(2023, 19), (2024, 18), (2025, 16), (2026, 15), (2027, 21)] {
            assert_eq!(
                census_day(y),
                NaiveDate::from_ymd_opt(y, 1, d).expect("date")
            );
        }
        assert!(Year::for_census(NaiveDate::from_ymd_opt(2025, 1, 17).expect("d")).is_err());
        assert!(Year::for_census(NaiveDate::from_ymd_opt(2031, 1, 16).expect("d")).is_err());
        let y = Year::for_census(NaiveDate::from_ymd_opt(2025, 1, 16).expect("d")).expect("2025");
        assert!(y.collects("RequestSource") && y.need_type("DS"));
        let y = Year::of(2024).expect("2024");
        assert!(!y.collects("RequestSource") && !y.need_type("DS") && y.collects("Surname"));
    }
}
