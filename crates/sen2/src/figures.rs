//! The area's figures as the DfE's "Education, health and care plans" tables compute them
//! from the return, so the area sees what will be published before it is: requests
//! received in the reference year, plans issued in it within 20 weeks (with and without
//! the cases an exception applies to), and plans in place on census day by age, primary
//! need and how the setting is given.

use crate::Return;
use crate::layout::Year;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A share: numerator of denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Share {
    pub numerator: u64,
    pub denominator: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Published {
    pub year: i32,
    /// Requests for an assessment received in the reference year.
    pub requests: u64,
    /// New plans issued in the reference year, and those within 20 weeks of the request.
    pub within_20_weeks: Share,
    /// The same, leaving out the plans an exception applied to (Week20 = 1).
    pub within_20_weeks_excluding_exceptions: Share,
    /// Plans in place on census day.
    pub plans_in_place: u64,
    /// By age on census day (in whole years).
    pub by_age: BTreeMap<u32, u64>,
    /// By primary need (SENtype with rank 1).
    pub by_need: BTreeMap<String, u64>,
    /// By how the main setting is given: "URN", "UKPRN" or the SENsetting code.
    pub by_setting: BTreeMap<String, u64>,
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The figures of a return for `year`.
pub fn published(r: &Return, year: Year) -> Published {
    let (from, to) = year.period();
    let in_year = |d: Option<NaiveDate>| d.is_some_and(|d| d >= from && d <= to);
    let mut f = Published {
        year: year.year,
        ..Default::default()
    };
    for p in &r.persons {
        let birth = date(&p.birth_date);
        let mut in_place = None;
        for q in &p.requests {
            let received = q.received_date.as_deref().and_then(date);
            if in_year(received) {
                f.requests += 1;
            }
            let Some(a) = &q.assessment else { continue };
            let issued = a.outcome_date.as_deref().and_then(date);
            if a.outcome == "Y" && a.named_plan.is_some() && in_year(issued) {
                let on_time = match (received, issued) {
                    (Some(r), Some(i)) => (i - r).num_days() <= 140,
                    _ => false,
                };
                f.within_20_weeks.denominator += 1;
                f.within_20_weeks.numerator += u64::from(on_time);
                if a.week20.as_deref() != Some("1") {
                    f.within_20_weeks_excluding_exceptions.denominator += 1;
                    f.within_20_weeks_excluding_exceptions.numerator += u64::from(on_time);
                }
            }
            if let Some(n) = &a.named_plan
                && n.cease_date.is_none()
                && date(&n.start_date).is_some_and(|s| s <= year.census)
            {
                in_place = Some((q, n));
            }
        }
        let Some((q, n)) = in_place else { continue };
        f.plans_in_place += 1;
        if let Some(b) = birth {
            *f.by_age
                .entry(sendscope_domain::calendar::age_on(b, year.census).max(0) as u32)
                .or_default() += 1;
        }
        let need = p
            .requests
            .iter()
            .filter_map(|x| x.active.as_ref())
            .chain(q.active.as_ref())
            .flat_map(|a| &a.needs)
            .find(|(_, rank)| rank == "1")
            .map(|(t, _)| t.clone())
            .unwrap_or_else(|| "not given".into());
        *f.by_need.entry(need).or_default() += 1;
        let main = n.details.iter().find(|s| s.rank == "1");
        let how = match main {
            Some(s) if s.urn.is_some() => "URN".to_string(),
            Some(s) if s.ukprn.is_some() => "UKPRN".to_string(),
            Some(s) => s.sen_setting.clone().unwrap_or_else(|| "not given".into()),
            None => "not given".into(),
        };
        *f.by_setting.entry(how).or_default() += 1;
    }
    f
}
