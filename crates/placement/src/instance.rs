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

/// How long the solver took (grouping identical supplies, building the network, the
/// simplex, and sharing flows back out; not reading the ids), and the size of the
/// network it solved.
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
            .map(|(i, x)| (x.id.as_str(), i))
            .collect();
        // Each supply's arcs as (setting, cost, arc index), in setting order.
        let mut out: Vec<Vec<(u32, i64, u32)>> = vec![Vec::new(); s];
        for (k, a) in self.arcs.iter().enumerate() {
            out[supply_ix[a.from.as_str()]].push((
                setting_ix[a.to.as_str()] as u32,
                a.cost,
                k as u32,
            ));
        }
        for o in &mut out {
            o.sort_unstable();
        }
        // The clock starts once the ids are read into indices: grouping, building the
        // network, solving and sharing the flows back out are all counted.
        let started = std::time::Instant::now();
        // Supplies with the same arcs at the same costs are interchangeable: one node
        // with their counts added (exact; the flows are shared back out below).
        let mut groups: HashMap<Vec<(u32, i64)>, usize> = HashMap::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (i, o) in out.iter().enumerate() {
            let key: Vec<(u32, i64)> = o.iter().map(|(j, c, _)| (*j, *c)).collect();
            let g = *groups.entry(key).or_insert_with(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            members[g].push(i);
        }
        let n = members.len();
        let sink = n + t;
        let mut net = Network::new(n + t + 1);
        let mut total: i64 = 0;
        let mut group_arcs: Vec<(usize, u32)> = Vec::new();
        for (g, m) in members.iter().enumerate() {
            let mut count: i64 = 0;
            for &i in m {
                count = count.checked_add(self.supplies[i].count).ok_or_else(|| {
                    InstanceError("the counts add up to more than 64 bits hold".into())
                })?;
            }
            net.set_supply(g, count);
            total = total.checked_add(count).ok_or_else(|| {
                InstanceError("the counts add up to more than 64 bits hold".into())
            })?;
            for (j, c, _) in &out[m[0]] {
                net.add_arc(g, n + *j as usize, UNBOUNDED, *c);
                group_arcs.push((g, *j));
            }
        }
        net.set_supply(sink, -total);
        for (j, x) in self.settings.iter().enumerate() {
            net.add_arc(n + j, sink, x.capacity, 0);
        }
        for g in 0..n {
            net.add_arc(g, sink, UNBOUNDED, self.unplaced_cost);
        }
        let (nodes, arcs) = (net.nodes(), net.arcs());
        let solution = net.solve().map_err(|e| match e {
            FlowError::TooLarge => InstanceError(
                "costs or counts too large to add up exactly in 64 bits: use pence a year, under about 10^12".into(),
            ),
            e => InstanceError(format!("cannot be solved: {e}")),
        })?;
        // Share each group's flows out to its supplies in order, each up to its count.
        let mut by_group: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n];
        for ((g, j), f) in group_arcs.iter().zip(&solution.flow) {
            if *f > 0 {
                by_group[*g].push((*j, *f));
            }
        }
        let mut per_arc = vec![0i64; self.arcs.len()];
        for (g, m) in members.iter().enumerate() {
            let mut left: Vec<(u32, i64)> = by_group[g].clone();
            for &i in m {
                let mut room = self.supplies[i].count;
                for (j, f) in left.iter_mut() {
                    if room == 0 {
                        break;
                    }
                    let take = (*f).min(room);
                    if take > 0 {
                        let k = out[i]
                            .iter()
                            .find(|(x, _, _)| x == j)
                            .map(|(_, _, k)| *k as usize)
                            .ok_or_else(|| InstanceError("internal: a flow on no arc".into()))?;
                        per_arc[k] += take;
                        *f -= take;
                        room -= take;
                    }
                }
            }
        }
        let elapsed = started.elapsed();
        let flows: Vec<Flow> = self
            .arcs
            .iter()
            .zip(&per_arc)
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
                nodes,
                arcs,
            },
        ))
    }
}
