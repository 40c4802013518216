//! One child seen whole: of the children with an EHC plan or a request under way, those
//! waiting for a health assessment or therapy, missing education, on a part-time
//! timetable or (with a plan) awaiting a placement, each counted once however many of
//! these apply, by primary need and by phase, for the dashboard and the board report.
//! The children behind each figure are kept for the roles that may open their records.

use chrono::NaiveDate;
use sendscope_domain::Stage;
use sendscope_domain::ids::{AreaId, CaseId};
use sendscope_domain::sen::NeedType;
use sendscope_store::{CaseQuery, Store, StoreError};
use serde::Serialize;
use std::collections::HashSet;

/// The measures, as (key, label), in the order the tables show them.
pub const MEASURES: [(&str, &str); 5] = [
    ("waiting", "Waiting for a health assessment or therapy"),
    ("missing", "Missing education"),
    ("part_time", "On a part-time timetable"),
    ("awaiting", "Awaiting a placement (with a plan)"),
    ("any", "Any of these, each child once"),
];

/// The phases, by age on the day: (key, label, youngest, oldest).
pub const PHASES: [(&str, &str, i32, i32); 5] = [
    ("early_years", "Early years (under 5)", 0, 4),
    ("primary", "Primary (5 to 10)", 5, 10),
    ("secondary", "Secondary (11 to 15)", 11, 15),
    ("post_16", "16 to 19", 16, 19),
    ("post_19", "20 to 25", 20, 25),
];

/// A group's figures: the children with a plan or request in it, and how many of them
/// each measure counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub children: u64,
    pub waiting: u64,
    pub missing: u64,
    pub part_time: u64,
    pub awaiting: u64,
    pub any: u64,
}

impl Counts {
    /// A measure's count by its key (see [`MEASURES`]).
    pub fn get(&self, key: &str) -> u64 {
        match key {
            "waiting" => self.waiting,
            "missing" => self.missing,
            "part_time" => self.part_time,
            "awaiting" => self.awaiting,
            "any" => self.any,
            _ => self.children,
        }
    }

    fn add(&mut self, c: &Child) {
        self.children += 1;
        self.waiting += u64::from(c.waiting);
        self.missing += u64::from(c.missing);
        self.part_time += u64::from(c.part_time);
        self.awaiting += u64::from(c.awaiting);
        self.any += u64::from(c.any());
    }
}

/// One child of the cohort with what applies to them.
#[derive(Debug, Clone)]
pub struct Child {
    pub case: CaseId,
    /// The primary need's code ("none" before a plan names one).
    pub need: String,
    /// The phase's key ("unknown" without a date of birth).
    pub phase: &'static str,
    pub waiting: bool,
    pub missing: bool,
    pub part_time: bool,
    pub awaiting: bool,
}

impl Child {
    pub fn any(&self) -> bool {
        self.waiting || self.missing || self.part_time || self.awaiting
    }

    /// Whether a measure (by key) counts this child.
    pub fn counted(&self, key: &str) -> bool {
        match key {
            "waiting" => self.waiting,
            "missing" => self.missing,
            "part_time" => self.part_time,
            "awaiting" => self.awaiting,
            "any" => self.any(),
            _ => true,
        }
    }
}

/// A row of a table: its key, its label and its figures.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub key: String,
    pub label: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Joined {
    pub on: NaiveDate,
    pub total: Counts,
    pub by_need: Vec<Row>,
    pub by_phase: Vec<Row>,
    /// Every child of the cohort (not in the JSON: the figures are what is published).
    #[serde(skip)]
    pub children: Vec<Child>,
}

impl Joined {
    /// The children a figure counts: a measure's key, and a need's or phase's key (or
    /// none for the whole area).
    pub fn behind(&self, measure: &str, group: Option<&str>) -> Vec<CaseId> {
        self.children
            .iter()
            .filter(|c| c.counted(measure))
            .filter(|c| group.is_none_or(|g| c.need == g || c.phase == g))
            .map(|c| c.case)
            .collect()
    }
}

/// The phase of a child born on `birth` on the day `on`.
pub fn phase(birth: Option<NaiveDate>, on: NaiveDate) -> &'static str {
    let Some(age) = birth.and_then(|b| on.years_since(b)) else {
        return "unknown";
    };
    let age = i32::try_from(age).unwrap_or(i32::MAX);
    PHASES
        .iter()
        .find(|(_, _, lo, hi)| (*lo..=*hi).contains(&age))
        .map(|p| p.0)
        .unwrap_or("unknown")
}

fn in_cohort(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::RequestReceived | Stage::Assessing | Stage::DraftPlan | Stage::PlanInPlace
    )
}

/// The joined count for an area on a day: the case list's current stages, each child's
/// education registers as they stand, and the referrals waiting on the day.
pub fn joined(store: &dyn Store, area: AreaId, on: NaiveDate) -> Result<Joined, StoreError> {
    let waiting: HashSet<CaseId> = crate::waits::referrals(store, area)?
        .into_iter()
        .filter_map(|(_, r)| {
            let x = r.received.as_ref()?;
            let open = x.received_on <= on && r.stopped.as_ref().is_none_or(|s| s.on > on);
            if open { x.case } else { None }
        })
        .collect();
    let mut children = Vec::new();
    let mut q = CaseQuery {
        area: Some(area),
        limit: 500,
        ..Default::default()
    };
    loop {
        let page = store.list_cases(&q)?;
        let rows: Vec<_> = page.rows.iter().filter(|r| in_cohort(r.stage)).collect();
        let refs: Vec<_> = rows
            .iter()
            .map(|r| sendscope_domain::StreamRef::case(r.case))
            .collect();
        for (row, p) in rows.iter().zip(store.projections(&refs)?) {
            let Some(c) = p.as_ref().and_then(|p| p.case()) else {
                continue;
            };
            let e = &c.education;
            children.push(Child {
                case: row.case,
                need: row
                    .primary_need
                    .map(|n| n.code().to_string())
                    .unwrap_or_else(|| "none".into()),
                phase: phase(row.birth_date, on),
                waiting: waiting.contains(&row.case),
                missing: e.missing.iter().any(|m| m.closed.is_none()),
                part_time: e.timetables.iter().any(|t| t.ended_on.is_none()),
                awaiting: row.stage == Stage::PlanInPlace && c.awaiting_placement(),
            });
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let mut total = Counts::default();
    let mut by_need: Vec<Row> = NeedType::all()
        .map(|n| Row {
            key: n.code().to_string(),
            label: format!("{} ({})", n.description(), n.code()),
            counts: Counts::default(),
        })
        .chain(std::iter::once(Row {
            key: "none".into(),
            label: "No plan yet (a request under way)".into(),
            counts: Counts::default(),
        }))
        .collect();
    let mut by_phase: Vec<Row> = PHASES
        .iter()
        .map(|(k, l, _, _)| Row {
            key: (*k).to_string(),
            label: (*l).to_string(),
            counts: Counts::default(),
        })
        .chain(std::iter::once(Row {
            key: "unknown".into(),
            label: "Date of birth not known".into(),
            counts: Counts::default(),
        }))
        .collect();
    for c in &children {
        total.add(c);
        if let Some(r) = by_need.iter_mut().find(|r| r.key == c.need) {
            r.counts.add(c);
        }
        if let Some(r) = by_phase.iter_mut().find(|r| r.key == c.phase) {
            r.counts.add(c);
        }
    }
    by_need.retain(|r| r.counts.children > 0);
    by_phase.retain(|r| r.counts.children > 0);
    Ok(Joined {
        on,
        total,
        by_need,
        by_phase,
        children,
    })
}
