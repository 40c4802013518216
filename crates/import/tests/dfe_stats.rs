//! The DfE statistics as published: every layout in tests/data/dfe-stats is read, and the
//! figures for Derby (831), Derbyshire (830) and England equal the published cells
//! (looked up by hand in the files and written out here), the latest release winning
//! where releases overlap.

use sendscope_import::dfe_stats::{Figure, Measure, merge, read};
use std::path::PathBuf;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/dfe-stats")
}

fn all() -> Vec<Figure> {
    let mut reads = Vec::new();
    for dir in ["sen2_ehcp_2022", "sen2_ehcp_2023", "sen2_ehcp_2025"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(data().join(dir))
            .expect("the published data in tests/data")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).expect("read");
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            let r = read(&format!("{dir}/{name}"), &bytes).expect("a CSV");
            assert!(r.rejected.is_empty(), "{name}: {:?}", r.rejected);
            reads.push(r);
        }
    }
    merge(reads)
}

fn find<'a>(all: &'a [Figure], m: Measure, code: &str, period: &str) -> &'a Figure {
    all.iter()
        .find(|f| f.measure == m && f.geography.code == code && f.period == period)
        .unwrap_or_else(|| panic!("{m:?} {code} {period}"))
}

/// (value, numerator, denominator) as printed.
fn texts(f: &Figure) -> (String, Option<String>, Option<String>) {
    (
        f.value.text.clone(),
        f.numerator.as_ref().map(|x| x.text.clone()),
        f.denominator.as_ref().map(|x| x.text.clone()),
    )
}

fn t(v: &str, n: &str, d: &str) -> (String, Option<String>, Option<String>) {
    (v.into(), Some(n.into()), Some(d.into()))
}

#[test]
fn published_figures_for_derby_derbyshire_and_england() {
    let all = all();
    use Measure::*;
    // 2025 release, timeliness_20_week: 2024 and 2019 (the 2022 and 2023 releases also
    // have 2019; the latest wins).
    assert_eq!(
        texts(find(&all, PlansWithin20Weeks, "831", "2024")),
        t("14", "62", "442")
    );
    assert_eq!(
        texts(find(
            &all,
            PlansWithin20WeeksExcludingExceptions,
            "831",
            "2024"
        )),
        t("16.4", "62", "377")
    );
    assert_eq!(
        texts(find(&all, PlansWithin20Weeks, "830", "2024")),
        t("35.7", "447", "1253")
    );
    assert_eq!(
        texts(find(&all, PlansWithin20Weeks, "E92000001", "2024")),
        t("45.9", "41448", "90392")
    );
    assert_eq!(
        texts(find(&all, PlansWithin20Weeks, "831", "2019")),
        t("24.7", "62", "251")
    );
    assert_eq!(find(&all, PlansWithin20Weeks, "831", "2019").release, 2025);
    assert_eq!(
        texts(find(
            &all,
            PlansWithin20WeeksExcludingExceptions,
            "E92000001",
            "2019"
        )),
        t("60.4", "29895", "49519")
    );
    // 2023 release's sen2_mi for the years before 2019 (it covers 2014-2022; the 2022
    // release's CamelCase file is overtaken for every year it has).
    let f = find(&all, PlansWithin20Weeks, "831", "2016");
    assert_eq!(
        (texts(f), f.release),
        (t("16.900000000000", "35", "207"), 2023)
    );
    assert_eq!(
        texts(find(&all, PlansWithin20Weeks, "830", "2018")),
        t("33.900000000000", "93", "274")
    );
    assert_eq!(
        texts(find(&all, PlansWithin20Weeks, "E92000001", "2018")),
        t("58.000000000000", "28178", "48543")
    );
    assert_eq!(
        find(&all, RequestsReceived, "831", "2018").value.text,
        "382"
    );
    assert_eq!(
        find(&all, NewPlans, "E92000001", "2016").value.text,
        "36094"
    );
    assert!(
        all.iter()
            .all(|f| f.release != 2022 || f.period.as_str() < "2014"),
        "the 2022 release is overtaken everywhere by 2023's"
    );
    // Requests and decisions within 6 weeks, 2024 (2025 release).
    assert_eq!(
        find(&all, RequestsReceived, "831", "2024").value.text,
        "769"
    );
    assert_eq!(
        texts(find(&all, RequestDecisionsWithin6Weeks, "831", "2024")),
        t("34.1", "280", "822")
    );
    assert_eq!(
        texts(find(
            &all,
            RequestDecisionsWithin6Weeks,
            "E92000001",
            "2024"
        )),
        t("84.8", "126160", "148753")
    );
    // Plans in place at the January 2025 census.
    assert_eq!(
        find(&all, PlansInPlace, "831", "January 2025").value.text,
        "3735"
    );
    assert_eq!(
        find(&all, PlansInPlace, "830", "January 2025").value.text,
        "7625"
    );
    assert_eq!(
        find(&all, PlansInPlace, "E92000001", "January 2025")
            .value
            .text,
        "638745"
    );
    assert_eq!(
        find(&all, PlansInPlace, "E12000004", "January 2025")
            .value
            .text,
        "47444"
    );
    // Review decisions within 4 weeks, 2024.
    assert_eq!(
        texts(find(&all, ReviewDecisionsWithin4Weeks, "831", "2024")),
        t("65.6", "956", "1458")
    );
    assert_eq!(
        texts(find(&all, ReviewDecisionsWithin4Weeks, "830", "2024")),
        t("37.5", "1706", "4552")
    );
    // Every measure has figures for all three places.
    for m in Measure::ALL {
        for code in ["831", "830", "E92000001"] {
            assert!(
                all.iter()
                    .any(|f| f.measure == m && f.geography.code == code),
                "{m:?} for {code}"
            );
        }
    }
    // Places keep their published names.
    assert_eq!(find(&all, NewPlans, "831", "2024").geography.name, "Derby");
}

#[test]
fn files_that_are_not_these_statistics() {
    let r = read(
        "x.csv",
        b"time_period,geographic_level,other\n2024,National,1\n",
    )
    .expect("csv");
    assert!(r.not_recognised && r.figures.is_empty());
    let err = read("x.csv", b"a,b\n1,2\n").expect_err("no key columns");
    assert!(err.to_string().contains("time_period"), "{err}");
    // A row with an unknown level or a period that is not a year: reported, not guessed.
    let r = read(
        "x.csv",
        b"time_period,time_identifier,geographic_level,country_code,country_name,NewallEHC\n2021,Calendar year,Planet,E92000001,England,5\n20x1,Calendar year,National,E92000001,England,5\n",
    )
    .expect("csv");
    assert_eq!(
        r.rejected
            .iter()
            .map(|x| (x.row, x.column.as_str()))
            .collect::<Vec<_>>(),
        vec![(2, "geographic_level"), (3, "time_period")]
    );
}
