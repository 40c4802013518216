//! Compliance with the approval rules for SEN units and resourced provisions (domain.md
//! §2.1, §5): which provisions need an approval before places exist, whether a school
//! meets the Ofsted standard for new places, and the dated findings for each step taken
//! before the approval it depends on. Rules are data ([`GateRules`]), versioned by the
//! date they take effect. Pure: the caller gathers the records.

use crate::DomainError;
use crate::calendar::long_date;
use crate::event::{
    ApprovalRoute, EventBody, InspectionFramework, Judgement, ProvisionKind, SettingType, StreamRef,
};
use crate::ids::{AreaId, CaseId, ProvisionId, SettingId};
use crate::projection::{Projection, ProvisionState, SettingState, StreamState};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::event::GateRules;

impl GateRules {
    /// How a change at this school is approved (by the school's type), whatever the
    /// kind of provision: significant change at academies and free schools, a
    /// prescribed alteration at maintained schools, none elsewhere.
    pub fn change_route(&self, setting: Option<&SettingState>) -> Option<ApprovalRoute> {
        match setting
            .and_then(|s| s.details.as_ref())
            .map(|d| d.setting_type)
        {
            Some(
                SettingType::MainstreamAcademy
                | SettingType::MainstreamFreeSchool
                | SettingType::SpecialAcademy,
            ) => Some(ApprovalRoute::SignificantChange),
            Some(SettingType::MainstreamLaMaintained | SettingType::SpecialLaMaintained) => {
                Some(ApprovalRoute::PrescribedAlteration)
            }
            _ => None,
        }
    }

    /// Places a provision could add without a new approval: the approved number not
    /// yet opened (kinds that need approval), or the threshold (special schools).
    pub fn expandable(&self, kind: ProvisionKind, p: &ProvisionState, places: u32) -> u32 {
        if self.approval_needed.contains(&kind) {
            let approved = p
                .decisions
                .iter()
                .filter(|d| d.approved)
                .filter_map(|d| d.places)
                .max()
                .unwrap_or(0);
            approved.saturating_sub(places)
        } else if self.threshold_kinds.contains(&kind) {
            self.threshold_places
                .min(places.saturating_mul(self.threshold_percent) / 100)
        } else {
            0
        }
    }

    /// Whether changing a provision's places from `before` to `after` needs approval.
    pub fn resize_needs_approval(&self, kind: ProvisionKind, before: u32, after: u32) -> bool {
        if before == after {
            return false;
        }
        if self.approval_needed.contains(&kind) {
            return true;
        }
        if self.threshold_kinds.contains(&kind) {
            let limit = self
                .threshold_places
                .min(before.saturating_mul(self.threshold_percent) / 100);
            return before.abs_diff(after) > limit;
        }
        false
    }

    /// The approval a provision needs before places may be used, if any.
    pub fn route(
        &self,
        p: &ProvisionState,
        setting: Option<&SettingState>,
    ) -> Option<ApprovalRoute> {
        let kind = p.opened.as_ref()?.kind;
        if !self.approval_needed.contains(&kind) {
            return None;
        }
        self.change_route(setting)
    }

    /// Why a school falls below the standard for new places on a day (its latest
    /// inspection by then), or `None` if it meets it or has no inspection.
    pub fn below_standard(&self, s: &SettingState, on: NaiveDate) -> Option<String> {
        let i = s
            .inspections
            .iter()
            .rev()
            .find(|i| i.inspection_start <= on)?;
        let weak: Vec<String> = i
            .judgements
            .iter()
            .filter(|(k, j)| match (i.framework, j) {
                (InspectionFramework::Graded, Judgement::Grade(g)) => {
                    self.graded_judgements.contains(k) && *g > self.graded_worst
                }
                (InspectionFramework::ReportCard, Judgement::Scale(x)) => {
                    self.report_card_areas.contains(k) && *x > self.report_card_lowest
                }
                (InspectionFramework::ReportCard, Judgement::SafeguardingMet(false)) => true,
                _ => false,
            })
            .map(|(k, j)| format!("{} {}", k.replace('_', " "), judgement_text(j)))
            .collect();
        (!weak.is_empty()).then(|| {
            format!(
                "Ofsted inspection of {}: {}",
                crate::calendar::long_date(i.inspection_start),
                weak.join(", ")
            )
        })
    }
}

fn judgement_text(j: &Judgement) -> String {
    match j {
        Judgement::Grade(1) => "outstanding (1)".into(),
        Judgement::Grade(2) => "good (2)".into(),
        Judgement::Grade(3) => "requires improvement (3)".into(),
        Judgement::Grade(g) => format!("inadequate ({g})"),
        Judgement::Scale(s) => format!("{s:?}").to_lowercase(),
        Judgement::SafeguardingMet(m) => if *m { "met" } else { "not met" }.into(),
    }
}

/// The day a provision's approval takes effect, if it has one.
pub fn approval_effective(p: &ProvisionState) -> Option<NaiveDate> {
    approval_granted(p, NaiveDate::MAX)
}

/// Where a provision's approval stands on `today`, in words every page shows alike: in
/// effect (or from a later day), refused (the last decision, with none granted), applied
/// for with no decision since, or not applied for.
pub fn approval_status(p: &ProvisionState, route: &str, today: NaiveDate) -> String {
    use crate::calendar::long_date;
    if let Some(e) = approval_effective(p) {
        return if e <= today {
            format!("{route}, in effect from {}", long_date(e))
        } else {
            format!("{route}, in effect from {} (not yet)", long_date(e))
        };
    }
    // The latest answer (refusal or deferral), and the latest application.
    let answer = p
        .decisions
        .iter()
        .filter(|d| !d.approved)
        .max_by_key(|d| d.decided_on);
    let applied = p.applications.iter().map(|a| a.submitted_on).max();
    match (applied, answer) {
        (Some(a), r) if r.is_none_or(|r| a > r.decided_on) => format!(
            "{route} applied for on {}: no decision yet; children cannot be named into it until it is granted",
            long_date(a)
        ),
        (_, Some(d)) => match d.deferral() {
            Some(pending) => format!(
                "{route} deferred on {} pending {pending}: children cannot be named into it until it is granted",
                long_date(d.decided_on)
            ),
            None => format!(
                "{route} refused on {}: children cannot be named into it",
                long_date(d.decided_on)
            ),
        },
        _ => format!("no {route}: children cannot be named into it"),
    }
}

/// The day the provision's approval takes effect, counting only decisions made by
/// `decided_by` (what was known on that day).
pub fn approval_granted(p: &ProvisionState, decided_by: NaiveDate) -> Option<NaiveDate> {
    p.decisions
        .iter()
        .filter(|d| d.approved && d.decided_on <= decided_by)
        .map(effective)
        .min()
}

fn effective(d: &crate::event::ApprovalDecided) -> NaiveDate {
    d.effective_from.unwrap_or(d.decided_on)
}

/// The first day a change is covered by an approval matching it (`covers`).
fn change_approved(
    p: &ProvisionState,
    covers: impl Fn(&crate::event::ApprovalDecided) -> bool,
) -> Option<NaiveDate> {
    p.decisions
        .iter()
        .filter(|d| d.approved && covers(d))
        .map(|d| effective(d).max(d.decided_on))
        .min()
}

fn same_needs(a: &[crate::sen::NeedType], b: &[crate::sen::NeedType]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    SlaBeforeApproval,
    CapitalBeforeApproval,
    NamedBeforeApproval,
    PlacesWithoutViableOptions,
    /// A child took up a place (or was due to) before the approval was in effect,
    /// though the naming itself passed: the gate's second check, at the start date.
    PlacedBeforeApproval,
    /// Places changed beyond what the rules allow without approval.
    PlacesChangedBeforeApproval,
    /// The types of need catered for changed without approval.
    NeedTypesChangedBeforeApproval,
    /// Places in use (set for an academic year begun) with no approval in effect, whether
    /// or not a child has been named into them yet.
    PlacesWithoutApproval,
}

/// One step taken before what it depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub began_on: NaiveDate,
    pub setting: SettingId,
    pub provision: Option<ProvisionId>,
    pub case: Option<CaseId>,
    /// Still open: the approval (or evidence) it needs has not taken effect.
    pub open: bool,
    pub detail: String,
}

/// A provision with its setting, and the children named into it (case, first day).
pub struct ProvisionRecord<'a> {
    pub id: ProvisionId,
    pub provision: &'a ProvisionState,
    pub setting_id: SettingId,
    pub setting: Option<&'a SettingState>,
    pub namings: Vec<(CaseId, crate::projection::Naming)>,
    /// Capital projects' shares for it.
    pub funding: Vec<Funding>,
}

/// A capital project's share for a provision, as the gates read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funding {
    pub reference: String,
    pub places: u32,
    pub amount: crate::codes::Pence,
    /// The project's first approval: the day and who made it.
    pub approved: Option<(NaiveDate, String)>,
}

impl Funding {
    /// A provision's share of a project, with the project's approval.
    pub fn of(
        project: &crate::capital::CapitalProjectState,
        share: &crate::capital::ProvisionFunded,
    ) -> Funding {
        Funding {
            reference: project
                .proposed
                .as_ref()
                .map(|p| p.reference.clone())
                .unwrap_or_default(),
            places: share.places,
            amount: share.amount,
            approved: project
                .approved()
                .map(|d| (d.decided_on, d.decided_by.clone())),
        }
    }
}

/// Every finding for an area's provisions, dated, oldest first.
pub fn findings(rules: &GateRules, records: &[ProvisionRecord], today: NaiveDate) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut schools_flagged: Vec<SettingId> = Vec::new();
    for r in records {
        let name = r
            .provision
            .opened
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default();
        if let Some(route) = rules.route(r.provision, r.setting) {
            let effective = approval_effective(r.provision);
            let before = |on: NaiveDate| effective.is_none_or(|e| on < e);
            let open = effective.is_none_or(|e| e > today);
            let missing = match effective {
                Some(e) => format!(
                    "{} effective from {}",
                    route.label(),
                    crate::calendar::long_date(e)
                ),
                None => format!("no {}", route.label()),
            };
            for s in r.provision.slas.iter().filter(|s| before(s.signed_on)) {
                out.push(Finding {
                    kind: FindingKind::SlaBeforeApproval,
                    began_on: s.signed_on,
                    setting: r.setting_id,
                    provision: Some(r.id),
                    case: None,
                    open,
                    detail: format!(
                        "service level agreement for {name} signed before approval ({missing})"
                    ),
                });
            }
            for c in r.provision.capital.iter().filter(|c| before(c.approved_on)) {
                out.push(Finding {
                    kind: FindingKind::CapitalBeforeApproval,
                    began_on: c.approved_on,
                    setting: r.setting_id,
                    provision: Some(r.id),
                    case: None,
                    open,
                    detail: format!(
                        "capital of {} for {} places at {name} approved by {} before approval ({missing})",
                        c.amount, c.places, c.approving_body
                    ),
                });
            }
            for c in &r.funding {
                let Some((on, by)) = &c.approved else {
                    continue;
                };
                if !before(*on) {
                    continue;
                }
                out.push(Finding {
                    kind: FindingKind::CapitalBeforeApproval,
                    began_on: *on,
                    setting: r.setting_id,
                    provision: Some(r.id),
                    case: None,
                    open,
                    detail: format!(
                        "capital project {} ({} for {} places at {name}) approved by {by} before approval ({missing})",
                        c.reference, c.amount, c.places
                    ),
                });
            }
            // Places in use with no approval in effect: from the first academic year with
            // places that has begun (and the provision has opened), whether or not a
            // child is named into them.
            let opens = r.provision.opened.as_ref().and_then(|o| o.opens_on);
            let first_in_use = r
                .provision
                .places
                .iter()
                .filter(|(_, n)| **n > 0)
                .filter_map(|(y, n)| {
                    let start = NaiveDate::from_ymd_opt(y.start_year(), 9, 1)?;
                    Some((start.max(opens.unwrap_or(start)), *y, *n))
                })
                .filter(|(from, _, _)| *from <= today && before(*from))
                .min_by_key(|(from, _, _)| *from);
            if let Some((from, year, places)) = first_in_use {
                out.push(Finding {
                    kind: FindingKind::PlacesWithoutApproval,
                    began_on: from,
                    setting: r.setting_id,
                    provision: Some(r.id),
                    case: None,
                    open,
                    detail: format!(
                        "{places} places at {name} for {year} with no approval in effect ({missing})"
                    ),
                });
            }
            for (case, n) in &r.namings {
                // First check, when named: granted by then, in effect on the start day.
                let named_ok = approval_granted(r.provision, n.on)
                    .is_some_and(|e| e <= n.starts_on.unwrap_or(n.on).max(n.on));
                // Second check, on the day the child takes up the place.
                let start = n.start();
                let started_ok = start > today
                    || approval_granted(r.provision, start).is_some_and(|e| e <= start);
                if !named_ok {
                    out.push(Finding {
                        kind: FindingKind::NamedBeforeApproval,
                        began_on: n.on,
                        setting: r.setting_id,
                        provision: Some(r.id),
                        case: Some(*case),
                        open,
                        detail: format!("a child named into {name} before approval ({missing})"),
                    });
                } else if !started_ok {
                    out.push(Finding {
                        kind: FindingKind::PlacedBeforeApproval,
                        began_on: start,
                        setting: r.setting_id,
                        provision: Some(r.id),
                        case: Some(*case),
                        open,
                        detail: format!(
                            "a child took up a place in {name} on {} before approval ({missing})",
                            crate::calendar::long_date(start)
                        ),
                    });
                }
            }
        }
        changes(rules, r, &name, today, &mut out);
        // New places at a school below the Ofsted standard need viable-options evidence:
        // one finding per school, at its first such step.
        if let Some(setting) = r.setting
            && !schools_flagged.contains(&r.setting_id)
        {
            // New places: capital, an agreement, or more places than the year before
            // (from the first day of the academic year they are added for).
            let years: Vec<_> = r.provision.places.iter().collect();
            let increases: Vec<NaiveDate> = years
                .windows(2)
                .filter(|w| w[1].1 > w[0].1)
                .filter_map(|w| NaiveDate::from_ymd_opt(w[1].0.start_year(), 9, 1))
                .collect();
            let steps = r
                .provision
                .capital
                .iter()
                .map(|c| c.approved_on)
                .chain(
                    r.funding
                        .iter()
                        .filter_map(|f| f.approved.as_ref().map(|a| a.0)),
                )
                .chain(r.provision.slas.iter().map(|s| s.signed_on))
                .chain(increases);
            let evidence = r.provision.viable_options.iter().map(|v| v.on).min();
            if let Some((on, why)) = steps
                .filter(|on| evidence.is_none_or(|e| *on < e))
                .filter_map(|on| rules.below_standard(setting, on).map(|w| (on, w)))
                .min_by_key(|(on, _)| *on)
            {
                schools_flagged.push(r.setting_id);
                out.push(Finding {
                    kind: FindingKind::PlacesWithoutViableOptions,
                    began_on: on,
                    setting: r.setting_id,
                    provision: Some(r.id),
                    case: None,
                    open: evidence.is_none(),
                    detail: format!("new places at a school below the Ofsted standard without viable-options evidence ({why})"),
                });
            }
        }
    }
    out.sort_by_key(|f| (f.began_on, f.kind));
    out
}

/// Findings for resizes and changes of need type made before their own approval.
fn changes(
    rules: &GateRules,
    r: &ProvisionRecord,
    name: &str,
    today: NaiveDate,
    out: &mut Vec<Finding>,
) {
    let Some(kind) = r.provision.opened.as_ref().map(|o| o.kind) else {
        return;
    };
    let Some(route) = rules.change_route(r.setting) else {
        return;
    };
    if !rules.approval_needed.contains(&kind) && !rules.threshold_kinds.contains(&kind) {
        return;
    }
    let mut before: Option<u32> = None;
    for (year, places) in &r.provision.places {
        let (from, to) = (before.replace(*places), *places);
        let Some(from) = from else { continue };
        if !rules.resize_needs_approval(kind, from, to) {
            continue;
        }
        let on = NaiveDate::from_ymd_opt(year.start_year(), 9, 1).unwrap_or(NaiveDate::MIN);
        let approved = change_approved(r.provision, |d| d.places == Some(to));
        if approved.is_some_and(|e| e <= on) {
            continue;
        }
        out.push(Finding {
            kind: FindingKind::PlacesChangedBeforeApproval,
            began_on: on,
            setting: r.setting_id,
            provision: Some(r.id),
            case: None,
            open: approved.is_none_or(|e| e > today),
            detail: format!(
                "{name} changed from {from} to {to} places for {year} without a {} for {to} places in effect by {}",
                route.label(),
                crate::calendar::long_date(on)
            ),
        });
    }
    if !rules.need_type_change_needs_approval {
        return;
    }
    for c in &r.provision.need_type_changes {
        let approved = change_approved(r.provision, |d| {
            d.need_types
                .as_deref()
                .is_some_and(|n| same_needs(n, &c.need_types))
        });
        if approved.is_some_and(|e| e <= c.on) {
            continue;
        }
        let needs: Vec<&str> = c.need_types.iter().map(|n| n.code()).collect();
        out.push(Finding {
            kind: FindingKind::NeedTypesChangedBeforeApproval,
            began_on: c.on,
            setting: r.setting_id,
            provision: Some(r.id),
            case: None,
            open: approved.is_none_or(|e| e > today),
            detail: format!(
                "{name} changed to cater for {} from {} without a {} for that change in effect",
                needs.join(", "),
                crate::calendar::long_date(c.on),
                route.label()
            ),
        });
    }
}

/// One other setting that could take the places instead: the evidence DfE asks for
/// before new places go to a school below the Ofsted standard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViableOption {
    pub setting: SettingId,
    pub name: String,
    pub provision: ProvisionId,
    pub provision_name: String,
    /// Straight-line distance from the school proposed, in kilometres.
    pub distance_km: f64,
    pub places: u32,
    pub children_placed: u32,
    pub spare_places: u32,
    /// Places the provision could add without a new approval: approved but not yet
    /// opened, or within a special school's threshold.
    pub expandable_places: u32,
    /// Cost per place this financial year, in pence, where recorded.
    pub cost_per_place_pence: Option<i64>,
    pub ofsted: String,
}

/// A setting and its provisions, with how many children each provision has now.
pub struct Candidate<'a> {
    pub id: SettingId,
    pub setting: &'a SettingState,
    pub provisions: Vec<(ProvisionId, &'a ProvisionState, u32)>,
}

/// Every provision at another setting within `max_km` of the school proposed that meets
/// the Ofsted standard, serves the same phase and overlapping ages, is designated for at
/// least one of the same needs, and has spare places now; nearest first.
pub fn viable_options(
    rules: &GateRules,
    proposed: &SettingState,
    proposed_provision: &ProvisionState,
    candidates: &[Candidate],
    max_km: f64,
    today: NaiveDate,
) -> Vec<ViableOption> {
    let (Some(here), Some(need)) = (
        proposed.details.as_ref().and_then(|d| d.location),
        proposed_provision.opened.as_ref(),
    ) else {
        return Vec::new();
    };
    let phase = proposed.details.as_ref().map(|d| d.phase);
    let year = crate::codes::AcademicYear::containing(today);
    let fy = crate::codes::FinancialYear::containing(today);
    let mut out = Vec::new();
    for c in candidates {
        let Some(d) = c.setting.details.as_ref() else {
            continue;
        };
        if c.setting.closed_on.is_some() {
            continue;
        }
        let Some(distance) = d.location.as_ref().and_then(|l| here.km_to(l)) else {
            continue;
        };
        if distance > max_km || distance == 0.0 {
            continue;
        }
        let same_phase =
            phase.is_none_or(|p| p == d.phase || d.phase == crate::event::Phase::AllThrough);
        let Some(inspection) = c.setting.inspections.last() else {
            continue;
        };
        if !same_phase || rules.below_standard(c.setting, today).is_some() {
            continue;
        }
        for (pid, p, placed) in &c.provisions {
            let Some(o) = p.opened.as_ref() else { continue };
            if p.closed_on.is_some()
                || o.high_age < need.low_age
                || o.low_age > need.high_age
                || !o.need_types.iter().any(|n| need.need_types.contains(n))
            {
                continue;
            }
            let places = p
                .places
                .range(..=year)
                .next_back()
                .map(|(_, n)| *n)
                .unwrap_or(0);
            let expandable = rules.expandable(o.kind, p, places);
            if places <= *placed && expandable == 0 {
                continue;
            }
            out.push(ViableOption {
                setting: c.id,
                name: d.name.clone(),
                provision: *pid,
                provision_name: o.name.clone(),
                distance_km: (distance * 10.0).round() / 10.0,
                places,
                children_placed: *placed,
                spare_places: places.saturating_sub(*placed),
                expandable_places: expandable,
                cost_per_place_pence: p.costs.range(..=fy).next_back().map(|(_, c)| c.total().0),
                ofsted: format!(
                    "inspected {}, meets the standard",
                    crate::calendar::long_date(inspection.inspection_start)
                ),
            });
        }
    }
    out.sort_by(|a, b| {
        a.distance_km
            .total_cmp(&b.distance_km)
            .then(a.name.cmp(&b.name))
    });
    out
}

// ---- the approval gate on a step ----------------------------------------------------

/// A provision a step names a child into, or places them in, whose approval is not in
/// effect by the day they take up the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateFinding {
    pub provision: ProvisionId,
    /// The day the child takes up the place.
    pub on: NaiveDate,
    /// What is missing, in words a caseworker can act on.
    pub missing: String,
}

/// The provisions a step names or places a child in, each with the day the child takes
/// up the place, and the day of the step; none for steps that name no provision.
pub fn provisions_named(body: &EventBody) -> (Vec<(ProvisionId, NaiveDate)>, Option<NaiveDate>) {
    let named = |on: NaiveDate, n: &[crate::event::NamedSetting]| {
        n.iter()
            .filter_map(|n| Some((n.provision?, n.starts_on.unwrap_or(on).max(on))))
            .collect()
    };
    match body {
        EventBody::FinalPlanIssued(f) => (named(f.on, &f.named), Some(f.on)),
        EventBody::PlanAmended(a) => (named(a.on, &a.named), Some(a.on)),
        EventBody::PlacementStarted(p) => (
            p.provision.into_iter().map(|x| (x, p.on)).collect(),
            Some(p.on),
        ),
        _ => (Vec::new(), None),
    }
}

/// A naming or placement into a SEN unit or resourced provision at a registered setting
/// that does not say which provision: the gate could not check its approval, so it is
/// refused as ambiguous rather than let through.
pub fn ambiguous_naming(body: &EventBody) -> Option<DomainError> {
    use crate::event::SettingRef;
    let unclear = |s: &SettingRef, provision: Option<ProvisionId>, unit: bool, rp: bool| {
        matches!(s, SettingRef::Setting(_)) && provision.is_none() && (unit || rp)
    };
    let any = match body {
        EventBody::FinalPlanIssued(crate::event::FinalPlanIssued { named, .. })
        | EventBody::PlanAmended(crate::event::PlanAmended { named, .. }) => named
            .iter()
            .any(|n| unclear(&n.setting, n.provision, n.sen_unit, n.resourced_provision)),
        EventBody::PlacementStarted(p) => {
            unclear(&p.setting, p.provision, p.sen_unit, p.resourced_provision)
        }
        _ => false,
    };
    any.then(|| DomainError::Invalid {
        what: "named setting",
        value: "a SEN unit or resourced provision without its provision".into(),
        how: "name the SEN unit or resourced provision itself (its provision, from the provisions register), so that its approval can be checked".into(),
    })
}

/// The approval gate: a child may be named into, or placed in, a provision that needs an
/// approval only once it is granted (by the day of the step) and in effect on the day
/// the child takes up the place. Returns what is missing for each provision that fails.
/// `read` gives a record's current state: the caller's before it writes, and the
/// store's inside the write's transaction, so the decision is taken on the state the
/// write is applied to. The second check, on the start day itself, is the compliance
/// report's `PlacedBeforeApproval`.
pub fn gate_findings<E: From<DomainError>>(
    area: AreaId,
    body: &EventBody,
    mut read: impl FnMut(StreamRef) -> Result<Option<Projection>, E>,
) -> Result<Vec<GateFinding>, E> {
    if let Some(why) = ambiguous_naming(body) {
        return Err(E::from(why));
    }
    let (provisions, step_day) = provisions_named(body);
    let Some(step_day) = step_day else {
        return Ok(Vec::new());
    };
    let rules =
        crate::projection::gate_rules_in_force(read(StreamRef::area(area))?.as_ref(), step_day);
    let mut failing = Vec::new();
    for (id, on) in provisions {
        let Some(StreamState::Provision(p)) = read(StreamRef::provision(id))?.map(|x| x.state)
        else {
            return Err(E::from(DomainError::Invalid {
                what: "provision",
                value: id.to_string(),
                how: "no provision has this identifier: name one from the provisions register"
                    .into(),
            }));
        };
        let setting = match &p.opened {
            Some(o) => match read(StreamRef::setting(o.setting))?.map(|x| x.state) {
                Some(StreamState::Setting(s)) => Some(s),
                _ => None,
            },
            None => None,
        };
        let Some(route) = rules.route(&p, setting.as_ref()) else {
            continue;
        };
        let effective = approval_granted(&p, step_day);
        if effective.is_some_and(|e| e <= on) {
            continue;
        }
        let name = p
            .opened
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default();
        let school = setting
            .as_ref()
            .and_then(|s| s.details.as_ref())
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let missing = match effective {
            Some(e) => format!(
                "{name} at {school} has a {} only from {}, after {}",
                route.label(),
                long_date(e),
                long_date(on)
            ),
            None => format!(
                "{name} at {school} has no {} in effect on {}",
                route.label(),
                long_date(on)
            ),
        };
        failing.push(GateFinding {
            provision: id,
            on,
            missing,
        });
    }
    Ok(failing)
}

/// The gate's decision on a step and the overrides recorded with it: every finding must
/// be overridden (by a team manager, with a reason: who may override is
/// `access::authorise`'s to say), and an override must answer a finding, so none is
/// recorded for a gate that no longer stops the step.
pub fn gate_decision(
    findings: &[GateFinding],
    overrides: &[&crate::event::GateOverridden],
) -> Result<(), DomainError> {
    let open: Vec<&str> = findings
        .iter()
        .filter(|f| !overrides.iter().any(|o| o.provision == f.provision))
        .map(|f| f.missing.as_str())
        .collect();
    if !open.is_empty() {
        return Err(DomainError::Refused(format!(
            "a child cannot be named into or placed in a provision before its approval: {}. Record the approval on the provision first; a team manager may override with a written reason",
            open.join("; ")
        )));
    }
    if let Some(o) = overrides
        .iter()
        .find(|o| !findings.iter().any(|f| f.provision == o.provision))
    {
        return Err(DomainError::Refused(format!(
            "the approval gate no longer stops this step ({} is approved in time now): record it again without the override",
            o.finding.split(" has ").next().unwrap_or("the provision")
        )));
    }
    Ok(())
}
