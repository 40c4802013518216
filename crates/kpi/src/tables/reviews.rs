//! One row per annual review meeting held (not those only planned): the meeting and the
//! decision after it.

use super::{Keys, Scan, Table};
use crate::{Kpis, NONE, day};
use sendscope_domain::projection::CaseState;

#[derive(Default)]
pub(crate) struct Reviews {
    pub keys: Keys,
    pub meeting: Vec<i32>,
    pub decided: Vec<i32>,
}

impl Table for Reviews {
    fn keys(&mut self) -> &mut Keys {
        &mut self.keys
    }
    fn push_own(&mut self) {
        self.meeting.push(NONE);
        self.decided.push(NONE);
    }
}

impl Reviews {
    /// Writes a case's review meetings held into its rows.
    pub fn upsert(&mut self, ci: usize, a: u32, c: &CaseState) {
        let held: Vec<&sendscope_domain::projection::ReviewState> =
            c.reviews.iter().filter(|r| !r.planned).collect();
        let rows = self.place(ci, held.len());
        for (r, &row) in held.iter().zip(&rows) {
            let row = row as usize;
            self.keys.set(row, ci, a);
            self.meeting[row] = day(r.meeting_on);
            self.decided[row] = r.decided_on.map(day).unwrap_or(NONE);
        }
        self.keys.by_case[ci] = rows;
    }

    /// Reviews held; review decisions within 4 weeks and the days each took.
    pub fn accumulate(&self, s: &Scan, k: &mut [Vec<Kpis>]) {
        s.each(&self.keys, |i, case, a| {
            let (meeting, decided) = (self.meeting[i], self.decided[i]);
            if let Some(p) = s.which(meeting).filter(|p| s.ok(case, *p)) {
                k[p][a].reviews_held += 1;
            }
            if let Some(p) = s.which(decided).filter(|p| s.ok(case, *p)) {
                let x = &mut k[p][a];
                x.review_decisions_within_4_weeks.denominator += 1;
                x.review_decisions_within_4_weeks.numerator += u64::from(decided - meeting <= 28);
                x.step_days[3].push(decided - meeting);
            }
        });
    }
}
