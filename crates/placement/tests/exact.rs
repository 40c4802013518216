//! Exactness: on thousands of small random instances the network simplex's optimum
//! equals brute force over every allocation of every unit.

use proptest::prelude::*;
use sendscope_placement::instance::{Arc, Capacity, Instance, Supply};

/// The least objective over every way of sending each unit along one of its supply's
/// arcs or leaving it unplaced, within capacities.
fn brute_force(i: &Instance) -> i64 {
    let units: Vec<usize> = i
        .supplies
        .iter()
        .enumerate()
        .flat_map(|(s, x)| std::iter::repeat_n(s, x.count as usize))
        .collect();
    let options: Vec<Vec<(usize, i64)>> = i
        .supplies
        .iter()
        .map(|s| {
            i.arcs
                .iter()
                .filter(|a| a.from == s.id)
                .map(|a| {
                    let j = i
                        .settings
                        .iter()
                        .position(|t| t.id == a.to)
                        .expect("setting");
                    (j, a.cost)
                })
                .collect()
        })
        .collect();
    let mut room: Vec<i64> = i.settings.iter().map(|s| s.capacity).collect();
    fn go(
        k: usize,
        units: &[usize],
        options: &[Vec<(usize, i64)>],
        room: &mut Vec<i64>,
        unplaced: i64,
    ) -> i64 {
        if k == units.len() {
            return 0;
        }
        let mut best = unplaced + go(k + 1, units, options, room, unplaced);
        for &(j, c) in &options[units[k]] {
            if room[j] > 0 {
                room[j] -= 1;
                best = best.min(c + go(k + 1, units, options, room, unplaced));
                room[j] += 1;
            }
        }
        best
    }
    go(0, &units, &options, &mut room, i.unplaced_cost)
}

fn instance() -> impl Strategy<Value = Instance> {
    (
        prop::collection::vec(0i64..=3, 1..=4),
        prop::collection::vec(0i64..=3, 1..=3),
        prop::collection::vec((any::<bool>(), -20i64..200), 12),
        0i64..250,
        any::<bool>(),
    )
        .prop_map(|(counts, caps, arcs, unplaced, twins)| {
            let supplies: Vec<Supply> = counts
                .iter()
                .enumerate()
                .map(|(n, c)| Supply {
                    id: format!("c{n}"),
                    count: *c,
                })
                .collect();
            let settings: Vec<Capacity> = caps
                .iter()
                .enumerate()
                .map(|(n, c)| Capacity {
                    id: format!("s{n}"),
                    capacity: *c,
                })
                .collect();
            let mut list = Vec::new();
            for (s, sup) in supplies.iter().enumerate() {
                for (t, set) in settings.iter().enumerate() {
                    // Twins: supplies 0 and 2 (1 and 3) have the same arcs, so the
                    // solver's grouping of identical supplies is exercised too.
                    let k = if twins { s % 2 } else { s };
                    let (present, cost) = arcs[(k * 3 + t) % arcs.len()];
                    if present {
                        list.push(Arc {
                            from: sup.id.clone(),
                            to: set.id.clone(),
                            cost: cost + (k as i64) * 7 - (t as i64) * 3,
                        });
                    }
                }
            }
            Instance {
                supplies,
                settings,
                arcs: list,
                unplaced_cost: unplaced,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]
    #[test]
    fn the_optimum_equals_brute_force(i in instance()) {
        let got = i.solve().expect("solves");
        prop_assert_eq!(got.total_cost, brute_force(&i), "{:?} → {:?}", i, got);
        // The flows are a real allocation: within capacities and supplies, and they
        // cost what the total says.
        let total: i64 = i.supplies.iter().map(|s| s.count).sum();
        prop_assert_eq!(got.placed + got.unplaced, total);
        let mut cost = got.unplaced * i.unplaced_cost;
        for f in &got.flows {
            let a = i.arcs.iter().find(|a| a.from == f.from && a.to == f.to).expect("arc");
            cost += a.cost * f.count;
        }
        prop_assert_eq!(cost, got.total_cost);
        for s in &i.settings {
            let used: i64 = got.flows.iter().filter(|f| f.to == s.id).map(|f| f.count).sum();
            prop_assert!(used <= s.capacity);
        }
        for s in &i.supplies {
            let sent: i64 = got.flows.iter().filter(|f| f.from == s.id).map(|f| f.count).sum();
            prop_assert!(sent <= s.count);
        }
    }
}

#[test]
fn the_example_in_the_issue() {
    let i = Instance::from_json(
        r#"{"supplies":[{"id":"c1","count":1}], "settings":[{"id":"s1","capacity":12}], "arcs":[{"from":"c1","to":"s1","cost":1834000}], "unplaced_cost":50000000}"#,
    )
    .expect("reads");
    let o = i.solve().expect("solves");
    assert_eq!(
        serde_json::to_string(&o).expect("json"),
        r#"{"total_cost":1834000,"placed":1,"unplaced":0,"flows":[{"from":"c1","to":"s1","count":1}]}"#
    );
}

#[test]
fn bad_instances_say_what_is_wrong() {
    let cases = [
        ("{}", "missing field"),
        (
            r#"{"supplies":[{"id":"c1","count":-1}],"settings":[],"arcs":[],"unplaced_cost":1}"#,
            "cannot be negative",
        ),
        (
            r#"{"supplies":[{"id":"c1","count":1}],"settings":[{"id":"s1","capacity":1}],"arcs":[{"from":"c1","to":"s2","cost":1}],"unplaced_cost":1}"#,
            "not a setting id",
        ),
        (
            r#"{"supplies":[{"id":"c1","count":1},{"id":"c1","count":1}],"settings":[],"arcs":[],"unplaced_cost":1}"#,
            "used twice",
        ),
        (
            r#"{"supplies":[{"id":"c1","count":1}],"settings":[{"id":"s1","capacity":1}],"arcs":[{"from":"c1","to":"s1","cost":1},{"from":"c1","to":"s1","cost":2}],"unplaced_cost":1}"#,
            "given twice",
        ),
        (
            r#"{"supplies":[{"id":"c1","count":1}],"settings":[{"id":"s1","capacity":1}],"arcs":[{"from":"c1","to":"s1","cost":9000000000000000000}],"unplaced_cost":1}"#,
            "too large",
        ),
    ];
    for (text, want) in cases {
        let err = Instance::from_json(text)
            .and_then(|i| i.solve())
            .expect_err(text);
        assert!(err.0.contains(want), "{text}: {err}");
    }
}

/// The generator's instances solve, and every child is placed or unplaced: none lost.
#[test]
fn generated_instances_account_for_every_child() {
    for (children, settings, dense) in [(500, 40, false), (300, 30, true)] {
        let g = sendscope_placement::generate::generate(children, settings, 7, dense, false);
        let o = g.instance.solve().expect("solves");
        assert_eq!(o.placed + o.unplaced, g.children);
        let again = sendscope_placement::generate::generate(children, settings, 7, dense, false);
        assert_eq!(again.instance, g.instance, "same seed, same instance");
        // Grouping identical children changes the network, not the optimum.
        let one_by_one =
            sendscope_placement::generate::generate(children, settings, 7, dense, true);
        assert_eq!(one_by_one.instance.supplies.len(), children);
        assert_eq!(
            one_by_one.instance.solve().expect("solves").total_cost,
            o.total_cost
        );
    }
}
