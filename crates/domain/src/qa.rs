//! Plan quality assurance: a plan audited section by section (A to K) against a rubric,
//! by auditors from education, health and social care. Scores and the grade they give
//! are recorded as events (`case.plan_audited`) and shown beside timeliness, so that a
//! plan issued on time is never counted as a success on its own.
//!
//! The rubric is data: an area adopts its own (`area.qa_rubric_adopted`), versioned by
//! the date it takes effect; until then [`Rubric::standard`] applies.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The services whose auditors audit plans.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AuditService {
    Education,
    Health,
    SocialCare,
}

impl AuditService {
    pub fn label(self) -> &'static str {
        match self {
            AuditService::Education => "education",
            AuditService::Health => "health",
            AuditService::SocialCare => "social care",
        }
    }
}

/// An overall grade, best first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum QaGrade {
    Outstanding,
    Good,
    RequiresImprovement,
    Inadequate,
}

impl QaGrade {
    pub const ALL: [QaGrade; 4] = [
        QaGrade::Outstanding,
        QaGrade::Good,
        QaGrade::RequiresImprovement,
        QaGrade::Inadequate,
    ];
    pub fn label(self) -> &'static str {
        match self {
            QaGrade::Outstanding => "Outstanding",
            QaGrade::Good => "Good",
            QaGrade::RequiresImprovement => "Requires improvement",
            QaGrade::Inadequate => "Inadequate",
        }
    }
    /// Good or outstanding.
    pub fn good_or_better(self) -> bool {
        self <= QaGrade::Good
    }
}

/// One section of the plan and what a good one does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RubricSection {
    /// a, b, c, d, e, f, g, h1, h2, i, j, k.
    pub key: String,
    pub label: String,
    pub good_looks_like: String,
}

/// How section scores become a grade. Scores run from 1 (inadequate) to `max_score`;
/// the grade is the best whose mean and lowest-score thresholds are both met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GradeRule {
    pub grade: QaGrade,
    pub min_mean: f64,
    pub min_lowest: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rubric {
    pub id: String,
    pub title: String,
    pub max_score: u8,
    pub sections: Vec<RubricSection>,
    /// Best grade first; the last should accept anything.
    pub grades: Vec<GradeRule>,
}

const STANDARD_SECTIONS: &[(&str, &str, &str)] = &[
    (
        "a",
        "A: views, interests and aspirations",
        "In the child's or young person's own words where possible, with the family's views; says what matters to them now and for the future.",
    ),
    (
        "b",
        "B: special educational needs",
        "Every need identified in the advice, described specifically, with what it means day to day.",
    ),
    (
        "c",
        "C: health needs",
        "Health needs related to the SEN, from the health advice, specific and current.",
    ),
    (
        "d",
        "D: social care needs",
        "Social care needs related to the SEN or disability, from the social care advice.",
    ),
    (
        "e",
        "E: outcomes",
        "SMART outcomes that follow from the needs and the aspirations, with steps towards them.",
    ),
    (
        "f",
        "F: special educational provision",
        "Specified and quantified for each need (what, who, how often, for how long).",
    ),
    (
        "g",
        "G: health provision",
        "Provision reasonably required by the health needs, specified, with who provides it.",
    ),
    (
        "h1",
        "H1: social care provision (CSDPA s.2)",
        "Provision under s.2 of the Chronically Sick and Disabled Persons Act, specified.",
    ),
    (
        "h2",
        "H2: other social care provision",
        "Other social care provision reasonably required, specified.",
    ),
    (
        "i",
        "I: placement",
        "The school or other setting named (or its type), consistent with the provision.",
    ),
    (
        "j",
        "J: personal budget",
        "Any personal budget, what it covers and how it is managed; or that none was asked for.",
    ),
    (
        "k",
        "K: advice and information",
        "Every piece of advice and information gathered, listed and attached.",
    ),
];

impl Rubric {
    /// The rubric sendscope ships: the 12 statutory sections scored 1 to 4, as many
    /// local areas' multi-agency audit tools do.
    pub fn standard() -> Rubric {
        Rubric {
            id: "sendscope-standard-2025".into(),
            title: "EHC plan quality: sections A to K, scored 1 (inadequate) to 4 (outstanding)"
                .into(),
            max_score: 4,
            sections: STANDARD_SECTIONS
                .iter()
                .map(|(k, l, g)| RubricSection {
                    key: (*k).into(),
                    label: (*l).into(),
                    good_looks_like: (*g).into(),
                })
                .collect(),
            grades: vec![
                GradeRule {
                    grade: QaGrade::Outstanding,
                    min_mean: 3.5,
                    min_lowest: 3,
                },
                GradeRule {
                    grade: QaGrade::Good,
                    min_mean: 3.0,
                    min_lowest: 2,
                },
                GradeRule {
                    grade: QaGrade::RequiresImprovement,
                    min_mean: 2.0,
                    min_lowest: 1,
                },
                GradeRule {
                    grade: QaGrade::Inadequate,
                    min_mean: 0.0,
                    min_lowest: 0,
                },
            ],
        }
    }

    /// Checks a rubric is usable: sections, a scale, and grades that end with a catch-all.
    pub fn check(&self) -> Result<(), String> {
        if self.id.trim().is_empty() || self.sections.is_empty() {
            return Err("a rubric needs an id and at least one section".into());
        }
        if !(2..=10).contains(&self.max_score) {
            return Err("max_score must be between 2 and 10".into());
        }
        let mut keys: Vec<&str> = self.sections.iter().map(|s| s.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.len() != self.sections.len() {
            return Err("each section key may appear once".into());
        }
        match self.grades.last() {
            Some(g) if g.min_mean <= 0.0 && g.min_lowest == 0 => Ok(()),
            _ => Err("the last grade must accept any scores (min_mean 0, min_lowest 0)".into()),
        }
    }

    /// The grade scores give, or what is wrong with them.
    pub fn grade(&self, scores: &BTreeMap<String, u8>) -> Result<QaGrade, String> {
        for s in &self.sections {
            match scores.get(&s.key) {
                Some(v) if (1..=self.max_score).contains(v) => {}
                Some(v) => {
                    return Err(format!(
                        "section {} is scored {v}: scores run from 1 to {}",
                        s.label, self.max_score
                    ));
                }
                None => return Err(format!("score section {}", s.label)),
            }
        }
        if let Some(k) = scores
            .keys()
            .find(|k| !self.sections.iter().any(|s| &s.key == *k))
        {
            return Err(format!("{k:?} is not a section of the rubric {}", self.id));
        }
        let n = self.sections.len() as f64;
        let mean = self
            .sections
            .iter()
            .map(|s| f64::from(scores[&s.key]))
            .sum::<f64>()
            / n;
        let lowest = self
            .sections
            .iter()
            .map(|s| scores[&s.key])
            .min()
            .unwrap_or(0);
        Ok(self
            .grades
            .iter()
            .find(|g| mean + 1e-9 >= g.min_mean && lowest >= g.min_lowest)
            .map(|g| g.grade)
            .unwrap_or(QaGrade::Inadequate))
    }
}

/// Plans audited, by grade: what sits beside a timeliness figure.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QualitySummary {
    pub audited: u64,
    pub by_grade: BTreeMap<QaGrade, u64>,
    pub good_or_better: u64,
}

impl QualitySummary {
    /// Counts the latest audit of a plan, if it has one.
    pub fn add(&mut self, latest: Option<QaGrade>) {
        if let Some(g) = latest {
            self.audited += 1;
            *self.by_grade.entry(g).or_default() += 1;
            self.good_or_better += u64::from(g.good_or_better());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(v: u8) -> BTreeMap<String, u8> {
        Rubric::standard()
            .sections
            .iter()
            .map(|s| (s.key.clone(), v))
            .collect()
    }

    #[test]
    fn grades_follow_the_rubric() {
        let r = Rubric::standard();
        assert!(r.check().is_ok());
        assert_eq!(r.grade(&all(4)), Ok(QaGrade::Outstanding));
        assert_eq!(r.grade(&all(3)), Ok(QaGrade::Good));
        assert_eq!(r.grade(&all(2)), Ok(QaGrade::RequiresImprovement));
        assert_eq!(r.grade(&all(1)), Ok(QaGrade::Inadequate));
        // One inadequate section caps a plan at requires improvement, however good the rest.
        let mut s = all(4);
        s.insert("f".into(), 1);
        assert_eq!(r.grade(&s), Ok(QaGrade::RequiresImprovement));
        // Mean 3.5 with a 2: good, not outstanding.
        let mut s = all(4);
        s.insert("e".into(), 2);
        s.insert("k".into(), 2);
        s.insert("a".into(), 4);
        assert_eq!(r.grade(&s), Ok(QaGrade::Good));
        let mut s = all(3);
        s.remove("k");
        assert!(r.grade(&s).unwrap_err().contains("K: advice"));
        s.insert("k".into(), 5);
        assert!(r.grade(&s).unwrap_err().contains("1 to 4"));
        let mut s = all(3);
        s.insert("z".into(), 3);
        assert!(r.grade(&s).is_err());
    }
}
