//! The SEN2 return made from the records: who is in it (a plan active in the reference
//! period or on census day, a request received, decided or still open in it), and each
//! module worked out from the child's events as they stood on census day. Nothing after
//! census day is reported. The layout, writing and validation are `sendscope_sen2`.

use chrono::NaiveDate;
use sendscope_domain::StreamKind;
use sendscope_domain::event::{
    AssessDecision, DesignatedOfficers, DisputeSubject, NamedSetting, ReviewDecision, SettingRef,
};
use sendscope_domain::ids::{AreaId, CaseId, SettingId};
use sendscope_domain::projection::{CaseState, PlanState, RequestState, StreamState};
use sendscope_domain::sen::{Requester, Sex};
use sendscope_sen2::layout::Year;
use sendscope_sen2::{
    ActivePlans, Assessment, Header, NamedPlan, Person, Placement, Request, Return, Setting,
};
use sendscope_store::{Store, StoreError};
use std::collections::HashMap;

/// What the return's header says that the records do not: whether the area has a
/// designated medical, clinical and social care officer in post (Y or N), and when the
/// file was made.
#[derive(Debug, Clone)]
pub struct Officers {
    pub dmo: String,
    pub dco: String,
    pub dsco: String,
    /// YYYY-MM-DDThh:mm:ss.
    pub made_at: String,
}

impl Officers {
    /// The header's answers from the area's record of its designated officers.
    pub fn recorded(x: &DesignatedOfficers, made_at: String) -> Self {
        let yn = |b: bool| if b { "Y" } else { "N" }.to_string();
        Officers {
            dmo: yn(x.medical),
            dco: yn(x.clinical),
            dsco: x.social_care.map(yn).unwrap_or_default(),
            made_at,
        }
    }
}

/// The designated officers the area had in post on a day, as it recorded them.
pub fn officers_on(
    store: &dyn Store,
    area: AreaId,
    on: NaiveDate,
) -> Result<Option<DesignatedOfficers>, StoreError> {
    Ok(
        match store
            .projection(sendscope_domain::StreamRef::area(area))?
            .map(|p| p.state)
        {
            Some(StreamState::Area(a)) => a.officers_on(on),
            _ => None,
        },
    )
}

/// The area's return for census day `year.census`.
pub fn build(
    store: &dyn Store,
    area: AreaId,
    year: Year,
    officers: &Officers,
) -> Result<Return, StoreError> {
    Ok(build_with_cases(store, area, year, officers)?.0)
}

/// The return, with the record each person in it came from (in the same order).
pub fn build_with_cases(
    store: &dyn Store,
    area: AreaId,
    year: Year,
    officers: &Officers,
) -> Result<(Return, Vec<CaseId>), StoreError> {
    let la = match store
        .projection(sendscope_domain::StreamRef::area(area))?
        .map(|p| p.state)
    {
        Some(StreamState::Area(a)) => a.la_code.map(|c| c.to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    let settings: HashMap<SettingId, (Option<String>, Option<String>)> = store
        .area_projections(area, StreamKind::Setting)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Setting(s) => s.details.map(|d| {
                (
                    SettingId(p.stream.id),
                    (d.urn.map(|u| u.to_string()), d.ukprn.map(|u| u.to_string())),
                )
            }),
            _ => None,
        })
        .collect();
    let mut found = Vec::new();
    sendscope_store::for_each_case(store, area, &mut |case, c| {
        if let Some(p) = person(c, year, &settings) {
            found.push((p, case));
        }
    })?;
    // In the return's own order (by name, date of birth and identifiers).
    found.sort_by(|(a, _), (b, _)| a.order().cmp(&b.order()));
    let (persons, cases): (Vec<Person>, Vec<CaseId>) = found.into_iter().unzip();
    let ret = Return {
        header: Header {
            year: year.year.to_string(),
            reference_date: year.census.to_string(),
            lea: la,
            software_code: "sendscope".into(),
            release: env!("CARGO_PKG_VERSION").into(),
            serial_no: "001".into(),
            date_time: officers.made_at.clone(),
            dmo: officers.dmo.clone(),
            dco: officers.dco.clone(),
            dsco: year.collects("DSCO").then(|| officers.dsco.clone()),
        },
        persons,
    };
    Ok((ret, cases))
}

fn flag(b: bool) -> Option<String> {
    Some(if b { "1" } else { "0" }.to_string())
}

fn day(d: NaiveDate) -> Option<String> {
    Some(d.to_string())
}

/// The person's record, if anything of theirs is in this return.
fn person(
    c: &CaseState,
    year: Year,
    settings: &HashMap<SettingId, (Option<String>, Option<String>)>,
) -> Option<Person> {
    let child = c.child.as_ref()?;
    let census = year.census;
    let (from, _) = year.period();
    let known = |d: Option<NaiveDate>| d.filter(|d| *d <= census);
    let mut requests = Vec::new();
    let plans: Vec<&PlanState> = c.earlier_plans.iter().chain(&c.plan).collect();
    let mut reported_plans: Vec<&PlanState> = Vec::new();
    for r in c.requests.iter().filter(|r| r.received_on <= census) {
        let plan = plans
            .iter()
            .copied()
            .find(|p| p.request == Some(r.request) && plan_in_scope(c, p, year));
        let decided = decided_on(r, census);
        // A refusal to assess ends the request on the day it was decided.
        let refused = decided.filter(|_| r.decision == Some(AssessDecision::DoNotAssess));
        let ended = [
            known(r.final_issued_on),
            known(r.plan_not_issued_on),
            withdrawn_on(r, census),
            known(r.undated().concluded_by),
            refused,
        ]
        .into_iter()
        .flatten()
        .max();
        let in_period = r.received_on >= from
            || decided.is_some_and(|d| d >= from)
            || ended.is_none_or(|d| d >= from);
        if !in_period && plan.is_none() {
            continue;
        }
        if let Some(p) = plan {
            reported_plans.push(p);
        }
        requests.push(request(c, r, year, plan, settings));
    }
    // Plans brought in without their request: reported under a request decided before
    // the period (H).
    for p in plans
        .iter()
        .copied()
        .filter(|p| p.request.is_none() && plan_in_scope(c, p, year))
    {
        reported_plans.push(p);
        requests.push(Request {
            outcome: "H".into(),
            assessment: Some(Assessment {
                outcome: "H".into(),
                named_plan: Some(named_plan(c, p, year, settings)),
                ..Default::default()
            }),
            active: Some(active(c, p, year, settings)),
            ..Default::default()
        });
    }
    if requests.is_empty() {
        return None;
    }
    Some(Person {
        surname: child.family_name.clone(),
        forename: child.given_names.clone(),
        birth_date: child.birth_date.to_string(),
        sex: match child.sex {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Unknown => "U",
        }
        .into(),
        ethnicity: child.ethnicity.clone(),
        postcode: child.postcode.as_ref().map(|p| p.to_string()),
        upn: child.upn.as_ref().map(|u| u.to_string()),
        uln: child.uln.as_ref().map(|u| u.to_string()),
        upn_unknown: None,
        requests,
        line: 0,
    })
}

/// When the decision whether to assess was made, as known on census day: its date, or
/// for a request brought in from a record that gives none, the last day it can have been.
fn decided_on(r: &RequestState, census: NaiveDate) -> Option<NaiveDate> {
    r.decided_on
        .filter(|_| r.decision.is_some())
        .or(r.undated().decided_by)
        .filter(|d| *d <= census)
}

/// When the request (or its assessment) was withdrawn, as known on census day.
fn withdrawn_on(r: &RequestState, census: NaiveDate) -> Option<NaiveDate> {
    r.withdrawn_on
        .or(r.undated().withdrawn_by)
        .filter(|d| *d <= census)
}

/// When a plan ended, as known on census day: ceased, or transferred out.
fn plan_end(c: &CaseState, p: &PlanState, census: NaiveDate) -> Option<(NaiveDate, u8)> {
    let ceased = p
        .ceased
        .as_ref()
        .filter(|x| x.on <= census)
        .map(|x| (x.on, x.reason.sen2_code().unwrap_or(9)));
    let is_current = c.plan.as_ref().is_some_and(|cur| cur.start == p.start);
    let out = c
        .transferred_out
        .as_ref()
        .filter(|t| is_current && t.on <= census && t.on >= p.start)
        .map(|t| (t.on, 5));
    ceased.or(out)
}

/// A plan started by census day and not ended before the reference period.
fn plan_in_scope(c: &CaseState, p: &PlanState, year: Year) -> bool {
    let (from, _) = year.period();
    p.start <= year.census && plan_end(c, p, year.census).is_none_or(|(on, _)| on >= from)
}

fn request(
    c: &CaseState,
    r: &RequestState,
    year: Year,
    plan: Option<&PlanState>,
    settings: &HashMap<SettingId, (Option<String>, Option<String>)>,
) -> Request {
    let census = year.census;
    let (from, _) = year.period();
    let known = |d: Option<NaiveDate>| d.filter(|d| *d <= census);
    let decided = decided_on(r, census);
    let outcome = match (decided, r.decision) {
        (Some(d), _) if d < from => "H",
        (Some(_), Some(AssessDecision::Assess)) => "Y",
        (Some(_), _) => "N",
        (None, _) if withdrawn_on(r, census).is_some() => "W",
        (None, _) => "A",
    };
    // What the return this request was brought in from said of this period.
    let said = r
        .recorded
        .as_ref()
        .and_then(|k| k.disputes.iter().find(|d| d.census == census))
        .copied()
        .unwrap_or_default();
    let disputed = |subjects: &[DisputeSubject], appeal: bool, said: bool| {
        flag(
            said || c.disputes.iter().any(|d| {
                subjects.contains(&d.subject)
                    && if appeal {
                        known(d.appeal_on).is_some()
                    } else {
                        known(d.mediation_on).is_some()
                    }
            }),
        )
    };
    let assessed = matches!(outcome, "Y" | "H") && r.decision == Some(AssessDecision::Assess);
    let assessment = assessed.then(|| {
        let issued = known(r.final_issued_on);
        let refused = known(r.plan_not_issued_on);
        let (a_outcome, a_date) = match (issued, refused) {
            (Some(d), _) if d < from => ("H", None),
            (Some(d), _) => ("Y", Some(d)),
            (_, Some(d)) if d < from => ("H", None),
            (_, Some(d)) => ("N", Some(d)),
            _ if known(r.undated().concluded_by).is_some_and(|d| d < from) => ("H", None),
            _ if withdrawn_on(r, census).is_some() => ("W", None),
            _ => ("A", None),
        };
        let plans_issue = [DisputeSubject::RefusalToIssue, DisputeSubject::PlanContents];
        let current = a_outcome != "H";
        Assessment {
            outcome: a_outcome.into(),
            outcome_date: a_date.and_then(day),
            mediation: if current {
                disputed(&plans_issue, false, said.plan_mediation)
            } else {
                None
            },
            tribunal: if current {
                disputed(&plans_issue, true, said.plan_tribunal)
            } else {
                None
            },
            other_mediation: if current {
                disputed(&[DisputeSubject::NamedSetting], false, said.other_mediation)
            } else {
                None
            },
            other_tribunal: if current {
                disputed(&[DisputeSubject::NamedSetting], true, said.other_tribunal)
            } else {
                None
            },
            week20: matches!(a_outcome, "Y" | "N")
                .then(|| flag(r.has_exception()))
                .flatten(),
            named_plan: plan
                .filter(|_| matches!(a_outcome, "Y" | "H"))
                .map(|p| named_plan(c, p, year, settings)),
        }
    });
    let h = outcome == "H";
    Request {
        // Given for a request decided before the period too: the 20 weeks of a plan
        // issued in the period run from it.
        received_date: Some(r.received_on.to_string()),
        request_source: r
            .requested_by
            .filter(|_| !h && year.collects("RequestSource"))
            .map(|by| {
                match by {
                    Requester::Parent | Requester::YoungPerson => "1",
                    Requester::School => "2",
                    Requester::Health => "3",
                    Requester::SocialCare => "4",
                    Requester::Other => "5",
                }
                .to_string()
            }),
        rya: (!h)
            .then(|| flag(r.recorded.as_ref().is_some_and(|k| k.youth_custody)))
            .flatten(),
        outcome_date: matches!(outcome, "Y" | "N")
            .then(|| decided.map(|d| d.to_string()))
            .flatten(),
        outcome: outcome.into(),
        mediation: (!h)
            .then(|| {
                disputed(
                    &[DisputeSubject::RefusalToAssess],
                    false,
                    said.assessment_mediation,
                )
            })
            .flatten(),
        tribunal: (!h)
            .then(|| {
                disputed(
                    &[DisputeSubject::RefusalToAssess],
                    true,
                    said.assessment_tribunal,
                )
            })
            .flatten(),
        exported: None,
        active: plan
            .filter(|_| {
                assessment
                    .as_ref()
                    .and_then(|a| a.named_plan.as_ref())
                    .is_some()
            })
            .map(|p| active(c, p, year, settings)),
        assessment,
    }
}

fn setting(
    named: (&SettingRef, u8, bool, bool),
    settings: &HashMap<SettingId, (Option<String>, Option<String>)>,
) -> Setting {
    let (s, rank, unit, rp) = named;
    let (urn, ukprn, code) = match s {
        SettingRef::Setting(id) => {
            let (urn, ukprn) = settings.get(id).cloned().unwrap_or_default();
            // A URN if it has one, else its UKPRN.
            let ukprn = if urn.is_some() { None } else { ukprn };
            (urn, ukprn, None)
        }
        SettingRef::Urn(u) => (Some(u.to_string()), None, None),
        SettingRef::Ukprn(u) => (None, Some(u.to_string()), None),
        SettingRef::Code(code) => (
            None,
            None,
            serde_json::to_value(code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_ascii_uppercase)),
        ),
    };
    Setting {
        urn,
        ukprn,
        sen_setting_other: matches!(code.as_deref(), Some("OTH" | "NIEO"))
            .then(|| "As the plan describes".to_string()),
        sen_setting: code,
        rank: rank.to_string(),
        sen_unit: if unit { "1" } else { "0" }.into(),
        resourced_provision: if rp { "1" } else { "0" }.into(),
    }
}

fn named_plan(
    c: &CaseState,
    p: &PlanState,
    year: Year,
    settings: &HashMap<SettingId, (Option<String>, Option<String>)>,
) -> NamedPlan {
    let end = plan_end(c, p, year.census);
    NamedPlan {
        start_date: p.start.to_string(),
        details: p
            .named
            .iter()
            .map(|n: &NamedSetting| {
                setting(
                    (&n.setting, n.rank, n.sen_unit, n.resourced_provision),
                    settings,
                )
            })
            .collect(),
        plan_res: None,
        plan_wbp: None,
        pb: flag(p.personal_budget),
        oa: None,
        dp: None,
        cease_date: end.map(|(on, _)| on.to_string()),
        cease_reason: end.map(|(_, r)| r.to_string()),
    }
}

fn active(
    c: &CaseState,
    p: &PlanState,
    year: Year,
    settings: &HashMap<SettingId, (Option<String>, Option<String>)>,
) -> ActivePlans {
    let census = year.census;
    let (from, to) = year.period();
    let end = plan_end(c, p, census).map(|(on, _)| on).unwrap_or(census);
    let placements = c
        .placements
        .iter()
        .filter(|x| x.start <= census.min(end) && x.end.is_none_or(|e| e >= from))
        .map(|x| Placement {
            setting: setting((&x.setting, 1, x.sen_unit, x.resourced_provision), settings),
            entry_date: x.start.to_string(),
            leaving_date: x.end.filter(|e| *e <= census).map(|e| e.to_string()),
            res: None,
            wbp: None,
        })
        .collect();
    let review = c
        .reviews
        .iter()
        .filter(|r| {
            !r.planned && r.meeting_on >= from && r.meeting_on <= to && r.meeting_on >= p.start
        })
        .max_by_key(|r| r.meeting_on);
    let decided = review.and_then(|r| r.decided_on.filter(|d| *d <= census).zip(r.decision));
    ActivePlans {
        transfer_la: c
            .transferred_in
            .as_ref()
            .filter(|t| t.on <= census)
            .map(|t| t.other_la)
            .or(p.transferred_from)
            .map(|la| la.to_string()),
        placements,
        needs: p
            .needs
            .iter()
            .map(|n| (n.need.code().to_string(), n.rank.to_string()))
            .collect(),
        review_meeting: review.map(|r| r.meeting_on.to_string()),
        review_outcome: decided.map(|(_, d)| {
            match d {
                ReviewDecision::Amend => "A",
                ReviewDecision::Cease => "C",
                ReviewDecision::Maintain => "M",
            }
            .to_string()
        }),
        review_draft: None,
        phase_transfer_due: None,
        phase_transfer_final: None,
        last_review: decided.map(|(on, _)| on.to_string()),
    }
}
