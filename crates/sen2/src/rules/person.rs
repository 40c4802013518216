//! The person module: who they are, their identifiers, and what of theirs is active.

use super::request::{active, request};
use super::{Check, Severity};
use crate::Person;
use crate::layout::UPN_UNKNOWN;
use chrono::NaiveDate;

pub(super) fn person(c: &mut Check<'_>, p: &Person) {
    let at = |e| ("person", e);
    for (tag, v) in [("Surname", &p.surname), ("Forename", &p.forename)] {
        if v.trim().is_empty() {
            c.error("P1", at(tag), v, format!("{tag} is missing"));
        }
    }
    if !matches!(p.sex.as_str(), "M" | "F" | "U") {
        c.error("P1", at("Sex"), &p.sex, "Sex must be M, F or U".into());
    }
    if !sendscope_domain::sen::is_ethnicity_code(&p.ethnicity) {
        c.error(
            "P1",
            at("Ethnicity"),
            &p.ethnicity,
            "Ethnicity must be a DfE ethnicity code (NOBT if not yet obtained)".into(),
        );
    }
    match p.postcode.as_deref() {
        None => c.error("P1", at("PostCode"), "", "PostCode is missing".into()),
        Some(pc) if sendscope_domain::codes::Postcode::parse(pc).is_err() => c.error(
            "P1",
            at("PostCode"),
            pc,
            "PostCode is not a UK postcode".into(),
        ),
        Some(_) => {}
    }
    let birth = match NaiveDate::parse_from_str(&p.birth_date, "%Y-%m-%d") {
        Ok(b) => Some(b),
        Err(_) => {
            c.error(
                "P1",
                at("PersonBirthDate"),
                &p.birth_date,
                "PersonBirthDate must be a date written YYYY-MM-DD".into(),
            );
            None
        }
    };
    if let (Some(b), Some(census)) = (birth, c.census) {
        if b > census {
            c.error(
                "P8",
                at("PersonBirthDate"),
                &p.birth_date,
                "the date of birth is after census day".into(),
            );
        } else {
            let age = sendscope_domain::calendar::age_on(b, census);
            if age > 25 {
                c.add("P8", Severity::Query, at("PersonBirthDate"), &p.birth_date, format!("{age} on census day: plans run to the end of the academic year in which a young person turns 25"));
            }
            if p.upn_unknown.as_deref() == Some("UN1") && age >= 6 {
                c.error(
                    "P8",
                    at("UPNunknown"),
                    "UN1",
                    "UN1 (under 6, no UPN yet) is only for children under 6".into(),
                );
            }
        }
    }
    match (&p.upn, &p.uln, &p.upn_unknown) {
        (None, None, None) => c.error(
            "P2",
            at("UPNunknown"),
            "",
            "with neither a UPN nor a ULN, give the UPNunknown reason".into(),
        ),
        (Some(_), _, Some(u)) | (_, Some(_), Some(u)) => c.error(
            "P2",
            at("UPNunknown"),
            u,
            "UPNunknown is given only when there is neither a UPN nor a ULN".into(),
        ),
        (None, None, Some(u)) if !UPN_UNKNOWN.contains(&u.as_str()) => c.error(
            "P2",
            at("UPNunknown"),
            u,
            format!("UPNunknown must be one of {}", UPN_UNKNOWN.join(", ")),
        ),
        _ => {}
    }
    if let Some(u) = &p.upn {
        upn(c, u);
    }
    if let Some(u) = &p.uln
        && (u.len() != 10 || !u.bytes().all(|b| b.is_ascii_digit()))
    {
        c.error(
            "P9",
            at("UniqueLearnerNumber"),
            u,
            "a ULN is 10 digits".into(),
        );
    }
    let mut active_plan = false;
    let mut active_on_census = false;
    let mut has_active_module = false;
    for (i, r) in p.requests.iter().enumerate() {
        c.request = Some(i);
        let (plan_active, on_census) = request(c, r);
        active_plan |= plan_active;
        active_on_census |= on_census;
        if let Some(a) = &r.active {
            has_active_module = true;
            active(c, a);
        }
    }
    c.request = None;
    if active_plan && !has_active_module {
        c.error(
            "C1",
            ("active plans", "ActivePlans"),
            "",
            "a plan active in the period needs its placements and needs reported (ActivePlans)"
                .into(),
        );
    }
    if active_on_census && has_active_module {
        let census = c.census;
        let open = p
            .requests
            .iter()
            .filter_map(|r| r.active.as_ref())
            .flat_map(|a| &a.placements)
            .any(|pl| {
                let entry = NaiveDate::parse_from_str(&pl.entry_date, "%Y-%m-%d").ok();
                let leaving = pl
                    .leaving_date
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                census.is_some_and(|cd| {
                    entry.is_some_and(|e| e <= cd) && leaving.is_none_or(|l| l >= cd)
                })
            });
        if !open {
            c.add("C4", Severity::Query, ("active plans", "PlacementDetail"), "", "the plan is active on census day but no placement is open that day: add the current placement, or NIEO if the child is awaiting one".into());
        }
    }
}

fn upn(c: &mut Check<'_>, u: &str) {
    let at = ("person", "UPN");
    let b = u.as_bytes();
    if b.len() != 13 {
        c.error("P5", at, u, "a UPN is 13 characters".into());
        return;
    }
    if !b[1..4].iter().all(u8::is_ascii_digit) {
        c.error(
            "P4",
            at,
            u,
            "UPN characters 2-4 must be the LA code that issued it".into(),
        );
        return;
    }
    if !b[4..12].iter().all(u8::is_ascii_digit) {
        c.error("P5", at, u, "UPN characters 5-12 must be digits".into());
        return;
    }
    let last = b[12];
    if !(last.is_ascii_digit() || (last.is_ascii_uppercase() && !b"IOS".contains(&last))) {
        c.error(
            "P6",
            at,
            u,
            "UPN character 13 must be a digit or a letter other than I, O or S".into(),
        );
        return;
    }
    if sendscope_domain::codes::Upn::parse(u).is_err() {
        c.error("P3", at, u, "the UPN's check letter does not match its other characters: copy it again from the school's record".into());
    }
}
