//! One row per placement: where (setting and provision), from when, to when.

use super::plans::Plans;
use super::{Keys, Scan, Table};
use crate::{Kpis, NONE};

#[derive(Default)]
pub(crate) struct Placements {
    pub keys: Keys,
    pub start: Vec<i32>,
    pub end: Vec<i32>,
    pub setting: Vec<u32>,
    pub provision: Vec<u32>,
}

impl Table for Placements {
    fn keys(&mut self) -> &mut Keys {
        &mut self.keys
    }
    fn push_own(&mut self) {
        self.start.push(NONE);
        self.end.push(NONE);
        self.setting.push(u32::MAX);
        self.provision.push(u32::MAX);
    }
}

/// A placement as the engine keeps it: start and end days, the setting's and the
/// provision's numbers (`u32::MAX` for none).
pub(crate) type Placed = (i32, i32, u32, u32);

impl Placements {
    /// Writes a case's placements into its rows.
    pub fn upsert(&mut self, ci: usize, a: u32, placed: &[Placed]) {
        let rows = self.place(ci, placed.len());
        for ((start, end, setting, provision), &row) in placed.iter().zip(&rows) {
            let row = row as usize;
            self.keys.set(row, ci, a);
            self.start[row] = *start;
            self.end[row] = *end;
            self.setting[row] = *setting;
            self.provision[row] = *provision;
        }
        self.keys.by_case[ci] = rows;
    }

    /// On each period's last day, children placed whose plan was in place, by the type of
    /// setting (`type_ix`: each setting's place in `TYPES`), with the annual cost where
    /// the provision has one for the financial year containing that day (`fy`).
    pub fn accumulate(
        &self,
        s: &Scan,
        k: &mut [Vec<Kpis>],
        plans: &Plans,
        type_ix: &[u8],
        fy: &[i32],
        costs: &[Vec<(i32, i64)>],
    ) {
        s.each(&self.keys, |i, case, a| {
            for (p, (_, to)) in s.bounds.iter().enumerate() {
                if self.start[i] > *to
                    || self.end[i] <= *to
                    || !s.ok(case, p)
                    || !plans.in_place(case, *to)
                {
                    continue;
                }
                let t = type_ix.get(self.setting[i] as usize).copied().unwrap_or(0);
                let cost = costs
                    .get(self.provision[i] as usize)
                    .and_then(|c| c.iter().find(|(y, _)| *y == fy[p]).map(|(_, c)| *c));
                let x = &mut k[p][a].place_acc[t as usize];
                x[0] += 1;
                x[1] += i64::from(cost.is_some());
                x[2] += cost.unwrap_or(0);
            }
        });
    }
}
