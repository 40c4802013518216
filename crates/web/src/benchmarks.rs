//! Published DfE statistics beside the area's own figures: importing a directory of the
//! DfE's "Education, health and care plans" CSVs (`sendscope import dfe-stats DIR`), one
//! publication record per file, and the figures as the dashboard shows them (latest
//! release winning where releases overlap).

use crate::ui;
use maud::{Markup, html};
use sendscope_app::benchmarks::key;
use sendscope_domain::benchmarks::PublishedFigure;
use sendscope_import::dfe_stats::{self};

/// The published figures as tables, one a measure: a row a period (newest first, four at
/// most), a column a place (this area, its region, England, then other areas).
/// The published figures for this area (`own`, its LA code), the regions, England and
/// the comparator areas chosen (every other area imported until some are chosen).
pub fn html(
    figures: &[PublishedFigure],
    own: Option<&str>,
    comparators: &[sendscope_domain::codes::LaCode],
) -> Markup {
    if figures.is_empty() {
        return html! {
            h2.govuk-heading-m { "Published figures" }
            p.govuk-body {
                "No DfE statistics imported yet: " code { "sendscope import dfe-stats DIR" }
                " reads the CSVs of the DfE's \"Education, health and care plans\" releases."
            }
        };
    }
    let chosen: Vec<String> = comparators.iter().map(|c| c.to_string()).collect();
    let tables = dfe_stats::Measure::ALL.into_iter().filter_map(|m| {
        let k = key(m);
        let rows: Vec<&PublishedFigure> = figures.iter().filter(|f| f.measure == k).collect();
        if rows.is_empty() {
            return None;
        }
        // Places: own area, regions, England, then the rest by name.
        let mut places: Vec<(u8, String, String)> = Vec::new();
        for f in &rows {
            let local = f.level != "Regional" && f.level != "National";
            if local
                && Some(f.code.as_str()) != own
                && !chosen.is_empty()
                && !chosen.contains(&f.code)
            {
                continue;
            }
            let rank = if Some(f.code.as_str()) == own {
                0
            } else if f.level == "Regional" {
                1
            } else if f.level == "National" {
                2
            } else {
                3
            };
            let p = (rank, f.name.clone(), f.code.clone());
            if !places.contains(&p) {
                places.push(p);
            }
        }
        places.sort();
        let mut periods: Vec<&str> = rows.iter().map(|f| f.period.as_str()).collect();
        periods.sort_by_key(|p| std::cmp::Reverse(period_order(p)));
        periods.dedup();
        periods.truncate(4);
        let labels: Vec<String> = places
            .iter()
            .map(|(_, name, code)| format!("{name} ({code})"))
            .collect();
        let mut columns = vec![ui::col("Period")];
        columns.extend(labels.iter().map(|l| ui::num_col(l)));
        let body = periods.iter().map(|period| {
            html! {
                (ui::row_head(*period))
                @for (_, _, code) in &places {
                    @let f = rows.iter().find(|f| f.code == *code && f.period == *period);
                    (ui::num(match f {
                        None => String::new(),
                        Some(f) => match (&f.numerator, &f.denominator) {
                            (Some(n), Some(d)) => format!("{}% ({n} of {d})", f.value),
                            _ => f.value.clone(),
                        },
                    }))
                }
            }
        });
        Some(ui::table(
            &format!("{} ({})", m.title(), m.definition()),
            &columns,
            body,
        ))
    });
    html! {
        h2.govuk-heading-m { "Published figures" }
        p.govuk-body {
            "The DfE's published statistics, exactly as printed (c, x and z are the DfE's suppression codes), \
             with numerator and denominator where published. Years are calendar years except plans in place, counted at the January census."
        }
        @if chosen.is_empty() {
            p.govuk-body { "No comparator areas have been chosen: every local authority imported is shown." }
        } @else {
            p.govuk-body { "Comparator areas chosen by the area: " (chosen.join(", ")) "." }
        }
        @for t in tables { (t) }
    }
}

/// Sorts "2024" and "January 2025" by their year.
fn period_order(p: &str) -> i32 {
    p.rsplit(' ')
        .next()
        .and_then(|y| y.parse().ok())
        .unwrap_or(0)
}
