//! Waiting for health assessments and therapies: each referral is its own record (stream
//! kind `referral`) from the day it was received until its clock stops (first
//! appointment, assessment completed, discharged, referred on). The pathways, their
//! standards and the area's published prioritisation criteria are area data
//! (`area.waiting_lists_adopted`), versioned by the day they take effect: a referral's
//! priority comes from the criteria in force on the day it was received, with the rule's
//! reason, and is never typed in. Weekly figures (`week`) are computed from the records.

use crate::calendar::long_date;
use crate::ids::CaseId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A pathway and its standard: "92% of those waiting have waited under 18 weeks".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Pathway {
    /// Short code, as the trust's system gives it: `paeds`, `asd`, `adhd`, `salt`, `ot`,
    /// `physio`, `camhs`, `wheelchair`.
    pub code: String,
    pub name: String,
    /// The standard: this share (per cent) waiting under this many weeks.
    pub standard_weeks: u32,
    pub standard_percent: u8,
}

/// Urgency as the referrer gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Routine,
    Urgent,
}

/// One published prioritisation rule: when a referral matches every condition given, it
/// has `priority`, for `reason`. The first rule that matches wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PriorityRule {
    pub priority: String,
    pub reason: String,
    /// Only for this pathway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathway: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    /// Only for a child with an EHC plan (true) or without (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_plan: Option<bool>,
    /// Only for a child under this age (in whole years) on the day received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under_age: Option<u8>,
}

/// `area.waiting_lists_adopted`: the pathways, their standards and the prioritisation
/// criteria, from a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WaitingLists {
    pub from: NaiveDate,
    /// The criteria's published version ("2025-1").
    pub version: String,
    pub pathways: Vec<Pathway>,
    pub rules: Vec<PriorityRule>,
    /// The priority when no rule matches.
    pub otherwise: String,
}

impl WaitingLists {
    /// The pathways NHS England and NICE set standards for, with criteria that put urgent
    /// referrals first, then children under five, then the rest.
    pub fn standard(from: NaiveDate) -> WaitingLists {
        let p = |code: &str, name: &str, weeks: u32| Pathway {
            code: code.into(),
            name: name.into(),
            standard_weeks: weeks,
            standard_percent: 92,
        };
        WaitingLists {
            from,
            version: "1".into(),
            pathways: vec![
                p("paeds", "Community paediatrics", 18),
                p("asd", "Autism assessment", 13),
                p("adhd", "ADHD assessment", 18),
                p("salt", "Speech and language therapy", 18),
                p("ot", "Occupational therapy", 18),
                p("physio", "Physiotherapy", 18),
                p("camhs", "Children's mental health", 18),
                p("wheelchair", "Wheelchair and seating", 18),
            ],
            rules: vec![
                PriorityRule {
                    priority: "P1".into(),
                    reason: "urgent referral".into(),
                    pathway: None,
                    urgency: Some(Urgency::Urgent),
                    has_plan: None,
                    under_age: None,
                },
                PriorityRule {
                    priority: "P2".into(),
                    reason: "under five: early years".into(),
                    pathway: None,
                    urgency: None,
                    has_plan: None,
                    under_age: Some(5),
                },
            ],
            otherwise: "P3".into(),
        }
    }

    pub fn check(&self) -> Result<(), String> {
        if self.pathways.is_empty() {
            return Err("name at least one pathway".into());
        }
        for p in &self.pathways {
            if p.code.trim().is_empty() || p.name.trim().is_empty() {
                return Err("each pathway needs its code and name".into());
            }
            if p.standard_weeks == 0 || p.standard_percent == 0 || p.standard_percent > 100 {
                return Err(format!(
                    "pathway {}: the standard is a number of weeks (1 or more) and a percentage (1 to 100)",
                    p.code
                ));
            }
            if self.pathways.iter().filter(|q| q.code == p.code).count() > 1 {
                return Err(format!("pathway {} is named twice", p.code));
            }
        }
        for r in &self.rules {
            if r.priority.trim().is_empty() || r.reason.trim().is_empty() {
                return Err("each prioritisation rule needs its priority and its reason".into());
            }
            if let Some(p) = &r.pathway
                && !self.pathways.iter().any(|x| &x.code == p)
            {
                return Err(format!("a rule names pathway {p}, which is not listed"));
            }
        }
        if self.otherwise.trim().is_empty() {
            return Err("give the priority when no rule matches".into());
        }
        Ok(())
    }

    pub fn pathway(&self, code: &str) -> Option<&Pathway> {
        self.pathways.iter().find(|p| p.code == code)
    }

    /// A referral's priority under these criteria, with the reason: the first rule that
    /// matches, else `otherwise`.
    pub fn priority(&self, r: &ReferralFacts) -> (String, String) {
        for rule in &self.rules {
            let matches = rule.pathway.as_deref().is_none_or(|p| p == r.pathway)
                && rule.urgency.is_none_or(|u| u == r.urgency)
                && rule.has_plan.is_none_or(|h| h == r.has_plan)
                && rule.under_age.is_none_or(|a| r.age < u32::from(a));
            if matches {
                return (
                    rule.priority.clone(),
                    format!("{} (criteria version {})", rule.reason, self.version),
                );
            }
        }
        (
            self.otherwise.clone(),
            format!("no rule applies (criteria version {})", self.version),
        )
    }
}

/// What the criteria look at.
pub struct ReferralFacts<'a> {
    pub pathway: &'a str,
    pub urgency: Urgency,
    pub has_plan: bool,
    /// Age in whole years on the day received.
    pub age: u32,
}

/// The criteria in force on a day: the newest adopted on or before it.
pub fn in_force(adopted: &[WaitingLists], on: NaiveDate) -> Option<&WaitingLists> {
    adopted
        .iter()
        .filter(|w| w.from <= on)
        .max_by_key(|w| w.from)
}

/// The child a referral is for, as the trust's system gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReferredChild {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
}

/// `referral.received`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReferralReceived {
    /// The trust's own referral identifier (unique in the area).
    pub reference: String,
    pub pathway: String,
    pub received_on: NaiveDate,
    /// Who referred: "GP", "school", "health visitor".
    pub source: String,
    pub urgency: Urgency,
    pub child: ReferredChild,
    /// The child's record here, where the NHS number matched one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseId>,
}

/// `referral.linked`: a person confirmed that a referral the trust's NHS number did not
/// match is of a child on the council's records (a possible match by name and date of
/// birth); why is the event's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReferralLinked {
    pub case: CaseId,
}

/// Why a waiting clock stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockStop {
    FirstAppointment,
    AssessmentCompleted,
    Discharged,
    ReferredOn,
}

impl ClockStop {
    pub fn label(self) -> &'static str {
        match self {
            ClockStop::FirstAppointment => "first appointment",
            ClockStop::AssessmentCompleted => "assessment completed",
            ClockStop::Discharged => "discharged",
            ClockStop::ReferredOn => "referred on",
        }
    }
}

/// `referral.clock_stopped`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClockStopped {
    pub on: NaiveDate,
    pub stop: ClockStop,
}

/// `referral.support_offered`: help given while the child waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SupportOffered {
    pub on: NaiveDate,
    pub what: String,
}

/// A referral's record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReferralState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<ReferralReceived>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<ClockStopped>,
    #[serde(default)]
    pub support: Vec<SupportOffered>,
}

pub enum ReferralStep<'a> {
    Received(&'a ReferralReceived),
    Stopped(&'a ClockStopped),
    Support(&'a SupportOffered),
    Linked(&'a ReferralLinked),
}

pub fn step_of(body: &crate::EventBody) -> Option<ReferralStep<'_>> {
    use crate::EventBody as E;
    Some(match body {
        E::ReferralReceived(x) => ReferralStep::Received(x),
        E::ClockStopped(x) => ReferralStep::Stopped(x),
        E::SupportOffered(x) => ReferralStep::Support(x),
        E::ReferralLinked(x) => ReferralStep::Linked(x),
        _ => return None,
    })
}

impl ReferralState {
    pub fn apply(&mut self, step: ReferralStep) {
        match step {
            ReferralStep::Received(x) => self.received = Some(x.clone()),
            ReferralStep::Stopped(x) => self.stopped = Some(x.clone()),
            ReferralStep::Support(x) => self.support.push(x.clone()),
            ReferralStep::Linked(x) => {
                if let Some(r) = &mut self.received {
                    r.case = Some(x.case);
                }
            }
        }
    }

    pub fn check(&self, step: &ReferralStep) -> Result<(), String> {
        let Some(r) = &self.received else {
            return match step {
                ReferralStep::Received(x) => check_received(x),
                _ => Err("record the referral as received first".into()),
            };
        };
        match step {
            ReferralStep::Received(_) => {
                Err("this referral is already received: a re-referral is a new referral".into())
            }
            ReferralStep::Stopped(x) => {
                if let Some(s) = &self.stopped {
                    return Err(format!(
                        "the clock already stopped on {} ({}): a re-referral is a new referral",
                        long_date(s.on),
                        s.stop.label()
                    ));
                }
                if x.on < r.received_on {
                    return Err(format!(
                        "a clock cannot stop before the referral was received ({})",
                        long_date(r.received_on)
                    ));
                }
                Ok(())
            }
            ReferralStep::Support(x) => {
                if x.what.trim().is_empty() {
                    return Err("say what support was offered".into());
                }
                if x.on < r.received_on {
                    return Err("support is offered after the referral is received".into());
                }
                Ok(())
            }
            ReferralStep::Linked(_) if r.case.is_some() => Err(
                "this referral is already linked to a child's record: a wrong link is corrected, not linked again".into(),
            ),
            ReferralStep::Linked(_) => Ok(()),
        }
    }

    /// Waiting at the end of `day`: received by then, clock not stopped by then.
    pub fn waiting_on(&self, day: NaiveDate) -> bool {
        self.received.as_ref().is_some_and(|r| r.received_on <= day)
            && self.stopped.as_ref().is_none_or(|s| s.on > day)
    }
}

fn check_received(x: &ReferralReceived) -> Result<(), String> {
    if x.reference.trim().is_empty() || x.pathway.trim().is_empty() {
        return Err("a referral needs its reference and its pathway".into());
    }
    if x.child.given_names.trim().is_empty() || x.child.family_name.trim().is_empty() {
        return Err("a referral needs the child's names".into());
    }
    if x.child.birth_date > x.received_on {
        return Err("the child's date of birth is after the referral was received".into());
    }
    if let Some(n) = &x.child.nhs_number {
        crate::codes::NhsNumber::parse(n).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Whole weeks from `from` to `to`.
pub fn weeks(from: NaiveDate, to: NaiveDate) -> u32 {
    u32::try_from((to - from).num_days().max(0) / 7).unwrap_or(0)
}

/// The value at a percentile by nearest rank (the smallest value with at least `p`
/// per cent of values at or below it) over sorted values.
pub fn nearest_rank(sorted: &[u32], percent: u32) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(percent) * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied()
}

/// One line of the weekly figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekLine {
    pub pathway: String,
    /// A priority, or "all".
    pub priority: String,
    pub waiting: u32,
    pub median_weeks: Option<u32>,
    pub p92_weeks: Option<u32>,
    pub over_18_weeks: u32,
    pub over_52_weeks: u32,
    pub over_104_weeks: u32,
    /// Waiting under the pathway's standard weeks, and the standard's percentage.
    pub within_standard: u32,
    pub standard_weeks: u32,
    pub standard_percent: u8,
    /// Clocks stopped in the week (the seven days to its last day).
    pub stopped_in_week: u32,
}

/// A referral as the figures read it: pathway, priority, received, stopped.
pub struct Counted<'a> {
    pub pathway: &'a str,
    pub priority: &'a str,
    pub state: &'a ReferralState,
}

/// The figures for the week ending `day`, by pathway and priority and for each pathway as
/// a whole ("all"), in the order of the pathways given.
pub fn week(pathways: &[Pathway], referrals: &[Counted], day: NaiveDate) -> Vec<WeekLine> {
    let week_start = day - chrono::Days::new(6);
    let mut out = Vec::new();
    for p in pathways {
        let mine: Vec<&Counted> = referrals.iter().filter(|r| r.pathway == p.code).collect();
        let mut priorities: Vec<&str> = mine.iter().map(|r| r.priority).collect();
        priorities.sort();
        priorities.dedup();
        for priority in std::iter::once("all").chain(priorities) {
            let these: Vec<&&Counted> = mine
                .iter()
                .filter(|r| priority == "all" || r.priority == priority)
                .collect();
            let mut waited: Vec<u32> = these
                .iter()
                .filter(|r| r.state.waiting_on(day))
                .filter_map(|r| r.state.received.as_ref())
                .map(|r| weeks(r.received_on, day))
                .collect();
            waited.sort_unstable();
            let over = |w: u32| waited.iter().filter(|x| **x >= w).count() as u32;
            out.push(WeekLine {
                pathway: p.code.clone(),
                priority: priority.to_string(),
                waiting: waited.len() as u32,
                median_weeks: nearest_rank(&waited, 50),
                p92_weeks: nearest_rank(&waited, 92),
                over_18_weeks: over(18),
                over_52_weeks: over(52),
                over_104_weeks: over(104),
                within_standard: waited.len() as u32 - over(p.standard_weeks),
                standard_weeks: p.standard_weeks,
                standard_percent: p.standard_percent,
                stopped_in_week: these
                    .iter()
                    .filter_map(|r| r.state.stopped.as_ref())
                    .filter(|s| s.on >= week_start && s.on <= day)
                    .count() as u32,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn nearest_rank_is_the_smallest_value_covering_the_share() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&v, 50), Some(5));
        assert_eq!(nearest_rank(&v, 92), Some(10));
        assert_eq!(nearest_rank(&v, 90), Some(9));
        assert_eq!(nearest_rank(&[7], 92), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    /// Priority rules as a table: adopting new criteria from a day changes the priority of
    /// referrals received from that day only, each with its reason.
    #[test]
    fn criteria_adopted_from_a_day_apply_to_referrals_received_from_it() {
        let old = WaitingLists::standard(d(2024, 4, 1));
        let mut new = WaitingLists::standard(d(2025, 4, 1));
        new.version = "2".into();
        new.rules.insert(
            0,
            PriorityRule {
                priority: "P1".into(),
                reason: "a child with an EHC plan waiting for an autism assessment".into(),
                pathway: Some("asd".into()),
                urgency: None,
                has_plan: Some(true),
                under_age: None,
            },
        );
        new.check().unwrap();
        let adopted = [old, new];
        let facts = |pathway, urgency, has_plan, age| ReferralFacts {
            pathway,
            urgency,
            has_plan,
            age,
        };
        use Urgency::*;
        let table = [
            // received, pathway, urgency, plan, age → priority, reason starts
            (
                d(2025, 3, 31),
                "asd",
                Routine,
                true,
                9,
                "P3",
                "no rule applies (criteria version 1)",
            ),
            (
                d(2025, 4, 1),
                "asd",
                Routine,
                true,
                9,
                "P1",
                "a child with an EHC plan waiting for an autism assessment (criteria version 2)",
            ),
            (
                d(2025, 4, 1),
                "asd",
                Routine,
                false,
                9,
                "P3",
                "no rule applies (criteria version 2)",
            ),
            (
                d(2025, 4, 1),
                "salt",
                Routine,
                true,
                9,
                "P3",
                "no rule applies (criteria version 2)",
            ),
            (
                d(2025, 3, 1),
                "salt",
                Urgent,
                false,
                9,
                "P1",
                "urgent referral (criteria version 1)",
            ),
            (
                d(2025, 5, 1),
                "salt",
                Routine,
                false,
                3,
                "P2",
                "under five: early years (criteria version 2)",
            ),
            (
                d(2025, 5, 1),
                "salt",
                Routine,
                false,
                5,
                "P3",
                "no rule applies (criteria version 2)",
            ),
        ];
        for (on, pathway, urgency, plan, age, priority, reason) in table {
            let c = in_force(&adopted, on).expect("criteria");
            assert_eq!(
                c.priority(&facts(pathway, urgency, plan, age)),
                (priority.to_string(), reason.to_string()),
                "{on} {pathway}"
            );
        }
        assert!(in_force(&adopted, d(2024, 3, 31)).is_none());
    }

    #[test]
    fn a_stopped_clock_is_final_and_a_week_counts_stops_in_its_seven_days() {
        let mut s = ReferralState::default();
        let r = ReferralReceived {
            reference: "R1".into(),
            pathway: "asd".into(),
            received_on: d(2025, 1, 6),
            source: "GP".into(),
            urgency: Urgency::Routine,
            child: ReferredChild {
                nhs_number: Some("943 476 5919".into()),
                given_names: "A".into(),
                family_name: "B".into(),
                birth_date: d(2018, 5, 1),
            },
            case: None,
        };
        s.check(&ReferralStep::Received(&r)).unwrap();
        s.apply(ReferralStep::Received(&r));
        let stop = ClockStopped {
            on: d(2025, 6, 2),
            stop: ClockStop::FirstAppointment,
        };
        s.check(&ReferralStep::Stopped(&stop)).unwrap();
        s.apply(ReferralStep::Stopped(&stop));
        assert!(s.check(&ReferralStep::Stopped(&stop)).is_err());
        assert!(s.waiting_on(d(2025, 6, 1)));
        assert!(!s.waiting_on(d(2025, 6, 2)));
        let pathways = WaitingLists::standard(d(2024, 1, 1)).pathways;
        let counted = [Counted {
            pathway: "asd",
            priority: "P3",
            state: &s,
        }];
        let before = &week(&pathways, &counted, d(2025, 6, 1))[1];
        assert_eq!((before.waiting, before.median_weeks), (1, Some(20)));
        assert_eq!((before.over_18_weeks, before.within_standard), (1, 0));
        let after = &week(&pathways, &counted, d(2025, 6, 8))[1];
        assert_eq!((after.waiting, after.stopped_in_week), (0, 1));
    }
}
