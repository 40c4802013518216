//! What one person of a return becomes: the events of each item (a request with its
//! assessment and named plan, a review, a placement), dated as the return dates them,
//! leaving out what the child's record already holds.

use chrono::{Days, NaiveDate};
use sendscope_domain::codes::{LaCode, Ukprn, Urn};
use sendscope_domain::event::{
    AssessDecision, DatedOnly, EventBody, NamedSetting, PlacementStarted, PlanCeased, PlanRecorded,
    RecordedDisputes, RequestRecorded, ReviewDecided, ReviewDecision, SettingRef, Undated,
};
use sendscope_domain::ids::{RequestId, SettingId};
use sendscope_domain::projection::CaseState;
use sendscope_domain::sen::{CeaseReason, Need, NeedType, Requester, SettingCode};
use sendscope_sen2::layout::Year;
use std::collections::HashMap;

/// The area's register, as a return's settings are matched to it.
#[derive(Default)]
pub(crate) struct Register {
    pub by_urn: HashMap<Urn, SettingId>,
    pub by_ukprn: HashMap<Ukprn, SettingId>,
}

impl Register {
    /// A setting as the return gives it: the register's own where its URN or UKPRN is
    /// there, else the number itself, else the SEN2 code.
    fn setting(&self, s: &sendscope_sen2::Setting) -> Option<SettingRef> {
        if let Some(u) = s.urn.as_deref().and_then(|u| Urn::parse(u).ok()) {
            return Some(match self.by_urn.get(&u) {
                Some(id) => SettingRef::Setting(*id),
                None => SettingRef::Urn(u),
            });
        }
        if let Some(u) = s.ukprn.as_deref().and_then(|u| Ukprn::parse(u).ok()) {
            return Some(match self.by_ukprn.get(&u) {
                Some(id) => SettingRef::Setting(*id),
                None => SettingRef::Ukprn(u),
            });
        }
        let code = s.sen_setting.as_deref()?.trim().to_ascii_uppercase();
        serde_json::from_value::<SettingCode>(serde_json::Value::String(code))
            .ok()
            .map(SettingRef::Code)
    }
}

/// One event to record, with the item it belongs to (items are kept or left out whole)
/// and its place in the child's history.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub on: NaiveDate,
    /// Order among events of the same day: a request before its plan, a plan before
    /// its placements and reviews, a cessation last.
    pub order: u8,
    pub item: usize,
    pub body: EventBody,
}

/// An item of the person's entry: what the report names if it cannot be recorded.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub module: &'static str,
    pub element: &'static str,
    pub value: String,
    /// Its request, when it is one and new: numbered when recorded.
    pub new_request: bool,
}

/// Everything the return says of one person, as events not yet in the record.
#[derive(Default)]
pub(crate) struct PersonPlan {
    pub items: Vec<Item>,
    pub events: Vec<Planned>,
}

fn day(s: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s?, "%Y-%m-%d").ok()
}

fn yes(s: Option<&String>) -> bool {
    s.is_some_and(|v| v == "1")
}

impl PersonPlan {
    fn item(&mut self, module: &'static str, element: &'static str, value: String) -> usize {
        self.items.push(Item {
            module,
            element,
            value,
            new_request: false,
        });
        self.items.len() - 1
    }

    fn push(&mut self, item: usize, on: NaiveDate, order: u8, body: EventBody) {
        self.events.push(Planned {
            on,
            order,
            item,
            body,
        });
    }
}

/// The events for a person's requests (those without errors: `bad` lists the requests
/// the validation found errors in), given what their record already holds (`c`).
pub(crate) fn plan_person(
    p: &sendscope_sen2::Person,
    birth: NaiveDate,
    bad: &[usize],
    c: &CaseState,
    year: Year,
    register: &Register,
    source: &str,
) -> PersonPlan {
    let census = year.census;
    let (from, _) = year.period();
    let before = from - Days::new(1);
    let mut out = PersonPlan::default();
    let mut placements: Vec<&sendscope_sen2::Placement> = Vec::new();
    for (i, r) in p.requests.iter().enumerate() {
        if bad.contains(&i) {
            continue;
        }
        let received = day(r.received_date.as_deref());
        let a = r.assessment.as_ref();
        let np = a.and_then(|a| a.named_plan.as_ref());
        let plan_start = np.and_then(|n| day(Some(&n.start_date)));
        // The request it is in the record already: by the day received, or (a request
        // decided before the period given without it) by its plan.
        let existing = match received {
            Some(d) => c.requests.iter().find(|x| x.received_on == d),
            None => plan_start.and_then(|s| {
                let plan = c
                    .earlier_plans
                    .iter()
                    .chain(&c.plan)
                    .find(|x| x.start == s)?;
                plan.request
                    .and_then(|id| c.requests.iter().find(|x| x.request == id))
            }),
        };
        let kept_here = existing.is_some_and(|x| x.recorded.is_none());
        let item = out.item(
            "request",
            "ReceivedDate",
            r.received_date.clone().unwrap_or_else(|| r.outcome.clone()),
        );
        let mut request = existing.map(|x| x.request);
        if let Some(received) = received.filter(|_| !kept_here) {
            let (decision, decided_on, mut undated) = match r.outcome.as_str() {
                "Y" => (
                    Some(AssessDecision::Assess),
                    day(r.outcome_date.as_deref()),
                    Undated::default(),
                ),
                "N" => (
                    Some(AssessDecision::DoNotAssess),
                    day(r.outcome_date.as_deref()),
                    Undated::default(),
                ),
                "H" => (
                    a.map(|_| AssessDecision::Assess),
                    None,
                    Undated {
                        decided_by: Some(before),
                        ..Default::default()
                    },
                ),
                "W" => (
                    None,
                    None,
                    Undated {
                        withdrawn_by: Some(census),
                        ..Default::default()
                    },
                ),
                _ => (None, None, Undated::default()),
            };
            let (mut issued, mut not_issued) = (None, None);
            if let Some(a) = a {
                let on = day(a.outcome_date.as_deref());
                match a.outcome.as_str() {
                    "Y" => issued = on,
                    "N" => not_issued = on,
                    "H" => undated.concluded_by = Some(before),
                    "W" => undated.withdrawn_by = Some(census),
                    _ => {}
                }
            }
            let flags = RecordedDisputes {
                census,
                assessment_mediation: yes(r.mediation.as_ref()),
                assessment_tribunal: yes(r.tribunal.as_ref()),
                plan_mediation: a.is_some_and(|a| yes(a.mediation.as_ref())),
                plan_tribunal: a.is_some_and(|a| yes(a.tribunal.as_ref())),
                other_mediation: a.is_some_and(|a| yes(a.other_mediation.as_ref())),
                other_tribunal: a.is_some_and(|a| yes(a.other_tribunal.as_ref())),
            };
            let young = received.years_since(birth).is_some_and(|y| y >= 16);
            let requested_by = r.request_source.as_deref().and_then(|s| {
                Some(match s {
                    "1" if young => Requester::YoungPerson,
                    "1" => Requester::Parent,
                    "2" => Requester::School,
                    "3" => Requester::Health,
                    "4" => Requester::SocialCare,
                    "5" => Requester::Other,
                    _ => return None,
                })
            });
            if existing.is_none() {
                out.items[item].new_request = true;
            }
            let id = request.unwrap_or(RequestId(0));
            request = Some(id);
            out.push(
                item,
                received,
                0,
                EventBody::RequestRecorded(RequestRecorded {
                    request: id,
                    received_on: received,
                    requested_by,
                    youth_custody: yes(r.rya.as_ref()),
                    decision,
                    decided_on,
                    plan_issued_on: issued,
                    plan_not_issued_on: not_issued,
                    undated,
                    exception: a.is_some_and(|a| yes(a.week20.as_ref())),
                    disputes: (flags
                        != RecordedDisputes {
                            census,
                            ..Default::default()
                        })
                    .then_some(flags),
                    source: source.to_string(),
                }),
            );
        }
        let (Some(np), Some(start)) = (np, plan_start) else {
            continue;
        };
        let active = r.active.as_ref();
        if let Some(active) = active {
            placements.extend(&active.placements);
        }
        let known = c
            .earlier_plans
            .iter()
            .chain(&c.plan)
            .find(|x| x.start == start);
        let cease = day(np.cease_date.as_deref()).map(|on| PlanCeased {
            on,
            reason: np
                .cease_reason
                .as_deref()
                .and_then(|r| r.parse::<u8>().ok())
                .and_then(cease_reason)
                .unwrap_or(CeaseReason::NotRecorded),
            source: Some(source.to_string()),
        });
        match known {
            Some(plan) => {
                // Already recorded: only a cessation the record does not have yet, on a
                // plan brought in from a return.
                let current = c.plan.as_ref().is_some_and(|x| x.start == start);
                if let Some(x) =
                    cease.filter(|_| current && plan.ceased.is_none() && plan.source.is_some())
                {
                    out.push(item, x.on, 9, EventBody::PlanCeased(x));
                }
            }
            None => {
                let needs = active
                    .map(|a| {
                        a.needs
                            .iter()
                            .filter_map(|(t, rank)| {
                                Some(Need {
                                    need: NeedType::parse(t).ok()?,
                                    rank: rank.parse().ok()?,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let named = np
                    .details
                    .iter()
                    .filter_map(|s| {
                        Some(NamedSetting {
                            setting: register.setting(s)?,
                            provision: None,
                            rank: s.rank.parse().unwrap_or(1),
                            sen_unit: s.sen_unit == "1",
                            resourced_provision: s.resourced_provision == "1",
                            starts_on: None,
                        })
                    })
                    .collect();
                out.push(
                    item,
                    start,
                    1,
                    EventBody::PlanRecorded(PlanRecorded {
                        plan_start: start,
                        request,
                        transferred_from: active
                            .and_then(|a| a.transfer_la.as_deref())
                            .and_then(|la| LaCode::parse(la).ok()),
                        last_review: None,
                        sections: Default::default(),
                        needs,
                        named,
                        personal_budget: yes(np.pb.as_ref()),
                        source: source.to_string(),
                    }),
                );
                if let Some(x) = cease {
                    out.push(item, x.on, 9, EventBody::PlanCeased(x));
                }
            }
        }
        if let Some(a) = active {
            reviews(&mut out, a, c);
        }
    }
    placements_of(&mut out, &placements, c, register);
    out
}

fn cease_reason(code: u8) -> Option<CeaseReason> {
    use CeaseReason::*;
    Some(match code {
        1 => MaxAge,
        2 => NeedsMet,
        3 => HigherEducation,
        4 => PaidEmployment,
        5 => TransferredToAnotherLa,
        6 => NoLongerWishesToEngage,
        7 => MovedOutsideEngland,
        8 => Deceased,
        9 => Other,
        _ => return None,
    })
}

/// The review in the return, where the record does not have it (or its decision) yet.
fn reviews(out: &mut PersonPlan, a: &sendscope_sen2::ActivePlans, c: &CaseState) {
    let Some(meeting) = day(a.review_meeting.as_deref()) else {
        return;
    };
    let item = out.item("active plans", "ReviewMeeting", meeting.to_string());
    let held = c
        .reviews
        .iter()
        .find(|r| !r.planned && r.meeting_on == meeting);
    if held.is_none() {
        out.push(
            item,
            meeting,
            2,
            EventBody::ReviewMeetingHeld(DatedOnly { on: meeting }),
        );
    }
    let decision = match a.review_outcome.as_deref() {
        Some("A") => Some(ReviewDecision::Amend),
        Some("C") => Some(ReviewDecision::Cease),
        Some("M") => Some(ReviewDecision::Maintain),
        _ => None,
    };
    if let (Some(decision), Some(on)) = (decision, day(a.last_review.as_deref()))
        && held.is_none_or(|r| r.decided_on.is_none())
    {
        out.push(
            item,
            on,
            3,
            EventBody::ReviewDecided(ReviewDecided {
                meeting_on: meeting,
                decision,
                on,
            }),
        );
    }
}

/// The person's placements (listed under each of their plans: each once), where the
/// record does not have them; a leaving date is recorded unless the next placement
/// starts by then (starting one ends the one before).
fn placements_of(
    out: &mut PersonPlan,
    all: &[&sendscope_sen2::Placement],
    c: &CaseState,
    register: &Register,
) {
    let mut seen: Vec<(SettingRef, NaiveDate, Option<NaiveDate>, bool, bool)> = Vec::new();
    for p in all {
        let (Some(setting), Some(entry)) = (register.setting(&p.setting), day(Some(&p.entry_date)))
        else {
            continue;
        };
        if seen.iter().any(|s| s.0 == setting && s.1 == entry) {
            continue;
        }
        seen.push((
            setting,
            entry,
            day(p.leaving_date.as_deref()),
            p.setting.sen_unit == "1",
            p.setting.resourced_provision == "1",
        ));
    }
    seen.sort_by_key(|s| s.1);
    for (i, &(setting, entry, leaving, unit, rp)) in seen.iter().enumerate() {
        let item = out.item("active plans", "EntryDate", entry.to_string());
        let known = c
            .placements
            .iter()
            .find(|x| x.setting == setting && x.start == entry);
        if known.is_none() {
            out.push(
                item,
                entry,
                4,
                EventBody::PlacementStarted(PlacementStarted {
                    setting,
                    provision: None,
                    on: entry,
                    sen_unit: unit,
                    resourced_provision: rp,
                }),
            );
        }
        let next = seen.get(i + 1).map(|s| s.1);
        let open_in_record = known.is_none_or(|x| x.end.is_none());
        if let Some(l) = leaving.filter(|l| next.is_none_or(|n| n > *l) && open_in_record) {
            out.push(item, l, 3, EventBody::PlacementEnded(DatedOnly { on: l }));
        }
    }
}
