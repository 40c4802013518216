//! A deterministic generator of fictional but realistic local areas: ~6 years of event
//! history whose figures follow the published distributions in [`figures`]. Pure: it
//! hands batches of events to a sink and does no IO. The same (plans, seed, as-of)
//! always gives the same events.

pub mod figures;
mod names;
pub mod rng;

use chrono::{Datelike, Days, Months, NaiveDate};
use rng::Rng;
use sendscope_domain::codes::*;
use sendscope_domain::event::*;
use sendscope_domain::ids::*;
use sendscope_domain::sen::*;
use sendscope_domain::{Actor, Instant, NewEvent};

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    /// EHC plans in place at the end of the history, across all areas.
    pub plans: u32,
    pub seed: u64,
    /// The last day of the history (England date).
    pub as_of: NaiveDate,
    /// Events per batch handed to the sink (whole cases are never split).
    pub batch_events: usize,
}

/// Plans per generated area: above this, the demo becomes several areas (national scale
/// is ~150 areas of ~4,200 plans).
pub const PLANS_PER_AREA: u32 = 5_000;
/// Years of history before `as_of`.
pub const HISTORY_YEARS: u32 = 6;

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub areas: u32,
    pub plans_in_place: u64,
    pub cases: u64,
    pub settings: u64,
    pub events: u64,
}

/// Generates the areas and hands events to `sink` in batches, in the order they must be
/// appended. Stops at the first sink error.
pub fn generate<E>(
    spec: &DemoSpec,
    sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
) -> Result<DemoSummary, E> {
    let mut g = Generator::new(spec);
    let areas = spec.plans.div_ceil(PLANS_PER_AREA).max(1);
    let mut summary = DemoSummary {
        areas,
        ..Default::default()
    };
    for a in 0..areas {
        let plans = spec.plans / areas + u32::from(a < spec.plans % areas);
        g.area(a, plans, &mut summary, &mut |batch| sink(batch))?;
    }
    g.flush(&mut summary, sink)?;
    Ok(summary)
}

struct SettingInfo {
    id: SettingId,
    /// An academy when the history began.
    academy: bool,
    provision: ProvisionId,
    kind: ProvisionKind,
    phase: Phase,
    sen_unit: bool,
    rp: bool,
}

struct AreaCtx {
    id: AreaId,
    la: LaCode,
    centre: (u32, u32),
    teams: Vec<(TeamId, Vec<(StaffId, String)>)>,
    primaries: Vec<SettingInfo>,
    secondaries: Vec<SettingInfo>,
    erps_primary: Vec<SettingInfo>,
    erps_secondary: Vec<SettingInfo>,
    specials: Vec<SettingInfo>,
    independents: Vec<SettingInfo>,
    ap: Vec<SettingInfo>,
    fe: Vec<SettingInfo>,
    post16: Vec<SettingInfo>,
}

struct Generator {
    rng: Rng,
    as_of: NaiveDate,
    start: NaiveDate,
    batch: Vec<NewEvent>,
    batch_events: usize,
    counter: u64,
    ids: u64,
}

/// The lifecycle a case follows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Path {
    /// A plan in place at the end, made before the history began (recorded at go-live).
    LegacyInPlace,
    /// A plan in place at the end, made during the history.
    NewInPlace,
    /// A plan that ended (ceased or transferred out) during the history.
    Ended { legacy: bool },
    /// A request that did not lead to a plan.
    NoPlan,
    /// A request still in progress at the end.
    InProgress,
}

impl Generator {
    fn new(spec: &DemoSpec) -> Self {
        let as_of = spec.as_of;
        let start = as_of
            .checked_sub_months(Months::new(12 * HISTORY_YEARS))
            .unwrap_or(as_of);
        Generator {
            rng: Rng::new(spec.seed),
            as_of,
            start,
            batch: Vec::new(),
            batch_events: spec.batch_events.max(1),
            counter: 0,
            ids: 0,
        }
    }

    /// Bits for a new identity: a sequence number in the top 48 bits, random below.
    /// Identities made in order sort in order, so the store's identity index grows at
    /// its end instead of being rewritten at random pages (4x fewer pages written at
    /// national scale).
    fn next_bits(&mut self) -> u128 {
        self.ids += 1;
        (u128::from(self.ids) << 80)
            | (u128::from(self.rng.next_u64() & 0xFFFF) << 64)
            | u128::from(self.rng.next_u64())
    }

    fn flush<E>(
        &mut self,
        s: &mut DemoSummary,
        sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.batch.is_empty() {
            return Ok(());
        }
        s.events += self.batch.len() as u64;
        sink(std::mem::take(&mut self.batch))
    }

    fn maybe_flush<E>(
        &mut self,
        s: &mut DemoSummary,
        sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.batch.len() >= self.batch_events {
            self.flush(s, sink)?;
        }
        Ok(())
    }

    /// The instant an event taking effect on `on` was recorded: usually the same day,
    /// sometimes days or weeks later (backdated), never after the end of the history.
    fn recorded(&mut self, on: NaiveDate) -> Instant {
        let lag = match self.rng.unit() {
            u if u < 0.80 => 0,
            u if u < 0.95 => self.rng.range(1, 4),
            _ => self.rng.range(7, 31),
        };
        let d = (on + Days::new(lag))
            .min(self.as_of)
            .max(on.min(self.as_of));
        let hour = self.rng.range(8, 18) as u32;
        let minute = self.rng.range(0, 60) as u32;
        Instant::england_at(d, hour, minute)
    }

    fn push(
        &mut self,
        stream: StreamRef,
        area: AreaId,
        actor: &str,
        on: NaiveDate,
        body: EventBody,
        at: Option<Instant>,
    ) {
        let recorded_at = Some(at.unwrap_or_else(|| self.recorded(on)));
        // Actors are built from fixed prefixes and generated login names, always valid.
        let actor = Actor::parse(actor)
            .unwrap_or_else(|_| Actor::parse("system:demo").expect("literal actor is valid"));
        self.batch.push(NewEvent {
            stream,
            area,
            body,
            actor,
            effective_date: on,
            reason: None,
            recorded_at,
        });
    }

    /// A member of the council's staff with a fictional name.
    fn staff_member(
        &mut self,
        area: AreaId,
        council: OrganisationId,
        team: Option<TeamId>,
        job: StaffJob,
        at: Option<Instant>,
    ) -> StaffId {
        let staff = StaffId::from_random_bits(self.next_bits());
        let name = self.person_name();
        let body = EventBody::StaffAdded(StaffAdded {
            name,
            organisation: council,
            team,
            job,
        });
        self.push(
            StreamRef::staff(staff),
            area,
            "system:demo",
            self.start,
            body,
            at,
        );
        staff
    }

    /// Records a step of a case's story if it happened by the end of the history.
    fn step(
        &mut self,
        st: StreamRef,
        area: AreaId,
        actor: &str,
        on: NaiveDate,
        body: EventBody,
    ) -> bool {
        if on > self.as_of {
            return false;
        }
        self.push(st, area, actor, on, body, None);
        true
    }

    /// An appeal registered 20-60 days after `after`, decided `decide_days` later with the
    /// first outcome at probability `outcomes.0`, else the second.
    #[allow(clippy::too_many_arguments)]
    fn appeal(
        &mut self,
        st: StreamRef,
        area: AreaId,
        actor: &str,
        after: NaiveDate,
        subject: DisputeSubject,
        decide_days: (u64, u64),
        outcomes: (f64, AppealOutcome, AppealOutcome),
    ) {
        let on = after + Days::new(self.rng.range(20, 60));
        // Most families are offered mediation first: two in three take it up, the rest
        // decline and take a certificate (the day follows from the decision's, so the
        // random draws stay as they were).
        if after.ordinal() % 3 != 2 && on <= self.as_of {
            self.mediation(
                st,
                area,
                actor,
                after + Days::new(14),
                subject,
                after.ordinal().is_multiple_of(3),
            );
        }
        if !self.step(
            st,
            area,
            actor,
            on,
            EventBody::AppealRegistered(AppealRegistered { on, subject }),
        ) {
            return;
        }
        let out = on + Days::new(self.rng.range(decide_days.0, decide_days.1));
        let outcome = if self.rng.unit() < outcomes.0 {
            outcomes.1
        } else {
            outcomes.2
        };
        self.step(
            st,
            area,
            actor,
            out,
            EventBody::AppealDecided(AppealDecided {
                on: out,
                outcome,
                order: None,
            }),
        );
    }

    /// Mediation (held, or declined) about a decision, recorded without a random draw.
    fn mediation(
        &mut self,
        st: StreamRef,
        area: AreaId,
        actor: &str,
        on: NaiveDate,
        subject: DisputeSubject,
        took_place: bool,
    ) {
        if on > self.as_of {
            return;
        }
        let at = Some(Instant::england_at(on, 10, 0));
        self.push(
            st,
            area,
            actor,
            on,
            EventBody::MediationRecorded(MediationRecorded {
                on,
                subject,
                took_place,
            }),
            at,
        );
    }

    fn location(&mut self, centre: (u32, u32), spread_m: u32) -> Location {
        let dx = self.rng.range(0, u64::from(2 * spread_m)) as i64 - i64::from(spread_m);
        let dy = self.rng.range(0, u64::from(2 * spread_m)) as i64 - i64::from(spread_m);
        Location::Grid {
            easting: (i64::from(centre.0) + dx).max(0) as u32,
            northing: (i64::from(centre.1) + dy).max(0) as u32,
        }
    }

    fn postcode(&mut self) -> Option<Postcode> {
        let letters = b"ABDEFGHJLNPQRSTUWXYZ";
        let a = letters[self.rng.below(letters.len() as u64) as usize] as char;
        let b = letters[self.rng.below(letters.len() as u64) as usize] as char;
        Postcode::parse(&format!(
            "DM{} {}{a}{b}",
            self.rng.range(1, 30),
            self.rng.range(1, 10)
        ))
        .ok()
    }

    #[allow(clippy::too_many_arguments)]
    fn setting<E>(
        &mut self,
        a: &AreaCtx,
        name: String,
        setting_type: SettingType,
        establishment_type: &str,
        phase: Phase,
        ages: (u8, u8),
        kind: ProvisionKind,
        places: u32,
        cost: CostPerPlace,
        spread: u32,
        s: &mut DemoSummary,
        sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
    ) -> Result<SettingInfo, E> {
        let id = SettingId::from_random_bits(self.next_bits());
        self.counter += 1;
        let urn = Urn::parse(&format!("{}", 900_000 + (self.counter % 99_999))).ok();
        let ukprn = Ukprn::parse(&format!("{}", 19_000_000 + (self.counter % 999_999))).ok();
        let details = SettingDetails {
            name: name.clone(),
            setting_type,
            establishment_type: establishment_type.to_string(),
            phase,
            low_age: ages.0,
            high_age: ages.1,
            la_code: a.la,
            trust: setting_type.is_academy().then(|| {
                format!(
                    "{} Learning Trust",
                    names::TRUSTS[(self.counter % 4) as usize]
                )
            }),
            urn,
            ukprn,
            postcode: self.postcode(),
            location: Some(self.location(a.centre, spread)),
            capacity: Some(match phase {
                Phase::Primary => 420,
                Phase::Secondary => 1_200,
                Phase::SixteenPlus => 3_000,
                _ => places.max(60),
            }),
        };
        let on = self.start - Days::new(365 * 10);
        let at = Some(Instant::england_at(self.start, 8, 0));
        let converts =
            setting_type == SettingType::MainstreamLaMaintained && self.rng.unit() < 0.15;
        let mut converted = details.clone();
        self.push(
            StreamRef::setting(id),
            a.id,
            "import:gias",
            on,
            EventBody::SettingRegistered(details),
            at,
        );
        if converts {
            // An academy conversion during the history: a new URN (and UKPRN), the same
            // setting identity, as the GIAS links file records it.
            let days = (self.as_of - self.start).num_days().max(1) as u64;
            let on = NaiveDate::from_ymd_opt(self.start.year() + 1, 9, 1).unwrap_or(self.start)
                + Days::new(self.rng.below(days / 2));
            let urn = Urn::parse(&format!("{}", 800_000 + (self.counter % 99_999))).ok();
            let ukprn = Ukprn::parse(&format!("{}", 18_000_000 + (self.counter % 999_999))).ok();
            self.push(
                StreamRef::setting(id),
                a.id,
                "import:gias",
                on,
                EventBody::SettingIdentifierChanged(SettingIdentifierChanged {
                    urn,
                    ukprn,
                    on,
                    cause: "academy conversion".into(),
                }),
                None,
            );
            converted.setting_type = SettingType::MainstreamAcademy;
            converted.establishment_type = "Academy converter".into();
            converted.trust = Some(format!(
                "{} Learning Trust",
                names::TRUSTS[(self.counter % 4) as usize]
            ));
            converted.urn = urn;
            converted.ukprn = ukprn;
            self.push(
                StreamRef::setting(id),
                a.id,
                "import:gias",
                on,
                EventBody::SettingDetailsChanged(converted),
                None,
            );
        }
        let org = OrganisationId::from_random_bits(self.next_bits());
        self.push(
            StreamRef::organisation(org),
            a.id,
            "system:demo",
            self.start,
            EventBody::OrganisationRegistered(OrganisationRegistered {
                kind: OrganisationKind::School,
                name: name.clone(),
                setting: Some(id),
            }),
            at,
        );
        let provision = self.provision(a, id, &name, kind, places, ages, cost);
        if matches!(
            kind,
            ProvisionKind::SenUnit | ProvisionKind::ResourcedProvision
        ) {
            self.approval_history(a, provision, setting_type.is_academy());
        }
        s.settings += 1;
        self.maybe_flush(s, sink)?;
        let sen_unit = kind == ProvisionKind::SenUnit;
        let rp = kind == ProvisionKind::ResourcedProvision;
        Ok(SettingInfo {
            id,
            academy: setting_type.is_academy(),
            provision,
            kind,
            phase,
            sen_unit,
            rp,
        })
    }

    /// SEN units and resourced provisions were approved before the history began
    /// (significant change at academies, a prescribed alteration at maintained schools):
    /// recorded as the history they are, with their real dates.
    fn approval_history(&mut self, a: &AreaCtx, provision: ProvisionId, academy: bool) {
        let route = if academy {
            ApprovalRoute::SignificantChange
        } else {
            ApprovalRoute::PrescribedAlteration
        };
        let at = Some(Instant::england_at(self.start, 8, 30));
        // Long-established: approved years before any placement the history holds.
        let effective = self.start - Days::new(365 * 20);
        let submitted = effective - Days::new(365);
        let decided = effective - Days::new(180);
        self.push(
            StreamRef::provision(provision),
            a.id,
            "system:demo",
            submitted,
            EventBody::ApprovalApplied(ApprovalApplied {
                route,
                submitted_on: submitted,
                advisory_board_on: None,
            }),
            at,
        );
        self.push(
            StreamRef::provision(provision),
            a.id,
            "system:demo",
            decided,
            EventBody::ApprovalDecided(ApprovalDecided {
                route,
                approved: true,
                decided_on: decided,
                effective_from: Some(effective),
                places: None,
                need_types: None,
            }),
            at,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn provision(
        &mut self,
        a: &AreaCtx,
        setting: SettingId,
        name: &str,
        kind: ProvisionKind,
        places: u32,
        ages: (u8, u8),
        cost: CostPerPlace,
    ) -> ProvisionId {
        let id = ProvisionId::from_random_bits(self.next_bits());
        let at = Some(Instant::england_at(self.start, 8, 30));
        let need_types = match kind {
            ProvisionKind::ResourcedProvision | ProvisionKind::SenUnit => {
                let codes: &[&str] = if self.rng.unit() < 0.5 {
                    &["ASD", "SLCN"]
                } else {
                    &["SEMH"]
                };
                codes
                    .iter()
                    .filter_map(|c| NeedType::parse(c).ok())
                    .collect()
            }
            ProvisionKind::Mainstream
            | ProvisionKind::Post16
            | ProvisionKind::AlternativeProvision => Vec::new(),
            _ => ["ASD", "SLD", "PMLD", "SEMH", "MLD"]
                .iter()
                .filter_map(|c| NeedType::parse(c).ok())
                .collect(),
        };
        let label = format!("{name} ({})", kind.label());
        self.push(
            StreamRef::provision(id),
            a.id,
            "system:demo",
            self.start,
            EventBody::ProvisionOpened(ProvisionOpened {
                setting,
                kind,
                name: label,
                need_types,
                low_age: ages.0,
                high_age: ages.1,
            }),
            at,
        );
        let first = AcademicYear::containing(self.start).start_year();
        let last = AcademicYear::containing(self.as_of).start_year();
        for y in first..=last {
            // Special schools grow 5% a year (within the significant-change threshold);
            // SEN units and resourced provisions keep the places they were approved for.
            let growth = match kind {
                ProvisionKind::SenUnit | ProvisionKind::ResourcedProvision => 0.0,
                _ => 0.05,
            };
            let grown = (f64::from(places) * (1.0 + growth * f64::from(y - first))).round() as u32;
            let on = NaiveDate::from_ymd_opt(y, 9, 1)
                .unwrap_or(self.start)
                .max(self.start);
            self.push(
                StreamRef::provision(id),
                a.id,
                "user:commissioner",
                on,
                EventBody::ProvisionPlacesSet(ProvisionPlacesSet {
                    academic_year: AcademicYear::starting(y),
                    places: grown,
                }),
                None,
            );
        }
        let f_first = FinancialYear::containing(self.start).start_year();
        let f_last = FinancialYear::containing(self.as_of).start_year();
        for y in f_first..=f_last {
            // Costs rise 3% a year towards the 2024-25 figures.
            let factor = 1.03f64.powi(y - 2024);
            let scale = |p: Pence| Pence((p.0 as f64 * factor).round() as i64);
            let on = NaiveDate::from_ymd_opt(y, 4, 1)
                .unwrap_or(self.start)
                .max(self.start);
            let c = CostPerPlace {
                place_funding: scale(cost.place_funding),
                top_up: scale(cost.top_up),
                health: scale(cost.health),
                social_care: scale(cost.social_care),
            };
            self.push(
                StreamRef::provision(id),
                a.id,
                "user:commissioner",
                on,
                EventBody::ProvisionCostsSet(ProvisionCostsSet {
                    financial_year: FinancialYear::starting(y),
                    cost: c,
                }),
                None,
            );
        }
        id
    }

    fn area<E>(
        &mut self,
        index: u32,
        plans: u32,
        s: &mut DemoSummary,
        sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
    ) -> Result<(), E> {
        let id = AreaId::from_random_bits(self.next_bits());
        let la = LaCode::parse(&format!("{}", 100 + (index % 900)))
            .unwrap_or_else(|_| LaCode::parse("999").expect("literal LA code"));
        let name = names::area_name(index);
        let at = Some(Instant::england_at(self.start, 7, 0));
        self.push(
            StreamRef::area(id),
            id,
            "system:demo",
            self.start,
            EventBody::AreaCreated(AreaCreated {
                la_code: la,
                name: name.clone(),
            }),
            at,
        );
        let centre = (
            380_000 + (index % 12) * 20_000,
            150_000 + (index / 12) * 40_000,
        );
        let mut ctx = AreaCtx {
            id,
            la,
            centre,
            teams: Vec::new(),
            primaries: Vec::new(),
            secondaries: Vec::new(),
            erps_primary: Vec::new(),
            erps_secondary: Vec::new(),
            specials: Vec::new(),
            independents: Vec::new(),
            ap: Vec::new(),
            fe: Vec::new(),
            post16: Vec::new(),
        };

        // The council, the ICB and a community paediatrics service; SEND teams.
        let council = OrganisationId::from_random_bits(self.next_bits());
        self.push(
            StreamRef::organisation(council),
            id,
            "system:demo",
            self.start,
            EventBody::OrganisationRegistered(OrganisationRegistered {
                kind: OrganisationKind::Council,
                name: format!("{name} Council"),
                setting: None,
            }),
            at,
        );
        for (kind, label) in [
            (
                OrganisationKind::IntegratedCareBoard,
                "Integrated Care Board",
            ),
            (OrganisationKind::HealthService, "Community Paediatrics"),
        ] {
            let org = OrganisationId::from_random_bits(self.next_bits());
            self.push(
                StreamRef::organisation(org),
                id,
                "system:demo",
                self.start,
                EventBody::OrganisationRegistered(OrganisationRegistered {
                    kind,
                    name: format!("{name} {label}"),
                    setting: None,
                }),
                at,
            );
        }
        let caseworkers = (plans / 180).max(2);
        let teams = caseworkers.div_ceil(6).max(1);
        let prefix = if index == 0 {
            String::new()
        } else {
            format!("a{index}-")
        };
        for t in 0..teams {
            let team = TeamId::from_random_bits(self.next_bits());
            let team_name = format!(
                "SEND Team {}",
                names::TEAM_NAMES[(t as usize) % names::TEAM_NAMES.len()]
            );
            self.push(
                StreamRef::organisation(council),
                id,
                "system:demo",
                self.start,
                EventBody::TeamAdded(TeamAdded {
                    team,
                    name: team_name,
                }),
                at,
            );
            let mut members = Vec::new();
            self.staff_member(id, council, Some(team), StaffJob::TeamManager, at);
            let in_team = if t + 1 == teams {
                caseworkers - 6 * (teams - 1)
            } else {
                6
            };
            for k in 0..in_team {
                let n = t * 6 + k;
                let login = if n == 0 {
                    format!("{prefix}caseworker")
                } else {
                    format!("{prefix}caseworker-{n}")
                };
                let staff = self.staff_member(id, council, Some(team), StaffJob::Caseworker, at);
                members.push((staff, login));
            }
            ctx.teams.push((team, members));
        }
        for (job, count) in [
            (StaffJob::Commissioner, 1),
            (StaffJob::HealthProfessional, 1),
            (StaffJob::Administrator, 1),
        ] {
            for _ in 0..count {
                self.staff_member(id, council, None, job, at);
            }
        }
        self.flush(s, sink)?;

        // Settings, sized to the area (Derby: ~100 schools for 3,735 plans).
        let p = |pounds: i64| Pence::from_pounds(pounds);
        let mainstream_cost = CostPerPlace {
            place_funding: p(6_000),
            top_up: p(7_500),
            health: p(0),
            social_care: p(0),
        };
        let erp_cost = CostPerPlace {
            place_funding: p(10_000),
            top_up: p(figures::COST_ERP_POUNDS - 10_000),
            health: p(0),
            social_care: p(0),
        };
        let special_cost = CostPerPlace {
            place_funding: p(10_000),
            top_up: p(figures::COST_SPECIAL_POUNDS - 11_500),
            health: p(1_000),
            social_care: p(500),
        };
        let indep_cost = CostPerPlace {
            place_funding: p(0),
            top_up: p(figures::COST_INDEPENDENT_SPECIAL_POUNDS - 9_000),
            health: p(5_000),
            social_care: p(4_000),
        };
        let ap_cost = CostPerPlace {
            place_funding: p(10_000),
            top_up: p(9_000),
            health: p(0),
            social_care: p(0),
        };
        let fe_cost = CostPerPlace {
            place_funding: p(6_000),
            top_up: p(5_500),
            health: p(0),
            social_care: p(0),
        };
        let post16_cost = CostPerPlace {
            place_funding: p(10_000),
            top_up: p(32_000),
            health: p(2_000),
            social_care: p(1_000),
        };

        let primaries = (plans / 50).max(4);
        let secondaries = (plans / 250).max(2);
        let erps = (plans / 400).max(1);
        let specials = (plans / 500).max(2);
        let independents = (plans / 600).max(1);
        for i in 0..primaries {
            let academy = self.rng.unit() < 0.45;
            let (st, et) = if academy {
                (SettingType::MainstreamAcademy, "Academy converter")
            } else {
                (SettingType::MainstreamLaMaintained, "Community school")
            };
            let nm = format!(
                "{} Primary School",
                names::place(self.counter + u64::from(i))
            );
            let info = self.setting(
                &ctx,
                nm,
                st,
                et,
                Phase::Primary,
                (4, 11),
                ProvisionKind::Mainstream,
                40,
                mainstream_cost,
                9_000,
                s,
                sink,
            )?;
            ctx.primaries.push(info);
        }
        for i in 0..secondaries {
            let nm = format!("{} Academy", names::place(self.counter * 7 + u64::from(i)));
            let info = self.setting(
                &ctx,
                nm,
                SettingType::MainstreamAcademy,
                "Academy converter",
                Phase::Secondary,
                (11, 18),
                ProvisionKind::Mainstream,
                80,
                mainstream_cost,
                9_000,
                s,
                sink,
            )?;
            ctx.secondaries.push(info);
        }
        for i in 0..erps {
            // Resourced provisions sit beside a mainstream school's own provision.
            let (list, phase) = if i % 3 == 2 {
                (&ctx.secondaries, Phase::Secondary)
            } else {
                (&ctx.primaries, Phase::Primary)
            };
            let host = &list[(i as usize * 3) % list.len()];
            let (host_id, host_phase, academy) = (host.id, host.phase, host.academy);
            let ages = if phase == Phase::Primary {
                (4, 11)
            } else {
                (11, 16)
            };
            let prov = self.provision(
                &ctx,
                host_id,
                &format!("ERP {}", i + 1),
                ProvisionKind::ResourcedProvision,
                12,
                ages,
                erp_cost,
            );
            self.approval_history(&ctx, prov, academy);
            let info = SettingInfo {
                id: host_id,
                academy,
                provision: prov,
                kind: ProvisionKind::ResourcedProvision,
                phase: host_phase,
                sen_unit: false,
                rp: true,
            };
            if phase == Phase::Primary {
                ctx.erps_primary.push(info);
            } else {
                ctx.erps_secondary.push(info);
            }
        }
        if ctx.erps_secondary.is_empty() {
            let (host, academy) = (ctx.secondaries[0].id, ctx.secondaries[0].academy);
            let prov = self.provision(
                &ctx,
                host,
                "ERP secondary",
                ProvisionKind::ResourcedProvision,
                12,
                (11, 16),
                erp_cost,
            );
            self.approval_history(&ctx, prov, academy);
            ctx.erps_secondary.push(SettingInfo {
                id: host,
                academy,
                provision: prov,
                kind: ProvisionKind::ResourcedProvision,
                phase: Phase::Secondary,
                sen_unit: false,
                rp: true,
            });
        }
        for i in 0..specials {
            let nm = format!("{} School", names::place(self.counter * 13 + u64::from(i)));
            let st = if i % 4 == 0 {
                SettingType::SpecialLaMaintained
            } else {
                SettingType::SpecialAcademy
            };
            let info = self.setting(
                &ctx,
                nm,
                st,
                "Academy special converter",
                Phase::AllThrough,
                (2, 19),
                ProvisionKind::Special,
                140,
                special_cost,
                12_000,
                s,
                sink,
            )?;
            ctx.specials.push(info);
        }
        for i in 0..independents {
            let nm = format!(
                "{} House School",
                names::place(self.counter * 17 + u64::from(i))
            );
            let info = self.setting(
                &ctx,
                nm,
                SettingType::SpecialIndependent,
                "Other independent special school",
                Phase::AllThrough,
                (5, 19),
                ProvisionKind::IndependentSpecial,
                60,
                indep_cost,
                40_000,
                s,
                sink,
            )?;
            ctx.independents.push(info);
        }
        let nm = format!("{} Learning Centre", names::place(self.counter * 19));
        let info = self.setting(
            &ctx,
            nm,
            SettingType::AlternativeProvision,
            "Pupil referral unit",
            Phase::NotApplicable,
            (5, 16),
            ProvisionKind::AlternativeProvision,
            40,
            ap_cost,
            8_000,
            s,
            sink,
        )?;
        ctx.ap.push(info);
        let colleges = (plans / 2_000).max(1);
        for i in 0..colleges {
            let nm = format!("{} College", names::place(self.counter * 23 + u64::from(i)));
            let info = self.setting(
                &ctx,
                nm,
                SettingType::FurtherEducation,
                "Further education",
                Phase::SixteenPlus,
                (16, 25),
                ProvisionKind::Post16,
                300,
                fe_cost,
                10_000,
                s,
                sink,
            )?;
            ctx.fe.push(info);
        }
        let nm = format!("{} Specialist College", names::place(self.counter * 29));
        let info = self.setting(
            &ctx,
            nm,
            SettingType::SpecialistPost16,
            "Special post 16 institution",
            Phase::SixteenPlus,
            (16, 25),
            ProvisionKind::Post16,
            40,
            post16_cost,
            30_000,
            s,
            sink,
        )?;
        ctx.post16.push(info);
        self.flush(s, sink)?;

        self.cases(&ctx, plans, s, sink)
    }

    fn person_name(&mut self) -> String {
        let g = names::GIVEN[self.rng.below(names::GIVEN.len() as u64) as usize];
        let f = names::FAMILY[self.rng.below(names::FAMILY.len() as u64) as usize];
        format!("{g} {f}")
    }

    /// A date `years_back` years (fractional) before the end of the history.
    fn years_before_end(&self, years_back: f64) -> NaiveDate {
        self.as_of - Days::new((years_back * 365.25).round().max(0.0) as u64)
    }

    /// A time in the history weighted by the size of the caseload then (growing 10% a
    /// year), as years before the end, in [0, HISTORY_YEARS).
    fn growth_weighted_years_back(&mut self) -> f64 {
        let k = (1.0 + figures::ENGLAND_GROWTH_PER_YEAR).ln();
        let u = self.rng.unit();
        let span = f64::from(HISTORY_YEARS);
        -(1.0 - u * (1.0 - (-k * span).exp())).ln() / k
    }

    fn cases<E>(
        &mut self,
        a: &AreaCtx,
        plans: u32,
        s: &mut DemoSummary,
        sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
    ) -> Result<(), E> {
        let n = f64::from(plans);
        let k = (1.0 + figures::ENGLAND_GROWTH_PER_YEAR).ln();
        let c = figures::CEASE_RATE_PER_YEAR;
        let span = f64::from(HISTORY_YEARS);
        let stock_at_start = n * (-k * span).exp();
        let legacy_survivors = (stock_at_start * (-c * span).exp()).round() as u32;
        let legacy_survivors = legacy_survivors.min(plans);
        let new_in_place = plans - legacy_survivors;
        let legacy_ended = (stock_at_start * (1.0 - (-c * span).exp())).round() as u32;
        let new_total = (k + c) * n * (1.0 - (-k * span).exp()) / k;
        let new_ended = (new_total - f64::from(new_in_place)).max(0.0).round() as u32;
        let no_plan = (new_total * (figures::REQUESTS_PER_NEW_PLAN - 1.0)).round() as u32;
        let in_progress = (n * 0.12).round() as u32;

        let mut paths: Vec<Path> = Vec::new();
        paths.extend(std::iter::repeat_n(
            Path::LegacyInPlace,
            legacy_survivors as usize,
        ));
        paths.extend(std::iter::repeat_n(Path::NewInPlace, new_in_place as usize));
        paths.extend(std::iter::repeat_n(
            Path::Ended { legacy: true },
            legacy_ended as usize,
        ));
        paths.extend(std::iter::repeat_n(
            Path::Ended { legacy: false },
            new_ended as usize,
        ));
        paths.extend(std::iter::repeat_n(Path::NoPlan, no_plan as usize));
        paths.extend(std::iter::repeat_n(Path::InProgress, in_progress as usize));
        self.rng.shuffle(&mut paths);
        for path in paths {
            let in_place = self.case(a, path);
            s.cases += 1;
            s.plans_in_place += u64::from(in_place);
            self.maybe_flush(s, sink)?;
        }
        Ok(())
    }

    fn pick_need(&mut self) -> NeedType {
        let i = self.rng.weighted(figures::NEED_MIX.iter().map(|(_, w)| *w));
        NeedType::parse(figures::NEED_MIX[i].0)
            .unwrap_or_else(|_| NeedType::all().next().expect("need list is not empty"))
    }

    fn sections(&mut self, given: &str, need: NeedType) -> PlanSections {
        let d = need.description().to_lowercase();
        PlanSections {
            a: format!("{given} likes music and wants friends."),
            b: d,
            c: "See health advice.".into(),
            d: "See social care advice.".into(),
            e: "Take part fully in learning.".into(),
            f: "Daily support from trained staff.".into(),
            g: "As section C.".into(),
            h1: String::new(),
            h2: "Short breaks.".into(),
            i: String::new(),
            j: String::new(),
            k: "Advice received.".into(),
        }
    }

    /// A school-age-appropriate placement for a child of `age` with `need`.
    fn placement_for(
        &mut self,
        a: &AreaCtx,
        age: u32,
        need: NeedType,
    ) -> (SettingRef, Option<ProvisionId>, bool, bool) {
        let pick = |rng: &mut Rng,
                    list: &[SettingInfo]|
         -> (SettingRef, Option<ProvisionId>, bool, bool) {
            let s = &list[rng.below(list.len() as u64) as usize];
            let _ = s.kind;
            (
                SettingRef::Setting(s.id),
                Some(s.provision),
                s.sen_unit,
                s.rp,
            )
        };
        if age < 4 {
            return if self.rng.unit() < 0.5 {
                (SettingRef::Code(SettingCode::Eyp), None, false, false)
            } else {
                pick(&mut self.rng, &a.specials)
            };
        }
        if age >= 16 {
            let u = self.rng.unit();
            return if u < 0.55 {
                pick(&mut self.rng, &a.fe)
            } else if u < 0.68 {
                pick(&mut self.rng, &a.post16)
            } else if u < 0.88 && age < 19 {
                pick(&mut self.rng, &a.specials)
            } else if u < 0.95 {
                (SettingRef::Code(SettingCode::Neet), None, false, false)
            } else {
                pick(&mut self.rng, &a.fe)
            };
        }
        let severe = matches!(need.code(), "SLD" | "PMLD" | "MSI");
        let i = self
            .rng
            .weighted(figures::PLACEMENT_MIX.iter().map(|(_, w)| *w));
        let kind = if severe {
            "special"
        } else {
            figures::PLACEMENT_MIX[i].0
        };
        let primary = age < 11;
        match kind {
            "mainstream" => pick(
                &mut self.rng,
                if primary {
                    &a.primaries
                } else {
                    &a.secondaries
                },
            ),
            "resourced_provision" => pick(
                &mut self.rng,
                if primary {
                    &a.erps_primary
                } else {
                    &a.erps_secondary
                },
            ),
            "independent_special" => pick(&mut self.rng, &a.independents),
            "alternative_provision" => pick(&mut self.rng, &a.ap),
            _ => pick(&mut self.rng, &a.specials),
        }
    }

    /// Generates one case; returns whether it ends with a plan in place.
    fn case(&mut self, a: &AreaCtx, path: Path) -> bool {
        let case = CaseId::from_random_bits(self.next_bits());
        let st = StreamRef::case(case);
        let (team, members) = &a.teams[self.rng.below(a.teams.len() as u64) as usize];
        let (worker, login) = members[self.rng.below(members.len() as u64) as usize].clone();
        let team = *team;
        let actor = format!("user:{login}");

        // When the story starts and how old the child is then.
        let need = self.pick_need();
        let (first_day, birth) = match path {
            Path::LegacyInPlace | Path::Ended { legacy: true } => {
                let age_now = u32::from(
                    figures::AGE_MIX[self.rng.weighted(figures::AGE_MIX.iter().map(|(_, w)| *w))].0,
                )
                .max(9);
                let birth =
                    self.as_of - Days::new(u64::from(age_now) * 365 + self.rng.range(0, 365));
                let earliest = birth + Days::new(2 * 365);
                let latest = self.start - Days::new(30);
                let plan_start = if earliest >= latest {
                    latest
                } else {
                    earliest
                        + Days::new(
                            self.rng
                                .range(0, (latest - earliest).num_days().max(1) as u64),
                        )
                };
                (plan_start, birth)
            }
            _ => {
                let back = self.growth_weighted_years_back();
                let age_at_request = match self.rng.unit() {
                    u if u < 0.35 => self.rng.range(2, 5),
                    u if u < 0.75 => self.rng.range(5, 11),
                    u if u < 0.92 => self.rng.range(11, 16),
                    u if u < 0.99 => self.rng.range(16, 20),
                    _ => self.rng.range(20, 25),
                };
                let when = self.years_before_end(back);
                let birth = when - Days::new(age_at_request * 365 + self.rng.range(0, 365));
                (when, birth)
            }
        };
        let given = names::GIVEN[self.rng.below(names::GIVEN.len() as u64) as usize];
        let family = names::FAMILY[self.rng.below(names::FAMILY.len() as u64) as usize];
        self.counter += 1;
        let school_year = AcademicYear::containing(birth).start_year() + 5;
        let upn = Upn::from_digits(
            u64::from(a.la.get()) * 1_000_000_000
                + (self.counter % 9_000 + 1_000) * 100_000
                + ((school_year % 100) as u64) * 1_000
                + self.counter % 1_000,
        )
        .ok();
        let nhs = (0..10).find_map(|i| {
            NhsNumber::with_check_digit(999_000_000 + (self.counter * 10 + i) % 1_000_000)
        });
        let age_now = (self.as_of - birth).num_days() / 365;
        let uln = if age_now >= 14 {
            (0..10).find_map(|i| {
                Uln::with_check_digit(400_000_000 + (self.counter * 10 + i) % 500_000_000)
            })
        } else {
            None
        };
        let ethnicity =
            names::ETHNICITY[self.rng.weighted(names::ETHNICITY.iter().map(|(_, w)| *w))].0;
        let sex = if self.rng.unit() < 0.71 {
            Sex::Male
        } else {
            Sex::Female
        };
        let child = Child {
            given_names: given.to_string(),
            family_name: family.to_string(),
            birth_date: birth,
            sex,
            ethnicity: ethnicity.to_string(),
            postcode: self.postcode(),
            upn,
            uln,
            nhs_number: nhs,
            home: Some(self.location(a.centre, 9_000)),
        };

        let legacy = matches!(path, Path::LegacyInPlace | Path::Ended { legacy: true });
        let go_live = Some(Instant::england_at(
            self.start + Days::new(self.rng.range(0, 45)),
            10,
            0,
        ));
        let open_on = if legacy { self.start } else { first_day };
        let opener = if legacy {
            "import:legacy-cms"
        } else {
            actor.as_str()
        };
        let open_at = if legacy { go_live } else { None };
        let mut people = vec![RelatedPerson {
            person: PersonId::from_random_bits(self.next_bits()),
            name: format!(
                "{} {family}",
                names::GIVEN[self.rng.below(names::GIVEN.len() as u64) as usize]
            ),
            relationship: Relationship::Mother,
            parental_responsibility: true,
            confidential_address: self.rng.unit() < 0.02,
        }];
        let mut restricted = None;
        if self.rng.unit() < 0.55 {
            let father = PersonId::from_random_bits(self.next_bits());
            let name = format!(
                "{} {family}",
                names::GIVEN[self.rng.below(names::GIVEN.len() as u64) as usize]
            );
            people.push(RelatedPerson {
                person: father,
                name,
                relationship: Relationship::Father,
                parental_responsibility: true,
                confidential_address: false,
            });
            if self.rng.unit() < 0.02 {
                restricted = Some(father);
            }
        }
        let caseworker = Some(CaseworkerAssigned {
            staff: worker,
            team,
        });
        self.push(
            st,
            a.id,
            opener,
            open_on,
            EventBody::CaseOpened(CaseOpened {
                child,
                people,
                caseworker,
            }),
            open_at,
        );
        if let Some(father) = restricted {
            let description =
                "Prohibited steps order: no information to be shared with this parent.".to_string();
            self.push(
                st,
                a.id,
                opener,
                open_on,
                EventBody::CourtRestrictionRecorded(CourtRestriction {
                    description,
                    restricted_persons: vec![father],
                }),
                open_at,
            );
        }

        let plan_start;
        if legacy {
            let (setting, provision, sen_unit, rp) =
                self.placement_for(a, age_at(birth, first_day), need);
            let named = vec![NamedSetting {
                starts_on: None,
                setting,
                provision,
                rank: 1,
                sen_unit,
                resourced_provision: rp,
            }];
            let last_review = {
                let mut d = first_day;
                while d
                    .checked_add_months(Months::new(12))
                    .is_some_and(|n| n < self.start)
                {
                    d = d.checked_add_months(Months::new(12)).unwrap_or(d);
                }
                (d > first_day).then_some(d)
            };
            let sections = self.sections(given, need);
            let personal_budget = self.rng.unit() < 0.05;
            self.push(
                st,
                a.id,
                "import:legacy-cms",
                first_day,
                EventBody::PlanRecorded(PlanRecorded {
                    plan_start: first_day,
                    last_review,
                    sections,
                    needs: vec![Need { need, rank: 1 }],
                    named,
                    personal_budget,
                    source: "legacy case management system".into(),
                }),
                go_live,
            );
            self.push(
                st,
                a.id,
                "import:legacy-cms",
                first_day,
                EventBody::PlacementStarted(PlacementStarted {
                    setting,
                    provision,
                    on: first_day,
                    sen_unit,
                    resourced_provision: rp,
                }),
                go_live,
            );
            plan_start = Some(first_day);
        } else {
            let outcome = match path {
                Path::NoPlan => {
                    let u = self.rng.unit();
                    if u < figures::NO_PLAN_SHARE_REFUSED {
                        Outcome::NotAssessed
                    } else if u < 0.93 {
                        Outcome::NoPlan
                    } else {
                        Outcome::Withdrawn
                    }
                }
                Path::InProgress => Outcome::Unfinished,
                _ => Outcome::Plan,
            };
            plan_start = self.assessment(a, st, &actor, first_day, birth, given, need, outcome);
        }

        let Some(start) = plan_start else {
            return false;
        };
        // The plan's life: reviews each year, phase transfers, disputes, and for ended
        // plans a cessation or transfer out.
        let end = match path {
            Path::Ended { .. } => {
                let back = self.growth_weighted_years_back();
                let e = self.years_before_end(back);
                if e <= start + Days::new(60) {
                    (start + Days::new(60 + self.rng.range(0, 300))).min(self.as_of)
                } else {
                    e
                }
            }
            _ => self.as_of,
        };
        self.plan_life(a, st, &actor, start, end, birth, need);
        if let Path::Ended { .. } = path {
            self.end_plan(a, st, &actor, (start, end), birth);
            return false;
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn assessment(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        received: NaiveDate,
        birth: NaiveDate,
        given: &str,
        need: NeedType,
        outcome: Outcome,
    ) -> Option<NaiveDate> {
        let request = RequestId(1);
        let by = match self.rng.unit() {
            u if u < 0.45 => Requester::School,
            u if u < 0.85 => Requester::Parent,
            u if u < 0.93 => Requester::Health,
            u if u < 0.97 => Requester::YoungPerson,
            _ => Requester::SocialCare,
        };
        // For a plan that must be in place by the end, work back from a final date no later than the end.
        let year = received.year();
        let on_time_share = figures::WITHIN_20_WEEKS_BY_YEAR
            .iter()
            .find(|(y, _)| *y == year)
            .map(|(_, s)| *s)
            .unwrap_or(0.20);
        let total_days = if self.rng.unit() < on_time_share {
            self.rng.range(98, 141)
        } else if self.rng.unit() < figures::LATE_SHARE_OVER_A_YEAR {
            self.rng.range(366, 560)
        } else {
            self.rng.range(141, 366)
        };
        let mut received = received;
        if outcome == Outcome::Plan && received + Days::new(total_days) > self.as_of {
            received = self.as_of - Days::new(total_days);
        }
        if outcome == Outcome::Unfinished {
            received = self.as_of - Days::new(self.rng.range(1, total_days.max(2)));
        }
        self.step(
            st,
            a.id,
            actor,
            received,
            EventBody::RequestReceived(RequestReceived {
                request,
                received_on: received,
                requested_by: by,
            }),
        );
        if outcome == Outcome::Withdrawn {
            let on = received + Days::new(self.rng.range(5, 40));
            self.step(
                st,
                a.id,
                actor,
                on,
                EventBody::RequestWithdrawn(RequestStep { request, on }),
            );
            return None;
        }
        let decision_days = if self.rng.unit() < figures::SHARE_DECIDED_WITHIN_6_WEEKS {
            self.rng.range(20, 43)
        } else {
            self.rng.range(43, 110)
        };
        let decided =
            received + Days::new(decision_days.min(total_days.saturating_sub(60).max(20)));
        if outcome == Outcome::NotAssessed {
            self.step(
                st,
                a.id,
                actor,
                decided,
                EventBody::AssessmentDecided(AssessmentDecided {
                    request,
                    decision: AssessDecision::DoNotAssess,
                    on: decided,
                    reasons: Some(
                        "Needs can be met from resources ordinarily available to the school."
                            .into(),
                    ),
                }),
            );
            let u = self.rng.unit();
            if (0.10..0.13).contains(&u) {
                // Settled at mediation: no appeal follows.
                let on = decided + Days::new(30);
                self.mediation(st, a.id, actor, on, DisputeSubject::RefusalToAssess, true);
            }
            if u < 0.10 {
                let outcomes = (0.6, AppealOutcome::Upheld, AppealOutcome::Dismissed);
                self.appeal(
                    st,
                    a.id,
                    actor,
                    decided,
                    DisputeSubject::RefusalToAssess,
                    (120, 240),
                    outcomes,
                );
            }
            return None;
        }
        if !self.step(
            st,
            a.id,
            actor,
            decided,
            EventBody::AssessmentDecided(AssessmentDecided {
                request,
                decision: AssessDecision::Assess,
                on: decided,
                reasons: None,
            }),
        ) {
            return None;
        }
        let final_on = received + Days::new(total_days);
        let advice_on = decided + Days::new(self.rng.range(1, 8));
        let draft_on = final_on - Days::new(self.rng.range(16, 30));
        // Educational advice here includes the educational psychologist's (Reg 6(1)(b), (d)).
        let kinds = [
            AdviceKind::Education,
            AdviceKind::Health,
            AdviceKind::SocialCare,
        ];
        self.step(
            st,
            a.id,
            actor,
            advice_on,
            EventBody::AdviceRequested(AdviceRequested {
                request,
                kinds: kinds.to_vec(),
                on: advice_on,
            }),
        );
        // Exceptions are recorded where a plan runs late: in Derby's 2024 figures every
        // plan within 20 weeks was also within 20 weeks without the exception cases
        // (62 of 442, 62 of 377), so the 65 exception cases were all late.
        let u = self.rng.unit();
        if total_days > 140 && u < figures::SHARE_WITH_EXCEPTION / figures::SHARE_LATE_2024 {
            let exception = match self.rng.unit() {
                u if u < 0.5 => ExceptionKind::ExceptionalPersonalCircumstances,
                u if u < 0.8 => ExceptionKind::SchoolClosure,
                _ => ExceptionKind::AbsentFromArea,
            };
            self.step(
                st,
                a.id,
                actor,
                advice_on,
                EventBody::ExceptionRecorded(ExceptionRecorded {
                    request,
                    exception,
                    evidence: "Recorded by the caseworker with the family's agreement.".into(),
                }),
            );
        }
        let span = (draft_on - advice_on).num_days().max(2) as u64;
        for kind in kinds {
            let on = advice_on + Days::new(self.rng.range(1, span.min(120)));
            if !self.step(
                st,
                a.id,
                actor,
                on.min(draft_on),
                EventBody::AdviceReceived(AdviceStep {
                    request,
                    kind,
                    on: on.min(draft_on),
                }),
            ) {
                return None;
            }
        }
        if outcome == Outcome::NoPlan {
            self.step(
                st,
                a.id,
                actor,
                draft_on,
                EventBody::PlanNotIssued(RequestStep {
                    request,
                    on: draft_on,
                }),
            );
            return None;
        }
        let draft_sections = self.sections(given, need);
        if !self.step(
            st,
            a.id,
            actor,
            draft_on,
            EventBody::DraftPlanServed(DraftPlanServed {
                request,
                on: draft_on,
                sections: draft_sections,
            }),
        ) {
            return None;
        }
        let age = age_at(birth, final_on);
        let (setting, provision, sen_unit, rp) = self.placement_for(a, age, need);
        let consult_on = draft_on + Days::new(self.rng.range(1, 5));
        if let SettingRef::Setting(sid) = setting {
            self.step(
                st,
                a.id,
                actor,
                consult_on,
                EventBody::SettingConsulted(SettingConsulted {
                    setting: sid,
                    on: consult_on,
                }),
            );
            let reply = consult_on + Days::new(self.rng.range(5, 30));
            self.step(
                st,
                a.id,
                actor,
                reply.min(final_on),
                EventBody::ConsultationResponse(ConsultationResponse {
                    setting: sid,
                    on: reply.min(final_on),
                    can_meet_needs: true,
                }),
            );
        }
        let named = vec![NamedSetting {
            starts_on: None,
            setting,
            provision,
            rank: 1,
            sen_unit,
            resourced_provision: rp,
        }];
        let needs = vec![Need { need, rank: 1 }];
        let sections = self.sections(given, need);
        let personal_budget = self.rng.unit() < 0.05;
        if !self.step(
            st,
            a.id,
            actor,
            final_on,
            EventBody::FinalPlanIssued(FinalPlanIssued {
                request,
                on: final_on,
                sections,
                needs,
                named,
                personal_budget,
            }),
        ) {
            return None;
        }
        let entry = final_on + Days::new(self.rng.range(0, 30));
        if entry <= self.as_of {
            self.step(
                st,
                a.id,
                actor,
                entry,
                EventBody::PlacementStarted(PlacementStarted {
                    setting,
                    provision,
                    on: entry,
                    sen_unit,
                    resourced_provision: rp,
                }),
            );
        }
        // A multi-agency quality audit of about one new plan in six, a few weeks after it
        // is issued: each section scored around the plan's overall quality.
        if self.rng.unit() < figures::SHARE_OF_NEW_PLANS_AUDITED {
            let on = final_on + Days::new(self.rng.range(14, 60));
            let quality = 1.6 + 2.2 * self.rng.unit();
            let rubric = sendscope_domain::qa::Rubric::standard();
            let scores: std::collections::BTreeMap<String, u8> = rubric
                .sections
                .iter()
                .map(|s| {
                    let v = (quality + self.rng.unit() - 0.5).round().clamp(1.0, 4.0) as u8;
                    (s.key.clone(), v)
                })
                .collect();
            let service = match self.rng.below(3) {
                0 => sendscope_domain::qa::AuditService::Education,
                1 => sendscope_domain::qa::AuditService::Health,
                _ => sendscope_domain::qa::AuditService::SocialCare,
            };
            if let Ok(grade) = rubric.grade(&scores) {
                self.step(
                    st,
                    a.id,
                    actor,
                    on,
                    EventBody::PlanAudited(PlanAudited {
                        audit: 1,
                        on,
                        service,
                        rubric_id: rubric.id.clone(),
                        scores,
                        grade,
                        comments: String::new(),
                    }),
                );
            }
        }
        if self.rng.unit() < 0.04 {
            let outcomes = (0.5, AppealOutcome::Conceded, AppealOutcome::Upheld);
            self.appeal(
                st,
                a.id,
                actor,
                final_on,
                DisputeSubject::NamedSetting,
                (150, 300),
                outcomes,
            );
        }
        Some(final_on)
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_life(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        start: NaiveDate,
        end: NaiveDate,
        birth: NaiveDate,
        need: NeedType,
    ) {
        let mut due = start.checked_add_months(Months::new(12)).unwrap_or(start);
        while due < self.start {
            due = due.checked_add_months(Months::new(12)).unwrap_or(end);
        }
        let entry_year = AcademicYear::containing(birth).start_year() + 5; // Reception
        let transfers = [entry_year + 7, entry_year + 12]; // Year 7, then post-16
        loop {
            let late = if self.rng.unit() < 0.25 {
                self.rng.range(1, 120)
            } else {
                0
            };
            let meeting = (due - Days::new(self.rng.range(0, 30))) + Days::new(late);
            if meeting >= end {
                break;
            }
            self.push(
                st,
                a.id,
                actor,
                meeting,
                EventBody::ReviewMeetingHeld(DatedOnly { on: meeting }),
                None,
            );
            // The review report: within 2 weeks for most, up to 4 weeks for some (a
            // spread taken from the date, so the random draws stay as they were).
            let report = meeting + Days::new(7 + u64::from(meeting.ordinal() % 20));
            if report <= end {
                self.push(
                    st,
                    a.id,
                    actor,
                    report,
                    EventBody::ReviewReportSent(ReviewStep {
                        meeting_on: meeting,
                        on: report,
                    }),
                    None,
                );
            }
            let gap = if self.rng.unit() < figures::REVIEW_DECISION_WITHIN_4_WEEKS {
                self.rng.range(3, 29)
            } else {
                self.rng.range(29, 90)
            };
            let decided = meeting + Days::new(gap);
            if decided > end {
                break;
            }
            let i = self
                .rng
                .weighted(figures::REVIEW_OUTCOMES.iter().map(|(_, w)| *w));
            let decision = match figures::REVIEW_OUTCOMES[i].0 {
                "maintain" => ReviewDecision::Maintain,
                "cease" => ReviewDecision::Maintain, // a cessation is modelled at the plan's end
                _ => ReviewDecision::Amend,
            };
            self.push(
                st,
                a.id,
                actor,
                decided,
                EventBody::ReviewDecided(ReviewDecided {
                    meeting_on: meeting,
                    decision,
                    on: decided,
                }),
                None,
            );
            // A phase transfer: the amended plan names the new setting before 15 February
            // (31 March for post-16), and the child starts there in September.
            let next_sept_year = if decided.month() >= 9 {
                decided.year() + 1
            } else {
                decided.year()
            };
            let transfer = transfers.contains(&next_sept_year)
                && decided.month() <= 3
                && decision == ReviewDecision::Amend;
            if transfer {
                // The transfer is planned at the review (recorded at a fixed time, so the
                // random draws stay as they were).
                let kind = if next_sept_year == transfers[0] {
                    PhaseTransferKind::BetweenSchools
                } else {
                    PhaseTransferKind::SecondaryToPost16
                };
                let transfer_on = NaiveDate::from_ymd_opt(next_sept_year, 9, 3).unwrap_or(decided);
                self.push(
                    st,
                    a.id,
                    actor,
                    decided,
                    EventBody::PhaseTransferPlanned(PhaseTransferPlanned { transfer_on, kind }),
                    Some(Instant::england_at(decided, 17, 30)),
                );
            }
            // Not every proposed amendment reaches a final amended plan within the history.
            if decision == ReviewDecision::Amend && (transfer || self.rng.unit() < 0.3) {
                let amend_on = decided + Days::new(self.rng.range(14, 70));
                if amend_on <= end {
                    let age = age_at(
                        birth,
                        NaiveDate::from_ymd_opt(next_sept_year, 9, 2).unwrap_or(amend_on),
                    );
                    let (setting, provision, sen_unit, rp) = self.placement_for(
                        a,
                        if transfer {
                            age
                        } else {
                            age_at(birth, amend_on)
                        },
                        need,
                    );
                    let named = vec![NamedSetting {
                        starts_on: None,
                        setting,
                        provision,
                        rank: 1,
                        sen_unit,
                        resourced_provision: rp,
                    }];
                    self.push(
                        st,
                        a.id,
                        actor,
                        amend_on,
                        EventBody::PlanAmended(PlanAmended {
                            on: amend_on,
                            needs: vec![Need { need, rank: 1 }],
                            named,
                            phase_transfer: transfer,
                        }),
                        None,
                    );
                    let move_on = NaiveDate::from_ymd_opt(next_sept_year, 9, 3).unwrap_or(amend_on);
                    if transfer && move_on <= end {
                        self.push(
                            st,
                            a.id,
                            actor,
                            move_on,
                            EventBody::PlacementStarted(PlacementStarted {
                                setting,
                                provision,
                                on: move_on,
                                sen_unit,
                                resourced_provision: rp,
                            }),
                            None,
                        );
                    }
                }
            }
            due = meeting.checked_add_months(Months::new(12)).unwrap_or(end);
        }
    }

    fn end_plan(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        (start, end): (NaiveDate, NaiveDate),
        birth: NaiveDate,
    ) {
        let i = self
            .rng
            .weighted(figures::CEASE_REASONS.iter().map(|(_, w)| *w));
        let age = age_at(birth, end);
        let code = figures::CEASE_REASONS[i].0;
        let adult_only = matches!(
            code,
            "max_age" | "higher_education" | "paid_employment" | "no_longer_wishes_to_engage"
        );
        // Reasons that only fit young adults are redrawn for a younger child.
        let code = if adult_only && age < 16 {
            match self.rng.unit() {
                u if u < 0.30 => "transferred_to_another_la",
                u if u < 0.70 => "needs_met",
                u if u < 0.80 => "moved_outside_england",
                _ => "other",
            }
        } else {
            code
        };
        // A plan that must end within about 10 weeks of being made (it began just before
        // the history ends) cannot keep the 2 months a family has to appeal a cessation:
        // it ends by a transfer to another council, which has no such window.
        let cessation_fits = end
            .checked_sub_months(Months::new(2))
            .and_then(|d| d.checked_sub_days(Days::new(7)))
            .is_some_and(|d| d >= start);
        let code = if code != "deceased" && !cessation_fits {
            "transferred_to_another_la"
        } else {
            code
        };
        if code == "transferred_to_another_la" {
            let other = LaCode::parse(&format!("{}", 800 + self.rng.range(0, 140))).unwrap_or(a.la);
            self.push(
                st,
                a.id,
                actor,
                end,
                EventBody::TransferredOut(Transfer {
                    other_la: other,
                    on: end,
                }),
                None,
            );
            return;
        }
        let reason = match code {
            "max_age" => CeaseReason::MaxAge,
            "needs_met" => CeaseReason::NeedsMet,
            "higher_education" => CeaseReason::HigherEducation,
            "paid_employment" => CeaseReason::PaidEmployment,
            "no_longer_wishes_to_engage" => CeaseReason::NoLongerWishesToEngage,
            "moved_outside_england" => CeaseReason::MovedOutsideEngland,
            "deceased" => CeaseReason::Deceased,
            _ => CeaseReason::Other,
        };
        // Ceasing is a decision the family can appeal (s.45 CFA): it is made about two
        // months before the plan ends, and the plan is kept until the time to appeal
        // (2 months) has passed.
        if reason != CeaseReason::Deceased {
            let decided = end
                .checked_sub_months(Months::new(2))
                .and_then(|d| d.checked_sub_days(Days::new(7)))
                .unwrap_or(start);
            self.push(
                st,
                a.id,
                actor,
                decided,
                EventBody::CessationDecided(CessationDecided {
                    on: decided,
                    reason,
                    explanation: format!("The plan is no longer needed: {}.", reason.label()),
                }),
                None,
            );
            // 2 months and 7 days before the end, so the window (2 months) has passed.
            let window_end = decided
                .checked_add_months(Months::new(2))
                .unwrap_or(decided);
            debug_assert!(window_end < end);
        }
        self.push(
            st,
            a.id,
            actor,
            end,
            EventBody::PlanCeased(PlanCeased { on: end, reason }),
            None,
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Plan,
    NotAssessed,
    NoPlan,
    Withdrawn,
    Unfinished,
}

/// Whole years of age on a date.
pub fn age_at(birth: NaiveDate, on: NaiveDate) -> u32 {
    sendscope_domain::calendar::age_on(birth, on).max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(plans: u32, seed: u64) -> DemoSpec {
        DemoSpec {
            plans,
            seed,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 15).expect("date"),
            batch_events: 5_000,
        }
    }

    fn collect(s: &DemoSpec) -> (DemoSummary, Vec<NewEvent>) {
        let mut all = Vec::new();
        let summary = generate::<()>(s, &mut |b| {
            all.extend(b);
            Ok(())
        })
        .expect("no sink errors");
        (summary, all)
    }

    #[test]
    fn same_seed_same_events_other_seed_other_events() {
        let (a, ea) = collect(&spec(300, 7));
        let (_, eb) = collect(&spec(300, 7));
        let (_, ec) = collect(&spec(300, 8));
        assert_eq!(ea, eb);
        assert_ne!(ea, ec);
        assert_eq!(a.plans_in_place, 300);
        let per_plan = a.events as f64 / 300.0;
        assert!(
            (20.0..=40.0).contains(&per_plan),
            "{per_plan} events per plan in place"
        );
    }

    #[test]
    fn splits_into_areas_at_national_scale() {
        let mut areas = 0;
        let mut plans = 0u64;
        let s = generate::<()>(&spec(12_001, 1), &mut |b| {
            areas += b.iter().filter(|e| e.event_type_is("area.created")).count();
            Ok(())
        })
        .expect("ok");
        plans += s.plans_in_place;
        assert_eq!(areas, 3);
        assert_eq!(plans, 12_001);
    }

    trait TypeIs {
        fn event_type_is(&self, t: &str) -> bool;
    }
    impl TypeIs for NewEvent {
        fn event_type_is(&self, t: &str) -> bool {
            self.body.event_type() == t
        }
    }
}
