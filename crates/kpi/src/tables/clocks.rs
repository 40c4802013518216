//! One row per statutory deadline of each case (`domain::clocks::case_deadlines`): its
//! rule, trigger, due day and the day it was met; and the rules seen, by key.

use super::{Keys, Scan, Table};
use crate::{ClockMeta, Kpis, NONE, day};
use sendscope_domain::clocks::{ClockKind, Deadline};

#[derive(Default)]
pub(crate) struct Clocks {
    pub keys: Keys,
    pub key: Vec<u8>,
    pub trigger: Vec<i32>,
    pub due: Vec<i32>,
    pub done: Vec<i32>,
    /// The rules seen, by `key`: key, step, kind, whether counted back.
    pub rules: Vec<ClockMeta>,
}

impl Table for Clocks {
    fn keys(&mut self) -> &mut Keys {
        &mut self.keys
    }
    fn push_own(&mut self) {
        self.key.push(0);
        self.trigger.push(NONE);
        self.due.push(NONE);
        self.done.push(NONE);
    }
}

impl Clocks {
    /// A rule's number, recording the rule the first time it is seen.
    fn rule_key(&mut self, key: &'static str) -> u8 {
        if let Some(i) = self.rules.iter().position(|m| m.key == key) {
            return i as u8;
        }
        // Every rule book holds the key (it was just computed from one).
        let rule = sendscope_domain::clocks::RULE_BOOKS
            .iter()
            .rev()
            .flat_map(|b| b.rules.iter())
            .find(|r| r.key == key);
        self.rules.push(ClockMeta {
            key,
            step: rule.map(|r| r.step).unwrap_or(key),
            duty: rule.is_some_and(|r| r.kind == ClockKind::Duty),
            counts_back: rule.is_some_and(|r| r.period.counts_back()),
        });
        self.rules.len() as u8 - 1
    }

    /// Writes a case's deadlines into its rows (their state is judged when the figures
    /// are computed).
    pub fn upsert(&mut self, ci: usize, a: u32, deadlines: &[Deadline]) {
        let keys: Vec<u8> = deadlines.iter().map(|d| self.rule_key(d.key)).collect();
        let rows = self.place(ci, deadlines.len());
        for ((d, key), &row) in deadlines.iter().zip(keys).zip(&rows) {
            let row = row as usize;
            self.keys.set(row, ci, a);
            self.key[row] = key;
            self.trigger[row] = day(d.trigger);
            self.due[row] = day(d.due);
            self.done[row] = d.done.map(day).unwrap_or(NONE);
        }
        self.keys.by_case[ci] = rows;
    }

    /// For every rule: deadlines falling due (duties only), met on time, met late,
    /// overdue and not yet due on `today`; the days each step done took; and the
    /// decisions carrying a right of appeal (the appeal rate's denominator).
    pub fn accumulate(&self, s: &Scan, k: &mut [Vec<Kpis>], today: i32) {
        for x in k.iter_mut().flatten() {
            x.clock_days = vec![Vec::new(); self.rules.len()];
            x.clock_acc = vec![[0; 5]; self.rules.len()];
        }
        let appeal_key = self.rules.iter().position(|m| m.key == "appeal_window");
        s.each(&self.keys, |i, case, a| {
            let key = self.key[i] as usize;
            let meta = self.rules[key];
            let (trigger, due, done) = (self.trigger[i], self.due[i], self.done[i]);
            // A window (the family's or a setting's time) closes rather than goes late:
            // only the council's duties are counted as due.
            if let Some(p) = s.which(due).filter(|p| meta.duty && s.ok(case, *p)) {
                let c = &mut k[p][a].clock_acc[key];
                c[0] += 1;
                match done {
                    NONE if due < today => c[3] += 1,
                    NONE => c[4] += 1,
                    d if d <= due => c[1] += 1,
                    _ => c[2] += 1,
                }
            }
            if let Some(p) = s.which(done).filter(|p| s.ok(case, *p)) {
                k[p][a].clock_days[key].push(done - trigger);
            }
            // The decisions that carry a right of appeal, for the appeal rate.
            if Some(key) == appeal_key
                && let Some(p) = s.which(trigger).filter(|p| s.ok(case, *p))
            {
                k[p][a].disputes.appeal_rate.denominator += 1;
            }
        });
    }
}
