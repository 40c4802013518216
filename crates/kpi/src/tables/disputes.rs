//! One row per dispute: the mediation held, the appeal registered, its decision and
//! outcome.

use super::{Keys, Scan, Table};
use crate::{Kpis, NONE, day};
use sendscope_domain::event::AppealOutcome;
use sendscope_domain::projection::CaseState;

#[derive(Default)]
pub(crate) struct Disputes {
    pub keys: Keys,
    pub mediation: Vec<i32>,
    pub appeal: Vec<i32>,
    pub decided: Vec<i32>,
    pub outcome: Vec<Option<AppealOutcome>>,
}

impl Table for Disputes {
    fn keys(&mut self) -> &mut Keys {
        &mut self.keys
    }
    fn push_own(&mut self) {
        self.mediation.push(NONE);
        self.appeal.push(NONE);
        self.decided.push(NONE);
        self.outcome.push(None);
    }
}

impl Disputes {
    /// Writes a case's disputes into its rows.
    pub fn upsert(&mut self, ci: usize, a: u32, c: &CaseState) {
        let rows = self.place(ci, c.disputes.len());
        for (d, &row) in c.disputes.iter().zip(&rows) {
            let row = row as usize;
            self.keys.set(row, ci, a);
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
        self.keys.by_case[ci] = rows;
    }

    /// Mediations held and those followed by an appeal; appeals registered (the appeal
    /// rate's numerator); appeals decided, by outcome.
    pub fn accumulate(&self, s: &Scan, k: &mut [Vec<Kpis>]) {
        s.each(&self.keys, |i, case, a| {
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
        });
    }
}
