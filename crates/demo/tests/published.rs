//! The demo's figures against the published files in tests/data (tests may read
//! them; the product never does), and the generated area against those figures.

use chrono::{Datelike, NaiveDate};
use sendscope_demo::{DemoSpec, Refused, figures, generate};
use sendscope_domain::event::{AssessDecision, EventBody};
use std::collections::HashMap;
use std::path::PathBuf;

fn published(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/dfe-stats")
        .join(file)
}

/// Rows of a published CSV as maps from column name to value.
fn rows(file: &str) -> Vec<HashMap<String, String>> {
    let path = published(file);
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn derby<'a>(
    rows: &'a [HashMap<String, String>],
    period: &str,
    topic: &str,
) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| {
            r["la_name"] == "Derby" && r["time_period"] == period && r["breakdown_topic"] == topic
        })
        .unwrap_or_else(|| panic!("no Derby row for {period} {topic}"))
}

fn num(r: &HashMap<String, String>, col: &str) -> u32 {
    r[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?}", r[col]))
}

#[test]
fn figures_match_the_published_files() {
    let needs = rows("sen2_ehcp_2025/sen_needs_all_plans_derby_derbyshire_england.csv");
    let n = derby(&needs, "202425", "All EHC plans");
    for (code, count) in figures::NEED_MIX {
        assert_eq!(
            num(n, &format!("number_{}", code.to_lowercase())),
            *count,
            "{code}"
        );
    }
    let caseload = rows("sen2_ehcp_2025/caseload_derby_derbyshire_england.csv");
    for (year, plans) in figures::CASELOAD_BY_YEAR {
        let period = format!("{}{:02}", year - 1, year % 100);
        assert_eq!(
            num(derby(&caseload, &period, "All EHC plans"), "ehcplans"),
            *plans,
            "{year}"
        );
    }
    for (age, count) in figures::AGE_MIX.iter().filter(|(a, _)| *a >= 3) {
        let row = caseload
            .iter()
            .find(|r| {
                r["la_name"] == "Derby"
                    && r["time_period"] == "202425"
                    && r["breakdown_topic"] == "Child or young persons age"
                    && r["breakdown"] == format!("age {age}")
            })
            .expect("age row");
        assert_eq!(num(row, "ehcplans"), *count, "age {age}");
    }
    let timely = rows("sen2_ehcp_2025/timeliness_20_week_derby_derbyshire_england.csv");
    for (year, share) in figures::WITHIN_20_WEEKS_BY_YEAR {
        let r = derby(&timely, &year.to_string(), "All EHC plans issued");
        let published: f64 = r["pc_plans_issued_within_20_weeks"].parse().expect("pc");
        assert!(
            (published / 100.0 - share).abs() < 0.0005,
            "{year}: {published}% vs {share}"
        );
    }
    let ceased = rows("sen2_ehcp_2025/ceased_plans_derby_derbyshire_england.csv");
    let c = derby(&ceased, "2024", "All ceased EHC plans");
    let cols = [
        ("max_age", "max_age"),
        ("needs_met", "needs_met"),
        ("higher_education", "he"),
        ("paid_employment", "employ"),
        ("transferred_to_another_la", "transfer"),
        ("no_longer_wishes_to_engage", "no_engage"),
        ("moved_outside_england", "moved_outside_eng"),
        ("deceased", "deceased"),
        ("other", "other"),
    ];
    for ((reason, count), (name, col)) in figures::CEASE_REASONS.iter().zip(cols) {
        assert_eq!(*reason, name);
        assert_eq!(num(c, col), *count, "{reason}");
    }
    let england_ceased = ceased
        .iter()
        .find(|r| {
            r["geographic_level"] == "National"
                && r["time_period"] == "2024"
                && r["breakdown_topic"] == "All ceased EHC plans"
        })
        .expect("England row");
    let england_jan_2024 = caseload
        .iter()
        .find(|r| {
            r["geographic_level"] == "National"
                && r["time_period"] == "202324"
                && r["breakdown_topic"] == "All EHC plans"
        })
        .expect("England caseload");
    let rate = f64::from(num(england_ceased, "total_ceased"))
        / f64::from(num(england_jan_2024, "ehcplans"));
    assert!((rate - figures::CEASE_RATE_PER_YEAR).abs() < 1e-9);
}

/// The generated area's own figures look like the published ones they came from.
#[test]
fn the_demo_area_looks_like_derby() {
    let spec = DemoSpec {
        plans: 3_735,
        seed: 1,
        as_of: NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"),
        batch_events: 50_000,
    };
    let mut received: HashMap<(uuid::Uuid, u32), NaiveDate> = HashMap::new();
    let mut excepted: std::collections::HashSet<(uuid::Uuid, u32)> = Default::default();
    let (mut issued_ex, mut on_time_ex) = (0u32, 0u32);
    let (mut issued_2024, mut on_time_2024) = (0u32, 0u32);
    let (mut decided, mut not_assessed) = (0u32, 0u32);
    let mut primary_needs: HashMap<String, u32> = HashMap::new();
    let mut future = 0u32;
    let summary = generate::<Refused>(&spec, &mut |batch| {
        for e in batch {
            future += u32::from(e.effective_date > spec.as_of);
            match &e.body {
                EventBody::RequestReceived(r) => {
                    received.insert((e.stream.id, r.request.0), r.received_on);
                }
                EventBody::AssessmentDecided(d) => {
                    decided += 1;
                    not_assessed += u32::from(d.decision == AssessDecision::DoNotAssess);
                }
                EventBody::ExceptionRecorded(x) => {
                    excepted.insert((e.stream.id, x.request.0));
                }
                EventBody::FinalPlanIssued(f) if f.on.year() == 2024 => {
                    issued_2024 += 1;
                    let r = received[&(e.stream.id, f.request.0)];
                    let on_time = u32::from((f.on - r).num_days() <= 140);
                    on_time_2024 += on_time;
                    if !excepted.contains(&(e.stream.id, f.request.0)) {
                        issued_ex += 1;
                        on_time_ex += on_time;
                    }
                }
                EventBody::FinalPlanIssued(f) => {
                    *primary_needs
                        .entry(f.needs[0].need.code().to_string())
                        .or_default() += 1;
                }
                EventBody::PlanRecorded(p) => {
                    *primary_needs
                        .entry(p.needs[0].need.code().to_string())
                        .or_default() += 1;
                }
                _ => {}
            }
        }
        Ok(())
    })
    .expect("generates");
    assert_eq!(summary.plans_in_place, 3_735);
    assert_eq!(future, 0, "no event takes effect after the demo's last day");
    let per_plan = summary.events as f64 / 3_735.0;
    assert!(
        (20.0..=40.0).contains(&per_plan),
        "{per_plan:.1} events per plan in place"
    );
    // Derby issued 442-492 plans in 2024, 14.0% within 20 weeks.
    assert!(
        (300..=700).contains(&issued_2024),
        "{issued_2024} plans issued in 2024"
    );
    let share = f64::from(on_time_2024) / f64::from(issued_2024);
    assert!(
        (0.07..=0.22).contains(&share),
        "{share:.3} of 2024 plans within 20 weeks"
    );
    // Excluding exception cases, Derby's 2024 share was 16.4% (62 of 377): its exception
    // cases were all late, and so are the demo's.
    let share_ex = f64::from(on_time_ex) / f64::from(issued_ex);
    assert!(
        (0.09..=0.26).contains(&share_ex) && share_ex > share,
        "{share_ex:.3} of 2024 plans within 20 weeks excluding exceptions"
    );
    assert!(
        issued_2024 - issued_ex > 20,
        "exception cases were recorded"
    );
    // Derby refused to assess 39% of the requests it decided in 2024, while deciding more
    // requests than it received (a backlog). The demo is a steady state with Derby's
    // 1.56 requests per new plan, so at most a third of decisions can be refusals.
    let refused = f64::from(not_assessed) / f64::from(decided);
    assert!(
        (0.20..=0.40).contains(&refused),
        "{refused:.3} not assessed"
    );
    // ASD is the largest primary need (35.7% in Derby).
    let total: u32 = primary_needs.values().sum();
    let asd = f64::from(primary_needs["ASD"]) / f64::from(total);
    assert!((0.30..=0.42).contains(&asd), "ASD {asd:.3}");
}
