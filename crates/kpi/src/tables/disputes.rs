//! One row per dispute: the mediation held, the appeal registered, its decision and
//! outcome.

use super::{Scan, Table, visit};
use crate::{Kpis, NONE, day};
use sendscope_domain::event::AppealOutcome;
use sendscope_domain::projection::CaseState;

#[derive(Default)]
pub(crate) struct Disputes {
    pub by_case: Vec<Vec<u32>>,
    pub alive: Vec<bool>,
    pub case: Vec<u32>,
    pub area: Vec<u32>,
    pub mediation: Vec<i32>,
    pub appeal: Vec<i32>,
    pub decided: Vec<i32>,
    pub outcome: Vec<Option<AppealOutcome>>,
}

impl Table for Disputes {
    fn retire(&mut self, row: usize) {
        self.alive[row] = false;
    }
    fn push_empty(&mut self) -> u32 {
        self.alive.push(false);
        self.case.push(0);
        self.area.push(0);
        self.mediation.push(NONE);
        self.appeal.push(NONE);
        self.decided.push(NONE);
        self.outcome.push(None);
        self.alive.len() as u32 - 1
    }
    fn by_case(&mut self) -> &mut Vec<Vec<u32>> {
        &mut self.by_case
    }
}

impl Disputes {
    /// Writes a case's disputes into its rows.
    pub fn upsert(&mut self, ci: usize, a: u32, c: &CaseState) {
        let rows = self.place(ci, c.disputes.len());
        for (d, &row) in c.disputes.iter().zip(&rows) {
            let row = row as usize;
            self.alive[row] = true;
            self.case[row] = ci as u32;
            self.area[row] = a;
            self.mediation[row] = match (d.mediation_took_place, d.mediation_on) {
                (Some(true), Some(on)) => day(on),
                _ => NONE,
            };
            self.appeal[row] = d.appeal_on.map(day).unwrap_or(NONE);
            self.decided[row] = match (d.decided_on, d.outcome) {
                (Some(on), Some(_)) => day(on),
                _ => NONE,
            };
            self.outcome[row] = d.outcome;
        }
        self.by_case[ci] = rows;
    }

    /// Mediations held and those followed by an appeal; appeals registered (the appeal
    /// rate's numerator); appeals decided, by outcome.
    pub fn accumulate(&self, s: &Scan, k: &mut [Vec<Kpis>]) {
        let rows = s.rows(&self.by_case);
        for i in visit(&rows, self.alive.len()) {
            let a = self.area[i];
            if s.skip(self.alive[i], a) {
                continue;
            }
            let (case, a) = (self.case[i], a as usize);
            let (mediation, appeal) = (self.mediation[i], self.appeal[i]);
            if let Some(p) = s.which(mediation).filter(|p| s.ok(case, *p)) {
                let d = &mut k[p][a].disputes;
                d.mediations_held += 1;
                d.mediations_followed_by_appeal.denominator += 1;
                d.mediations_followed_by_appeal.numerator += u64::from(appeal != NONE);
            }
            if let Some(p) = s.which(appeal).filter(|p| s.ok(case, *p)) {
                k[p][a].disputes.appeal_rate.numerator += 1;
            }
            if let Some(p) = s.which(self.decided[i]).filter(|p| s.ok(case, *p))
                && let Some(o) = self.outcome[i]
            {
                *k[p][a].disputes.appeals_decided.entry(o).or_default() += 1;
            }
        }
    }
}
