//! The request, assessment, named plan and active plan modules.

use super::{Check, Severity};
use crate::Setting;
use crate::layout::{OUTCOMES, SEN_SETTINGS};
use chrono::NaiveDate;

/// Checks a request and what follows it; (a plan active in the period, active on census day).
pub(super) fn request(c: &mut Check<'_>, r: &crate::Request) -> (bool, bool) {
    let at = |e| ("request", e);
    if !OUTCOMES.contains(&r.outcome.as_str()) {
        c.error(
            "R1",
            at("RequestOutcome"),
            &r.outcome,
            "RequestOutcome must be Y, N, A, W or H".into(),
        );
    }
    if r.received_date.is_none() && r.outcome != "H" {
        c.error(
            "R1",
            at("ReceivedDate"),
            "",
            "ReceivedDate is needed for every request not decided before the period (H)".into(),
        );
    }
    match (r.outcome.as_str(), &r.outcome_date) {
        ("Y" | "N", None) => c.error(
            "R2",
            at("RequestOutcomeDate"),
            "",
            "the day the family was told whether the council will assess is needed for Y and N"
                .into(),
        ),
        ("A" | "W" | "H", Some(d)) => c.error(
            "R2",
            at("RequestOutcomeDate"),
            d,
            format!(
                "no RequestOutcomeDate is reported for outcome {}",
                r.outcome
            ),
        ),
        _ => {}
    }
    let received = c.date(at("ReceivedDate"), r.received_date.as_deref());
    let decided = c.date(at("RequestOutcomeDate"), r.outcome_date.as_deref());
    if let (Some(a), Some(b)) = (received, decided)
        && b < a
    {
        c.error(
            "R3",
            at("RequestOutcomeDate"),
            &b.to_string(),
            format!("the outcome ({b}) comes before the request was received ({a})"),
        );
    }
    for (tag, v) in [("Exported", &r.exported)] {
        if let Some(v) = v {
            la(c, at(tag), v);
        }
    }
    if let Some(v) = r.active.as_ref().and_then(|a| a.transfer_la.as_ref()) {
        la(c, ("active plans", "TransferLA"), v);
    }
    for (tag, v) in [
        ("RYA", &r.rya),
        ("RequestMediation", &r.mediation),
        ("RequestTribunal", &r.tribunal),
    ] {
        c.flag(at(tag), v.as_deref());
    }
    if let Some(s) = &r.request_source
        && !matches!(s.as_str(), "1" | "2" | "3" | "4" | "5")
    {
        c.error("R5", at("RequestSource"), s, "RequestSource is 1 (young person or parent), 2 (school), 3 (health), 4 (social care) or 5 (other)".into());
    }
    let Some(a) = &r.assessment else {
        return (false, false);
    };
    let at = |e| ("assessment", e);
    if !matches!(r.outcome.as_str(), "Y" | "H") {
        c.error("A1", at("Assessment"), &r.outcome, format!("an assessment is reported only after a decision to assess (Y) or one made before the period (H), not {}", r.outcome));
    }
    if !OUTCOMES.contains(&a.outcome.as_str()) {
        c.error(
            "A2",
            at("AssessmentOutcome"),
            &a.outcome,
            "AssessmentOutcome must be Y, N, A, W or H".into(),
        );
    }
    let issued = a.named_plan.is_some() && a.outcome == "Y";
    if (a.outcome == "N" || issued) && a.outcome_date.is_none() {
        c.error(
            "A2",
            at("AssessmentOutcomeDate"),
            "",
            "the day the plan was issued, or the family told there will be none, is needed".into(),
        );
    }
    let outcome_on = c.date(at("AssessmentOutcomeDate"), a.outcome_date.as_deref());
    if let Some(o) = outcome_on
        && (received.is_some_and(|d| o < d) || decided.is_some_and(|d| o < d))
    {
        c.error(
            "A2",
            at("AssessmentOutcomeDate"),
            &o.to_string(),
            "the assessment's outcome comes before the request's dates".into(),
        );
    }
    let in_period = |d: Option<NaiveDate>| match (d, c.year) {
        (Some(d), Some(y)) => d >= y.period().0 && d <= y.period().1,
        _ => false,
    };
    if matches!(a.outcome.as_str(), "Y" | "N") && in_period(outcome_on) && a.week20.is_none() {
        c.error("A3", at("Week20"), "", "Week20 (1 if an exception to the 20-week limit applies, else 0) is needed for an outcome in the period".into());
    }
    if a.week20.as_deref() == Some("1")
        && let (Some(r), Some(o)) = (received, outcome_on)
        && issued
        && (o - r).num_days() <= 140
    {
        c.add("A3", Severity::Query, at("Week20"), "1", "an exception is recorded, but the plan was issued within 20 weeks: check whether it applied".into());
    }
    for (tag, v) in [
        ("AssessmentMediation", &a.mediation),
        ("AssessmentTribunal", &a.tribunal),
        ("OtherMediation", &a.other_mediation),
        ("OtherTribunal", &a.other_tribunal),
        ("Week20", &a.week20),
    ] {
        c.flag(at(tag), v.as_deref());
    }
    let Some(n) = &a.named_plan else {
        return (false, false);
    };
    let at = |e| ("named plan", e);
    if !matches!(a.outcome.as_str(), "Y" | "H") {
        c.error(
            "N1",
            at("NamedPlan"),
            &a.outcome,
            format!(
                "a named plan is reported only for an assessment outcome of Y or H, not {}",
                a.outcome
            ),
        );
    }
    let start = if n.start_date.is_empty() {
        c.error(
            "N1",
            at("StartDate"),
            "",
            "StartDate, the day the current plan began, is needed".into(),
        );
        None
    } else {
        c.date(at("StartDate"), Some(&n.start_date))
    };
    if let (Some(s), Some(o), "Y") = (start, outcome_on, a.outcome.as_str())
        && s < o
    {
        c.error(
            "N1",
            at("StartDate"),
            &n.start_date,
            format!("a new plan cannot start ({s}) before it was issued ({o})"),
        );
    }
    settings(c, "named plan", &n.details.iter().collect::<Vec<_>>());
    let ceased = c.date(at("CeaseDate"), n.cease_date.as_deref());
    if let (Some(s), Some(e)) = (start, ceased)
        && e < s
    {
        c.error(
            "N4",
            at("CeaseDate"),
            &e.to_string(),
            "the plan ceases before it started".into(),
        );
    }
    match (&n.cease_date, &n.cease_reason) {
        (Some(_), None) => c.error(
            "N4",
            at("CeaseReason"),
            "",
            "a ceased plan needs its CeaseReason (1-9)".into(),
        ),
        (None, Some(r)) => c.error(
            "N4",
            at("CeaseReason"),
            r,
            "CeaseReason is given only with a CeaseDate".into(),
        ),
        (Some(_), Some(r))
            if !matches!(
                r.as_str(),
                "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9"
            ) =>
        {
            c.error(
                "N4",
                at("CeaseReason"),
                r,
                "CeaseReason is a number from 1 to 9".into(),
            )
        }
        _ => {}
    }
    if n.pb.as_deref() != Some("1") && (n.oa.is_some() || n.dp.is_some()) {
        c.error(
            "N5",
            at("PB"),
            n.pb.as_deref().unwrap_or(""),
            "OA and DP are reported only with a personal budget (PB 1)".into(),
        );
    }
    c.flag(at("PB"), n.pb.as_deref());
    c.flag(at("OA"), n.oa.as_deref());
    c.one_of(at("PlanRes"), n.plan_res.as_ref(), &["A", "B"]);
    c.one_of(at("PlanWBP"), n.plan_wbp.as_ref(), &["A", "T", "S"]);
    c.one_of(at("DP"), n.dp.as_ref(), &["E", "S", "H", "I"]);
    let (start_p, end_p) = c.year.map(|y| y.period()).unwrap_or_default();
    let active_in_period = ceased.is_none_or(|e| e >= start_p)
        && start.is_none_or(|s| s <= end_p.max(c.census.unwrap_or(end_p)));
    let active_on_census =
        ceased.is_none() && start.is_some_and(|s| c.census.is_some_and(|cd| s <= cd));
    (active_in_period, active_on_census)
}

fn la(c: &mut Check<'_>, at: (&'static str, &'static str), v: &str) {
    let ok = v.len() == 3 && v.bytes().all(|b| b.is_ascii_digit());
    if !ok || v == c.lea {
        c.error(
            "R4",
            at,
            v,
            format!("{} must be another authority's 3-digit LA code", at.1),
        );
    }
}

fn settings(c: &mut Check<'_>, module: &'static str, list: &[&Setting]) {
    let mut ranks = Vec::new();
    for s in list {
        setting(c, module, s);
        ranks.push(s.rank.as_str());
    }
    if !list.is_empty() && !ranks.contains(&"1") {
        c.error(
            "N2",
            (module, "PlacementRank"),
            "",
            "one setting must be rank 1 (the main setting)".into(),
        );
    }
    let mut seen = std::collections::HashSet::new();
    for r in ranks {
        if !matches!(r, "1" | "2") {
            c.error(
                "N2",
                (module, "PlacementRank"),
                r,
                "PlacementRank is 1 (main setting) or 2 (second setting of a dual placement)"
                    .into(),
            );
        } else if !seen.insert(r) && module == "named plan" {
            c.error(
                "N2",
                (module, "PlacementRank"),
                r,
                format!("rank {r} is given to two settings"),
            );
        }
    }
}

fn setting(c: &mut Check<'_>, module: &'static str, s: &Setting) {
    let at = |e| (module, e);
    match (&s.urn, &s.ukprn, &s.sen_setting) {
        (None, None, None) => c.error(
            "N2",
            at("URN"),
            "",
            "each setting needs its URN, its UKPRN, or a SENsetting code".into(),
        ),
        (Some(u), _, _) if u.len() != 6 || !u.bytes().all(|b| b.is_ascii_digit()) => {
            c.error("N2", at("URN"), u, "a URN is 6 digits".into())
        }
        (_, Some(u), _) if u.len() != 8 || !u.bytes().all(|b| b.is_ascii_digit()) => {
            c.error("N2", at("UKPRN"), u, "a UKPRN is 8 digits".into())
        }
        (_, _, Some(code)) if !SEN_SETTINGS.contains(&code.as_str()) => c.error(
            "N2",
            at("SENsetting"),
            code,
            format!("SENsetting must be one of {}", SEN_SETTINGS.join(", ")),
        ),
        _ => {}
    }
    if matches!(s.sen_setting.as_deref(), Some("OTH" | "NIEO")) && s.sen_setting_other.is_none() {
        c.error(
            "N2",
            at("SENSettingOther"),
            "",
            "say what the setting is in SENSettingOther".into(),
        );
    }
    for (tag, v) in [
        ("SENunitIndicator", &s.sen_unit),
        ("ResourcedProvisionIndicator", &s.resourced_provision),
    ] {
        if v != "0" && v != "1" {
            c.error(
                "N3",
                at(tag),
                v,
                format!("{tag} is needed on every setting: 1 or 0"),
            );
        }
    }
    if s.sen_unit == "1" && s.resourced_provision == "1" {
        c.error(
            "N3",
            at("SENunitIndicator"),
            "1",
            "a place is in a SEN unit or a resourced provision, not both".into(),
        );
    }
    if s.urn.is_none() && s.ukprn.is_none() && (s.sen_unit == "1" || s.resourced_provision == "1") {
        c.error(
            "N3",
            at("SENunitIndicator"),
            "1",
            "a setting given by code has no SEN unit or resourced provision".into(),
        );
    }
}

pub(super) fn active(c: &mut Check<'_>, a: &crate::ActivePlans) {
    let at = |e| ("active plans", e);
    if a.placements.is_empty() {
        c.error(
            "C1",
            at("PlacementDetail"),
            "",
            "an active plan has at least one placement".into(),
        );
    }
    let primaries = a.needs.iter().filter(|(_, r)| r == "1").count();
    if primaries != 1 {
        c.error(
            "C1",
            at("SENneed"),
            &primaries.to_string(),
            "an active plan has exactly one primary need (SENtypeRank 1)".into(),
        );
    }
    let mut ranks = std::collections::HashSet::new();
    for (t, r) in &a.needs {
        if !matches!(r.as_str(), "1" | "2") || !ranks.insert(r.clone()) {
            c.error(
                "C2",
                at("SENtypeRank"),
                r,
                "need ranks are 1 (primary) and 2 (secondary), each used once".into(),
            );
        }
        if !c.year.is_some_and(|y| y.need_type(t)) {
            c.error(
                "C2",
                at("SENtype"),
                t,
                "not a need type for this year's return".into(),
            );
        }
    }
    if a.needs.len() == 2 && a.needs[0].0 == a.needs[1].0 {
        c.error(
            "C2",
            at("SENtype"),
            &a.needs[0].0,
            "the primary and secondary needs are different types".into(),
        );
    }
    let list: Vec<&Setting> = a.placements.iter().map(|p| &p.setting).collect();
    settings(c, "active plans", &list);
    for p in &a.placements {
        let entry = if p.entry_date.is_empty() {
            c.error(
                "C3",
                at("EntryDate"),
                "",
                "each placement needs its EntryDate".into(),
            );
            None
        } else {
            c.date(at("EntryDate"), Some(&p.entry_date))
        };
        let leaving = c.date(at("LeavingDate"), p.leaving_date.as_deref());
        if let (Some(e), Some(l)) = (entry, leaving)
            && l < e
        {
            c.error(
                "C3",
                at("LeavingDate"),
                &l.to_string(),
                format!("the placement ends ({l}) before it began ({e})"),
            );
        }
        c.one_of(at("Res"), p.res.as_ref(), &["A", "B"]);
        c.one_of(at("WBP"), p.wbp.as_ref(), &["A", "T", "S"]);
    }
    let meeting = c.date(at("ReviewMeeting"), a.review_meeting.as_deref());
    let last = c.date(at("LastReview"), a.last_review.as_deref());
    if let (Some(m), Some(l)) = (meeting, last) {
        if l < m {
            c.error(
                "C5",
                at("LastReview"),
                &l.to_string(),
                "the review decision comes before the meeting".into(),
            );
        } else if (l - m).num_days() > 28 {
            c.add(
                "C5",
                Severity::Query,
                at("LastReview"),
                &l.to_string(),
                format!(
                    "the decision came {} days after the review meeting: the limit is 4 weeks",
                    (l - m).num_days()
                ),
            );
        }
    }
    if last.is_some()
        && a.review_outcome.is_none()
        && c.year.is_some_and(|y| y.collects("ReviewOutcome"))
    {
        c.error(
            "C5",
            at("ReviewOutcome"),
            "",
            "the review's outcome (A amend, C cease, M maintain) goes with its date".into(),
        );
    }
    if let Some(o) = &a.review_outcome
        && !matches!(o.as_str(), "A" | "C" | "M")
    {
        c.error(
            "C5",
            at("ReviewOutcome"),
            o,
            "ReviewOutcome is A (amend), C (cease) or M (maintain)".into(),
        );
    }
    let due = c.date(at("PhaseTransferDueDate"), a.phase_transfer_due.as_deref());
    let done = c.date(
        at("PhaseTransferFinalDate"),
        a.phase_transfer_final.as_deref(),
    );
    if let (Some(d), Some(f)) = (due, done)
        && f > d
    {
        c.add(
            "C6",
            Severity::Query,
            at("PhaseTransferFinalDate"),
            &f.to_string(),
            format!("the plan was amended for the phase transfer on {f}, after its due date {d}"),
        );
    }
}
