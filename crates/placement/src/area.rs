//! Placement in a local area: each child's options (every provision that can meet their
//! needs, phase and age, with vacancies, approval and Ofsted status, distance, journey
//! and full annual cost; every other provision with the reason it is excluded), the
//! area-wide optimum for a cohort, and scenarios that add, remove or resize provisions.
//! Pure: the caller reads the records; the same input gives the same output, byte for
//! byte (everything is ordered by identifier, never by a hash).

use crate::instance::{Arc, Capacity, Instance, Supply};
use chrono::NaiveDate;
use sendscope_domain::codes::{AcademicYear, FinancialYear, Pence};
use sendscope_domain::compliance::{GateRules, approval_granted};
use sendscope_domain::event::{Location, ProvisionKind};
use sendscope_domain::ids::{CaseId, ProvisionId, SettingId};
use sendscope_domain::projection::{CaseState, ProvisionState, SettingState};
use sendscope_domain::sen::NeedType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use sendscope_domain::costs::{PlacementSettings as Settings, TransportRates};

/// What the options and the optimiser need to know about a child.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    pub case: CaseId,
    pub need: Option<NeedType>,
    pub birth_date: NaiveDate,
    pub home: Option<Location>,
    /// The setting the family asked to be named, if any.
    pub preference: Option<SettingId>,
    /// A transport cost of the child's own (e.g. an assessed package), a year.
    pub transport_override: Option<Pence>,
    /// The provision the child is in now, if any.
    pub placed_in: Option<ProvisionId>,
}

impl Child {
    /// From a child's record: primary need from the plan (or none), home, the setting the
    /// family asked for in their latest response to a draft, and where they are now.
    pub fn from_case(case: CaseId, c: &CaseState) -> Option<Child> {
        let child = c.child.as_ref()?;
        let need = c
            .plan
            .as_ref()
            .and_then(|p| p.needs.iter().min_by_key(|n| n.rank))
            .map(|n| n.need);
        let preference = c
            .requests
            .iter()
            .rev()
            .find_map(|r| r.draft_response.as_ref()?.requested_setting.as_ref())
            .and_then(|s| match s {
                sendscope_domain::event::SettingRef::Setting(id) => Some(*id),
                _ => None,
            });
        Some(Child {
            case,
            need,
            birth_date: child.birth_date,
            home: child.home,
            preference,
            transport_override: c.transport_cost.as_ref().map(|t| t.annual),
            placed_in: c.current_placement().and_then(|p| p.provision),
        })
    }

    /// Age in whole years on a day.
    pub fn age_on(&self, on: NaiveDate) -> u8 {
        sendscope_domain::calendar::age_on(self.birth_date, on).clamp(0, 255) as u8
    }
}

/// What the options and the optimiser need to know about a provision.
#[derive(Debug, Clone, PartialEq)]
pub struct Provision {
    pub id: ProvisionId,
    pub setting: SettingId,
    pub school: String,
    pub name: String,
    pub kind: ProvisionKind,
    pub needs: Vec<NeedType>,
    pub low_age: u8,
    pub high_age: u8,
    pub location: Option<Location>,
    /// Places for the academic year of the day asked about.
    pub places: u32,
    /// Children placed now.
    pub placed: u32,
    /// Children placed now who will have passed its oldest age by the day asked about.
    pub leaving: u32,
    pub cost_per_place: Option<Pence>,
    /// Why no child may be named into it on the day (the approval gate), if so.
    pub gate: Option<String>,
    pub closed_on: Option<NaiveDate>,
    /// The Ofsted standing in words.
    pub ofsted: String,
}

impl Provision {
    /// From the register: places and cost for the day's academic and financial year,
    /// the approval gate on the day, the Ofsted standing, and the children placed.
    #[allow(clippy::too_many_arguments)]
    pub fn from_register(
        id: ProvisionId,
        p: &ProvisionState,
        setting_id: SettingId,
        setting: Option<&SettingState>,
        rules: &GateRules,
        placed: u32,
        leaving: u32,
        on: NaiveDate,
    ) -> Option<Provision> {
        let o = p.opened.as_ref()?;
        let details = setting.and_then(|s| s.details.as_ref());
        let gate = rules
            .route(p, setting)
            .and_then(|route| match approval_granted(p, on) {
                Some(e) if e <= on => None,
                Some(e) => Some(format!("its {} takes effect only on {e}", route.label())),
                None => Some(format!("it has no {} in effect", route.label())),
            });
        let ofsted = match setting {
            None => "no inspection recorded".to_string(),
            Some(s) if s.inspections.is_empty() => "no inspection recorded".to_string(),
            Some(s) => match rules.below_standard(s, on) {
                Some(why) => format!("below the standard for new places ({why})"),
                None => "meets the standard for new places".to_string(),
            },
        };
        Some(Provision {
            id,
            setting: setting_id,
            school: details.map(|d| d.name.clone()).unwrap_or_default(),
            name: o.name.clone(),
            kind: o.kind,
            needs: p.need_types_on(on),
            low_age: o.low_age,
            high_age: o.high_age,
            location: details.and_then(|d| d.location),
            places: p.places_on(on).unwrap_or(0),
            placed,
            leaving,
            cost_per_place: p
                .costs
                .range(..=FinancialYear::containing(on))
                .next_back()
                .map(|(_, c)| c.total()),
            gate,
            closed_on: p.closed_on.or(setting.and_then(|s| s.closed_on)),
            ofsted,
        })
    }

    pub fn vacancies_now(&self) -> u32 {
        self.places.saturating_sub(self.placed)
    }

    pub fn vacancies_on_date(&self) -> u32 {
        self.places
            .saturating_sub(self.placed.saturating_sub(self.leaving))
    }
}

/// Straight-line distance in kilometres, where both places are known the same way.
pub fn distance_km(a: &Location, b: &Location) -> Option<f64> {
    a.km_to(b)
}

/// One provision that can meet the child's needs, with its full annual cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionRow {
    pub provision: ProvisionId,
    pub setting: SettingId,
    pub school: String,
    pub name: String,
    pub kind: ProvisionKind,
    pub distance_km: Option<f64>,
    pub journey_minutes: Option<u32>,
    pub vacancies_now: u32,
    pub vacancies_on_date: u32,
    pub place_cost: Pence,
    pub transport_cost: Pence,
    pub annual_cost: Pence,
    pub ofsted: String,
    pub preferred: bool,
}

/// A provision that cannot be an option, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    pub provision: ProvisionId,
    pub school: String,
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Options {
    pub on: NaiveDate,
    pub age_on_date: u8,
    pub options: Vec<OptionRow>,
    pub excluded: Vec<Excluded>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Transport a year for a straight-line distance, at the rates given.
pub fn transport_cost(km: f64, rates: &TransportRates) -> Pence {
    let miles = km * rates.road_factor / 1.609_344;
    Pence((miles * f64::from(rates.trips_per_year) * rates.pence_per_mile as f64).round() as i64)
}

/// Every provision for one child on a day: the options, cheapest first, and every other
/// provision with why it is excluded.
pub fn options_for(
    child: &Child,
    provisions: &[Provision],
    settings: &Settings,
    on: NaiveDate,
) -> Options {
    let age = child.age_on(on);
    let mut options = Vec::new();
    let mut excluded = Vec::new();
    for p in provisions {
        let exclude = |reason: String| Excluded {
            provision: p.id,
            school: p.school.clone(),
            name: p.name.clone(),
            reason,
        };
        if let Some(c) = p.closed_on.filter(|c| *c <= on) {
            excluded.push(exclude(format!("closed on {c}")));
            continue;
        }
        if !p.needs.is_empty() {
            match child.need {
                Some(n) if p.needs.contains(&n) => {}
                Some(n) => {
                    let list: Vec<&str> = p.needs.iter().map(|x| x.code()).collect();
                    excluded.push(exclude(format!(
                        "designated for {}; the child's primary need is {}",
                        list.join(", "),
                        n.code()
                    )));
                    continue;
                }
                None => {
                    excluded.push(exclude(
                        "designated for particular needs; the child has no primary need recorded in a plan"
                            .into(),
                    ));
                    continue;
                }
            }
        }
        if age < p.low_age || age > p.high_age {
            excluded.push(exclude(format!(
                "ages {} to {}; the child will be {age} on {on}",
                p.low_age, p.high_age
            )));
            continue;
        }
        if let Some(g) = &p.gate {
            excluded.push(exclude(format!(
                "a child cannot be named into it: {g} on {on}"
            )));
            continue;
        }
        let Some(place_cost) = p.cost_per_place else {
            excluded.push(exclude(format!(
                "no cost per place recorded for {}",
                FinancialYear::containing(on)
            )));
            continue;
        };
        let km = match (&child.home, &p.location) {
            (Some(h), Some(l)) => distance_km(h, l),
            _ => None,
        };
        let transport = match (child.transport_override, km) {
            (Some(t), _) => t,
            (None, Some(k)) => transport_cost(k, &settings.transport),
            (None, None) => Pence(0),
        };
        options.push(OptionRow {
            provision: p.id,
            setting: p.setting,
            school: p.school.clone(),
            name: p.name.clone(),
            kind: p.kind,
            distance_km: km.map(round1),
            journey_minutes: km.map(|k| {
                (k * settings.transport.road_factor / settings.transport.speed_kmh * 60.0).round()
                    as u32
            }),
            vacancies_now: p.vacancies_now(),
            vacancies_on_date: p.vacancies_on_date(),
            place_cost,
            transport_cost: transport,
            annual_cost: Pence(place_cost.0 + transport.0),
            ofsted: p.ofsted.clone(),
            preferred: child.preference == Some(p.setting),
        });
    }
    options.sort_by(|a, b| {
        a.annual_cost
            .cmp(&b.annual_cost)
            .then(a.provision.to_string().cmp(&b.provision.to_string()))
    });
    Options {
        on,
        age_on_date: age,
        options,
        excluded,
    }
}

/// Whose places are planned: those waiting (children with a plan and no current
/// placement, into the vacancies on the day), or the whole cohort (every child with a
/// plan, into every place).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cohort {
    Awaiting,
    All,
}

/// One child's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Allocation {
    pub case: CaseId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provision: Option<ProvisionId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The true annual cost (place and transport; no preference credit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annual_cost: Option<Pence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unplaced_because: Option<String>,
    pub preference_kept: bool,
}

/// The figures a scenario is compared by.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub children: usize,
    pub placed: usize,
    pub unplaced: usize,
    /// The objective: arc costs (with preference credits) plus the unplaced penalties.
    pub objective: Pence,
    /// Place and transport for every child placed, as the council would pay it.
    pub annual_cost: Pence,
    pub independent_placements: usize,
    pub preferences_kept: usize,
    pub average_journey_km: Option<f64>,
    pub worst_journey_km: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub on: NaiveDate,
    pub cohort: Cohort,
    pub summary: Summary,
    pub allocations: Vec<Allocation>,
    /// Supplies and arcs in the instance solved (children with the same options are one
    /// supply with a count).
    pub supplies: usize,
    pub arcs: usize,
}

/// The instance for a cohort, and for each supply the children it stands for.
pub fn instance(
    children: &[Child],
    provisions: &[Provision],
    settings: &Settings,
    on: NaiveDate,
    cohort: Cohort,
) -> (Instance, Vec<Vec<usize>>, Vec<Options>) {
    let all_options: Vec<Options> = children
        .iter()
        .map(|c| options_for(c, provisions, settings, on))
        .collect();
    // Children whose arcs are identical are one supply (exact: they are interchangeable).
    let mut groups: BTreeMap<Vec<(String, i64)>, Vec<usize>> = BTreeMap::new();
    for (i, o) in all_options.iter().enumerate() {
        let mut key: Vec<(String, i64)> = o
            .options
            .iter()
            .map(|r| {
                let credit = if r.preferred {
                    settings.preference_credit.0
                } else {
                    0
                };
                (r.provision.to_string(), r.annual_cost.0 - credit)
            })
            .collect();
        key.sort();
        groups.entry(key).or_default().push(i);
    }
    let mut supplies = Vec::new();
    let mut arcs = Vec::new();
    let mut members = Vec::new();
    for (n, (key, kids)) in groups.into_iter().enumerate() {
        let id = format!("g{n}");
        for (to, cost) in key {
            arcs.push(Arc {
                from: id.clone(),
                to,
                cost,
            });
        }
        supplies.push(Supply {
            id,
            count: kids.len() as i64,
        });
        members.push(kids);
    }
    let mut caps: Vec<Capacity> = provisions
        .iter()
        .map(|p| Capacity {
            id: p.id.to_string(),
            capacity: i64::from(match cohort {
                Cohort::Awaiting => p.vacancies_on_date(),
                Cohort::All => p.places,
            }),
        })
        .collect();
    caps.sort_by(|a, b| a.id.cmp(&b.id));
    (
        Instance {
            supplies,
            settings: caps,
            arcs,
            unplaced_cost: settings.unplaced_cost.0,
        },
        members,
        all_options,
    )
}

/// The best allocation of a cohort: the exact optimum of the objective, each child's
/// outcome, and the true costs beside it.
pub fn optimise(
    children: &[Child],
    provisions: &[Provision],
    settings: &Settings,
    on: NaiveDate,
    cohort: Cohort,
) -> Result<Plan, crate::instance::InstanceError> {
    let (inst, members, options) = instance(children, provisions, settings, on, cohort);
    let outcome = inst.solve()?;
    // Hand each supply's flows to its children in order (children sorted by case).
    let mut by_supply: BTreeMap<&str, Vec<(&str, i64)>> = BTreeMap::new();
    for f in &outcome.flows {
        by_supply
            .entry(f.from.as_str())
            .or_default()
            .push((f.to.as_str(), f.count));
    }
    let mut allocations: Vec<Allocation> = Vec::with_capacity(children.len());
    for (s, kids) in inst.supplies.iter().zip(&members) {
        let mut kids = kids.clone();
        kids.sort_by_key(|i| children[*i].case.to_string());
        let mut slots: Vec<&str> = Vec::new();
        for (to, count) in by_supply.get(s.id.as_str()).cloned().unwrap_or_default() {
            slots.extend(std::iter::repeat_n(to, count as usize));
        }
        for (k, i) in kids.iter().enumerate() {
            let o = &options[*i];
            let row = slots
                .get(k)
                .and_then(|to| o.options.iter().find(|r| r.provision.to_string() == *to));
            allocations.push(match row {
                Some(r) => Allocation {
                    case: children[*i].case,
                    provision: Some(r.provision),
                    name: Some(if r.name.contains(&r.school) {
                        r.name.clone()
                    } else {
                        format!("{} at {}", r.name, r.school)
                    }),
                    annual_cost: Some(r.annual_cost),
                    distance_km: r.distance_km,
                    unplaced_because: None,
                    preference_kept: r.preferred,
                },
                None => Allocation {
                    case: children[*i].case,
                    provision: None,
                    name: None,
                    annual_cost: None,
                    distance_km: None,
                    unplaced_because: Some(if o.options.is_empty() {
                        "no provision in the area can meet the child's needs, phase and age (see the child's options for why each is excluded)".into()
                    } else {
                        "every suitable provision is full".into()
                    }),
                    preference_kept: false,
                },
            });
        }
    }
    allocations.sort_by_key(|a| a.case.to_string());
    let kind_of: BTreeMap<String, ProvisionKind> = provisions
        .iter()
        .map(|p| (p.id.to_string(), p.kind))
        .collect();
    let placed: Vec<&Allocation> = allocations
        .iter()
        .filter(|a| a.provision.is_some())
        .collect();
    let journeys: Vec<f64> = placed.iter().filter_map(|a| a.distance_km).collect();
    let summary = Summary {
        children: children.len(),
        placed: placed.len(),
        unplaced: allocations.len() - placed.len(),
        objective: Pence(outcome.total_cost),
        annual_cost: Pence(
            placed
                .iter()
                .filter_map(|a| a.annual_cost)
                .map(|c| c.0)
                .sum(),
        ),
        independent_placements: placed
            .iter()
            .filter(|a| {
                a.provision
                    .and_then(|p| kind_of.get(&p.to_string()))
                    .is_some_and(|k| *k == ProvisionKind::IndependentSpecial)
            })
            .count(),
        preferences_kept: placed.iter().filter(|a| a.preference_kept).count(),
        average_journey_km: (!journeys.is_empty())
            .then(|| round1(journeys.iter().sum::<f64>() / journeys.len() as f64)),
        worst_journey_km: journeys.iter().copied().reduce(f64::max).map(round1),
    };
    Ok(Plan {
        on,
        cohort,
        summary,
        allocations,
        supplies: inst.supplies.len(),
        arcs: inst.arcs.len(),
    })
}

/// A school, as scenarios need it: its name, where it is, and how a change there is
/// approved.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    pub name: String,
    pub location: Option<Location>,
    pub route: Option<sendscope_domain::event::ApprovalRoute>,
}

/// Everything a scenario is judged against.
pub struct Area<'a> {
    pub children: &'a [Child],
    pub provisions: &'a [Provision],
    pub settings: Settings,
    pub on: NaiveDate,
    pub cohort: Cohort,
    pub rules: &'a GateRules,
    pub schools: &'a BTreeMap<SettingId, School>,
}

/// A change to the provisions, for a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Set a provision's places.
    Resize { provision: ProvisionId, places: u32 },
    /// Take a provision away.
    Remove { provision: ProvisionId },
    /// A new provision at a setting (an existing school's site, or a new school's).
    Add {
        setting: SettingId,
        name: String,
        kind: ProvisionKind,
        need_types: Vec<NeedType>,
        low_age: u8,
        high_age: u8,
        places: u32,
        cost_per_place: Pence,
    },
}

/// A scenario: changes to the provisions and the capital they take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub changes: Vec<Change>,
    #[serde(default)]
    pub capital_cost: Pence,
}

/// A scenario beside the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub scenario: String,
    pub on: NaiveDate,
    pub cohort: Cohort,
    pub baseline: Summary,
    pub with_changes: Summary,
    /// Baseline annual cost minus the scenario's (positive: the scenario saves).
    pub annual_saving: Pence,
    pub capital_cost: Pence,
    /// Capital ÷ annual saving, where there is a saving.
    pub payback_years: Option<f64>,
    pub independent_placements_avoided: i64,
    /// Approvals the changes would need first (significant change, prescribed alteration).
    pub approvals_needed: Vec<String>,
    /// Changes that could not be applied, and why.
    pub problems: Vec<String>,
}

/// Applies a scenario's changes to the provisions (a copy), saying which approvals they
/// need and what could not be applied.
pub fn apply(area: &Area, scenario: &Scenario) -> (Vec<Provision>, Vec<String>, Vec<String>) {
    let (rules, schools) = (area.rules, area.schools);
    let mut out = area.provisions.to_vec();
    let mut approvals = Vec::new();
    let mut problems = Vec::new();
    for (n, change) in scenario.changes.iter().enumerate() {
        match change {
            Change::Resize { provision, places } => {
                match out.iter_mut().find(|p| p.id == *provision) {
                    Some(p) => {
                        if rules.resize_needs_approval(p.kind, p.places, *places)
                            && let Some(route) = schools.get(&p.setting).and_then(|s| s.route)
                        {
                            approvals.push(format!(
                                "{} at {}: {} places to {places} needs a {} first",
                                p.name,
                                p.school,
                                p.places,
                                route.label()
                            ));
                        }
                        p.places = *places;
                    }
                    None => problems.push(format!(
                        "change {}: there is no provision {provision} in the area",
                        n + 1
                    )),
                }
            }
            Change::Remove { provision } => {
                let before = out.len();
                out.retain(|p| p.id != *provision);
                if out.len() == before {
                    problems.push(format!(
                        "change {}: there is no provision {provision} in the area",
                        n + 1
                    ));
                }
            }
            Change::Add {
                setting,
                name,
                kind,
                need_types,
                low_age,
                high_age,
                places,
                cost_per_place,
            } => {
                let Some(School {
                    name: school,
                    location,
                    route,
                }) = schools.get(setting)
                else {
                    problems.push(format!(
                        "change {}: there is no setting {setting} in the area",
                        n + 1
                    ));
                    continue;
                };
                if rules.approval_needed.contains(kind)
                    && let Some(route) = route
                {
                    approvals.push(format!(
                        "{name} at {school}: a new {} needs a {} first",
                        kind.label(),
                        route.label()
                    ));
                }
                // A deterministic identifier for the new provision: from the scenario's
                // position and the setting, so the same file gives the same output.
                let id = ProvisionId(uuid_for(setting, n));
                out.push(Provision {
                    id,
                    setting: *setting,
                    school: school.clone(),
                    name: name.clone(),
                    kind: *kind,
                    needs: need_types.clone(),
                    low_age: *low_age,
                    high_age: *high_age,
                    location: *location,
                    places: *places,
                    placed: 0,
                    leaving: 0,
                    cost_per_place: Some(*cost_per_place),
                    gate: None,
                    closed_on: None,
                    ofsted: "new provision".into(),
                });
            }
        }
    }
    (out, approvals, problems)
}

fn uuid_for(setting: &SettingId, n: usize) -> uuid::Uuid {
    let mut b = *setting.0.as_bytes();
    b[15] ^= (n as u8).wrapping_add(1);
    b[14] ^= 0x5c;
    uuid::Uuid::from_bytes(b)
}

/// A scenario beside the baseline, both solved exactly.
pub fn compare(
    area: &Area,
    scenario: &Scenario,
) -> Result<Comparison, crate::instance::InstanceError> {
    let (on, cohort) = (area.on, area.cohort);
    let baseline = optimise(area.children, area.provisions, &area.settings, on, cohort)?;
    let (changed, approvals_needed, problems) = apply(area, scenario);
    let with = optimise(area.children, &changed, &area.settings, on, cohort)?;
    let saving = Pence(baseline.summary.annual_cost.0 - with.summary.annual_cost.0);
    Ok(Comparison {
        scenario: scenario.name.clone(),
        on,
        cohort,
        annual_saving: saving,
        capital_cost: scenario.capital_cost,
        payback_years: (saving.0 > 0)
            .then(|| (scenario.capital_cost.0 as f64 / saving.0 as f64 * 10.0).round() / 10.0),
        independent_placements_avoided: baseline.summary.independent_placements as i64
            - with.summary.independent_placements as i64,
        baseline: baseline.summary,
        with_changes: with.summary,
        approvals_needed,
        problems,
    })
}

/// The academic year of a day, for the page's captions.
pub fn year_of(on: NaiveDate) -> AcademicYear {
    AcademicYear::containing(on)
}
