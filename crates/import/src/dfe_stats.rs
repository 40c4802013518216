//! The DfE's "Education, health and care plans" statistics as published, in each layout
//! of its releases: the 2022 release's `sen2_mi` (CamelCase columns, 2014-2021), the 2023
//! release's `sen2_mi` (snake_case, 2014-2022) and the 2025 release's files by topic
//! (`requests`, `timeliness_20_week`, `newplans`, `caseload`, `annual_reviews`,
//! `ceased_plans`, with a breakdown per row: the headline row is the one whose
//! breakdown is its topic's whole). Each published measure is read with its numerator
//! and denominator where it has them, exactly as printed (suppression codes kept), for
//! England, each region and each local authority in the file. Where releases overlap,
//! the latest wins. Pure: bytes in, figures out.

use crate::{FileError, Header, Rejection, decode, each_row, open};
use serde::Serialize;
use std::collections::BTreeMap;

/// A measure the DfE publishes, as sendscope names it, with its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    RequestsReceived,
    RequestDecisionsWithin6Weeks,
    NewPlans,
    PlansWithin20Weeks,
    PlansWithin20WeeksExcludingExceptions,
    PlansInPlace,
    ReviewDecisionsWithin4Weeks,
    PlansCeased,
}

impl Measure {
    pub const ALL: [Measure; 8] = [
        Measure::RequestsReceived,
        Measure::RequestDecisionsWithin6Weeks,
        Measure::NewPlans,
        Measure::PlansWithin20Weeks,
        Measure::PlansWithin20WeeksExcludingExceptions,
        Measure::PlansInPlace,
        Measure::ReviewDecisionsWithin4Weeks,
        Measure::PlansCeased,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Measure::RequestsReceived => "Requests for an EHC needs assessment received",
            Measure::RequestDecisionsWithin6Weeks => {
                "Decisions on whether to assess made within 6 weeks"
            }
            Measure::NewPlans => "New EHC plans made",
            Measure::PlansWithin20Weeks => "EHC plans issued within 20 weeks",
            Measure::PlansWithin20WeeksExcludingExceptions => {
                "EHC plans issued within 20 weeks, excluding exception cases"
            }
            Measure::PlansInPlace => "EHC plans in place",
            Measure::ReviewDecisionsWithin4Weeks => {
                "Annual review decisions made within 4 weeks of the meeting"
            }
            Measure::PlansCeased => "EHC plans ceased",
        }
    }

    /// The period the DfE counts it over, and the denominator, in words.
    pub fn definition(self) -> &'static str {
        match self {
            Measure::RequestsReceived => "calendar year; a count",
            Measure::RequestDecisionsWithin6Weeks => {
                "calendar year; of requests decided (within 6 weeks and later)"
            }
            Measure::NewPlans => "calendar year; a count of plans made for the first time",
            Measure::PlansWithin20Weeks => {
                "calendar year; of new plans issued in the year, including exception cases"
            }
            Measure::PlansWithin20WeeksExcludingExceptions => {
                "calendar year; of new plans issued in the year, leaving out exception cases"
            }
            Measure::PlansInPlace => "January census; a count",
            Measure::ReviewDecisionsWithin4Weeks => {
                "calendar year; of review decisions made (within 4 weeks and later)"
            }
            Measure::PlansCeased => "calendar year; a count",
        }
    }
}

/// Which place a figure is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Geography {
    /// "National", "Regional" or "Local authority", as published.
    pub level: String,
    /// E92000001 (England), E12… (a region), or the local authority's old code (831).
    pub code: String,
    pub name: String,
}

/// A published value: the text as printed, and the number where there is one
/// (suppression codes such as `c`, `x`, `z` and `low` have none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Published {
    pub text: String,
    pub number: Option<f64>,
}

impl Published {
    fn of(text: &str) -> Published {
        let t = text.trim();
        Published {
            text: t.to_string(),
            number: t.replace(',', "").parse::<f64>().ok(),
        }
    }
}

/// One published figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub measure: Measure,
    /// The calendar year ("2024"), or the January of a census ("January 2025").
    pub period: String,
    pub geography: Geography,
    /// The figure itself: a count, or a percentage for a rate.
    pub value: Published,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<Published>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Published>,
    /// The release it comes from (2022, 2023, 2025).
    pub release: u16,
    /// The file and row it was read from.
    pub source: String,
}

enum Col {
    Count(&'static str),
    /// A rate: its percentage column, and the numerator and denominator columns (a
    /// denominator given as two columns is their sum).
    Rate {
        pc: &'static str,
        num: &'static str,
        den: &'static [&'static str],
    },
}

struct Layout {
    release: u16,
    /// A column only this layout has.
    marker: &'static str,
    /// For files with breakdowns: the headline row's breakdown.
    headline: Option<&'static str>,
    census: bool,
    measures: &'static [(Measure, Col)],
}

const LAYOUTS: &[Layout] = &[
    Layout {
        release: 2022,
        marker: "NewallEHC",
        headline: None,
        census: false,
        measures: &[
            (Measure::RequestsReceived, Col::Count("InreqEHC")),
            (Measure::NewPlans, Col::Count("NewallEHC")),
            (
                Measure::PlansWithin20Weeks,
                Col::Rate {
                    pc: "IncExc20weekRate",
                    num: "IncExc20weekEHC",
                    den: &["TotIncExcEHC"],
                },
            ),
            (
                Measure::PlansWithin20WeeksExcludingExceptions,
                Col::Rate {
                    pc: "NoExc20weekRate",
                    num: "NoExc20weekEHC",
                    den: &["TotNoExcEHC"],
                },
            ),
        ],
    },
    Layout {
        release: 2023,
        marker: "new_all_ehc",
        headline: None,
        census: false,
        measures: &[
            (Measure::RequestsReceived, Col::Count("inreq_ehc")),
            (Measure::NewPlans, Col::Count("new_all_ehc")),
            (
                Measure::PlansWithin20Weeks,
                Col::Rate {
                    pc: "inc_exc_20week_rate",
                    num: "inc_exc_20week_ehc",
                    den: &["tot_inc_exc_ehc"],
                },
            ),
            (
                Measure::PlansWithin20WeeksExcludingExceptions,
                Col::Rate {
                    pc: "no_exc_20week_rate",
                    num: "no_exc_20week_ehc",
                    den: &["tot_no_exc_ehc"],
                },
            ),
        ],
    },
    Layout {
        release: 2025,
        marker: "requests_received_in_year",
        headline: Some("All requests for EHC needs assessments"),
        census: false,
        measures: &[
            (
                Measure::RequestsReceived,
                Col::Count("requests_received_in_year"),
            ),
            (
                Measure::RequestDecisionsWithin6Weeks,
                Col::Rate {
                    pc: "request_outcome_six_weeks_pc",
                    num: "request_outcome_six_weeks",
                    den: &["request_outcome_six_weeks", "request_outcome_over_6_weeks"],
                },
            ),
        ],
    },
    Layout {
        release: 2025,
        marker: "plans_issued_den",
        headline: Some("All EHC plans issued"),
        census: false,
        measures: &[
            (
                Measure::PlansWithin20Weeks,
                Col::Rate {
                    pc: "pc_plans_issued_within_20_weeks",
                    num: "plans_issued_within_20_weeks",
                    den: &["plans_issued_den"],
                },
            ),
            (
                Measure::PlansWithin20WeeksExcludingExceptions,
                Col::Rate {
                    pc: "PC_plans_issued_20_weeks_ex",
                    num: "plans_issued_20_weeks_ex",
                    den: &["plans_issued_den_ex"],
                },
            ),
        ],
    },
    Layout {
        release: 2025,
        marker: "new_ehc_plans",
        headline: Some("New EHC plans"),
        census: false,
        measures: &[(Measure::NewPlans, Col::Count("new_ehc_plans"))],
    },
    Layout {
        release: 2025,
        marker: "ehcplans",
        headline: Some("All EHC plans"),
        census: true,
        measures: &[(Measure::PlansInPlace, Col::Count("ehcplans"))],
    },
    Layout {
        release: 2025,
        marker: "review_expected",
        headline: Some("All annual reviews"),
        census: false,
        measures: &[(
            Measure::ReviewDecisionsWithin4Weeks,
            Col::Rate {
                pc: "pc_decsion_4weeks",
                num: "number_decsion_4weeks",
                den: &["number_decsion_4weeks", "number_decision_gt_4weeks"],
            },
        )],
    },
    Layout {
        release: 2025,
        marker: "total_ceased",
        headline: Some("All ceased EHC plans"),
        census: false,
        measures: &[(Measure::PlansCeased, Col::Count("total_ceased"))],
    },
];

/// What reading one file gave.
#[derive(Debug, Default)]
pub struct Read {
    pub figures: Vec<Figure>,
    pub rejected: Vec<Rejection>,
    /// True when no layout matched (the file is not one of these statistics).
    pub not_recognised: bool,
}

/// Reads one file (`name` is for the source of each figure).
pub fn read(name: &str, bytes: &[u8]) -> Result<Read, FileError> {
    let (mut rdr, header, encoding) = open(bytes, &["time_period", "geographic_level"])?;
    let Some(layout) = LAYOUTS.iter().find(|l| header.find(l.marker).is_some()) else {
        return Ok(Read {
            not_recognised: true,
            ..Read::default()
        });
    };
    let col = |n: &str| header.find(n);
    let mut out = Read::default();
    let topic = col("breakdown_topic");
    let breakdown = col("breakdown");
    each_row(&mut rdr, |row, record| {
        let cell = |i: Option<usize>| -> String {
            i.and_then(|i| record.get(i))
                .map(|b| decode(b, encoding).unwrap_or_default())
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        // The headline row only: its breakdown is its topic's whole.
        if let Some(h) = layout.headline
            && (cell(topic) != h || cell(breakdown) != h)
        {
            return;
        }
        let Some(geography) = geography(&header, record, encoding) else {
            out.rejected.push(Rejection {
                row,
                column: "geographic_level".into(),
                value: cell(col("geographic_level")),
                reason: "not National, Regional or Local authority, or its code is missing".into(),
            });
            return;
        };
        let period_text = cell(col("time_period"));
        let Some(period) = period_of(&period_text, layout.census) else {
            out.rejected.push(Rejection {
                row,
                column: "time_period".into(),
                value: period_text,
                reason: "a calendar year is 4 digits (2024), an academic year 6 (202425)".into(),
            });
            return;
        };
        for (measure, c) in layout.measures {
            let (value, numerator, denominator) = match c {
                Col::Count(name) => match col(name) {
                    Some(i) => (Published::of(&cell(Some(i))), None, None),
                    None => continue,
                },
                Col::Rate { pc, num, den } => {
                    let Some(p) = col(pc) else { continue };
                    let d: Vec<Published> =
                        den.iter().map(|d| Published::of(&cell(col(d)))).collect();
                    let den = if d.len() == 1 {
                        d[0].clone()
                    } else {
                        // Published as parts: their sum, where every part is a number.
                        let parts: Option<Vec<f64>> = d.iter().map(|x| x.number).collect();
                        match parts {
                            Some(v) => {
                                let sum: f64 = v.iter().sum();
                                Published {
                                    text: format!("{sum}"),
                                    number: Some(sum),
                                }
                            }
                            None => Published {
                                text: d
                                    .iter()
                                    .map(|x| x.text.clone())
                                    .collect::<Vec<_>>()
                                    .join("+"),
                                number: None,
                            },
                        }
                    };
                    (
                        Published::of(&cell(Some(p))),
                        Some(Published::of(&cell(col(num)))),
                        Some(den),
                    )
                }
            };
            out.figures.push(Figure {
                measure: *measure,
                period: period.clone(),
                geography: geography.clone(),
                value,
                numerator,
                denominator,
                release: layout.release,
                source: format!("{name} row {row}"),
            });
        }
    });
    Ok(out)
}

fn geography(
    header: &Header,
    record: &csv::ByteRecord,
    encoding: crate::Encoding,
) -> Option<Geography> {
    let get = |n: &str| {
        header
            .find(n)
            .and_then(|i| record.get(i))
            .and_then(|b| decode(b, encoding).ok())
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let level = get("geographic_level");
    let (code, name) = match level.as_str() {
        "National" => (get("country_code"), get("country_name")),
        "Regional" => (get("region_code"), get("region_name")),
        "Local authority" => (get("old_la_code"), get("la_name")),
        _ => return None,
    };
    (!code.is_empty()).then_some(Geography { level, code, name })
}

fn period_of(text: &str, census: bool) -> Option<String> {
    let t = text.trim();
    match (t.len(), census) {
        (4, false) if t.parse::<u16>().is_ok() => Some(t.to_string()),
        // "202425": the academic year 2024/25, whose census is in January 2025.
        (6, true) if t.parse::<u32>().is_ok() => Some(format!("January 20{}", &t[4..6])),
        _ => None,
    }
}

/// Every figure from a set of files, where releases overlap the latest winning; sorted by
/// measure, place and period.
pub fn merge(reads: Vec<Read>) -> Vec<Figure> {
    let mut best: BTreeMap<(Measure, String, String), Figure> = BTreeMap::new();
    for f in reads.into_iter().flat_map(|r| r.figures) {
        let key = (f.measure, f.geography.code.clone(), f.period.clone());
        match best.get(&key) {
            Some(existing) if existing.release > f.release => {}
            _ => {
                best.insert(key, f);
            }
        }
    }
    best.into_values().collect()
}
