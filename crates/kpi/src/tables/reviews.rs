//! One row per annual review meeting held (not those only planned): the meeting and the
//! decision after it.

use super::{Scan, Table, visit};
use crate::{Kpis, NONE, day};
use sendscope_domain::projection::CaseState;

#[derive(Default)]
pub(crate) struct Reviews {
    pub by_case: Vec<Vec<u32>>,
    pub alive: Vec<bool>,
    pub case: Vec<u32>,
    pub area: Vec<u32>,
    pub meeting: Vec<i32>,
    pub decided: Vec<i32>,
}

impl Table for Reviews {
    fn retire(&mut self, row: usize) {
        self.alive[row] = false;
    }
    fn push_empty(&mut self) -> u32 {
        self.alive.push(false);
        self.case.push(0);
        self.area.push(0);
        self.meeting.push(NONE);
        self.decided.push(NONE);
        self.alive.len() as u32 - 1
    }
    fn by_case(&mut self) -> &mut Vec<Vec<u32>> {
        &mut self.by_case
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
            self.alive[row] = true;
            self.case[row] = ci as u32;
            self.area[row] = a;
            self.meeting[row] = day(r.meeting_on);
            self.decided[row] = r.decided_on.map(day).unwrap_or(NONE);
        }
        self.by_case[ci] = rows;
    }

    /// Reviews held; review decisions within 4 weeks and the days each took.
    pub fn accumulate(&self, s: &Scan, k: &mut [Vec<Kpis>]) {
        let rows = s.rows(&self.by_case);
        for i in visit(&rows, self.alive.len()) {
            let a = self.area[i];
            if s.skip(self.alive[i], a) {
                continue;
            }
            let (case, a) = (self.case[i], a as usize);
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
        }
    }
}
