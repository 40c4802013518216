//! Minimum-cost flow by the primal network simplex method, with integer (i64) costs and
//! capacities: exact. The spanning tree is kept as parent / thread / subtree-size
//! arrays and arcs enter by block search, the arrangement described by Kelly and
//! O'Neill and used by LEMON's `NetworkSimplex` (whose published description this
//! follows; the code is written here, from the algorithm, not copied). The leaving arc is chosen so the tree stays
//! strongly feasible, which rules out cycling.
//!
//! The problem: nodes with supplies summing to zero (positive: supply, negative:
//! demand), arcs with a capacity and a cost per unit; find flows meeting every supply
//! within capacities at least total cost.

/// An arc's capacity when it has none.
pub const UNBOUNDED: i64 = i64::MAX;

const STATE_UPPER: i8 = -1;
const STATE_TREE: i8 = 0;
const STATE_LOWER: i8 = 1;
const DIR_UP: i64 = 1;
const DIR_DOWN: i64 = -1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowError {
    /// The supplies do not add up to zero.
    Unbalanced(i64),
    /// No flow meets every supply within the capacities.
    Infeasible,
    /// A negative-cost cycle of unbounded capacity.
    Unbounded,
    /// A cost or supply so large that the sums could overflow 64 bits.
    TooLarge,
}

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlowError::Unbalanced(s) => write!(f, "supplies add up to {s}, not zero"),
            FlowError::Infeasible => write!(f, "no flow meets every supply within the capacities"),
            FlowError::Unbounded => write!(f, "a negative-cost cycle has no capacity limit"),
            FlowError::TooLarge => write!(
                f,
                "costs or supplies too large to add up exactly in 64 bits"
            ),
        }
    }
}

impl std::error::Error for FlowError {}

/// A flow network under construction.
#[derive(Debug, Clone, Default)]
pub struct Network {
    supply: Vec<i64>,
    source: Vec<u32>,
    target: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
}

impl Network {
    pub fn new(nodes: usize) -> Self {
        Network {
            supply: vec![0; nodes],
            ..Default::default()
        }
    }

    pub fn nodes(&self) -> usize {
        self.supply.len()
    }

    pub fn arcs(&self) -> usize {
        self.source.len()
    }

    pub fn set_supply(&mut self, node: usize, supply: i64) {
        self.supply[node] = supply;
    }

    /// Adds an arc and returns its index.
    pub fn add_arc(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        self.source.push(from as u32);
        self.target.push(to as u32);
        self.cap.push(cap);
        self.cost.push(cost);
        self.source.len() - 1
    }

    /// Reserves room for `n` more arcs.
    pub fn reserve(&mut self, n: usize) {
        self.source.reserve(n);
        self.target.reserve(n);
        self.cap.reserve(n);
        self.cost.reserve(n);
    }

    /// Solves the problem: the flow on each arc (in the order added) and the total cost.
    pub fn solve(self) -> Result<Solution, FlowError> {
        Simplex::new(self)?.run()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub flow: Vec<i64>,
    pub cost: i64,
    /// Pivots made (for the benchmark's report).
    pub pivots: u64,
}

struct Simplex {
    n: usize,
    m: usize,
    source: Vec<u32>,
    target: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<i8>,
    pi: Vec<i64>,
    parent: Vec<i32>,
    pred: Vec<u32>,
    pred_dir: Vec<i64>,
    thread: Vec<u32>,
    rev_thread: Vec<u32>,
    succ_num: Vec<u32>,
    last_succ: Vec<u32>,
    dirty_revs: Vec<u32>,
    // The current pivot.
    in_arc: usize,
    join: usize,
    u_in: usize,
    v_in: usize,
    u_out: usize,
    delta: i64,
    // Block search.
    block: usize,
    next_arc: usize,
}

impl Simplex {
    fn new(net: Network) -> Result<Simplex, FlowError> {
        let n = net.supply.len();
        let m = net.source.len();
        let mut sum: i128 = 0;
        let mut abs_supply: i128 = 0;
        for s in &net.supply {
            sum += i128::from(*s);
            abs_supply += i128::from(*s).abs();
        }
        if sum != 0 {
            return Err(FlowError::Unbalanced(
                i64::try_from(sum).unwrap_or(i64::MAX),
            ));
        }
        let max_cost = net
            .cost
            .iter()
            .map(|c| i128::from(*c).abs())
            .max()
            .unwrap_or(0);
        // An artificial arc costs more than any simple path, so none carries flow at the
        // optimum of a feasible problem.
        let art = (max_cost + 1) * (n as i128 + 1);
        // Every sum the method forms is bounded by the artificial cost times the nodes
        // (potentials) or the supplies times the costs (the objective).
        if art * (n as i128 + 2) > i128::from(i64::MAX)
            || abs_supply * (art + 1) > i128::from(i64::MAX)
        {
            return Err(FlowError::TooLarge);
        }
        let art = art as i64;
        let all = m + n;
        let root = n;
        let mut s = Simplex {
            n,
            m,
            source: net.source,
            target: net.target,
            cap: net.cap,
            cost: net.cost,
            flow: vec![0; all],
            state: vec![STATE_LOWER; all],
            pi: vec![0; n + 1],
            parent: vec![-1; n + 1],
            pred: vec![u32::MAX; n + 1],
            pred_dir: vec![0; n + 1],
            thread: vec![0; n + 1],
            rev_thread: vec![0; n + 1],
            succ_num: vec![0; n + 1],
            last_succ: vec![0; n + 1],
            dirty_revs: Vec::new(),
            in_arc: 0,
            join: 0,
            u_in: 0,
            v_in: 0,
            u_out: 0,
            delta: 0,
            // Small blocks: measured on the benchmark's instances (placement arcs grouped
            // by child), 0.03·√m found the fewest pivots and the shortest time; LEMON's
            // general default of √m made three times the work here.
            block: (((m as f64).sqrt() * 0.03).ceil() as usize).max(10),
            next_arc: 0,
        };
        s.source.resize(all, 0);
        s.target.resize(all, 0);
        s.cap.resize(all, UNBOUNDED);
        s.cost.resize(all, 0);
        // The root's place in the tree.
        s.parent[root] = -1;
        s.thread[root] = 0;
        s.rev_thread[0] = root as u32;
        s.succ_num[root] = n as u32 + 1;
        s.last_succ[root] = if n == 0 { root as u32 } else { root as u32 - 1 };
        if n == 0 {
            s.thread[root] = root as u32;
            s.rev_thread[root] = root as u32;
        }
        for u in 0..n {
            let e = m + u;
            s.parent[u] = root as i32;
            s.pred[u] = e as u32;
            s.thread[u] = (u + 1) as u32;
            s.rev_thread[u + 1] = u as u32;
            s.succ_num[u] = 1;
            s.last_succ[u] = u as u32;
            s.state[e] = STATE_TREE;
            let supply = net.supply[u];
            if supply >= 0 {
                s.pred_dir[u] = DIR_UP;
                s.pi[u] = 0;
                s.source[e] = u as u32;
                s.target[e] = root as u32;
                s.flow[e] = supply;
                s.cost[e] = 0;
            } else {
                s.pred_dir[u] = DIR_DOWN;
                s.pi[u] = art;
                s.source[e] = root as u32;
                s.target[e] = u as u32;
                s.flow[e] = -supply;
                s.cost[e] = art;
            }
        }
        Ok(s)
    }

    #[inline]
    fn reduced(&self, e: usize) -> i64 {
        i64::from(self.state[e])
            * (self.cost[e] + self.pi[self.source[e] as usize] - self.pi[self.target[e] as usize])
    }

    /// Block search: the most negative reduced cost in the first block holding one.
    fn find_entering_arc(&mut self) -> bool {
        let mut min = 0i64;
        let mut cnt = self.block;
        let m = self.m;
        let start = self.next_arc;
        let mut e = start;
        for _ in 0..m {
            let c = self.reduced(e);
            if c < min {
                min = c;
                self.in_arc = e;
            }
            e += 1;
            if e == m {
                e = 0;
            }
            cnt -= 1;
            if cnt == 0 {
                if min < 0 {
                    self.next_arc = e;
                    return true;
                }
                cnt = self.block;
            }
        }
        if min < 0 {
            self.next_arc = e;
            return true;
        }
        false
    }

    fn find_join_node(&mut self) {
        let mut u = self.source[self.in_arc] as usize;
        let mut v = self.target[self.in_arc] as usize;
        while u != v {
            if self.succ_num[u] < self.succ_num[v] {
                u = self.parent[u] as usize;
            } else {
                v = self.parent[v] as usize;
            }
        }
        self.join = u;
    }

    /// The leaving arc: the last blocking arc around the cycle (strongly feasible tree).
    /// Returns false when the entering arc itself blocks (it just changes bound).
    fn find_leaving_arc(&mut self) -> bool {
        let (first, second) = if self.state[self.in_arc] == STATE_LOWER {
            (
                self.source[self.in_arc] as usize,
                self.target[self.in_arc] as usize,
            )
        } else {
            (
                self.target[self.in_arc] as usize,
                self.source[self.in_arc] as usize,
            )
        };
        self.delta = self.cap[self.in_arc];
        let mut result = 0;
        let mut u = first;
        while u != self.join {
            let e = self.pred[u] as usize;
            let mut d = self.flow[e];
            if self.pred_dir[u] == DIR_DOWN {
                let c = self.cap[e];
                d = if c == UNBOUNDED { UNBOUNDED } else { c - d };
            }
            if d < self.delta {
                self.delta = d;
                self.u_out = u;
                result = 1;
            }
            u = self.parent[u] as usize;
        }
        let mut u = second;
        while u != self.join {
            let e = self.pred[u] as usize;
            let mut d = self.flow[e];
            if self.pred_dir[u] == DIR_UP {
                let c = self.cap[e];
                d = if c == UNBOUNDED { UNBOUNDED } else { c - d };
            }
            if d <= self.delta {
                self.delta = d;
                self.u_out = u;
                result = 2;
            }
            u = self.parent[u] as usize;
        }
        if result == 1 {
            self.u_in = first;
            self.v_in = second;
        } else {
            self.u_in = second;
            self.v_in = first;
        }
        result != 0
    }

    fn change_flow(&mut self, change: bool) {
        let in_arc = self.in_arc;
        if self.delta > 0 {
            let val = i64::from(self.state[in_arc]) * self.delta;
            self.flow[in_arc] += val;
            let mut u = self.source[in_arc] as usize;
            while u != self.join {
                let e = self.pred[u] as usize;
                self.flow[e] -= self.pred_dir[u] * val;
                u = self.parent[u] as usize;
            }
            let mut u = self.target[in_arc] as usize;
            while u != self.join {
                let e = self.pred[u] as usize;
                self.flow[e] += self.pred_dir[u] * val;
                u = self.parent[u] as usize;
            }
        }
        if change {
            self.state[in_arc] = STATE_TREE;
            let out = self.pred[self.u_out] as usize;
            self.state[out] = if self.flow[out] == 0 {
                STATE_LOWER
            } else {
                STATE_UPPER
            };
        } else {
            self.state[in_arc] = -self.state[in_arc];
        }
    }

    fn update_tree_structure(&mut self) {
        let (u_in, v_in, u_out, join, in_arc) =
            (self.u_in, self.v_in, self.u_out, self.join, self.in_arc);
        let old_rev_thread = self.rev_thread[u_out] as usize;
        let old_succ_num = self.succ_num[u_out];
        let old_last_succ = self.last_succ[u_out] as usize;
        let v_out = self.parent[u_out] as usize;

        if u_in == u_out {
            self.parent[u_in] = v_in as i32;
            self.pred[u_in] = in_arc as u32;
            self.pred_dir[u_in] = if u_in == self.source[in_arc] as usize {
                DIR_UP
            } else {
                DIR_DOWN
            };
            if self.thread[v_in] as usize != u_out {
                let mut after = self.thread[old_last_succ] as usize;
                self.thread[old_rev_thread] = after as u32;
                self.rev_thread[after] = old_rev_thread as u32;
                after = self.thread[v_in] as usize;
                self.thread[v_in] = u_out as u32;
                self.rev_thread[u_out] = v_in as u32;
                self.thread[old_last_succ] = after as u32;
                self.rev_thread[after] = old_last_succ as u32;
            }
        } else {
            let thread_continue = if old_rev_thread == v_in {
                self.thread[old_last_succ] as usize
            } else {
                self.thread[v_in] as usize
            };
            let mut stem = u_in;
            let mut par_stem = v_in;
            let mut last = self.last_succ[u_in] as usize;
            let mut after = self.thread[last] as usize;
            self.thread[v_in] = u_in as u32;
            self.dirty_revs.clear();
            self.dirty_revs.push(v_in as u32);
            while stem != u_out {
                let next_stem = self.parent[stem] as usize;
                self.thread[last] = next_stem as u32;
                self.dirty_revs.push(last as u32);
                let before = self.rev_thread[stem] as usize;
                self.thread[before] = after as u32;
                self.rev_thread[after] = before as u32;
                self.parent[stem] = par_stem as i32;
                par_stem = stem;
                stem = next_stem;
                last = if self.last_succ[stem] == self.last_succ[par_stem] {
                    self.rev_thread[par_stem] as usize
                } else {
                    self.last_succ[stem] as usize
                };
                after = self.thread[last] as usize;
            }
            self.parent[u_out] = par_stem as i32;
            self.thread[last] = thread_continue as u32;
            self.rev_thread[thread_continue] = last as u32;
            self.last_succ[u_out] = last as u32;
            if old_rev_thread != v_in {
                self.thread[old_rev_thread] = after as u32;
                self.rev_thread[after] = old_rev_thread as u32;
            }
            for i in 0..self.dirty_revs.len() {
                let u = self.dirty_revs[i] as usize;
                let t = self.thread[u] as usize;
                self.rev_thread[t] = u as u32;
            }
            let mut tmp_sc: i64 = 0;
            let tmp_ls = self.last_succ[u_out];
            let mut u = u_out;
            while u != u_in {
                let p = self.parent[u] as usize;
                self.pred[u] = self.pred[p];
                self.pred_dir[u] = -self.pred_dir[p];
                tmp_sc += i64::from(self.succ_num[u]) - i64::from(self.succ_num[p]);
                self.succ_num[u] = tmp_sc as u32;
                self.last_succ[p] = tmp_ls;
                u = p;
            }
            self.pred[u_in] = in_arc as u32;
            self.pred_dir[u_in] = if u_in == self.source[in_arc] as usize {
                DIR_UP
            } else {
                DIR_DOWN
            };
            self.succ_num[u_in] = old_succ_num;
        }

        let up_limit_out: i64 = if self.last_succ[join] as usize == v_in {
            join as i64
        } else {
            -1
        };
        let last_succ_out = self.last_succ[u_out];
        let mut u = v_in as i64;
        while u != -1 && self.last_succ[u as usize] as usize == v_in {
            self.last_succ[u as usize] = last_succ_out;
            u = i64::from(self.parent[u as usize]);
        }
        if join != old_rev_thread && v_in != old_rev_thread {
            let mut u = v_out as i64;
            while u != up_limit_out && self.last_succ[u as usize] as usize == old_last_succ {
                self.last_succ[u as usize] = old_rev_thread as u32;
                u = i64::from(self.parent[u as usize]);
            }
        } else if last_succ_out as usize != old_last_succ {
            let mut u = v_out as i64;
            while u != up_limit_out && self.last_succ[u as usize] as usize == old_last_succ {
                self.last_succ[u as usize] = last_succ_out;
                u = i64::from(self.parent[u as usize]);
            }
        }
        let mut u = v_in;
        while u != join {
            self.succ_num[u] += old_succ_num;
            u = self.parent[u] as usize;
        }
        let mut u = v_out;
        while u != join {
            self.succ_num[u] -= old_succ_num;
            u = self.parent[u] as usize;
        }
    }

    fn update_potential(&mut self) {
        let (u_in, v_in, in_arc) = (self.u_in, self.v_in, self.in_arc);
        let sigma = self.pi[v_in] - self.pi[u_in] - self.pred_dir[u_in] * self.cost[in_arc];
        let end = self.thread[self.last_succ[u_in] as usize] as usize;
        let mut u = u_in;
        while u != end {
            self.pi[u] += sigma;
            u = self.thread[u] as usize;
        }
    }

    /// One pivot on `in_arc`; false if the problem is unbounded.
    fn pivot(&mut self) -> bool {
        self.find_join_node();
        let change = self.find_leaving_arc();
        if self.delta == UNBOUNDED {
            return false;
        }
        self.change_flow(change);
        if change {
            self.update_tree_structure();
            self.update_potential();
        }
        true
    }

    fn run(mut self) -> Result<Solution, FlowError> {
        let mut pivots = 0u64;
        if self.m > 0 {
            while self.find_entering_arc() {
                if !self.pivot() {
                    return Err(FlowError::Unbounded);
                }
                pivots += 1;
            }
        }
        if (self.m..self.m + self.n).any(|e| self.flow[e] != 0) {
            return Err(FlowError::Infeasible);
        }
        self.flow.truncate(self.m);
        let cost = self
            .flow
            .iter()
            .zip(&self.cost)
            .map(|(f, c)| i128::from(*f) * i128::from(*c))
            .sum::<i128>();
        let cost = i64::try_from(cost).map_err(|_| FlowError::TooLarge)?;
        Ok(Solution {
            flow: self.flow,
            cost,
            pivots,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_transport_problem() {
        // Two sources (3 and 2), two sinks (-4 and -1).
        let mut n = Network::new(4);
        n.set_supply(0, 3);
        n.set_supply(1, 2);
        n.set_supply(2, -4);
        n.set_supply(3, -1);
        n.add_arc(0, 2, UNBOUNDED, 4);
        n.add_arc(0, 3, UNBOUNDED, 1);
        n.add_arc(1, 2, UNBOUNDED, 2);
        n.add_arc(1, 3, UNBOUNDED, 3);
        let s = n.solve().expect("solves");
        // 0→3 1 (1), 0→2 2 (8), 1→2 2 (4): 13.
        assert_eq!(s.cost, 13);
        assert_eq!(s.flow, vec![2, 1, 2, 0]);
    }

    #[test]
    fn capacities_and_infeasibility() {
        let mut n = Network::new(2);
        n.set_supply(0, 5);
        n.set_supply(1, -5);
        n.add_arc(0, 1, 3, 1);
        assert_eq!(n.solve(), Err(FlowError::Infeasible));
        let mut n = Network::new(2);
        n.set_supply(0, 5);
        n.set_supply(1, -4);
        assert_eq!(n.solve(), Err(FlowError::Unbalanced(1)));
    }

    #[test]
    fn negative_costs_are_used_when_they_pay() {
        let mut n = Network::new(3);
        n.set_supply(0, 2);
        n.set_supply(2, -2);
        n.add_arc(0, 1, 1, -5);
        n.add_arc(1, 2, UNBOUNDED, 1);
        n.add_arc(0, 2, UNBOUNDED, 0);
        let s = n.solve().expect("solves");
        assert_eq!(s.cost, -4);
    }
}
