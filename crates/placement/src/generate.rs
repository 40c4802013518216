//! Realistic placement instances for the benchmark: towns in a square region, children
//! in home areas clustered around them, specialist settings near the towns with
//! designated needs, phases, capacities with a margin like a real area's, and costs by
//! kind (domain.md §2.2: about £18k a year for a resourced place, £23k for a special
//! school, £86k for an independent special school) plus transport by distance.
//! Eligibility is sparse: the setting serves the child's phase and need within a
//! distance (or, `dense`, every child may go anywhere). Children with the same home
//! area, need and phase are the same as far as the optimiser can tell, and are grouped:
//! each group is one supply with its count, so no child is lost.

use crate::instance::{Arc, Capacity, Instance, Supply};
use crate::rng::Rng;
use std::collections::BTreeMap;

/// Roughly normal (sum of four uniforms), mean 0, standard deviation `sd`.
fn spread(rng: &mut Rng, sd: f64) -> f64 {
    let s: f64 = (0..4).map(|_| rng.unit()).sum::<f64>() - 2.0;
    s * sd * (3.0f64).sqrt()
}

/// Uniform in [0, n).
fn below(rng: &mut Rng, n: usize) -> usize {
    rng.below(n as u64) as usize
}

/// Needs by the share of EHC plans they account for (primary need, roughly England's).
const NEEDS: &[(&str, f64)] = &[
    ("ASD", 0.33),
    ("SEMH", 0.15),
    ("SLCN", 0.15),
    ("MLD", 0.09),
    ("SLD", 0.07),
    ("PMLD", 0.03),
    ("SPLD", 0.04),
    ("PD", 0.04),
    ("HI", 0.02),
    ("VI", 0.01),
    ("MSI", 0.01),
    ("OTH", 0.03),
    ("NSA", 0.03),
];

const PHASES: &[(&str, f64)] = &[("primary", 0.45), ("secondary", 0.40), ("post16", 0.15)];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Resourced,
    Special,
    Independent,
    Alternative,
    Post16,
}

struct Setting {
    x: f64,
    y: f64,
    kind: Kind,
    phases: Vec<usize>,
    needs: Vec<usize>,
    capacity: f64,
    cost: i64,
}

fn pick(rng: &mut Rng, weights: &[(&str, f64)]) -> usize {
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    let mut r = rng.unit() * total;
    for (i, (_, w)) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

fn distinct(rng: &mut Rng, n: usize, first: Option<usize>) -> Vec<usize> {
    let mut out: Vec<usize> = first.into_iter().collect();
    while out.len() < n.min(NEEDS.len()) {
        let k = pick(rng, NEEDS);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// Transport: pence a year for a journey of `km` straight-line kilometres (by road about
/// 1.3 times as far), 380 single trips a year at £1.50 a mile.
pub fn transport_pence(km: f64) -> i64 {
    (km * 1.3 / 1.609_344 * 380.0 * 150.0).round() as i64
}

/// A parental preference's credit on its arc: kept unless another place is over £5,000
/// a year cheaper.
pub const PREFERENCE_CREDIT: i64 = 500_000;

/// The benchmark's generated instance, with how many children it stands for.
pub struct Generated {
    pub instance: Instance,
    pub children: i64,
}

/// Generates an instance of `children` children and `settings` settings. With
/// `individual`, each child is a supply of their own (no grouping: the same optimum, a
/// larger network).
pub fn generate(
    children: usize,
    settings: usize,
    seed: u64,
    dense: bool,
    individual: bool,
) -> Generated {
    let mut rng = Rng::new(seed);
    let side = (settings.max(1) as f64).sqrt() * 2.5;
    let towns: Vec<(f64, f64)> = (0..(settings / 25).max(3))
        .map(|_| (rng.unit() * side, rng.unit() * side))
        .collect();
    let homes: Vec<(f64, f64)> = (0..(settings / 4).max(10))
        .map(|_| {
            let t = towns[below(&mut rng, towns.len())];
            (t.0 + spread(&mut rng, 3.0), t.1 + spread(&mut rng, 3.0))
        })
        .collect();
    let mut list: Vec<Setting> = (0..settings)
        .map(|_| {
            let t = towns[below(&mut rng, towns.len())];
            let r = rng.unit();
            let (kind, base, cost, phases, needs) = if r < 0.35 {
                let phase = if rng.unit() < 0.6 { 0 } else { 1 };
                let n = 1 + below(&mut rng, 2);
                (
                    Kind::Resourced,
                    12.0,
                    1_834_000,
                    vec![phase],
                    distinct(&mut rng, n, None),
                )
            } else if r < 0.60 {
                let n = 4 + below(&mut rng, 3);
                (
                    Kind::Special,
                    120.0,
                    2_300_000,
                    vec![0, 1, 2],
                    distinct(&mut rng, n, None),
                )
            } else if r < 0.75 {
                let n = 2 + below(&mut rng, 3);
                (
                    Kind::Independent,
                    40.0,
                    8_600_000,
                    vec![0, 1, 2],
                    distinct(&mut rng, n, None),
                )
            } else if r < 0.85 {
                (
                    Kind::Alternative,
                    40.0,
                    2_000_000,
                    vec![1],
                    distinct(&mut rng, 2, Some(1)),
                )
            } else {
                let n = 6 + below(&mut rng, 3);
                (
                    Kind::Post16,
                    80.0,
                    1_500_000,
                    vec![2],
                    distinct(&mut rng, n, None),
                )
            };
            Setting {
                x: t.0 + spread(&mut rng, 4.0),
                y: t.1 + spread(&mut rng, 4.0),
                kind,
                phases,
                needs,
                capacity: base * (0.6 + 0.8 * rng.unit()),
                cost: (cost as f64 * (0.85 + 0.3 * rng.unit())).round() as i64,
            }
        })
        .collect();
    // A margin like a real area's: 5% more places than children, overall.
    let total: f64 = list.iter().map(|s| s.capacity).sum();
    let scale = if total > 0.0 {
        children as f64 * 1.05 / total
    } else {
        0.0
    };
    for s in &mut list {
        s.capacity = (s.capacity * scale).round().max(1.0);
    }
    // Children, grouped by home area, need and phase.
    let mut groups: BTreeMap<(usize, usize, usize), i64> = BTreeMap::new();
    for _ in 0..children {
        let home = below(&mut rng, homes.len());
        let need = pick(&mut rng, NEEDS);
        let phase = pick(&mut rng, PHASES);
        *groups.entry((home, need, phase)).or_default() += 1;
    }
    let radius = |k: Kind| match k {
        Kind::Resourced => 12.0,
        Kind::Special => 30.0,
        Kind::Independent => 60.0,
        Kind::Alternative => 20.0,
        Kind::Post16 => 25.0,
    };
    let mut supplies = Vec::with_capacity(groups.len());
    let mut arcs = Vec::new();
    for (&(home, need, phase), &count) in &groups {
        let id = format!("h{home}-{}-{}", NEEDS[need].0, PHASES[phase].0);
        let (hx, hy) = homes[home];
        let mut eligible: Vec<(usize, f64)> = Vec::new();
        for (j, s) in list.iter().enumerate() {
            let km = ((s.x - hx).powi(2) + (s.y - hy).powi(2)).sqrt();
            if dense
                || (s.phases.contains(&phase) && s.needs.contains(&need) && km <= radius(s.kind))
            {
                eligible.push((j, km));
            }
        }
        // A third of families prefer one of the settings open to them.
        let preferred = (!eligible.is_empty() && rng.unit() < 0.3)
            .then(|| eligible[below(&mut rng, eligible.len())].0);
        let ids: Vec<(String, i64)> = if individual {
            (0..count).map(|k| (format!("{id}-{k}"), 1)).collect()
        } else {
            vec![(id, count)]
        };
        for (id, count) in ids {
            for &(j, km) in &eligible {
                let credit = if Some(j) == preferred {
                    PREFERENCE_CREDIT
                } else {
                    0
                };
                arcs.push(Arc {
                    from: id.clone(),
                    to: format!("s{j}"),
                    cost: list[j].cost + transport_pence(km) - credit,
                });
            }
            supplies.push(Supply { id, count });
        }
    }
    Generated {
        instance: Instance {
            supplies,
            settings: list
                .iter()
                .enumerate()
                .map(|(j, s)| Capacity {
                    id: format!("s{j}"),
                    capacity: s.capacity as i64,
                })
                .collect(),
            arcs,
            unplaced_cost: 50_000_000,
        },
        children: children as i64,
    }
}
