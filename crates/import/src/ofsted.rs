//! Ofsted inspection files, read through a column mapping (TOML): the management
//! information for graded inspections (the default mapping) or report cards (a shipped
//! mapping to copy and adjust, since their layout is not fixed yet).

use crate::{FileError, Rejection, decode};
use chrono::NaiveDate;
use sendscope_domain::codes::Urn;
use sendscope_domain::event::{InspectionFramework, Judgement, ReportCardScale, SettingInspected};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Which columns hold what.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub framework: InspectionFramework,
    pub urn: String,
    pub inspection_start: String,
    #[serde(default)]
    pub published: Option<String>,
    /// Judgement key (what the gates read) → column name.
    pub areas: BTreeMap<String, String>,
}

pub const GRADED: &str = include_str!("../mappings/ofsted-graded.toml");
pub const REPORT_CARD: &str = include_str!("../mappings/ofsted-report-card.toml");

impl Mapping {
    /// A mapping file's text, or what is wrong with it.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        // One line: where, and what is wrong.
        let m: Mapping = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| {
                    format!(
                        "line {}: ",
                        text[..s.start.min(text.len())].lines().count().max(1)
                    )
                })
                .unwrap_or_default();
            format!("{line}{}", e.message().trim().replace('\n', "; "))
        })?;
        if m.areas.is_empty() {
            return Err("the mapping names no [areas] columns".into());
        }
        Ok(m)
    }
    pub fn graded() -> Mapping {
        Mapping::parse(GRADED).expect("the shipped graded mapping parses")
    }
    pub fn report_card() -> Mapping {
        Mapping::parse(REPORT_CARD).expect("the shipped report-card mapping parses")
    }
}

/// One school's inspection from one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    pub row: u64,
    pub urn: Urn,
    pub inspection: SettingInspected,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub inspections: Vec<Inspection>,
    pub rejected: Vec<Rejection>,
    /// Rows with no judgement at all (not inspected under this framework).
    pub skipped: u64,
    pub rows: u64,
}

/// An Ofsted date: DD/MM/YYYY as Ofsted publishes, or DD-MM-YYYY, or YYYY-MM-DD.
fn date(s: &str) -> Result<Option<NaiveDate>, String> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .map(Some)
        .ok_or_else(|| "not a date: write DD/MM/YYYY, e.g. 14/03/2024".into())
}

fn judgement(
    framework: InspectionFramework,
    key: &str,
    v: &str,
) -> Result<Option<Judgement>, String> {
    let t = v.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("null") || t == "9" {
        return Ok(None);
    }
    match framework {
        InspectionFramework::Graded => match t.parse::<u8>() {
            Ok(g) if (1..=4).contains(&g) => Ok(Some(Judgement::Grade(g))),
            _ => Err("a grade is 1 (outstanding) to 4 (inadequate), or blank".into()),
        },
        InspectionFramework::ReportCard if key == "safeguarding" => {
            match t.to_ascii_lowercase().as_str() {
                "met" | "yes" => Ok(Some(Judgement::SafeguardingMet(true))),
                "not met" | "no" => Ok(Some(Judgement::SafeguardingMet(false))),
                _ => Err("safeguarding is met or not met".into()),
            }
        }
        InspectionFramework::ReportCard => ReportCardScale::parse(t).map(|s| Some(Judgement::Scale(s))).ok_or_else(|| {
            "a report-card judgement is exceptional, strong standard, expected standard, needs attention or urgent improvement".into()
        }),
    }
}

/// Reads an inspection file through a mapping.
pub fn parse(bytes: &[u8], mapping: &Mapping) -> Result<Parsed, FileError> {
    // The key columns are named by the mapping, so they are checked here.
    let (mut rdr, header, encoding) = crate::open(bytes, &[])?;
    let mut missing: Vec<&'static str> = Vec::new();
    if header.find(&mapping.urn).is_none() {
        missing.push("the URN column of the mapping");
    }
    if header.find(&mapping.inspection_start).is_none() {
        missing.push("the inspection start date column of the mapping");
    }
    let areas: Vec<(&String, usize)> = mapping
        .areas
        .iter()
        .filter_map(|(k, c)| header.find(c).map(|i| (k, i)))
        .collect();
    if areas.is_empty() {
        missing.push("any judgement column of the mapping");
    }
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing));
    }
    let (urn_at, start_at) = (
        header.find(&mapping.urn).unwrap_or_default(),
        header.find(&mapping.inspection_start).unwrap_or_default(),
    );
    let published_at = mapping.published.as_ref().and_then(|p| header.find(p));
    let mut out = Parsed::default();
    let (rows, fatal) = crate::each_row(&mut rdr, |row, record| {
        let column_name = |i: usize| -> String {
            if i == urn_at {
                mapping.urn.clone()
            } else if i == start_at {
                mapping.inspection_start.clone()
            } else {
                mapping
                    .areas
                    .iter()
                    .find(|(_, c)| header.find(c) == Some(i))
                    .map(|(_, c)| c.clone())
                    .or_else(|| mapping.published.clone())
                    .unwrap_or_default()
            }
        };
        let reject = |i: Option<usize>, value: &str, reason: String| Rejection {
            row,
            column: i.map(column_name).unwrap_or_default(),
            value: value.to_string(),
            reason,
        };
        let parsed = (|| -> Result<Option<Inspection>, Rejection> {
            if record.len() < header.len() {
                return Err(reject(
                    None,
                    "",
                    format!(
                        "the row has {} of the header's {} columns: the file may be cut short",
                        record.len(),
                        header.len()
                    ),
                ));
            }
            let get = |i: usize| -> Result<String, Rejection> {
                let bytes = record.get(i).unwrap_or_default();
                decode(bytes, encoding)
                    .map(|s| s.trim().to_string())
                    .map_err(|e| reject(Some(i), &String::from_utf8_lossy(bytes), e))
            };
            let urn_text = get(urn_at)?;
            if urn_text.is_empty() {
                return Err(reject(Some(urn_at), "", "the URN is missing".into()));
            }
            let urn = Urn::parse(&urn_text)
                .map_err(|e| reject(Some(urn_at), &urn_text, e.to_string()))?;
            let mut judgements = BTreeMap::new();
            for (key, i) in &areas {
                let v = get(*i)?;
                if let Some(j) =
                    judgement(mapping.framework, key, &v).map_err(|e| reject(Some(*i), &v, e))?
                {
                    judgements.insert((*key).clone(), j);
                }
            }
            let start_text = get(start_at)?;
            let start = date(&start_text).map_err(|e| reject(Some(start_at), &start_text, e))?;
            if judgements.is_empty() {
                return Ok(None);
            }
            let Some(inspection_start) = start else {
                return Err(reject(
                    Some(start_at),
                    "",
                    "judgements without the date of the inspection they come from".into(),
                ));
            };
            let published = match published_at {
                Some(i) => {
                    let v = get(i)?;
                    date(&v).map_err(|e| reject(Some(i), &v, e))?
                }
                None => None,
            };
            Ok(Some(Inspection {
                row,
                urn,
                inspection: SettingInspected {
                    framework: mapping.framework,
                    inspection_start,
                    published,
                    judgements,
                },
            }))
        })();
        match parsed {
            Ok(Some(i)) => out.inspections.push(i),
            Ok(None) => out.skipped += 1,
            Err(r) => out.rejected.push(r),
        }
    });
    out.rows = rows;
    out.rejected.extend(fatal);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRADED_HEADER: &str = "URN,School name,Inspection start date,Publication date,Overall effectiveness,Quality of education,Behaviour and attitudes,Personal development,Effectiveness of leadership and management,Early years provision (where applicable),Sixth form provision (where applicable)";

    #[test]
    fn graded_files_read_through_the_default_mapping() {
        let text = format!(
            "{GRADED_HEADER}\n\
             112233,Ash,14/03/2024,20/04/2024,3,3,2,2,3,NULL,\n\
             112234,Birch,01/02/2023,01/03/2023,2,5,2,2,2,,\n\
             112235,Cedar,,,,,,,,,\n\
             112236,Elm,2023-13-01,,2,2,2,2,2,,\n"
        );
        let p = parse(text.as_bytes(), &Mapping::graded()).expect("reads");
        assert_eq!(p.inspections.len(), 1);
        let i = &p.inspections[0].inspection;
        assert_eq!(
            i.judgements["leadership_and_management"],
            Judgement::Grade(3)
        );
        assert!(!i.judgements.contains_key("early_years"));
        assert_eq!(
            i.inspection_start,
            NaiveDate::from_ymd_opt(2024, 3, 14).expect("date")
        );
        assert_eq!(p.skipped, 1);
        let bad: Vec<(u64, &str)> = p
            .rejected
            .iter()
            .map(|r| (r.row, r.column.as_str()))
            .collect();
        assert_eq!(
            bad,
            vec![(3, "Quality of education"), (5, "Inspection start date")]
        );
    }

    #[test]
    fn report_cards_read_through_their_mapping() {
        let text = "URN,Inspection start date,Publication date,Leadership and governance,Inclusion,Safeguarding\n\
                    112233,10/11/2025,01/12/2025,Needs attention,Expected standard,Met\n\
                    112234,10/11/2025,01/12/2025,Brilliant,Expected standard,Met\n";
        let p = parse(text.as_bytes(), &Mapping::report_card()).expect("reads");
        assert_eq!(p.inspections.len(), 1);
        let j = &p.inspections[0].inspection.judgements;
        assert_eq!(
            j["leadership_and_governance"],
            Judgement::Scale(ReportCardScale::NeedsAttention)
        );
        assert_eq!(j["safeguarding"], Judgement::SafeguardingMet(true));
        assert_eq!(p.rejected.len(), 1);
        assert!(
            Mapping::parse(
                "framework = \"graded\"\nurn = \"URN\"\ninspection_start = \"X\"\n[areas]\n"
            )
            .is_err()
        );
        assert!(Mapping::parse("nonsense").is_err());
        assert!(matches!(
            parse(b"URN,Other\n1,2\n", &Mapping::graded()).unwrap_err(),
            FileError::MissingColumns(_)
        ));
    }
}
