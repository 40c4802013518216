//! Placement instances as JSON, so that anyone can check the optimiser against another
//! solver: supplies (children, or groups of identical children, with a count), settings
//! with capacities, arcs with an annual cost in integer pence, and the cost of leaving a
//! unit unplaced. The objective is every flow's cost plus `unplaced_cost` for each unit
//! not sent along an arc.

use crate::simplex::{FlowError, Network, UNBOUNDED};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub supplies: Vec<Supply>,
    pub settings: Vec<Capacity>,
    pub arcs: Vec<Arc>,
    pub unplaced_cost: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supply {
    pub id: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    pub id: String,
    pub capacity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arc {
    pub from: String,
    pub to: String,
    pub cost: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub from: String,
    pub to: String,
    pub count: i64,
}

/// The optimum: `total_cost` is the objective (flows plus unplaced units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub total_cost: i64,
    pub placed: i64,
    pub unplaced: i64,
    pub flows: Vec<Flow>,
}

/// How long the solver took, and the size of the network it solved.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub solve: std::time::Duration,
    pub pivots: u64,
    pub nodes: usize,
    pub arcs: usize,
}

/// What is wrong with an instance: where, and how to mend it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceError(pub String);

impl std::fmt::Display for InstanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InstanceError {}

fn bad<T>(m: String) -> Result<T, InstanceError> {
    Err(InstanceError(m))
}

impl Instance {
    /// Reads an instance, saying what is wrong with one that cannot be used.
    pub fn from_json(text: &str) -> Result<Instance, InstanceError> {
        let i: Instance = serde_json::from_str(text).map_err(|e| {
            InstanceError(format!(
                "not a placement instance (line {}, column {}): {e}. Expected {{\"supplies\":[{{\"id\":…,\"count\":…}}], \"settings\":[{{\"id\":…,\"capacity\":…}}], \"arcs\":[{{\"from\":…,\"to\":…,\"cost\":…}}], \"unplaced_cost\":…}}",
                e.line(),
                e.column()
            ))
        })?;
        i.check()?;
        Ok(i)
    }

    /// Checks ids are unique and known, counts and capacities not negative, and no arc
    /// given twice.
    pub fn check(&self) -> Result<(), InstanceError> {
        let mut supplies = HashMap::new();
        for (n, s) in self.supplies.iter().enumerate() {
            if s.count < 0 {
                return bad(format!(
                    "supplies[{n}] ({:?}) has count {}: a count cannot be negative",
                    s.id, s.count
                ));
            }
            if supplies.insert(s.id.as_str(), n).is_some() {
                return bad(format!(
                    "supplies[{n}]: the id {:?} is used twice; give each supply its own id",
                    s.id
                ));
            }
        }
        let mut settings = HashMap::new();
        for (n, s) in self.settings.iter().enumerate() {
            if s.capacity < 0 {
                return bad(format!(
                    "settings[{n}] ({:?}) has capacity {}: a capacity cannot be negative",
                    s.id, s.capacity
                ));
            }
            if settings.insert(s.id.as_str(), n).is_some() {
                return bad(format!(
                    "settings[{n}]: the id {:?} is used twice; give each setting its own id",
                    s.id
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (n, a) in self.arcs.iter().enumerate() {
            if !supplies.contains_key(a.from.as_str()) {
                return bad(format!(
                    "arcs[{n}] is from {:?}, which is not a supply id",
                    a.from
                ));
            }
            if !settings.contains_key(a.to.as_str()) {
                return bad(format!(
                    "arcs[{n}] is to {:?}, which is not a setting id",
                    a.to
                ));
            }
            if !seen.insert((a.from.as_str(), a.to.as_str())) {
                return bad(format!(
                    "arcs[{n}]: an arc from {:?} to {:?} is given twice; keep the cheaper one",
                    a.from, a.to
                ));
            }
        }
        Ok(())
    }

    /// Solves the instance exactly.
    pub fn solve(&self) -> Result<Outcome, InstanceError> {
        self.solve_timed().map(|(o, _)| o)
    }

    /// Solves the instance exactly, with the time the solver itself took (building the
    /// network from the ids and writing the flows back are not counted) and its pivots.
    pub fn solve_timed(&self) -> Result<(Outcome, Timing), InstanceError> {
        self.check()?;
        let (s, t) = (self.supplies.len(), self.settings.len());
        let sink = s + t;
        let supply_ix: HashMap<&str, usize> = self
            .supplies
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.as_str(), i))
            .collect();
        let setting_ix: HashMap<&str, usize> = self
            .settings
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.as_str(), s + i))
            .collect();
        let mut net = Network::new(s + t + 1);
        net.reserve(self.arcs.len() + s + t);
        let mut total: i64 = 0;
        for (i, x) in self.supplies.iter().enumerate() {
            net.set_supply(i, x.count);
            total = total.checked_add(x.count).ok_or_else(|| {
                InstanceError("the counts add up to more than 64 bits hold".into())
            })?;
        }
        net.set_supply(sink, -total);
        for a in &self.arcs {
            net.add_arc(
                supply_ix[a.from.as_str()],
                setting_ix[a.to.as_str()],
                UNBOUNDED,
                a.cost,
            );
        }
        for (j, x) in self.settings.iter().enumerate() {
            net.add_arc(s + j, sink, x.capacity, 0);
        }
        for i in 0..s {
            net.add_arc(i, sink, UNBOUNDED, self.unplaced_cost);
        }
        let started = std::time::Instant::now();
        let solved = net.solve();
        let elapsed = started.elapsed();
        let solution = solved.map_err(|e| match e {
            FlowError::TooLarge => InstanceError(
                "costs or counts too large to add up exactly in 64 bits: use pence a year, under about 10^12".into(),
            ),
            e => InstanceError(format!("cannot be solved: {e}")),
        })?;
        let flows: Vec<Flow> = self
            .arcs
            .iter()
            .zip(&solution.flow)
            .filter(|(_, f)| **f > 0)
            .map(|(a, f)| Flow {
                from: a.from.clone(),
                to: a.to.clone(),
                count: *f,
            })
            .collect();
        let placed: i64 = flows.iter().map(|f| f.count).sum();
        Ok((
            Outcome {
                total_cost: solution.cost,
                placed,
                unplaced: total - placed,
                flows,
            },
            Timing {
                solve: elapsed,
                pivots: solution.pivots,
                nodes: s + t + 1,
                arcs: self.arcs.len() + s + t,
            },
        ))
    }
}
