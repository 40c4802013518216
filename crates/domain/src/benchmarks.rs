//! Published statistics kept beside the area's own figures: each DfE file imported is a
//! publication record (`publication.figures_recorded`, then `publication.figures_revised`
//! when the file changes), holding every figure exactly as printed. Shown beside the KPI
//! engine's figures, never mixed into them.

use serde::{Deserialize, Serialize};

/// One published figure as printed: suppression codes (c, x, z, low) kept as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PublishedFigure {
    /// sendscope's name for the measure, e.g. `plans_within_20_weeks`.
    pub measure: String,
    /// A calendar year ("2024") or a census ("January 2025").
    pub period: String,
    /// "National", "Regional" or "Local authority".
    pub level: String,
    /// E92000001, a region's E12… code, or a local authority's old code (831).
    pub code: String,
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
    pub release: u16,
}

/// How an area publishes its figures (`area.figures_settings_adopted`, the latest wins):
/// the areas it compares itself with, and below what count board and public views show
/// "c" instead of a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FiguresSettings {
    /// Comparator local authorities, by their old three-digit LA codes (e.g. 830).
    pub comparators: Vec<crate::codes::LaCode>,
    /// Counts from 1 to this less one are suppressed (the DfE's rule is 5).
    pub suppress_below: u64,
}

impl FiguresSettings {
    pub const DEFAULT_SUPPRESS_BELOW: u64 = 5;

    pub fn check(&self) -> Result<(), String> {
        if !(1..=100).contains(&self.suppress_below) {
            return Err(format!(
                "suppress_below must be from 1 (suppress nothing) to 100, not {}; the DfE suppresses counts below 5",
                self.suppress_below
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.comparators {
            if !seen.insert(c.to_string()) {
                return Err(format!(
                    "comparator {c} is listed twice: list each area once"
                ));
            }
        }
        Ok(())
    }
}

/// A file's figures, with where they came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FiguresRecorded {
    /// The file's name as imported.
    pub source: String,
    /// SHA-256 of the file's bytes, hex: an unchanged file is not recorded again.
    pub digest: String,
    pub release: u16,
    pub figures: Vec<PublishedFigure>,
}
