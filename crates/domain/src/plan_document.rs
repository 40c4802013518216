//! The EHC plan as a document: every version the family was given (each draft, the
//! issued plan, each amendment, a plan brought in from an earlier record), kept whole,
//! and what changed from one to the next, section by section. Derived from the case's
//! events as they stand (corrections applied, voided events left out), never stored
//! apart from them.

use crate::event::{EventBody, NamedSetting, PLAN_SECTIONS, PlanSections};
use crate::sen::Need;
use crate::{DomainError, RecordedEvent};
use chrono::NaiveDate;

/// What kind of version a plan version is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    Draft,
    Final,
    Amended,
    /// A plan made before sendscope, brought in with its record.
    Recorded,
}

impl VersionKind {
    pub fn label(self) -> &'static str {
        match self {
            VersionKind::Draft => "Draft plan",
            VersionKind::Final => "Final plan",
            VersionKind::Amended => "Amended plan",
            VersionKind::Recorded => "Plan brought in from an earlier record",
        }
    }
}

/// One version of the plan, whole.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanVersion {
    /// 1 for the first version, in the order they were made.
    pub number: usize,
    pub kind: VersionKind,
    /// The day it was served, issued or amended.
    pub on: NaiveDate,
    /// Who recorded it (the event's actor).
    pub recorded_by: String,
    pub sections: PlanSections,
    /// Section I: the settings named (none in a draft, which names no setting).
    pub named: Vec<NamedSetting>,
    pub needs: Vec<Need>,
    pub personal_budget: Option<bool>,
}

/// Every version of the plan in a case's events, oldest first.
pub fn versions(events: &[RecordedEvent]) -> Result<Vec<PlanVersion>, DomainError> {
    let bodies = crate::projection::bodies_in_effect(events)?;
    let mut out: Vec<PlanVersion> = Vec::new();
    for (e, body) in events.iter().zip(bodies) {
        let last = out.last();
        let (kind, on, sections, named, needs, budget) = match body {
            Some(EventBody::DraftPlanServed(d)) => (
                VersionKind::Draft,
                d.on,
                d.sections,
                Vec::new(),
                Vec::new(),
                None,
            ),
            Some(EventBody::FinalPlanIssued(f)) => (
                VersionKind::Final,
                f.on,
                f.sections,
                f.named,
                f.needs,
                Some(f.personal_budget),
            ),
            Some(EventBody::PlanRecorded(p)) => (
                VersionKind::Recorded,
                p.plan_start,
                p.sections,
                p.named,
                p.needs,
                Some(p.personal_budget),
            ),
            Some(EventBody::PlanAmended(a)) => {
                let Some(before) = last else { continue };
                (
                    VersionKind::Amended,
                    a.on,
                    a.sections.unwrap_or_else(|| before.sections.clone()),
                    a.named,
                    a.needs,
                    before.personal_budget,
                )
            }
            _ => continue,
        };
        out.push(PlanVersion {
            number: out.len() + 1,
            kind,
            on,
            recorded_by: e.actor.clone(),
            sections,
            named,
            needs,
            personal_budget: budget,
        });
    }
    Ok(out)
}

/// A section's content as lines, for reading and for comparing versions: its text line
/// by line, then (E) each outcome or (F) each line of provision on one line.
pub fn section_lines(s: &PlanSections, key: &str) -> Vec<String> {
    let mut lines: Vec<String> = s
        .text(key)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    match key {
        "e" => lines.extend(s.outcomes.iter().map(|o| {
            let mut l = format!("Outcome: {}", o.outcome.trim());
            if !o.steps.trim().is_empty() {
                l.push_str(&format!(". Steps: {}", o.steps.trim()));
            }
            if let Some(by) = o.by {
                l.push_str(&format!(". By {}", by.format("%-d %B %Y")));
            }
            l
        })),
        "f" => lines.extend(s.provision.iter().map(|p| {
            format!(
                "{}: {}, by {}",
                p.what.trim(),
                p.how_often.trim(),
                p.by_whom.trim()
            )
        })),
        _ => {}
    }
    lines
}

/// What changed in one section between two versions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SectionChange {
    pub key: &'static str,
    pub heading: &'static str,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

/// The lines of `before` not in `after` and those of `after` not in `before`, each in
/// its own order (a line repeated counts each time).
pub fn line_changes(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let mut left: Vec<Option<&String>> = before.iter().map(Some).collect();
    let mut added = Vec::new();
    for line in after {
        match left.iter().position(|l| *l == Some(line)) {
            Some(i) => left[i] = None,
            None => added.push(line.clone()),
        }
    }
    (left.into_iter().flatten().cloned().collect(), added)
}

/// Section by section, what changed from `before` to `after`; sections unchanged are
/// left out. `extra` adds lines a section shows beyond its text (section I's named
/// settings, by name), for each version.
pub fn changes(
    before: &PlanVersion,
    after: &PlanVersion,
    extra: &dyn Fn(&PlanVersion, &str) -> Vec<String>,
) -> Vec<SectionChange> {
    PLAN_SECTIONS
        .iter()
        .filter_map(|(key, heading)| {
            let lines = |v: &PlanVersion| {
                let mut l = section_lines(&v.sections, key);
                l.extend(extra(v, key));
                l
            };
            let (removed, added) = line_changes(&lines(before), &lines(after));
            (!removed.is_empty() || !added.is_empty()).then_some(SectionChange {
                key,
                heading,
                removed,
                added,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_changes_keep_order_and_count_repeats() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (removed, added) = line_changes(&v(&["a", "b", "b", "c"]), &v(&["b", "c", "d"]));
        assert_eq!(removed, v(&["a", "b"]));
        assert_eq!(added, v(&["d"]));
        assert_eq!(line_changes(&v(&["x"]), &v(&["x"])), (vec![], vec![]));
    }
}
