//! The KPI engine. Each child's record is reduced to facts held in columns (one row per
//! request, one per plan), kept up to date as events are recorded (`upsert_case` with
//! the record after the event: a case's rows are rewritten in place, or retired and
//! appended when their number changes), and the measures are computed by scanning the
//! columns (`compute`). Recomputing from scratch is loading every record again.
//!
//! Definitions (DfE's, as in `domain::measures`):
//! - requests: requests for an EHC needs assessment received in the calendar year;
//! - decisions within 6 weeks: of requests decided (to assess or not) in the year, those
//!   decided within 42 days of receipt;
//! - new plans: final EHC plans issued in the year;
//! - within 20 weeks: of plans issued in the year, those issued within 140 days of the
//!   request; excluding exceptions, the same with the requests that have an exception
//!   recorded left out of both;
//! - plans in place at the year's end: plans started on or before 31 December and not
//!   ceased, replaced by a new plan or transferred to another area by then;
//! - plans ceased: plans whose cessation took effect in the period, by reason;
//! - quality: of plans issued in the period, those audited, by the grade of each plan's
//!   latest audit (before any later plan);
//! - reviews held: annual review meetings held in the period; review decisions within
//!   4 weeks: of decisions made in the period, those within 28 days of the meeting;
//! - the time each step took: request to decision, request to draft, draft to final,
//!   review meeting to decision, over the steps completed in the period;
//! - time to a final plan: days from request to final plan for plans issued in the year,
//!   median and 90th percentile by the nearest-rank method;
//! - statutory clocks (every time limit of `domain::clocks`, from each case's deadlines):
//!   of the deadlines falling due in the period, those met on time, met late, overdue
//!   and not yet due (on the day the figures are computed); and of the steps done in the
//!   period, the days each took from its trigger (median and 90th percentile). Annual
//!   reviews due and late, and phase transfers by their deadline, are two of these;
//! - disputes: mediations held in the period and, of them, those followed by an appeal;
//!   appeals registered in the period against the decisions that carried a right of
//!   appeal made in it (the appeal rate); appeals decided, by outcome;
//! - placements on the period's last day of children whose plan was in place, by the
//!   setting's type, with the annual cost (the provision's cost per place for the
//!   financial year containing that day: place funding, top-up, health and social care)
//!   where one is recorded; independent and non-maintained special school placements and
//!   their cost together.

mod measures;
mod snapshot;
mod tables;

pub use snapshot::{Covers, SnapshotError};

pub use measures::*;
pub mod trajectory;

use tables::Table as _;

use chrono::{Datelike, NaiveDate};
use sendscope_domain::event::{SettingRef, SettingType};
use sendscope_domain::ids::{AreaId, CaseId, ProvisionId, SettingId, StaffId, TeamId};
use sendscope_domain::projection::CaseState;
use sendscope_domain::sen::NeedType;
use std::collections::HashMap;

const NONE: i32 = i32::MIN;

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// The columns.
#[derive(Default)]
pub struct Engine {
    areas: Vec<AreaId>,
    area_ix: HashMap<AreaId, u32>,
    case_ix: HashMap<CaseId, u32>,
    case_ids: Vec<CaseId>,
    // Per case: what the figures are broken down by.
    case_need: Vec<u8>,
    case_team: Vec<u32>,
    case_worker: Vec<u32>,
    case_birth: Vec<i32>,
    /// Each area's cases (a case is listed under every area it has been in; its rows
    /// carry their area), so one area's figures read only its own rows.
    area_cases: Vec<Vec<u32>>,
    case_area: Vec<u32>,
    teams: Vec<TeamId>,
    team_ix: HashMap<TeamId, u32>,
    workers: Vec<StaffId>,
    worker_ix: HashMap<StaffId, u32>,
    /// Each member of staff's team now (a case's team is its caseworker's, unless the
    /// case records one of its own).
    staff_team: HashMap<StaffId, TeamId>,
    // The tables: a row a fact, each owning its columns and each case's rows.
    req: tables::requests::Requests,
    plans: tables::plans::Plans,
    reviews: tables::reviews::Reviews,
    clocks: tables::clocks::Clocks,
    disputes: tables::disputes::Disputes,
    placements: tables::placements::Placements,
    // Settings' types and provisions' costs (from their own records).
    setting_ix: HashMap<SettingId, u32>,
    setting_type: Vec<Option<SettingType>>,
    provision_ix: HashMap<ProvisionId, u32>,
    /// Per provision: (financial year it starts in, cost per place in pence), sorted.
    provision_cost: Vec<Vec<(i32, i64)>>,
    /// The day "overdue" and "not yet due" are judged on (today in England unless set).
    today: Option<NaiveDate>,
}

#[derive(Clone, Copy)]
struct ClockMeta {
    key: &'static str,
    step: &'static str,
    duty: bool,
    counts_back: bool,
}

/// The percentiles of the days to a final plan and of each step, once the days are in.
fn finish(k: &mut Kpis, days: &mut [i32], metas: &[ClockMeta]) {
    days.sort_unstable();
    k.median_days_to_final_plan = nearest_rank(days, 0.5);
    k.p90_days_to_final_plan = nearest_rank(days, 0.9);
    let [a, b, c, d] = &mut k.step_days;
    k.steps = StepTimes {
        request_to_decision: Percentiles::of(a),
        request_to_draft: Percentiles::of(b),
        draft_to_final: Percentiles::of(c),
        review_meeting_to_decision: Percentiles::of(d),
    };
    k.step_days = Default::default();
    let mut days = std::mem::take(&mut k.clock_days);
    let acc = std::mem::take(&mut k.clock_acc);
    for (i, meta) in metas.iter().enumerate() {
        let [due, on_time, late, overdue, not_yet] = acc.get(i).copied().unwrap_or_default();
        let mut d = days.get_mut(i).map(std::mem::take).unwrap_or_default();
        if due == 0 && d.is_empty() && !k.clocks.contains_key(meta.key) {
            continue;
        }
        let c = k.clocks.entry(meta.key).or_insert_with(|| ClockFigures {
            step: meta.step,
            duty: meta.duty,
            ..ClockFigures::default()
        });
        c.due += due;
        c.met_on_time += on_time;
        c.met_late += late;
        c.overdue += overdue;
        c.not_yet_due += not_yet;
        c.done = Percentiles::of(&mut d);
        if meta.counts_back {
            c.done.median_days = None;
            c.done.p90_days = None;
        }
    }
    for (t, [children, costed, cost]) in TYPES.iter().zip(std::mem::take(&mut k.place_acc)) {
        if children == 0 {
            continue;
        }
        let f = PlacementFigures {
            children: children as u64,
            costed: costed as u64,
            annual_cost_pence: cost,
        };
        k.placements
            .entry(setting_type_key(*t))
            .or_default()
            .add(&f);
        if is_independent(*t) {
            k.independent.add(&f);
        }
    }
}

/// Adds one area's clock, dispute and placement figures to the total (the days behind
/// the clocks' percentiles are added before).
fn merge(total: &mut Kpis, x: &Kpis) {
    for (key, c) in &x.clocks {
        let t = total.clocks.entry(key).or_insert_with(|| ClockFigures {
            step: c.step,
            duty: c.duty,
            ..ClockFigures::default()
        });
        t.due += c.due;
        t.met_on_time += c.met_on_time;
        t.met_late += c.met_late;
        t.overdue += c.overdue;
        t.not_yet_due += c.not_yet_due;
    }
    let (t, d) = (&mut total.disputes, &x.disputes);
    t.mediations_held += d.mediations_held;
    for (a, b) in [
        (
            &mut t.mediations_followed_by_appeal,
            d.mediations_followed_by_appeal,
        ),
        (&mut t.appeal_rate, d.appeal_rate),
    ] {
        a.numerator += b.numerator;
        a.denominator += b.denominator;
    }
    for (o, n) in &d.appeals_decided {
        *t.appeals_decided.entry(*o).or_default() += n;
    }
    for (ty, f) in &x.placements {
        total.placements.entry(ty).or_default().add(f);
    }
    total.independent.add(&x.independent);
}

/// Nearest rank: the value at rank ⌈p·n⌉ of the sorted values.
pub fn nearest_rank(sorted: &[i32], p: f64) -> Option<i32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    fn area(&mut self, a: AreaId) -> u32 {
        if let Some(i) = self.area_ix.get(&a) {
            return *i;
        }
        self.areas.push(a);
        self.area_cases.push(Vec::new());
        let i = self.areas.len() as u32 - 1;
        self.area_ix.insert(a, i);
        i
    }

    /// Records a member of staff's team (from their staff record), for the team filter.
    pub fn set_staff_team(&mut self, staff: StaffId, team: Option<TeamId>) {
        match team {
            Some(t) => {
                self.staff_team.insert(staff, t);
            }
            None => {
                self.staff_team.remove(&staff);
            }
        }
    }

    /// Records a setting's type (from its register record), for placements by type.
    pub fn set_setting_type(&mut self, setting: SettingId, t: Option<SettingType>) {
        let i = self.setting(setting) as usize;
        self.setting_type[i] = t;
    }

    /// Records a provision's cost per place for each financial year (pence, every
    /// funder together), for the annual cost of placements.
    pub fn set_provision_costs(&mut self, provision: ProvisionId, costs: Vec<(i32, i64)>) {
        let i = self.provision(provision) as usize;
        let mut costs = costs;
        costs.sort_unstable();
        self.provision_cost[i] = costs;
    }

    /// Fixes the day overdue and not-yet-due deadlines are judged on (else today).
    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = Some(today);
    }

    /// The day deadlines are judged on, as a day number.
    fn today(&self) -> i32 {
        day(self
            .today
            .unwrap_or_else(sendscope_domain::calendar::england_today))
    }

    fn setting(&mut self, s: SettingId) -> u32 {
        if let Some(i) = self.setting_ix.get(&s) {
            return *i;
        }
        self.setting_type.push(None);
        let i = self.setting_type.len() as u32 - 1;
        self.setting_ix.insert(s, i);
        i
    }

    fn provision(&mut self, p: ProvisionId) -> u32 {
        if let Some(i) = self.provision_ix.get(&p) {
            return *i;
        }
        self.provision_cost.push(Vec::new());
        let i = self.provision_cost.len() as u32 - 1;
        self.provision_ix.insert(p, i);
        i
    }

    /// Cases held.
    pub fn cases(&self) -> usize {
        self.case_ix.len()
    }

    /// Request and plan rows held (live and retired).
    pub fn rows(&self) -> (usize, usize) {
        (self.req.keys.alive.len(), self.plans.keys.alive.len())
    }

    /// The bytes a full recompute reads: every column of every table, every row (live
    /// and retired: the scan reads each row's liveness, and the rest of a live one).
    pub fn bytes_scanned(&self) -> u64 {
        use std::mem::size_of;
        let keys = |k: &tables::Keys| (k.alive.len() * (1 + 4 + 4)) as u64;
        let rows = |n: usize, per: usize| (n * per) as u64;
        let (r, p, v, c, d, pl) = (
            &self.req,
            &self.plans,
            &self.reviews,
            &self.clocks,
            &self.disputes,
            &self.placements,
        );
        keys(&r.keys)
            + rows(
                r.received.len(),
                4 * 4 + 1 + size_of::<Option<sendscope_domain::qa::QaGrade>>(),
            )
            + keys(&p.keys)
            + rows(
                p.start.len(),
                3 * 4 + size_of::<Option<sendscope_domain::sen::CeaseReason>>(),
            )
            + keys(&v.keys)
            + rows(v.meeting.len(), 2 * 4)
            + keys(&c.keys)
            + rows(c.key.len(), 1 + 3 * 4)
            + keys(&d.keys)
            + rows(
                d.mediation.len(),
                3 * 4 + size_of::<Option<sendscope_domain::event::AppealOutcome>>(),
            )
            + keys(&pl.keys)
            + rows(pl.start.len(), 4 * 4)
    }

    /// Deadline, dispute and placement rows held (live and retired).
    pub fn other_rows(&self) -> (usize, usize, usize) {
        (
            self.clocks.keys.alive.len(),
            self.disputes.keys.alive.len(),
            self.placements.keys.alive.len(),
        )
    }

    /// Review rows held (live and retired).
    pub fn review_rows(&self) -> usize {
        self.reviews.keys.alive.len()
    }

    /// Brings one case's facts up to date with its record.
    pub fn upsert_case(&mut self, id: CaseId, area: AreaId, c: &CaseState) {
        let a = self.area(area);
        let ci = match self.case_ix.get(&id) {
            Some(i) => *i as usize,
            None => {
                self.case_ix.insert(id, self.case_ids.len() as u32);
                self.case_ids.push(id);
                self.req.new_case();
                self.plans.new_case();
                self.reviews.new_case();
                self.clocks.new_case();
                self.disputes.new_case();
                self.placements.new_case();
                self.case_need.push(u8::MAX);
                self.case_team.push(u32::MAX);
                self.case_worker.push(u32::MAX);
                self.case_birth.push(NONE);
                self.case_area.push(u32::MAX);
                self.case_ids.len() - 1
            }
        };
        if self.case_area[ci] != a {
            self.case_area[ci] = a;
            let list = &mut self.area_cases[a as usize];
            if !list.contains(&(ci as u32)) {
                list.push(ci as u32);
            }
        }
        // What the figures break down by: the plan's primary need (else the latest
        // request's is unknown), the team and caseworker now, the birth date.
        self.case_need[ci] = c
            .plan
            .as_ref()
            .and_then(|p| p.needs.iter().min_by_key(|n| n.rank))
            .and_then(|n| NeedType::all().position(|x| x == n.need))
            .map(|i| i as u8)
            .unwrap_or(u8::MAX);
        self.case_team[ci] = match c.team {
            Some(t) => *self.team_ix.entry(t).or_insert_with(|| {
                self.teams.push(t);
                self.teams.len() as u32 - 1
            }),
            None => u32::MAX,
        };
        self.case_worker[ci] = match c.caseworker {
            Some(w) => *self.worker_ix.entry(w).or_insert_with(|| {
                self.workers.push(w);
                self.workers.len() as u32 - 1
            }),
            None => u32::MAX,
        };
        self.case_birth[ci] = c.child.as_ref().map(|x| day(x.birth_date)).unwrap_or(NONE);
        self.req.upsert(ci, a, c);
        self.plans.upsert(ci, a, c);
        self.reviews.upsert(ci, a, c);
        // Statutory deadlines. A record the clocks cannot read (a date beyond the
        // calendar) has none.
        let deadlines =
            sendscope_domain::clocks::case_deadlines(c, NaiveDate::MIN).unwrap_or_default();
        self.clocks.upsert(ci, a, &deadlines);
        self.disputes.upsert(ci, a, c);
        // Placements.
        let placed: Vec<tables::placements::Placed> = c
            .placements
            .iter()
            .map(|p| {
                let setting = match p.setting {
                    SettingRef::Setting(s) => self.setting(s),
                    SettingRef::Code(_) | SettingRef::Urn(_) | SettingRef::Ukprn(_) => u32::MAX,
                };
                let provision = p.provision.map(|x| self.provision(x)).unwrap_or(u32::MAX);
                (
                    day(p.start),
                    p.end.map(day).unwrap_or(i32::MAX),
                    setting,
                    provision,
                )
            })
            .collect();
        self.placements.upsert(ci, a, &placed);
    }

    /// Every measure for a calendar year, for one area or (None) all of them together.
    pub fn compute(&self, area: Option<AreaId>, year: i32) -> Kpis {
        match Period::calendar_year(year) {
            Some(p) => self.compute_in(area, &p, &Filter::default()),
            None => Kpis::default(),
        }
    }

    /// Every measure over a period for the children a filter chooses, for one area or
    /// (None) all of them together.
    pub fn compute_in(&self, area: Option<AreaId>, period: &Period, filter: &Filter) -> Kpis {
        match area {
            None => self.compute_all_in(period, filter).1,
            // One area: only its rows are counted.
            Some(a) => self
                .compute_series(a, std::slice::from_ref(period), filter)
                .pop()
                .unwrap_or_default(),
        }
    }

    /// Every measure for a calendar year for every area at once.
    pub fn compute_all(&self, year: i32) -> (Vec<(AreaId, Kpis)>, Kpis) {
        match Period::calendar_year(year) {
            Some(p) => self.compute_all_in(&p, &Filter::default()),
            None => (Vec::new(), Kpis::default()),
        }
    }

    /// Whether a case is one the filter chooses, at the end of the period.
    fn chosen(&self, case: usize, filter: &Filter, end: i32) -> bool {
        if let Some(n) = filter.need
            && NeedType::all().position(|x| x == n).map(|i| i as u8) != Some(self.case_need[case])
        {
            return false;
        }
        if let Some(t) = filter.team {
            let own = self.team_ix.get(&t) == Some(&self.case_team[case]);
            let worker = self.case_worker[case];
            let via_caseworker = self.case_team[case] == u32::MAX
                && worker != u32::MAX
                && self.staff_team.get(&self.workers[worker as usize]) == Some(&t);
            if !own && !via_caseworker {
                return false;
            }
        }
        if let Some(w) = filter.caseworker
            && self.worker_ix.get(&w) != Some(&self.case_worker[case])
        {
            return false;
        }
        if let Some(g) = filter.age {
            let birth = self.case_birth[case];
            if birth == NONE || AgeGroup::of(age_between(birth, end)) != Some(g) {
                return false;
            }
        }
        true
    }

    /// Every measure over a period for every area at once (one pass over the columns),
    /// and for all of them together: `(per area, total)`.
    pub fn compute_all_in(&self, period: &Period, filter: &Filter) -> (Vec<(AreaId, Kpis)>, Kpis) {
        self.compute_all_series(std::slice::from_ref(period), filter)
            .pop()
            .unwrap_or_default()
    }

    /// Every measure over each of several periods (sorted, not overlapping) for every
    /// area and for all together, in one pass over the columns.
    #[allow(clippy::type_complexity)]
    pub fn compute_all_series(
        &self,
        periods: &[Period],
        filter: &Filter,
    ) -> Vec<(Vec<(AreaId, Kpis)>, Kpis)> {
        let (k, days) = self.accumulate(periods, filter, None);
        k.into_iter()
            .zip(days)
            .zip(periods)
            .map(|((k, days), period)| self.totals(period, k, days))
            .collect()
    }

    /// One period's per-area counts finished, and their total.
    fn totals(
        &self,
        period: &Period,
        mut k: Vec<Kpis>,
        mut days: Vec<Vec<i32>>,
    ) -> (Vec<(AreaId, Kpis)>, Kpis) {
        let mut total = Kpis {
            period: period.label.clone(),
            ..Kpis::default()
        };
        let mut all_days = Vec::new();
        total.clock_days = vec![Vec::new(); self.clocks.rules.len()];
        for (x, d) in k.iter_mut().zip(days.iter_mut()) {
            for (t, s) in total.step_days.iter_mut().zip(&x.step_days) {
                t.extend_from_slice(s);
            }
            for (t, s) in total.clock_days.iter_mut().zip(&x.clock_days) {
                t.extend_from_slice(s);
            }
            finish(x, d, &self.clocks.rules);
            merge(&mut total, x);
            total.requests += x.requests;
            total.new_plans += x.new_plans;
            total.exception_cases += x.exception_cases;
            total.reviews_held += x.reviews_held;
            total.quality.audited += x.quality.audited;
            total.quality.good_or_better += x.quality.good_or_better;
            for (g, n) in &x.quality.by_grade {
                *total.quality.by_grade.entry(*g).or_default() += n;
            }
            total.plans_in_place_at_end += x.plans_in_place_at_end;
            for (r, n) in &x.ceased {
                *total.ceased.entry(*r).or_default() += n;
            }
            for (t, s) in [
                (
                    &mut total.decisions_within_6_weeks,
                    x.decisions_within_6_weeks,
                ),
                (&mut total.within_20_weeks, x.within_20_weeks),
                (
                    &mut total.review_decisions_within_4_weeks,
                    x.review_decisions_within_4_weeks,
                ),
                (
                    &mut total.within_20_weeks_excluding_exceptions,
                    x.within_20_weeks_excluding_exceptions,
                ),
            ] {
                t.numerator += s.numerator;
                t.denominator += s.denominator;
            }
            all_days.extend_from_slice(d);
        }
        finish(&mut total, &mut all_days, &self.clocks.rules);
        (self.areas.iter().copied().zip(k).collect(), total)
    }

    /// Every measure for one area over each of several periods (sorted, not
    /// overlapping), in one pass over the columns: the dashboard's trend.
    pub fn compute_series(&self, area: AreaId, periods: &[Period], filter: &Filter) -> Vec<Kpis> {
        let Some(&a) = self.area_ix.get(&area) else {
            return periods
                .iter()
                .map(|p| Kpis {
                    period: p.label.clone(),
                    ..Kpis::default()
                })
                .collect();
        };
        let (k, days) = self.accumulate(periods, filter, Some(a));
        k.into_iter()
            .zip(days)
            .map(|(mut per_area, mut d)| {
                let (mut x, mut d) = (per_area.swap_remove(a as usize), d.swap_remove(a as usize));
                finish(&mut x, &mut d, &self.clocks.rules);
                x
            })
            .collect()
    }

    /// The counts for each period (sorted, not overlapping) and area, and each one's
    /// days from request to final plan: `[period][area]`. With `only`, rows of other
    /// areas are passed over.
    #[allow(clippy::type_complexity)]
    fn accumulate(
        &self,
        periods: &[Period],
        filter: &Filter,
        only: Option<u32>,
    ) -> (Vec<Vec<Kpis>>, Vec<Vec<Vec<i32>>>) {
        let bounds: Vec<(i32, i32)> = periods.iter().map(|p| (day(p.from), day(p.to))).collect();
        let any = *filter == Filter::default();
        let n = self.areas.len();
        let mut k: Vec<Vec<Kpis>> = periods
            .iter()
            .map(|p| {
                vec![
                    Kpis {
                        period: p.label.clone(),
                        ..Kpis::default()
                    };
                    n
                ]
            })
            .collect();
        let mut days: Vec<Vec<Vec<i32>>> = vec![vec![Vec::new(); n]; periods.len()];
        let scan = tables::Scan {
            periods: tables::Periods::new(&bounds),
            bounds,
            filter,
            any,
            only,
            engine: self,
        };
        self.req.accumulate(&scan, &mut k, &mut days);
        self.plans.accumulate(&scan, &mut k);
        self.reviews.accumulate(&scan, &mut k);
        self.clocks.accumulate(&scan, &mut k, self.today());
        self.disputes.accumulate(&scan, &mut k);
        // Each setting's place in `TYPES`, and the financial year of each period's end.
        let type_ix: Vec<u8> = self
            .setting_type
            .iter()
            .map(|t| TYPES.iter().position(|x| x == t).unwrap_or(0) as u8)
            .collect();
        let fy: Vec<i32> = periods
            .iter()
            .map(|p| sendscope_domain::codes::FinancialYear::containing(p.to).start_year())
            .collect();
        self.placements.accumulate(
            &scan,
            &mut k,
            &self.plans,
            &type_ix,
            &fy,
            &self.provision_cost,
        );
        (k, days)
    }

    /// The children behind a figure: the cases counted in `measure` for an area over a
    /// period, each once, in the order of their records.
    pub fn cases_behind(
        &self,
        area: AreaId,
        period: &Period,
        filter: &Filter,
        measure: Behind,
    ) -> Vec<CaseId> {
        let Some(&a) = self.area_ix.get(&area) else {
            return Vec::new();
        };
        let (from, to) = (day(period.from), day(period.to));
        let in_period = |d: i32| d != NONE && d >= from && d <= to;
        let any = *filter == Filter::default();
        let mut seen = vec![false; self.case_ids.len()];
        let mut out = Vec::new();
        let mut take = |case: u32, out: &mut Vec<CaseId>| {
            if !seen[case as usize] {
                seen[case as usize] = true;
                out.push(self.case_ids[case as usize]);
            }
        };
        match measure {
            Behind::Requests
            | Behind::DecidedLate
            | Behind::PlansIssued
            | Behind::PlansLate
            | Behind::ExceptionCases => {
                for i in 0..self.req.keys.alive.len() {
                    if !self.req.keys.alive[i] || self.req.keys.area[i] != a {
                        continue;
                    }
                    let case = self.req.keys.case[i];
                    if !any && !self.chosen(case as usize, filter, to) {
                        continue;
                    }
                    let (received, decided, fin) = (
                        self.req.received[i],
                        self.req.decided[i],
                        self.req.final_issued[i],
                    );
                    let hit = match measure {
                        Behind::Requests => in_period(received),
                        Behind::DecidedLate => in_period(decided) && decided - received > 42,
                        Behind::PlansIssued => in_period(fin),
                        Behind::PlansLate => in_period(fin) && fin - received > 140,
                        _ => in_period(fin) && self.req.exception[i],
                    };
                    if hit {
                        take(case, &mut out);
                    }
                }
            }
            Behind::PlansInPlace | Behind::Ceased => {
                for i in 0..self.plans.keys.alive.len() {
                    if !self.plans.keys.alive[i] || self.plans.keys.area[i] != a {
                        continue;
                    }
                    let case = self.plans.keys.case[i];
                    if !any && !self.chosen(case as usize, filter, to) {
                        continue;
                    }
                    let hit = match measure {
                        Behind::PlansInPlace => self.plans.start[i] <= to && self.plans.end[i] > to,
                        _ => in_period(self.plans.ceased_on[i]),
                    };
                    if hit {
                        take(case, &mut out);
                    }
                }
            }
            Behind::ReviewsLate | Behind::PhaseTransfersLate => {
                let today = self.today();
                for i in 0..self.clocks.keys.alive.len() {
                    if !self.clocks.keys.alive[i] || self.clocks.keys.area[i] != a {
                        continue;
                    }
                    let key = self.clocks.rules[self.clocks.key[i] as usize].key;
                    let wanted = match measure {
                        Behind::ReviewsLate => key == "annual_review",
                        _ => key.starts_with("phase_transfer"),
                    };
                    let (due, done) = (self.clocks.due[i], self.clocks.done[i]);
                    let late = if done == NONE {
                        due < today
                    } else {
                        done > due
                    };
                    let case = self.clocks.keys.case[i];
                    if wanted
                        && in_period(due)
                        && late
                        && (any || self.chosen(case as usize, filter, to))
                    {
                        take(case, &mut out);
                    }
                }
            }
            Behind::Appeals => {
                for i in 0..self.disputes.keys.alive.len() {
                    let case = self.disputes.keys.case[i];
                    if self.disputes.keys.alive[i]
                        && self.disputes.keys.area[i] == a
                        && in_period(self.disputes.appeal[i])
                        && (any || self.chosen(case as usize, filter, to))
                    {
                        take(case, &mut out);
                    }
                }
            }
        }
        out
    }

    /// The areas the engine has seen.
    pub fn areas(&self) -> &[AreaId] {
        &self.areas
    }
}

/// The teams and caseworkers the engine has seen (for filters).
impl Engine {
    pub fn teams(&self) -> &[TeamId] {
        &self.teams
    }
    pub fn caseworkers(&self) -> &[StaffId] {
        &self.workers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_ceiling_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&v, 0.5), Some(5));
        assert_eq!(nearest_rank(&v, 0.9), Some(9));
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[1, 2, 3], 0.5), Some(2));
    }
}

#[cfg(test)]
mod incremental {
    /// A case's facts follow its record: a decision added updates the row in place; a
    /// second request adds a row and retires none of the figures; per-area and total
    /// figures agree.
    #[test]
    fn a_case_updated_after_each_event() {
        use super::*;
        use sendscope_domain::event::AssessDecision;
        use sendscope_domain::projection::RequestState;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let request = |n: u32, on: &str| -> RequestState {
            serde_json::from_value(serde_json::json!({
                "request": n, "received_on": on, "requested_by": "parent"
            }))
            .expect("request")
        };
        let mut e = Engine::new();
        let (id, area, other) = (
            CaseId::new_random(),
            AreaId::new_random(),
            AreaId::new_random(),
        );
        let mut c = CaseState::default();
        c.requests.push(request(1, "2024-01-10"));
        e.upsert_case(id, area, &c);
        e.upsert_case(CaseId::new_random(), other, &c);
        assert_eq!(e.compute(Some(area), 2024).requests, 1);
        assert_eq!(
            e.compute(Some(area), 2024)
                .decisions_within_6_weeks
                .denominator,
            0
        );
        c.requests[0].decision = Some(AssessDecision::Assess);
        c.requests[0].decided_on = Some(d("2024-02-21"));
        e.upsert_case(id, area, &c);
        assert_eq!(e.rows().0, 2, "rewritten in place");
        let k = e.compute(Some(area), 2024);
        assert_eq!(
            (
                k.decisions_within_6_weeks.numerator,
                k.decisions_within_6_weeks.denominator
            ),
            (1, 1)
        );
        c.requests[0].decided_on = Some(d("2024-02-22"));
        e.upsert_case(id, area, &c);
        assert_eq!(
            e.compute(Some(area), 2024)
                .decisions_within_6_weeks
                .numerator,
            0,
            "43 days"
        );
        c.requests.push(request(2, "2024-06-01"));
        e.upsert_case(id, area, &c);
        assert_eq!(e.rows().0, 4, "one retired, two added");
        assert_eq!(e.compute(Some(area), 2024).requests, 2);
        assert_eq!(e.compute(None, 2024).requests, 3);
        assert_eq!(e.compute(Some(AreaId::new_random()), 2024).requests, 0);
        // A series in one pass equals each period on its own, with or without a filter.
        let months: Vec<Period> = (1..=12).filter_map(|m| Period::month(2024, m)).collect();
        for f in [
            Filter::default(),
            Filter {
                age: Some(AgeGroup::From5To10),
                ..Filter::default()
            },
        ] {
            let series = e.compute_series(area, &months, &f);
            let each: Vec<Kpis> = months
                .iter()
                .map(|p| e.compute_in(Some(area), p, &f))
                .collect();
            assert_eq!(series, each);
        }
    }
}

#[cfg(test)]
mod selection {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Percentiles by selection equal the nearest rank of the sorted values.
        #[test]
        fn selection_equals_sorting(mut v in proptest::collection::vec(-50i32..400, 0..60)) {
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let p = Percentiles::of(&mut v);
            prop_assert_eq!(p.completed, sorted.len() as u64);
            prop_assert_eq!(p.median_days, nearest_rank(&sorted, 0.5));
            prop_assert_eq!(p.p90_days, nearest_rank(&sorted, 0.9));
        }
    }
}
