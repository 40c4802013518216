//! A deterministic generator of fictional but realistic local areas: ~6 years of event
//! history whose figures follow the published distributions in [`figures`]. Pure: it
//! hands batches of events to a sink and does no IO. The same (plans, seed, as-of)
//! always gives the same events.

mod area;
mod casework;
pub mod figures;
mod names;
mod plans;
mod registers;
pub mod rng;
pub mod waits;

use chrono::{Days, Months, NaiveDate};
use rng::Rng;
use sendscope_domain::codes::*;
use sendscope_domain::event::*;
use sendscope_domain::ids::*;
use sendscope_domain::sen::*;
use sendscope_domain::{Actor, Instant, NewEvent, StreamKind};

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    /// EHC plans in place at the end of the as-of day's calendar year, across all areas
    /// (on the as-of day itself a little fewer: the year's growth still to come).
    pub plans: u32,
    pub seed: u64,
    /// The last day of the history (England date). The history is made to the end of
    /// its calendar year and cut at this day, so every day of a year gives the same
    /// events before it: a finished year's figures do not change with the day the demo
    /// is built.
    pub as_of: NaiveDate,
    /// Events per batch handed to the sink (whole cases are never split).
    pub batch_events: usize,
}

/// Plans per generated area: above this, the demo becomes several areas (national scale
/// is ~150 areas of ~4,200 plans).
pub const PLANS_PER_AREA: u32 = 5_000;
/// Years of history before `as_of`.
pub const HISTORY_YEARS: u32 = 6;

/// A record the generator made that the service's own rules refuse: a fault in the
/// generator, never in the data it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the demo generator made a record the service refuses: {0}")]
pub struct Refused(pub String);

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
pub fn generate<E: From<Refused>>(
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
    /// The end of the history as it is made: 31 December of the as-of day's year.
    as_of: NaiveDate,
    /// The as-of day: nothing after it is kept.
    cut: NaiveDate,
    /// The areas set up so far: LA code and name.
    set_up: Vec<(String, String)>,
    /// The steps of the child's story being made, until it is told (`end_story`).
    story: Vec<NewEvent>,
    /// What the case being made kept by the cut.
    kept: Kept,
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

/// What a case kept by the cut: whether its record was opened, a plan made, the plan ended.
#[derive(Debug, Clone, Copy, Default)]
struct Kept {
    opened: bool,
    plan: bool,
    ended: bool,
}

impl Generator {
    fn new(spec: &DemoSpec) -> Self {
        let cut = spec.as_of;
        let as_of = NaiveDate::from_ymd_opt(chrono::Datelike::year(&cut), 12, 31).unwrap_or(cut);
        let start = as_of
            .checked_sub_months(Months::new(12 * HISTORY_YEARS))
            .unwrap_or(as_of);
        Generator {
            rng: Rng::new(spec.seed),
            as_of,
            cut,
            set_up: Vec::new(),
            story: Vec::new(),
            kept: Kept::default(),
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
        // Never recorded after the as-of day (the clamp takes no draw: the same draws
        // whatever the day).
        let d = (on + Days::new(lag)).min(self.cut).max(on.min(self.cut));
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
        let event = NewEvent {
            stream,
            area,
            body,
            actor,
            effective_date: on,
            reason: None,
            recorded_at,
        };
        if stream.kind == StreamKind::Case {
            self.story.push(event);
        } else if on <= self.cut {
            self.batch.push(event);
        }
    }

    /// The child's story told: its steps in the order of their dates (as a caseworker
    /// records them), kept up to the cut. A finished year's steps are then the same
    /// whatever the day of the cut.
    fn end_story(&mut self) {
        let mut story = std::mem::take(&mut self.story);
        // What happened before the record was opened (a plan brought in from the old
        // system) is recorded with the opening, in the order it was told.
        let opened = story.first().map(|e| e.effective_date);
        let when = |e: &NewEvent| opened.map_or(e.effective_date, |o| e.effective_date.max(o));
        story.sort_by_key(when);
        for e in story {
            if when(&e) > self.cut {
                break;
            }
            match &e.body {
                EventBody::CaseOpened(_) => self.kept.opened = true,
                EventBody::PlanRecorded(_) | EventBody::FinalPlanIssued(_) => self.kept.plan = true,
                EventBody::PlanCeased(_) | EventBody::TransferredOut(_) => self.kept.ended = true,
                _ => {}
            }
            self.batch.push(e);
        }
    }

    /// A member of the council's staff with a fictional name.
    fn staff_member(
        &mut self,
        area: AreaId,
        council: OrganisationId,
        team: Option<TeamId>,
        job: StaffJob,
        at: Option<Instant>,
    ) -> Result<StaffId, Refused> {
        let staff = StaffId::from_random_bits(self.next_bits());
        let name = self.person_name();
        let body = EventBody::StaffAdded(
            sendscope_domain::setup::new_staff(&name, council, team, job)
                .map_err(|e| Refused(e.to_string()))?,
        );
        self.push(
            StreamRef::staff(staff),
            area,
            "system:demo",
            self.start,
            body,
            at,
        );
        Ok(staff)
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

    fn pick_need(&mut self) -> NeedType {
        let i = self.rng.weighted(figures::NEED_MIX.iter().map(|(_, w)| *w));
        NeedType::parse(figures::NEED_MIX[i].0)
            .unwrap_or_else(|_| NeedType::all().next().expect("need list is not empty"))
    }

    fn sections(&mut self, given: &str, need: NeedType) -> PlanSections {
        let d = need.description().to_lowercase();
        PlanSections {
            a: format!("{given} likes music and wants friends."),
            b: d.clone(),
            c: "See health advice.".into(),
            d: "See social care advice.".into(),
            e: "Outcomes agreed with the family:".into(),
            f: "The provision below is made by the school or setting named in section I.".into(),
            g: "As section C.".into(),
            h1: String::new(),
            h2: "Short breaks.".into(),
            i: String::new(),
            j: String::new(),
            k: "Advice received.".into(),
            outcomes: vec![sendscope_domain::event::PlanOutcome {
                outcome: format!(
                    "{given} takes part fully in learning with friends of the same age"
                ),
                steps: "Joins in group work each day with an adult's help, then with less help."
                    .into(),
                by: None,
            }],
            provision: vec![
                sendscope_domain::event::ProvisionLine {
                    what: format!("Support from trained staff for {d}"),
                    how_often: "Daily, 15 hours a week".into(),
                    by_whom: "Teaching assistant trained by the SENCo".into(),
                },
                sendscope_domain::event::ProvisionLine {
                    what: "Review of progress with the family".into(),
                    how_often: "Termly, 1 hour".into(),
                    by_whom: "SENCo and class teacher".into(),
                },
            ],
        }
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

/// A plan naming one setting (and its provision) first.
fn named_first(
    (setting, provision, sen_unit, rp): (SettingRef, Option<ProvisionId>, bool, bool),
) -> Vec<NamedSetting> {
    vec![NamedSetting {
        starts_on: None,
        setting,
        provision,
        rank: 1,
        sen_unit,
        resourced_provision: rp,
    }]
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
            as_of: NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"),
            batch_events: 5_000,
        }
    }

    fn collect(s: &DemoSpec) -> (DemoSummary, Vec<NewEvent>) {
        let mut all = Vec::new();
        let summary = generate::<Refused>(s, &mut |b| {
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
        let s = generate::<Refused>(&spec(12_001, 1), &mut |b| {
            areas += b.iter().filter(|e| e.event_type_is("area.created")).count();
            Ok(())
        })
        .expect("ok");
        plans += s.plans_in_place;
        assert_eq!(areas, 3);
        assert_eq!(plans, 12_001);
    }

    /// No burst on the last day: the final plans issued on the as-of date are no more
    /// than on an ordinary day of the month before it.
    #[test]
    fn no_burst_of_plans_on_the_last_day() {
        let s = spec(3_000, 3);
        let (_, events) = collect(&s);
        let issued_on = |d: NaiveDate| {
            events
                .iter()
                .filter(|e| e.event_type_is("case.final_plan_issued") && e.effective_date == d)
                .count()
        };
        let last = issued_on(s.as_of);
        let month: usize = (1..=30)
            .map(|n| issued_on(s.as_of - chrono::Days::new(n)))
            .sum();
        let per_day = month as f64 / 30.0;
        assert!(
            (last as f64) <= 3.0 * per_day.max(1.0),
            "{last} plans issued on the last day against {per_day:.1} a day before it"
        );
    }

    /// A finished year's history is the same whichever day of the next year the demo is
    /// built: its figures do not change with the build day.
    #[test]
    fn a_finished_years_events_do_not_change_with_the_day_it_is_built() {
        let on = |m, d| DemoSpec {
            as_of: NaiveDate::from_ymd_opt(2026, m, d).expect("date"),
            ..spec(800, 5)
        };
        let (early, march) = collect(&on(3, 2));
        let (late, november) = collect(&on(11, 20));
        let by_2025 = |v: &[NewEvent]| -> Vec<NewEvent> {
            v.iter()
                .filter(|e| chrono::Datelike::year(&e.effective_date) <= 2025)
                .cloned()
                .collect()
        };
        assert!(by_2025(&march).len() > 10_000, "{}", by_2025(&march).len());
        let (a, b) = (by_2025(&march), by_2025(&november));
        if let Some(i) = (0..a.len().min(b.len())).find(|i| a[*i] != b[*i]) {
            panic!("event {i} of {} differs:\n{:?}\n{:?}", a.len(), a[i], b[i]);
        }
        assert_eq!(a.len(), b.len());
        // Later in the year: more history, more plans, nothing after the day.
        assert!(march.len() < november.len());
        assert!(early.plans_in_place < late.plans_in_place);
        // Near the year's end, near the year-end count asked for.
        assert!(
            (720..=880).contains(&late.plans_in_place),
            "{}",
            late.plans_in_place
        );
        for (events, spec) in [(&march, on(3, 2)), (&november, on(11, 20))] {
            assert!(events.iter().all(|e| e.effective_date <= spec.as_of));
            assert!(events.iter().all(|e| {
                e.recorded_at
                    .is_some_and(|r| r.england_date() <= spec.as_of)
            }));
        }
    }

    /// No two children share a UPN, even in the largest area (the SEN2 return's check
    /// P7 found the old formula repeating every 9,000 children).
    #[test]
    fn every_child_has_their_own_upn() {
        let (_, events) = collect(&spec(PLANS_PER_AREA, 4));
        let mut seen = std::collections::HashSet::new();
        let mut children = 0;
        for e in &events {
            if let EventBody::CaseOpened(o) = &e.body
                && let Some(u) = &o.child.upn
            {
                children += 1;
                assert!(seen.insert(u.to_string()), "{u} twice");
            }
        }
        assert!(children > 9_000, "{children}");
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
