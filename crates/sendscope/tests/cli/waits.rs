//! Waiting lists end to end: the trust's CSV imported (bad rows reported, the rest kept,
//! a second run changing nothing, NHS numbers matched to the children here), and the
//! weekly figures equal to SQL over the raw events for several weeks and pathways,
//! clock stops and re-referrals included; and the dashboard's joined count (children
//! with a plan or request who are waiting, missing education, part-time or awaiting a
//! placement, by need and phase) equal to SQL over the events and the case index.

use super::support::*;
use chrono::{Days, NaiveDate};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// A trust's extract: 150 referrals on three pathways over two years, a quarter stopped
/// (first appointment, assessment, discharge, referred on), some re-referred after
/// discharge, support for some; then the bad rows.
fn extract(nhs_of_demo_child: &str) -> (String, usize) {
    let mut lines = vec![
        "referral_id,pathway,received_on,source,urgency,nhs_number,given_names,family_name,birth_date,clock_stop,clock_stopped_on,support_offered_on,support".to_string(),
    ];
    let start = day("2024-01-01");
    let stops = [
        "first_appointment",
        "assessment_completed",
        "discharged",
        "referred_on",
    ];
    let mut good = 0;
    for i in 0u64..150 {
        let pathway = ["asd", "salt", "paeds"][(i % 3) as usize];
        let received = start + Days::new((i * 37) % 640);
        let birth = day("2012-01-01") + Days::new(i * 23);
        let nhs = if i == 0 {
            nhs_of_demo_child.to_string()
        } else if i % 2 == 0 {
            sendscope_domain::codes::NhsNumber::with_check_digit(400_000_000 + i * 7)
                .map(|n| n.to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let (stop, stopped) = if i % 4 == 0 {
            let kind = stops[((i / 4) % 4) as usize];
            (
                kind,
                (received + Days::new(20 + (i * 11) % 300)).to_string(),
            )
        } else {
            ("", String::new())
        };
        let (support_on, support) = if i % 5 == 0 {
            ((received + Days::new(14)).to_string(), "Parent workshop")
        } else {
            (String::new(), "")
        };
        let urgency = if i % 7 == 0 { "urgent" } else { "routine" };
        lines.push(format!(
            "R{i},{pathway},{received},GP,{urgency},{nhs},Child{i},Family{i},{birth},{stop},{stopped},{support_on},{support}"
        ));
        good += 1;
        // Discharged, then referred again a month later: a new referral, a new clock.
        if stop == "discharged" {
            let again = day(&stopped) + Days::new(30);
            lines.push(format!(
                "R{i}-2,{pathway},{again},school,routine,{nhs},Child{i},Family{i},{birth},,,,"
            ));
            good += 1;
        }
    }
    lines.extend([
        // A wrong check digit.
        "B1,asd,2024-05-01,GP,routine,943 476 5918,Bad,Number,2015-01-01,,,,".to_string(),
        // A pathway the area has not adopted.
        "B2,dentistry,2024-05-01,GP,routine,,Un,Known,2015-01-01,,,,".to_string(),
        // The clock stopped before the referral was received.
        "B3,asd,2024-05-01,GP,routine,,Out,Oforder,2015-01-01,discharged,2024-04-01,,".to_string(),
        // The same referral twice.
        "D1,salt,2024-06-01,GP,routine,,Twice,Over,2016-01-01,,,,".to_string(),
        "D1,salt,2024-06-02,GP,routine,,Twice,Over,2016-01-01,,,,".to_string(),
        // A truncated last line.
        "T1,asd,2024-07-01,GP".to_string(),
    ]);
    (lines.join("\n"), good)
}

both!(the_trusts_extract_is_imported_and_a_second_run_changes_nothing => import_twice);
fn import_twice(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "40", "50000")).0, 0);
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "waits",
        "adopt",
        "--from",
        "2023-01-01",
    ]);
    assert_eq!(code, 0, "{err}");
    // A child of the demo with an NHS number: the first referral is theirs.
    let store = sendscope_store::open(&db.url).expect("opens");
    let area = sendscope_app::setup::find_area(store.as_ref(), None).expect("area");
    let mut nhs = None;
    sendscope_store::for_each_case(store.as_ref(), area, &mut |case, c| {
        if nhs.is_none()
            && let Some(n) = c.child.as_ref().and_then(|ch| ch.nhs_number)
        {
            nhs = Some((case, n.to_string()));
        }
    })
    .expect("cases");
    let (child_case, child_nhs) = nhs.expect("a demo child with an NHS number");
    // The demo's own referrals (the demo trust's export) are there already.
    let before_import = sendscope_app::waits::referrals(store.as_ref(), area)
        .expect("read")
        .len();
    let (text, good) = extract(&child_nhs);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("waits.csv");
    std::fs::write(&file, &text).expect("written");
    let path = file.to_str().expect("path");
    let (code, out, err) = run(&["--database-url", &db.url, "import", "waits", path]);
    assert_eq!(code, 0, "{err}");
    for (line, why) in [
        (good + 2, "check digit"),
        (good + 3, "dentistry"),
        (good + 4, "out of order"),
        (good + 6, "also on line"),
        (good + 7, "truncated"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("line {line}:")) && l.contains(why)),
            "line {line} ({why}) reported: {err}"
        );
    }
    assert!(
        out.contains(&format!("{good} referrals added (1 matched")),
        "{out}"
    );
    assert!(out.contains("5 rows not imported"), "{out}");
    let referrals = sendscope_app::waits::referrals(store.as_ref(), area).expect("read");
    assert_eq!(referrals.len(), before_import + good);
    let linked = referrals
        .iter()
        .filter_map(|(_, s)| {
            let r = s.received.as_ref()?;
            if r.reference.starts_with("TR-") {
                None
            } else {
                r.case
            }
        })
        .collect::<Vec<_>>();
    assert_eq!(linked, vec![child_case], "matched by NHS number only");
    // The area's part-time timetable policy: refused outside 1 to 52 weeks, kept within.
    let policy = |weeks: &str| {
        run(&[
            "--database-url",
            &db.url,
            "education",
            "part-time-policy",
            "--from",
            "2025-09-01",
            "--max-weeks",
            weeks,
        ])
    };
    let (code, _, err) = policy("0");
    assert_ne!(code, 0);
    assert!(err.contains("1 to 52 weeks"), "{err}");
    let (code, out, err) = policy("4");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("within 4 weeks"), "{out}");
    // Again: nothing changes.
    let before = events_in(&db.url);
    let (code, out, _) = run(&["--database-url", &db.url, "import", "waits", path]);
    assert_eq!(code, 0);
    assert!(out.contains("0 referrals added"), "{out}");
    assert!(
        out.contains("0 clocks stopped, 0 support recorded"),
        "{out}"
    );
    assert_eq!(events_in(&db.url), before);
}

/// The weekly figures against SQL written from the definition over the events table: the
/// number waiting at the end of the week, weeks waited at the median and the 92nd
/// percentile by nearest rank, over 18, 52 and 104 weeks, and clocks stopped in the week.
#[test]
fn weekly_figures_equal_sql_over_the_events() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "40", "50000")).0, 0);
    assert_eq!(
        run(&[
            "--database-url",
            &db.url,
            "waits",
            "adopt",
            "--from",
            "2023-01-01"
        ])
        .0,
        0
    );
    let (text, _) = extract("943 476 5919");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("waits.csv");
    std::fs::write(&file, &text).expect("written");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "import",
        "waits",
        file.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    let conn = rusqlite::Connection::open(db.url.trim_start_matches("sqlite://")).expect("opens");
    let mut compared = 0;
    for week in [
        "2024-03-03",
        "2024-09-29",
        "2025-01-05",
        "2025-06-29",
        "2025-12-28",
    ] {
        let (code, out, err) = run(&[
            "--database-url",
            &db.url,
            "waits",
            "--week",
            week,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        for pathway in ["asd", "salt", "paeds"] {
            let line = v["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .find(|l| l["pathway"] == pathway && l["priority"] == "all")
                .expect("the pathway's line");
            let waiting = "WITH ev AS (SELECT stream_no, event_type, CAST(payload AS TEXT) AS p FROM events),
                 rec AS (SELECT stream_no, json_extract(p, '$.pathway') AS pw, json_extract(p, '$.received_on') AS r
                         FROM ev WHERE event_type = 'referral.received'),
                 stp AS (SELECT stream_no, json_extract(p, '$.on') AS s FROM ev WHERE event_type = 'referral.clock_stopped'),
                 w AS (SELECT CAST((julianday(?1) - julianday(r)) / 7 AS INTEGER) AS wk
                       FROM rec LEFT JOIN stp USING (stream_no)
                       WHERE pw = ?2 AND r <= ?1 AND (s IS NULL OR s > ?1))";
            let (n, o18, o52, o104): (i64, i64, i64, i64) = conn
                .query_row(
                    &format!("{waiting} SELECT count(*), total(wk >= 18), total(wk >= 52), total(wk >= 104) FROM w"),
                    [week, pathway],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get::<_, f64>(1)? as i64,
                            r.get::<_, f64>(2)? as i64,
                            r.get::<_, f64>(3)? as i64,
                        ))
                    },
                )
                .expect("oracle");
            // Nearest rank: the value at position ceil(p% of n), counting from one.
            let at = |percent: i64| -> Option<i64> {
                if n == 0 {
                    return None;
                }
                let rank = (percent * n + 99) / 100;
                conn.query_row(
                    &format!("{waiting} SELECT wk FROM w ORDER BY wk LIMIT 1 OFFSET ?3"),
                    rusqlite::params![week, pathway, rank - 1],
                    |r| r.get(0),
                )
                .ok()
            };
            let stopped: i64 = conn
                .query_row(
                    "WITH ev AS (SELECT stream_no, event_type, CAST(payload AS TEXT) AS p FROM events)
                     SELECT count(*) FROM ev s JOIN ev r USING (stream_no)
                     WHERE s.event_type = 'referral.clock_stopped' AND r.event_type = 'referral.received'
                       AND json_extract(r.p, '$.pathway') = ?2
                       AND json_extract(s.p, '$.on') BETWEEN date(?1, '-6 days') AND ?1",
                    [week, pathway],
                    |r| r.get(0),
                )
                .expect("stops");
            let got = |k: &str| line[k].as_i64();
            assert_eq!(got("waiting"), Some(n), "{week} {pathway} waiting");
            assert_eq!(got("median_weeks"), at(50), "{week} {pathway} median");
            assert_eq!(got("p92_weeks"), at(92), "{week} {pathway} 92nd percentile");
            assert_eq!(got("over_18_weeks"), Some(o18), "{week} {pathway}");
            assert_eq!(got("over_52_weeks"), Some(o52), "{week} {pathway}");
            assert_eq!(got("over_104_weeks"), Some(o104), "{week} {pathway}");
            assert_eq!(
                got("stopped_in_week"),
                Some(stopped),
                "{week} {pathway} stops"
            );
            if n > 0 {
                compared += 1;
            }
        }
    }
    assert!(
        compared >= 10,
        "most weeks and pathways have children waiting: {compared}"
    );
    // The same figures under `waits` in the KPI output.
    let (code, out, _) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        "2025",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["waits"]["week_ending"], "2025-12-31");
    assert!(
        v["waits"]["lines"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
}

/// The joined count, by need and by phase, against SQL: the registers and the waits from
/// the raw events (an open episode has no closing event of its number; a referral waits
/// on the day if received by then with no clock stopped by then; a child awaits a
/// placement if their latest placement event ends one or names "not in education:
/// other"), the cohort, need and date of birth from the case index. The demo's own
/// rates give every measure children.
#[test]
fn the_joined_count_equals_sql_over_the_events() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "1500", "50000")).0, 0);
    let conn = rusqlite::Connection::open(db.url.trim_start_matches("sqlite://")).expect("opens");
    let rewrites: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE event_type IN ('event.corrected', 'event.voided', 'event.payloads_erased')",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(rewrites, 0, "the oracle reads payloads as first recorded");
    let day = "2025-12-31";
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        "2025",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let joined = &v["joined"];
    assert_eq!(joined["on"], day);
    let oracle = "WITH ev AS (SELECT e.seq, e.stream_no, e.event_type, CAST(e.payload AS TEXT) AS p FROM events e),
        cohort AS (SELECT c.stream_no, s.stream_id AS id, COALESCE(c.primary_need, 'none') AS need, c.birth_date AS b, c.stage
                   FROM case_index c JOIN streams s USING (stream_no)
                   WHERE c.stage IN ('request_received', 'assessing', 'draft_plan', 'plan_in_place')),
        waiting AS (SELECT DISTINCT json_extract(r.p, '$.case') AS id FROM ev r
                    WHERE r.event_type = 'referral.received' AND json_extract(r.p, '$.received_on') <= ?1
                      AND NOT EXISTS (SELECT 1 FROM ev x WHERE x.stream_no = r.stream_no
                                      AND x.event_type = 'referral.clock_stopped' AND json_extract(x.p, '$.on') <= ?1)),
        missing AS (SELECT DISTINCT m.stream_no FROM ev m WHERE m.event_type = 'case.missing_education_reported'
                    AND NOT EXISTS (SELECT 1 FROM ev x WHERE x.stream_no = m.stream_no AND x.event_type = 'case.missing_education_closed'
                                    AND json_extract(x.p, '$.episode') = json_extract(m.p, '$.episode'))),
        part AS (SELECT DISTINCT t.stream_no FROM ev t WHERE t.event_type = 'case.part_time_timetable_agreed'
                 AND NOT EXISTS (SELECT 1 FROM ev x WHERE x.stream_no = t.stream_no AND x.event_type = 'case.part_time_timetable_ended'
                                 AND json_extract(x.p, '$.timetable') = json_extract(t.p, '$.timetable'))),
        lastp AS (SELECT stream_no, event_type AS t, p FROM (
                    SELECT stream_no, event_type, p, row_number() OVER (PARTITION BY stream_no ORDER BY seq DESC) AS rn
                    FROM ev WHERE event_type IN ('case.placement_started', 'case.placement_ended')) WHERE rn = 1),
        flagged AS (SELECT c.need,
                      CASE WHEN c.b IS NULL THEN 'unknown' ELSE (
                        WITH a(age) AS (SELECT CAST(strftime('%Y', ?1) AS INTEGER) - CAST(strftime('%Y', c.b) AS INTEGER)
                                               - (strftime('%m-%d', ?1) < strftime('%m-%d', c.b)))
                        SELECT CASE WHEN age BETWEEN 0 AND 4 THEN 'early_years' WHEN age BETWEEN 5 AND 10 THEN 'primary'
                                    WHEN age BETWEEN 11 AND 15 THEN 'secondary' WHEN age BETWEEN 16 AND 19 THEN 'post_16'
                                    WHEN age BETWEEN 20 AND 25 THEN 'post_19' ELSE 'unknown' END FROM a) END AS phase,
                      c.id IN (SELECT id FROM waiting) AS w,
                      c.stream_no IN (SELECT stream_no FROM missing) AS m,
                      c.stream_no IN (SELECT stream_no FROM part) AS pt,
                      (c.stage = 'plan_in_place' AND (l.t IS NULL OR l.t = 'case.placement_ended'
                        OR json_extract(l.p, '$.setting.code') = 'NIEO')) AS aw
                    FROM cohort c LEFT JOIN lastp l USING (stream_no))
        SELECT GROUP, count(*), total(w), total(m), total(pt), total(aw), total(w OR m OR pt OR aw)
        FROM flagged GROUP BY GROUP";
    let counts = |group: &str| -> std::collections::BTreeMap<String, [i64; 6]> {
        let sql = oracle
            .replace("GROUP BY GROUP", &format!("GROUP BY {group}"))
            .replace("SELECT GROUP,", &format!("SELECT {group},"));
        let mut stmt = conn.prepare(&sql).expect("oracle");
        stmt.query_map([day], |r| {
            Ok((
                r.get::<_, String>(0)?,
                [
                    r.get(1)?,
                    r.get::<_, f64>(2)? as i64,
                    r.get::<_, f64>(3)? as i64,
                    r.get::<_, f64>(4)? as i64,
                    r.get::<_, f64>(5)? as i64,
                    r.get::<_, f64>(6)? as i64,
                ],
            ))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read")
    };
    let of = |rows: &serde_json::Value| -> std::collections::BTreeMap<String, [i64; 6]> {
        rows.as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                let c = &r["counts"];
                let n = |k: &str| c[k].as_i64().expect("count");
                (
                    r["key"].as_str().expect("key").to_string(),
                    [
                        n("children"),
                        n("waiting"),
                        n("missing"),
                        n("part_time"),
                        n("awaiting"),
                        n("any"),
                    ],
                )
            })
            .collect()
    };
    let by_need = counts("need");
    assert_eq!(of(&joined["by_need"]), by_need, "by need");
    assert_eq!(of(&joined["by_phase"]), counts("phase"), "by phase");
    let total: [i64; 6] = by_need.values().fold([0; 6], |mut t, c| {
        for (a, b) in t.iter_mut().zip(c) {
            *a += b;
        }
        t
    });
    for (i, measure) in [
        "children",
        "waiting",
        "missing",
        "part_time",
        "awaiting",
        "any",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            joined["total"][measure].as_i64(),
            Some(total[i]),
            "{measure}"
        );
        assert!(total[i] > 0, "the demo has children {measure}: {total:?}");
    }
    assert!(
        total[5] < total[1] + total[2] + total[3] + total[4],
        "a child counted under two measures counts once in any: {total:?}"
    );
}
