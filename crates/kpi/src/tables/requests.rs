//! One row per request for an EHC needs assessment: received, decided, draft and final
//! plan, whether an exception applies, and the grade of the plan's latest audit.

use super::{Keys, Scan, Table};
use crate::{Kpis, NONE, day};
use sendscope_domain::event::AssessDecision;
use sendscope_domain::projection::CaseState;
use sendscope_domain::qa::QaGrade;

#[derive(Default)]
pub(crate) struct Requests {
    pub keys: Keys,
    pub received: Vec<i32>,
    pub decided: Vec<i32>,
    pub final_issued: Vec<i32>,
    pub draft: Vec<i32>,
    pub exception: Vec<bool>,
    /// The grade of the latest audit of the plan issued for the request.
    pub grade: Vec<Option<QaGrade>>,
}

impl Table for Requests {
    fn keys(&mut self) -> &mut Keys {
        &mut self.keys
    }
    fn push_own(&mut self) {
        self.received.push(NONE);
        self.decided.push(NONE);
        self.final_issued.push(NONE);
        self.draft.push(NONE);
        self.exception.push(false);
        self.grade.push(None);
    }
}

impl Requests {
    /// Writes a case's requests into its rows.
    pub fn upsert(&mut self, ci: usize, a: u32, c: &CaseState) {
        let rows = self.place(ci, c.requests.len());
        for (r, &row) in c.requests.iter().zip(&rows) {
            let row = row as usize;
            self.keys.set(row, ci, a);
            self.received[row] = day(r.received_on);
            self.decided[row] = match (r.decision, r.decided_on) {
                (Some(AssessDecision::Assess | AssessDecision::DoNotAssess), Some(d)) => day(d),
                _ => NONE,
            };
            self.final_issued[row] = r.final_issued_on.map(day).unwrap_or(NONE);
            self.draft[row] = r.draft_served_on.map(day).unwrap_or(NONE);
            self.exception[row] = r.has_exception();
            // The plan's latest audit, before any later plan (as `domain::measures`).
            self.grade[row] = r
                .final_issued_on
                .and_then(|issued| sendscope_domain::measures::plan_grade(c, issued));
        }
        self.keys.by_case[ci] = rows;
    }

    /// Requests, decisions within 6 weeks, plans issued (within 20 weeks, with and without
    /// exception cases, their quality) and the days each step took.
    pub fn accumulate(&self, s: &Scan, k: &mut [Vec<Kpis>], days: &mut [Vec<Vec<i32>>]) {
        s.each(&self.keys, |i, case, a| {
            let received = self.received[i];
            if let Some(p) = s.which(received).filter(|p| s.ok(case, *p)) {
                k[p][a].requests += 1;
            }
            let decided = self.decided[i];
            if let Some(p) = s.which(decided).filter(|p| s.ok(case, *p)) {
                let x = &mut k[p][a];
                x.decisions_within_6_weeks.denominator += 1;
                x.decisions_within_6_weeks.numerator += u64::from(decided - received <= 42);
                x.step_days[0].push(decided - received);
            }
            let draft = self.draft[i];
            if let Some(p) = s.which(draft).filter(|p| s.ok(case, *p)) {
                k[p][a].step_days[1].push(draft - received);
            }
            let fin = self.final_issued[i];
            if let Some(p) = s.which(fin).filter(|p| s.ok(case, *p)) {
                let d = fin - received;
                let within = u64::from(d <= 140);
                let x = &mut k[p][a];
                x.new_plans += 1;
                if draft != NONE {
                    x.step_days[2].push(fin - draft);
                }
                x.quality.add(self.grade[i]);
                days[p][a].push(d);
                x.within_20_weeks.denominator += 1;
                x.within_20_weeks.numerator += within;
                if self.exception[i] {
                    x.exception_cases += 1;
                } else {
                    x.within_20_weeks_excluding_exceptions.denominator += 1;
                    x.within_20_weeks_excluding_exceptions.numerator += within;
                }
            }
        });
    }
}
