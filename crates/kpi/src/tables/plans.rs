//! One row per plan, current and earlier: when it began, when it ended (ceased, replaced
//! by the next plan, or the child moved to another area) and why it was ceased.

use super::{Keys, Scan, Table};
use crate::{Kpis, NONE, day};
use sendscope_domain::projection::CaseState;
use sendscope_domain::sen::CeaseReason;

#[derive(Default)]
pub(crate) struct Plans {
    pub keys: Keys,
    pub start: Vec<i32>,
    pub end: Vec<i32>,
    pub ceased_on: Vec<i32>,
    pub ceased_reason: Vec<Option<CeaseReason>>,
}

impl Table for Plans {
    fn keys(&mut self) -> &mut Keys {
        &mut self.keys
    }
    fn push_own(&mut self) {
        self.start.push(NONE);
        self.end.push(NONE);
        self.ceased_on.push(NONE);
        self.ceased_reason.push(None);
    }
}

impl Plans {
    /// Writes a case's plans into its rows: earlier ones end where the next begins,
    /// unless ceased.
    pub fn upsert(&mut self, ci: usize, a: u32, c: &CaseState) {
        let mut spans: Vec<(i32, i32, i32, Option<CeaseReason>)> = Vec::new();
        let all: Vec<&sendscope_domain::projection::PlanState> =
            c.earlier_plans.iter().chain(c.plan.as_ref()).collect();
        let current = all.len().saturating_sub(1);
        for (k, p) in all.iter().enumerate() {
            let next = all.get(k + 1).map(|n| day(n.start));
            // A plan ends when it is ceased, when the next plan replaces it, or (the
            // current one) when the child moves to another area's care.
            let moved = c
                .transferred_out
                .as_ref()
                .filter(|t| k == current && t.on >= p.start)
                .map(|t| day(t.on));
            let end = [p.ceased.as_ref().map(|x| day(x.on)), next, moved]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(i32::MAX);
            spans.push((
                day(p.start),
                end,
                p.ceased.as_ref().map(|x| day(x.on)).unwrap_or(NONE),
                p.ceased.as_ref().map(|x| x.reason),
            ));
        }
        let rows = self.place(ci, spans.len());
        for ((start, end, ceased_on, reason), &row) in spans.iter().zip(&rows) {
            let row = row as usize;
            self.ceased_on[row] = *ceased_on;
            self.ceased_reason[row] = *reason;
            self.keys.set(row, ci, a);
            self.start[row] = *start;
            self.end[row] = *end;
        }
        self.keys.by_case[ci] = rows;
    }

    /// Whether a case had a plan in place at the end of day `to`.
    pub fn in_place(&self, case: u32, to: i32) -> bool {
        self.keys.by_case[case as usize].iter().any(|&r| {
            let r = r as usize;
            self.keys.alive[r] && self.start[r] <= to && self.end[r] > to
        })
    }

    /// Plans in place at each period's end; plans ceased, by reason.
    pub fn accumulate(&self, s: &Scan, k: &mut [Vec<Kpis>]) {
        s.each(&self.keys, |i, case, a| {
            for (p, (_, to)) in s.bounds.iter().enumerate() {
                if self.start[i] <= *to && self.end[i] > *to && s.ok(case, p) {
                    k[p][a].plans_in_place_at_end += 1;
                }
            }
            if let Some(p) = s.which(self.ceased_on[i]).filter(|p| s.ok(case, *p))
                && let Some(r) = self.ceased_reason[i]
            {
                *k[p][a].ceased.entry(r).or_default() += 1;
            }
        });
    }
}
