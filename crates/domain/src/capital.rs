//! A capital project: one record for money that funds places in one or more provisions
//! (£1,671,000 for 70 places across five resourced provisions, say), with its
//! decision-making trail. Each decision is kept with the body that made it and why; the
//! DfE's answer may be "deferred pending viable-options evidence" as well as approved or
//! refused. The project's shares say which provisions it funds, so the approval gates can
//! see capital approved before a provision's own approval (domain::compliance).

use crate::calendar::long_date;
use crate::codes::Pence;
use crate::ids::ProvisionId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// `capital_project.proposed`: the project as put forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CapitalProposed {
    /// The council's reference for it (spend and decisions are reported against it).
    pub reference: String,
    pub name: String,
    pub proposed_on: NaiveDate,
    /// The whole amount asked for.
    pub amount: Pence,
    /// The places it is to deliver across every provision it funds.
    pub places: u32,
    #[serde(default)]
    pub summary: String,
}

/// `capital_project.provision_funded`: one provision's share of the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProvisionFunded {
    pub provision: ProvisionId,
    pub places: u32,
    pub amount: Pence,
    pub on: NaiveDate,
}

/// What a decision-maker decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CapitalOutcome {
    Approved,
    Refused,
    /// Not decided yet: deferred until something is provided (`pending` says what).
    Deferred,
}

impl CapitalOutcome {
    pub fn label(self) -> &'static str {
        match self {
            CapitalOutcome::Approved => "approved",
            CapitalOutcome::Refused => "refused",
            CapitalOutcome::Deferred => "deferred",
        }
    }
}

/// `capital_project.decided`: one step of the decision-making trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CapitalDecided {
    pub decided_on: NaiveDate,
    /// Who decided: "Cabinet", "Capital programme board", "DfE".
    pub decided_by: String,
    pub outcome: CapitalOutcome,
    /// For a deferral, what it waits for ("viable-options evidence").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    /// The reasons given, as the decision records them.
    #[serde(default)]
    pub reasons: String,
}

/// `capital_project.spent`: spend to date as reported on a day (a running total).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CapitalSpendReported {
    pub on: NaiveDate,
    pub spent_to_date: Pence,
}

/// A capital project's record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CapitalProjectState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<CapitalProposed>,
    #[serde(default)]
    pub shares: Vec<ProvisionFunded>,
    /// Every decision, oldest first: the trail.
    #[serde(default)]
    pub decisions: Vec<CapitalDecided>,
    #[serde(default)]
    pub spend: Vec<CapitalSpendReported>,
}

/// A step on a capital project's record.
pub enum CapitalStep<'a> {
    Proposed(&'a CapitalProposed),
    Funded(&'a ProvisionFunded),
    Decided(&'a CapitalDecided),
    Spent(&'a CapitalSpendReported),
}

/// The capital project step an event is, if it is one.
pub fn step_of(body: &crate::EventBody) -> Option<CapitalStep<'_>> {
    use crate::EventBody as E;
    Some(match body {
        E::CapitalProposed(x) => CapitalStep::Proposed(x),
        E::ProvisionFunded(x) => CapitalStep::Funded(x),
        E::CapitalDecided(x) => CapitalStep::Decided(x),
        E::CapitalSpendReported(x) => CapitalStep::Spent(x),
        _ => return None,
    })
}

impl CapitalProjectState {
    pub fn apply(&mut self, step: CapitalStep) {
        match step {
            CapitalStep::Proposed(x) => self.proposed = Some(x.clone()),
            CapitalStep::Funded(x) => self.shares.push(x.clone()),
            CapitalStep::Decided(x) => self.decisions.push(x.clone()),
            CapitalStep::Spent(x) => self.spend.push(x.clone()),
        }
    }

    /// The first approval: the day and who made it.
    pub fn approved(&self) -> Option<&CapitalDecided> {
        self.decisions
            .iter()
            .filter(|d| d.outcome == CapitalOutcome::Approved)
            .min_by_key(|d| d.decided_on)
    }

    /// The latest decision (the last recorded on the latest day).
    pub fn latest(&self) -> Option<&CapitalDecided> {
        self.decisions.iter().rev().max_by_key(|d| d.decided_on)
    }

    /// Spend to date: the latest report.
    pub fn spent_to_date(&self) -> Option<Pence> {
        self.spend
            .iter()
            .rev()
            .max_by_key(|s| s.on)
            .map(|s| s.spent_to_date)
    }

    /// The amount and places shared out to provisions so far.
    pub fn allocated(&self) -> (Pence, u32) {
        let amount = self.shares.iter().map(|s| s.amount.0).sum();
        (Pence(amount), self.shares.iter().map(|s| s.places).sum())
    }

    /// Where the project stands, in words: "approved by Cabinet on 3 March 2025",
    /// "deferred by DfE on 1 May 2025 pending viable-options evidence".
    pub fn status(&self) -> String {
        match self.latest() {
            None => "proposed: no decision yet".into(),
            Some(d) => {
                let mut s = format!(
                    "{} by {} on {}",
                    d.outcome.label(),
                    d.decided_by,
                    long_date(d.decided_on)
                );
                if let Some(p) = d.pending.as_deref().filter(|p| !p.is_empty()) {
                    s.push_str(&format!(" pending {p}"));
                }
                s
            }
        }
    }

    /// Whether a step may be recorded now; the refusal says what to do instead.
    pub fn check(&self, step: &CapitalStep) -> Result<(), String> {
        let Some(p) = &self.proposed else {
            return match step {
                CapitalStep::Proposed(x) => check_proposed(x),
                _ => Err("record the project's proposal first".into()),
            };
        };
        match step {
            CapitalStep::Proposed(_) => {
                Err("this project is already proposed: correct the proposal instead".into())
            }
            CapitalStep::Funded(x) => {
                if x.places == 0 || x.amount.0 <= 0 {
                    return Err(
                        "a provision's share needs its places (1 or more) and an amount above £0"
                            .into(),
                    );
                }
                if x.on < p.proposed_on {
                    return Err(format!(
                        "a share cannot be recorded before the project was proposed ({})",
                        long_date(p.proposed_on)
                    ));
                }
                if self.shares.iter().any(|s| s.provision == x.provision) {
                    return Err(
                        "this provision already has a share of the project: correct that share instead"
                            .into(),
                    );
                }
                let (amount, places) = self.allocated();
                if amount.0 + x.amount.0 > p.amount.0 || places + x.places > p.places {
                    return Err(format!(
                        "the shares would come to more than the project: {} and {} places are left to share out",
                        Pence(p.amount.0 - amount.0),
                        p.places.saturating_sub(places)
                    ));
                }
                Ok(())
            }
            CapitalStep::Decided(x) => {
                if x.decided_by.trim().is_empty() {
                    return Err("say who made the decision (for example Cabinet or DfE)".into());
                }
                if x.decided_on < p.proposed_on {
                    return Err(format!(
                        "a decision cannot come before the project was proposed ({})",
                        long_date(p.proposed_on)
                    ));
                }
                let pending = x.pending.as_deref().is_some_and(|s| !s.trim().is_empty());
                match (x.outcome, pending) {
                    (CapitalOutcome::Deferred, false) => Err(
                        "a deferral must say what it waits for (for example viable-options evidence)"
                            .into(),
                    ),
                    (CapitalOutcome::Approved | CapitalOutcome::Refused, true) => Err(
                        "only a deferral waits for something: leave 'pending' empty for an approval or a refusal"
                            .into(),
                    ),
                    _ => Ok(()),
                }
            }
            CapitalStep::Spent(x) => {
                if x.spent_to_date.0 < 0 {
                    return Err("spend to date cannot be negative".into());
                }
                match self.approved() {
                    Some(a) if a.decided_on <= x.on => Ok(()),
                    Some(a) => Err(format!(
                        "spend is reported after the capital is approved ({})",
                        long_date(a.decided_on)
                    )),
                    None => Err(
                        "no decision has approved this project yet: spend is reported once it is approved"
                            .into(),
                    ),
                }
            }
        }
    }
}

fn check_proposed(x: &CapitalProposed) -> Result<(), String> {
    if x.reference.trim().is_empty() || x.name.trim().is_empty() {
        return Err("a capital project needs its reference and its name".into());
    }
    if x.amount.0 <= 0 || x.places == 0 {
        return Err(
            "a capital project needs an amount above £0 and the places it will deliver (1 or more)"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn proposed() -> CapitalProjectState {
        let mut s = CapitalProjectState::default();
        s.apply(CapitalStep::Proposed(&CapitalProposed {
            reference: "CAP-24-07".into(),
            name: "Resourced provision expansion".into(),
            proposed_on: d(2024, 9, 2),
            amount: Pence(167_100_000),
            places: 70,
            summary: String::new(),
        }));
        s
    }

    #[test]
    fn a_deferral_names_what_it_waits_for_and_reads_so() {
        let mut s = proposed();
        let mut decided = CapitalDecided {
            decided_on: d(2025, 1, 10),
            decided_by: "DfE".into(),
            outcome: CapitalOutcome::Deferred,
            pending: None,
            reasons: String::new(),
        };
        assert!(s.check(&CapitalStep::Decided(&decided)).is_err());
        decided.pending = Some("viable-options evidence".into());
        s.check(&CapitalStep::Decided(&decided)).unwrap();
        s.apply(CapitalStep::Decided(&decided));
        assert_eq!(
            s.status(),
            "deferred by DfE on 10 January 2025 pending viable-options evidence"
        );
        assert!(s.approved().is_none());
        // No spend before approval.
        let spent = CapitalSpendReported {
            on: d(2025, 2, 1),
            spent_to_date: Pence(1),
        };
        assert!(s.check(&CapitalStep::Spent(&spent)).is_err());
    }

    #[test]
    fn shares_cannot_exceed_the_project() {
        let mut s = proposed();
        let share = |n: u128, places: u32, pence: i64| ProvisionFunded {
            provision: ProvisionId(uuid::Uuid::from_u128(n)),
            places,
            amount: Pence(pence),
            on: d(2024, 10, 1),
        };
        for n in 1..=5 {
            let x = share(n, 14, 33_420_000);
            s.check(&CapitalStep::Funded(&x)).unwrap();
            s.apply(CapitalStep::Funded(&x));
        }
        assert_eq!(s.allocated(), (Pence(167_100_000), 70));
        assert!(s.check(&CapitalStep::Funded(&share(6, 1, 1))).is_err());
        assert!(s.check(&CapitalStep::Funded(&share(1, 0, 0))).is_err());
    }
}
