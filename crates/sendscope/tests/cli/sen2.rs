//! `sendscope sen2`: the return made from the records, checked before it is written, and
//! any return checked; the same return from SQLite and PostgreSQL.

use crate::support::*;

/// The area's return for census day 15 January 2026, as the XML the command writes.
fn export(url: &str, extra: &[&str]) -> (i32, String, String) {
    export_for(url, ("2026-01-15", "Y"), extra)
}

/// The return for `census`, with `dmo` as the medical officer's answer.
fn export_for(url: &str, (census, dmo): (&str, &str), extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "--database-url",
        url,
        "sen2",
        "export",
        "--census",
        census,
        "--dmo",
        dmo,
        "--dco",
        "Y",
        "--dsco",
        "N",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn the_demo_areas_return_passes_its_own_checks(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "400", "5000")).0, 0);
    let (code, xml, err) = export(&db.url, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("error "), "no errors: {err}");
    let ret = sendscope_sen2::read(xml.as_bytes()).expect("reads back");
    assert!(ret.persons.len() > 300, "{}", ret.persons.len());
    assert_eq!(
        (
            ret.header.year.as_str(),
            ret.header.reference_date.as_str(),
            ret.header.lea.as_str()
        ),
        ("2026", "2026-01-15", "831")
    );
    // Every module is there: requests in the year, assessments, named plans, placements
    // and needs.
    for tag in [
        "<ReceivedDate>",
        "<AssessmentOutcome>Y",
        "<NamedPlan>",
        "<PlacementDetail>",
        "<SENneed>",
        "<Week20>",
        "<RequestSource>",
    ] {
        assert!(xml.contains(tag), "{tag}");
    }
    // Checked as any return is.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sen2.xml");
    std::fs::write(&file, &xml).expect("write");
    let (code, out, err) = run(&["sen2", "validate", file.to_str().expect("path")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no errors"), "{out}");
    // What the DfE will publish from it equals sendscope's own figures for 2025 where the
    // definitions coincide: requests received, plans issued within 20 weeks with and
    // without exceptions.
    let (code, published, err) = run(&["sen2", "figures", file.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    let published: serde_json::Value = serde_json::from_str(&published).expect("json");
    let (code, kpi, err) = run(&["--database-url", &db.url, "kpi", "--year", "2025"]);
    assert_eq!(code, 0, "{err}");
    let kpi: serde_json::Value = serde_json::from_str(&kpi).expect("json");
    for key in [
        "requests",
        "within_20_weeks",
        "within_20_weeks_excluding_exceptions",
    ] {
        assert_eq!(published[key], kpi[key], "{key}");
    }
    assert!(
        published["within_20_weeks"]["denominator"].as_i64() > Some(20),
        "{published}"
    );
    assert!(
        published["plans_in_place"].as_i64() > Some(300),
        "{published}"
    );
    // Not a census day, a year with no layout: refused in one line, nothing written.
    let (code, _, err) = export_for(&db.url, ("2026-01-16", "Y"), &[]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("third Thursday"), "{err}");
    // The same return for the same records on either database (the time it was made
    // aside).
    let strip = |x: &str| {
        x.lines()
            .filter(|l| !l.contains("<DateTime>"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let other = if db.url.starts_with("sqlite") {
        pg_db()
    } else {
        sqlite_db()
    };
    assert_eq!(run(&demo_args(&other.url, "400", "5000")).0, 0);
    let (_, again, _) = export(&other.url, &[]);
    assert_eq!(
        strip(&xml),
        strip(&again),
        "the same on SQLite and PostgreSQL"
    );
}
both!(the_demo_areas_return_passes_its_own_checks);

/// A return with errors is reported child by child and not written unless asked.
#[test]
fn errors_are_listed_and_stop_the_export() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("sen2.xml");
    let out_s = out.to_str().expect("path");
    // An officer's answer that is not Y or N is an error in the header.
    let (code, _, err) = export_for(&db.url, ("2026-01-15", "maybe"), &["--output", out_s]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error H2") && err.contains("DMO"), "{err}");
    assert!(err.contains("was not written"), "{err}");
    assert!(!out.exists(), "nothing written");
    let (code, _, err) = export_for(
        &db.url,
        ("2026-01-15", "maybe"),
        &["--output", out_s, "--allow-errors"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.exists());
    let (code, report, err) = run(&["sen2", "validate", out_s]);
    assert_eq!(code, 2);
    assert!(report.contains("error H2"), "{report}");
    assert!(err.contains("1 error(s)"), "{err}");
    // Not a return at all: one line, exit 2.
    for (bytes, says) in [
        (&b"<html/>"[..], "not <Message>"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (
            b"<!DOCTYPE m [<!ENTITY a \"aaaa\">]><Message>&a;</Message>",
            "DOCTYPE",
        ),
    ] {
        std::fs::write(&out, bytes).expect("write");
        let (code, _, err) = run(&["sen2", "validate", out_s]);
        assert_eq!((code, err.lines().count()), (2, 1), "{err}");
        assert!(err.contains(says), "{err}");
    }
}
