//! The engine's tables: one module each, each owning its columns (one `Vec` a field, a
//! row a fact), the rows of each case, how a case's record becomes rows (`upsert`) and
//! what a pass over the rows adds to the figures (`accumulate`).

pub(crate) mod clocks;
pub(crate) mod disputes;
pub(crate) mod placements;
pub(crate) mod plans;
pub(crate) mod requests;
pub(crate) mod reviews;

use crate::{Engine, Filter};

/// The columns every table has: whether a row is still a fact, its case and its area,
/// and each case's rows.
#[derive(Default)]
pub(crate) struct Keys {
    pub by_case: Vec<Vec<u32>>,
    pub alive: Vec<bool>,
    pub case: Vec<u32>,
    pub area: Vec<u32>,
}

impl Keys {
    /// Appends an empty row and returns its number.
    fn push(&mut self) -> u32 {
        self.alive.push(false);
        self.case.push(0);
        self.area.push(0);
        self.alive.len() as u32 - 1
    }

    /// Marks a row a fact of case `ci` in area `a`.
    pub fn set(&mut self, row: usize, ci: usize, a: u32) {
        self.alive[row] = true;
        self.case[row] = ci as u32;
        self.area[row] = a;
    }
}

/// What every table does with its rows.
pub(crate) trait Table {
    /// The columns every table has.
    fn keys(&mut self) -> &mut Keys;
    /// Appends an empty row to the table's own columns.
    fn push_own(&mut self);

    /// Appends an empty row and returns its number.
    fn push_empty(&mut self) -> u32 {
        self.push_own();
        self.keys().push()
    }

    /// The rows of each case.
    fn by_case(&mut self) -> &mut Vec<Vec<u32>> {
        &mut self.keys().by_case
    }

    /// Room for a case not seen before.
    fn new_case(&mut self) {
        self.by_case().push(Vec::new());
    }

    /// The rows for a case's `n` facts: its own when their number is unchanged, else new
    /// rows at the end with the old ones retired.
    fn place(&mut self, case: usize, n: usize) -> Vec<u32> {
        let rows = std::mem::take(&mut self.by_case()[case]);
        if rows.len() == n {
            return rows;
        }
        for r in rows {
            self.keys().alive[r as usize] = false;
        }
        (0..n).map(|_| self.push_empty()).collect()
    }
}

/// One pass over the tables: the periods asked for (as day numbers), which children
/// count, and one area (its index) or all.
pub(crate) struct Scan<'a> {
    pub bounds: Vec<(i32, i32)>,
    /// The period of each day from the first period's start to the last one's end.
    pub periods: Periods,
    pub filter: &'a Filter,
    /// The filter chooses every child.
    pub any: bool,
    pub only: Option<u32>,
    pub engine: &'a Engine,
}

impl Scan<'_> {
    /// The period a day falls in, if any: one look in a table of the days the periods
    /// span (a few thousand bytes), not a search, since every row asks it two or three
    /// times.
    #[inline]
    pub fn which(&self, d: i32) -> Option<usize> {
        self.periods.of(d)
    }

    /// Whether a case counts in period `p` under the filter.
    #[inline]
    pub fn ok(&self, case: u32, p: usize) -> bool {
        self.any
            || self
                .engine
                .chosen(case as usize, self.filter, self.bounds[p].1)
    }

    /// Whether a row is passed over: retired, or another area's when one is asked for.
    #[inline]
    fn skip(&self, alive: bool, area: u32) -> bool {
        !alive || self.only.is_some_and(|o| o != area)
    }

    /// The rows to visit: one area's cases' rows only (else every row, in order).
    fn rows(&self, per_case: &[Vec<u32>]) -> Option<Vec<u32>> {
        self.only.map(|o| {
            self.engine.area_cases[o as usize]
                .iter()
                .flat_map(|c| per_case[*c as usize].iter().copied())
                .collect()
        })
    }

    /// Calls `f` with each live row of the area asked for (every area's when none is):
    /// its number, its case and its area's index.
    #[inline]
    pub fn each(&self, keys: &Keys, mut f: impl FnMut(usize, u32, usize)) {
        let rows = self.rows(&keys.by_case);
        for i in visit(&rows, keys.alive.len()) {
            let a = keys.area[i];
            if self.skip(keys.alive[i], a) {
                continue;
            }
            f(i, keys.case[i], a as usize);
        }
    }
}

/// Each day's period, from the first period's first day to the last one's last, as an
/// index (`u8::MAX` for a day in none). Periods are sorted and do not overlap.
pub(crate) struct Periods {
    first: i32,
    of_day: Vec<u8>,
}

impl Periods {
    pub fn new(bounds: &[(i32, i32)]) -> Periods {
        let (Some(first), Some(last)) = (
            bounds.iter().map(|b| b.0).min(),
            bounds.iter().map(|b| b.1).max(),
        ) else {
            return Periods {
                first: 0,
                of_day: Vec::new(),
            };
        };
        let mut of_day = vec![u8::MAX; (last - first + 1).max(0) as usize];
        for (p, (from, to)) in bounds.iter().enumerate().take(usize::from(u8::MAX)) {
            for d in *from..=*to {
                of_day[(d - first) as usize] = p as u8;
            }
        }
        Periods { first, of_day }
    }

    #[inline]
    pub fn of(&self, d: i32) -> Option<usize> {
        // NONE (i32::MIN) and every day outside fall off the table.
        let i = usize::try_from(d.wrapping_sub(self.first)).ok()?;
        match self.of_day.get(i) {
            Some(&p) if p != u8::MAX => Some(usize::from(p)),
            _ => None,
        }
    }
}

/// Row numbers: every row (`n` of them), or those listed.
fn visit(rows: &Option<Vec<u32>>, n: usize) -> RowNumbers<'_> {
    match rows {
        Some(r) => RowNumbers::Some(r.iter()),
        None => RowNumbers::All(0..n),
    }
}

/// Row numbers: every row, or those listed.
enum RowNumbers<'a> {
    All(std::ops::Range<usize>),
    Some(std::slice::Iter<'a, u32>),
}

impl Iterator for RowNumbers<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        match self {
            RowNumbers::All(r) => r.next(),
            RowNumbers::Some(i) => i.next().map(|x| *x as usize),
        }
    }
}
