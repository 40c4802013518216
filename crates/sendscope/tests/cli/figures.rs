use crate::support::*;

/// Every KPI the engine computes on the demo area equals an SQL computation over the raw
/// events, written from the definitions and sharing no code with the engine: calendar
/// years, a financial year, a quarter, and the children of one primary need.
#[test]
fn kpis_equal_sql_over_the_raw_events() {
    let db = sqlite_db();
    // Seed 6: a demo of this size whose 2024 holds mediations that took place.
    let mut args = demo_args(&db.url, "800", "50000");
    args[6] = "6";
    assert_eq!(run(&args).0, 0);
    let path = db.url.trim_start_matches("sqlite://");
    let conn = rusqlite::Connection::open(path).expect("opens");
    // The events, and (for a need) the cases whose latest plan, or amendment, names it
    // as the primary need, or (for a caseworker or team) the cases whose latest
    // assignment, when opened or since, names them.
    let ev = |filter: Option<(&str, &str)>| {
        match filter {
        None => "WITH ev AS (SELECT stream_no, seq, event_type, CAST(payload AS TEXT) AS p FROM events)".to_string(),
        Some((kind @ ("caseworker" | "team"), id)) => format!(
            "WITH raw AS (SELECT stream_no, seq, event_type, CAST(payload AS TEXT) AS p FROM events),
             assigned AS (SELECT stream_no,
                                 CASE event_type WHEN 'case.opened' THEN json_extract(p, '$.caseworker.staff') ELSE json_extract(p, '$.staff') END AS caseworker,
                                 CASE event_type WHEN 'case.opened' THEN json_extract(p, '$.caseworker.team') ELSE json_extract(p, '$.team') END AS team,
                                 ROW_NUMBER() OVER (PARTITION BY stream_no ORDER BY seq DESC) AS latest
                          FROM raw WHERE event_type = 'case.caseworker_assigned'
                             OR (event_type = 'case.opened' AND json_extract(p, '$.caseworker') IS NOT NULL)),
             ev AS (SELECT * FROM raw WHERE stream_no IN (SELECT stream_no FROM assigned WHERE latest = 1 AND {kind} = '{id}'))"
        ),
        Some((_, n)) => format!(
            "WITH raw AS (SELECT stream_no, seq, event_type, CAST(payload AS TEXT) AS p FROM events),
             planned AS (SELECT stream_no, json_extract(p, '$.needs[0].need') AS need,
                                ROW_NUMBER() OVER (PARTITION BY stream_no ORDER BY seq DESC) AS latest
                         FROM raw WHERE event_type IN ('case.final_plan_issued', 'case.plan_recorded', 'case.plan_amended')),
             ev AS (SELECT * FROM raw WHERE stream_no IN (SELECT stream_no FROM planned WHERE latest = 1 AND need = '{n}'))"
        ),
    }
    };
    // The caseworker with the most cases, and their team.
    let (worker, team): (String, String) = conn
        .query_row(
            "SELECT json_extract(CAST(payload AS TEXT), '$.caseworker.staff') AS w, json_extract(CAST(payload AS TEXT), '$.caseworker.team')
             FROM events WHERE event_type = 'case.opened' AND w IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a caseworker");
    // (arguments, first day, last day, the children chosen: need, caseworker or team)
    type Case<'a> = (&'a [&'a str], &'a str, &'a str, Option<(&'a str, &'a str)>);
    let cases: [Case; 8] = [
        (&["--year", "2023"], "2023-01-01", "2023-12-31", None),
        (&["--year", "2024"], "2024-01-01", "2024-12-31", None),
        (&["--year", "2025"], "2025-01-01", "2025-12-31", None),
        (
            &["--year", "2024", "--period", "financial"],
            "2024-04-01",
            "2025-03-31",
            None,
        ),
        (
            &["--year", "2025", "--quarter", "2"],
            "2025-04-01",
            "2025-06-30",
            None,
        ),
        (
            &["--year", "2024", "--need", "ASD"],
            "2024-01-01",
            "2024-12-31",
            Some(("need", "ASD")),
        ),
        (
            &["--year", "2024", "--caseworker", &worker],
            "2024-01-01",
            "2024-12-31",
            Some(("caseworker", &worker)),
        ),
        (
            &["--year", "2025", "--team", &team],
            "2025-01-01",
            "2025-12-31",
            Some(("team", &team)),
        ),
    ];
    for (args, from, to, filter) in cases {
        let ev = ev(filter);
        let range = [from, to];
        let requests: i64 = conn
            .query_row(
                &format!("{ev} SELECT count(*) FROM ev WHERE event_type = 'case.request_received' AND json_extract(p, '$.received_on') BETWEEN ?1 AND ?2"),
                range,
                |r| r.get(0),
            )
            .expect("requests");
        // A request's first decision counts (a later one follows an order).
        let decisions = format!(
            "{ev}, req AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.received_on') AS received FROM ev WHERE event_type = 'case.request_received'),
             dec AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS decided,
                            ROW_NUMBER() OVER (PARTITION BY stream_no, json_extract(p, '$.request') ORDER BY seq) AS n
                     FROM ev WHERE event_type = 'case.assessment_decided')
             SELECT total(1), total(julianday(decided) - julianday(received) <= 42) FROM dec JOIN req USING (stream_no, r)
             WHERE n = 1 AND decided BETWEEN ?1 AND ?2"
        );
        let (decided, within_6): (i64, i64) = conn
            .query_row(&decisions, range, |r| {
                Ok((r.get::<_, f64>(0)? as i64, r.get::<_, f64>(1)? as i64))
            })
            .expect("decisions");
        let plans_sql = format!(
            "{ev}, req AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.received_on') AS received FROM ev WHERE event_type = 'case.request_received'),
             fin AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS issued FROM ev WHERE event_type = 'case.final_plan_issued'),
             exc AS (SELECT DISTINCT stream_no, json_extract(p, '$.request') AS r FROM ev WHERE event_type = 'case.exception_recorded')
             SELECT CAST(julianday(issued) - julianday(received) AS INTEGER), exc.r IS NOT NULL
             FROM fin JOIN req USING (stream_no, r) LEFT JOIN exc USING (stream_no, r) WHERE issued BETWEEN ?1 AND ?2"
        );
        let mut stmt = conn.prepare(&plans_sql).expect("plans");
        let plans: Vec<(i64, bool)> = stmt
            .query_map(range, |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|x| x.expect("row"))
            .collect();
        let within = plans.iter().filter(|(d, _)| *d <= 140).count() as i64;
        let ex: Vec<&(i64, bool)> = plans.iter().filter(|(_, e)| !*e).collect();
        let within_ex = ex.iter().filter(|(d, _)| *d <= 140).count() as i64;
        let mut days: Vec<i64> = plans.iter().map(|(d, _)| *d).collect();
        days.sort_unstable();
        let rank = |p: f64| -> Option<i64> {
            (!days.is_empty()).then(|| days[((p * days.len() as f64).ceil() as usize).max(1) - 1])
        };
        let in_place: i64 = conn
            .query_row(
                &format!(
                    "{ev}, starts AS (
                        SELECT stream_no, seq, json_extract(p, '$.on') AS s FROM ev WHERE event_type = 'case.final_plan_issued'
                        UNION ALL SELECT stream_no, seq, json_extract(p, '$.plan_start') FROM ev WHERE event_type = 'case.plan_recorded'),
                     plans AS (SELECT stream_no, seq, s, LEAD(s) OVER w AS next_start, LEAD(seq) OVER w AS next_seq
                               FROM starts WINDOW w AS (PARTITION BY stream_no ORDER BY seq)),
                     ends AS (SELECT stream_no, seq, json_extract(p, '$.on') AS e FROM ev WHERE event_type IN ('case.plan_ceased', 'case.transferred_out'))
                     SELECT count(*) FROM plans WHERE s <= ?1 AND (next_start IS NULL OR next_start > ?1)
                       AND NOT EXISTS (SELECT 1 FROM ends WHERE ends.stream_no = plans.stream_no AND ends.seq > plans.seq
                                       AND (plans.next_seq IS NULL OR ends.seq < plans.next_seq) AND ends.e <= ?1 AND ends.e >= plans.s)"
                ),
                [to],
                |r| r.get(0),
            )
            .expect("in place");
        // Quality: the plans issued in the period with their audit (the demo audits a
        // plan at most once, and before any later plan).
        let (audited, good): (i64, i64) = conn
            .query_row(
                &format!(
                    "{ev}, fin AS (SELECT stream_no, json_extract(p, '$.on') AS issued FROM ev WHERE event_type = 'case.final_plan_issued'),
                     qa AS (SELECT stream_no, json_extract(p, '$.on') AS on_, json_extract(p, '$.grade') AS grade FROM ev WHERE event_type = 'case.plan_audited')
                     SELECT total(1), total(grade IN ('outstanding', 'good')) FROM fin JOIN qa USING (stream_no)
                     WHERE issued BETWEEN ?1 AND ?2 AND qa.on_ >= fin.issued"
                ),
                range,
                |r| Ok((r.get::<_, f64>(0)? as i64, r.get::<_, f64>(1)? as i64)),
            )
            .expect("quality");
        // Each step's days, from the events: (completed, median, p90) by nearest rank.
        let steps = |sql: String| -> (i64, Option<i64>, Option<i64>) {
            let mut stmt = conn.prepare(&sql).expect("step");
            let mut v: Vec<i64> = stmt
                .query_map(range, |r| r.get::<_, f64>(0).map(|x| x.round() as i64))
                .expect("query")
                .map(|x| x.expect("row"))
                .collect();
            v.sort_unstable();
            let at = |p: f64| {
                (!v.is_empty()).then(|| v[((p * v.len() as f64).ceil() as usize).max(1) - 1])
            };
            (v.len() as i64, at(0.5), at(0.9))
        };
        let req_cte = "req AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.received_on') AS received FROM ev WHERE event_type = 'case.request_received')";
        let draft_cte = "draft AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS served,
                                 ROW_NUMBER() OVER (PARTITION BY stream_no, json_extract(p, '$.request') ORDER BY seq DESC) AS n
                          FROM ev WHERE event_type = 'case.draft_plan_served')";
        let to_decision = steps(format!(
            "{ev}, {req_cte}, dec AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS decided,
                    ROW_NUMBER() OVER (PARTITION BY stream_no, json_extract(p, '$.request') ORDER BY seq) AS n
                    FROM ev WHERE event_type = 'case.assessment_decided')
             SELECT julianday(decided) - julianday(received) FROM dec JOIN req USING (stream_no, r) WHERE n = 1 AND decided BETWEEN ?1 AND ?2"
        ));
        let to_draft = steps(format!(
            "{ev}, {req_cte}, {draft_cte}
             SELECT julianday(served) - julianday(received) FROM draft JOIN req USING (stream_no, r) WHERE n = 1 AND served BETWEEN ?1 AND ?2"
        ));
        let draft_to_final = steps(format!(
            "{ev}, {draft_cte}, fin AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS issued FROM ev WHERE event_type = 'case.final_plan_issued')
             SELECT julianday(issued) - julianday(served) FROM fin JOIN draft USING (stream_no, r) WHERE n = 1 AND issued BETWEEN ?1 AND ?2"
        ));
        let meeting_to_decision = steps(format!(
            "{ev} SELECT julianday(json_extract(p, '$.on')) - julianday(json_extract(p, '$.meeting_on')) FROM ev
             WHERE event_type = 'case.review_decided' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"
        ));
        let reviews_held: i64 = conn
            .query_row(
                &format!("{ev} SELECT count(*) FROM ev WHERE event_type = 'case.review_meeting_held' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"),
                range,
                |r| r.get(0),
            )
            .expect("reviews");
        let (review_decisions, review_within): (i64, i64) = conn
            .query_row(
                &format!(
                    "{ev} SELECT total(1), total(julianday(json_extract(p, '$.on')) - julianday(json_extract(p, '$.meeting_on')) <= 28)
                     FROM ev WHERE event_type = 'case.review_decided' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"
                ),
                range,
                |r| Ok((r.get::<_, f64>(0)? as i64, r.get::<_, f64>(1)? as i64)),
            )
            .expect("review decisions");
        let mut stmt = conn
            .prepare(&format!(
                "{ev} SELECT json_extract(p, '$.reason'), count(*) FROM ev WHERE event_type = 'case.plan_ceased'
                 AND json_extract(p, '$.on') BETWEEN ?1 AND ?2 GROUP BY 1 ORDER BY 1"
            ))
            .expect("ceased");
        let ceased: std::collections::BTreeMap<String, i64> = stmt
            .query_map(range, |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|x| x.expect("row"))
            .collect();
        let mut cli = vec!["--database-url", db.url.as_str(), "kpi"];
        cli.extend_from_slice(args);
        let (code, out, err) = run(&cli);
        assert_eq!(code, 0, "{err}");
        let k: serde_json::Value = serde_json::from_str(&out).expect("json");
        let got = (
            k["requests"].as_i64(),
            k["decisions_within_6_weeks"]["numerator"].as_i64(),
            k["decisions_within_6_weeks"]["denominator"].as_i64(),
            k["new_plans"].as_i64(),
            k["within_20_weeks"]["numerator"].as_i64(),
            k["within_20_weeks"]["denominator"].as_i64(),
            k["within_20_weeks_excluding_exceptions"]["numerator"].as_i64(),
            k["within_20_weeks_excluding_exceptions"]["denominator"].as_i64(),
            k["exception_cases"].as_i64(),
            k["plans_in_place_at_end"].as_i64(),
            k["median_days_to_final_plan"].as_i64(),
            k["p90_days_to_final_plan"].as_i64(),
        );
        let want = (
            Some(requests),
            Some(within_6),
            Some(decided),
            Some(plans.len() as i64),
            Some(within),
            Some(plans.len() as i64),
            Some(within_ex),
            Some(ex.len() as i64),
            Some((plans.len() - ex.len()) as i64),
            Some(in_place),
            rank(0.5),
            rank(0.9),
        );
        assert_eq!(got, want, "{args:?}");
        let got_ceased: std::collections::BTreeMap<String, i64> = k["ceased"]
            .as_object()
            .expect("ceased")
            .iter()
            .map(|(r, n)| (r.clone(), n.as_i64().unwrap_or(0)))
            .collect();
        assert_eq!(got_ceased, ceased, "{args:?}: plans ceased by reason");
        assert_eq!(
            (
                k["reviews_held"].as_i64(),
                k["review_decisions_within_4_weeks"]["numerator"].as_i64(),
                k["review_decisions_within_4_weeks"]["denominator"].as_i64()
            ),
            (
                Some(reviews_held),
                Some(review_within),
                Some(review_decisions)
            ),
            "{args:?}: reviews"
        );
        assert_eq!(
            (
                k["quality"]["audited"].as_i64(),
                k["quality"]["good_or_better"].as_i64()
            ),
            (Some(audited), Some(good)),
            "{args:?}: quality"
        );
        let step = |name: &str| {
            let x = &k["steps"][name];
            (
                x["completed"].as_i64().unwrap_or(-1),
                x["median_days"].as_i64(),
                x["p90_days"].as_i64(),
            )
        };
        assert_eq!(
            (
                step("request_to_decision"),
                step("request_to_draft"),
                step("draft_to_final"),
                step("review_meeting_to_decision")
            ),
            (to_decision, to_draft, draft_to_final, meeting_to_decision),
            "{args:?}: the time each step took"
        );
        clocks_disputes_and_placements_equal_sql(&conn, &ev, range, &k, &format!("{args:?}"));
        if args == ["--year", "2024"] {
            assert!(
                to_draft.0 > 20 && draft_to_final.0 > 20,
                "the demo serves drafts"
            );
        }
        if args == ["--year", "2024"] {
            assert!(audited > 3, "the demo audits plans: {audited}");
        }
        if args == ["--year", "2024"] {
            assert!(
                reviews_held > 50 && review_decisions > 50,
                "the demo holds reviews"
            );
        }
        if args == ["--year", "2024"] {
            assert!(
                ceased.values().sum::<i64>() > 5,
                "the demo ceases plans: {ceased:?}"
            );
        }
        assert!(
            requests > 10 && decided > 5 && in_place > 50,
            "{args:?}: {want:?}"
        );
    }
    // CSV: the same figures with their denominators; a bad filter is one line, exit 2.
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        "2024",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("measure,numerator,denominator,percent")
            && out.contains("within_20_weeks,"),
        "{out}"
    );
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        "2024",
        "--need",
        "XYZ",
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("not a type of need"), "{err}");
}

/// The statutory clocks (annual reviews, review reports, advice, phase transfers),
/// disputes and placements of `k` (the engine's figures for the period `range`) equal SQL
/// over the raw events `ev` (a CTE) written from the definitions.
fn clocks_disputes_and_placements_equal_sql(
    conn: &rusqlite::Connection,
    ev: &str,
    range: [&str; 2],
    k: &serde_json::Value,
    what: &str,
) {
    let today = sendscope_domain::calendar::england_today().to_string();
    let (from, to) = (range[0], range[1]);
    let count = |sql: &str, params: &[&str]| -> i64 {
        conn.query_row(sql, rusqlite::params_from_iter(params), |r| r.get(0))
            .unwrap_or_else(|e| panic!("{e}: {sql}"))
    };
    // Deadlines (due, done) from a query: the engine's figures for the period.
    let deadlines = |sql: String| -> [i64; 5] {
        let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
        let rows: Vec<(String, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|x| x.expect("row"))
            .collect();
        let mut out = [0; 5];
        for (due, done) in rows
            .iter()
            .filter(|(d, _)| d.as_str() >= from && d.as_str() <= to)
        {
            out[0] += 1;
            match done {
                None if due.as_str() < today.as_str() => out[3] += 1,
                None => out[4] += 1,
                Some(d) if d <= due => out[1] += 1,
                Some(_) => out[2] += 1,
            }
        }
        out
    };
    let engine = |key: &str| -> [i64; 5] {
        let c = &k["clocks"][key];
        ["due", "met_on_time", "met_late", "overdue", "not_yet_due"]
            .map(|f| c[f].as_i64().unwrap_or(0))
    };
    // Plans: each plan's start, the next plan's start, and whether the plan is still in
    // place (the case's latest, not ceased after it and not transferred out).
    let plans = "starts AS (
            SELECT stream_no, seq, json_extract(p, '$.on') AS s FROM ev WHERE event_type = 'case.final_plan_issued'
            UNION ALL SELECT stream_no, seq, json_extract(p, '$.plan_start') FROM ev WHERE event_type = 'case.plan_recorded'),
         plans AS (SELECT stream_no, seq, s, LEAD(s) OVER w AS next_start, LEAD(seq) OVER w AS next_seq
                   FROM starts WINDOW w AS (PARTITION BY stream_no ORDER BY seq)),
         open_plans AS (SELECT * FROM plans WHERE next_start IS NULL AND NOT EXISTS (
             SELECT 1 FROM ev e WHERE e.stream_no = plans.stream_no
             AND ((e.event_type = 'case.plan_ceased' AND e.seq > plans.seq) OR e.event_type = 'case.transferred_out')))";
    // Annual reviews: 12 months from the plan's start or the last review (29 February
    // to 28 February); the next is due only while the plan is in place.
    let plus_year = |x: &str| {
        format!(
            "CASE WHEN strftime('%m-%d', {x}) = '02-29' THEN date({x}, '+12 months', '-1 day') ELSE date({x}, '+12 months') END"
        )
    };
    let reviews = deadlines(format!(
        "{ev}, {plans},
         meet AS (SELECT stream_no, json_extract(p, '$.on') AS m FROM ev WHERE event_type = 'case.review_meeting_held'),
         pm AS (SELECT plans.stream_no, plans.s, m, LAG(m) OVER (PARTITION BY plans.stream_no, plans.seq ORDER BY m) AS prev
                FROM plans JOIN meet ON meet.stream_no = plans.stream_no AND m >= s AND (next_start IS NULL OR m < next_start)),
         cycles AS (SELECT coalesce(prev, s) AS trig, m AS done FROM pm
                    UNION ALL SELECT coalesce((SELECT max(m) FROM meet WHERE meet.stream_no = open_plans.stream_no AND m >= open_plans.s), s), NULL
                    FROM open_plans)
         SELECT {}, done FROM cycles WHERE trig >= '2014-09-01'",
        plus_year("trig")
    ));
    assert_eq!(
        engine("annual_review"),
        reviews,
        "{what}: annual reviews due"
    );
    let reports = deadlines(format!(
        "{ev}, meet AS (SELECT stream_no, json_extract(p, '$.on') AS m FROM ev WHERE event_type = 'case.review_meeting_held'),
         rep AS (SELECT stream_no, json_extract(p, '$.meeting_on') AS m, min(json_extract(p, '$.on')) AS sent FROM ev
                 WHERE event_type = 'case.review_report_sent' GROUP BY 1, 2)
         SELECT date(meet.m, '+14 days'), rep.sent FROM meet LEFT JOIN rep USING (stream_no, m)"
    ));
    assert_eq!(engine("review_report"), reports, "{what}: review reports");
    let advice = deadlines(format!(
        "{ev}, asked AS (SELECT ev.stream_no, json_extract(p, '$.request') AS r, k.value AS kind, json_extract(p, '$.on') AS on_
                    FROM ev, json_each(json_extract(p, '$.kinds')) AS k WHERE event_type = 'case.advice_requested'),
         got AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.kind') AS kind, min(json_extract(p, '$.on')) AS on_
                 FROM ev WHERE event_type = 'case.advice_received' GROUP BY 1, 2, 3)
         SELECT date(asked.on_, '+42 days'), got.on_ FROM asked LEFT JOIN got USING (stream_no, r, kind)"
    ));
    assert_eq!(engine("advice"), advice, "{what}: advice");
    // Phase transfers: the plan amended for the transfer before 15 February (31 March
    // for post-16) of the year of transfer; one not amended is counted only while the
    // plan is in place. The transfers are those recorded, and those the child's date of
    // birth gives for the plan in place: starting school, Year 7 (between schools) and
    // Year 12 (post-16) in the September of the academic year of birth plus 5, 12 and
    // 16, for a plan in place (or, brought in, last reviewed) before the September a
    // year earlier, unless one of the same kind is recorded within a year of it. An
    // amendment for a transfer goes to the soonest transfer after it already known.
    let transfers = format!(
        "{ev}, {plans},
         born AS (SELECT stream_no, birth FROM (
                    SELECT stream_no, coalesce(json_extract(p, '$.child.birth_date'), json_extract(p, '$.birth_date')) AS birth,
                           ROW_NUMBER() OVER (PARTITION BY stream_no ORDER BY seq DESC) AS n
                    FROM ev WHERE event_type IN ('case.opened', 'case.child_details_changed')) WHERE n = 1),
         ay AS (SELECT stream_no, CAST(strftime('%Y', birth) AS INTEGER) - (CAST(strftime('%m', birth) AS INTEGER) < 9) AS a FROM born),
         pfrom AS (SELECT plans.stream_no, plans.seq,
                          max(plans.s, coalesce((SELECT json_extract(e.p, '$.last_review') FROM ev e
                              WHERE e.stream_no = plans.stream_no AND e.seq = plans.seq AND e.event_type = 'case.plan_recorded'), plans.s)) AS f
                   FROM plans WHERE plans.next_start IS NULL),
         steps AS (SELECT 'between_schools' AS kind, 5 AS k UNION ALL SELECT 'between_schools', 12 UNION ALL SELECT 'secondary_to_post16', 16),
         rec AS (SELECT stream_no, seq AS made, json_extract(p, '$.kind') AS kind, json_extract(p, '$.transfer_on') AS t
                 FROM ev WHERE event_type = 'case.phase_transfer_planned'),
         derived AS (SELECT pfrom.stream_no, pfrom.seq AS made, steps.kind, printf('%04d-09-01', ay.a + steps.k) AS t
                     FROM pfrom JOIN ay USING (stream_no), steps
                     WHERE pfrom.f < printf('%04d-09-01', ay.a + steps.k - 1)
                       AND NOT EXISTS (SELECT 1 FROM rec WHERE rec.stream_no = pfrom.stream_no AND rec.kind = steps.kind
                                       AND abs(CAST(strftime('%Y', rec.t) AS INTEGER) - (ay.a + steps.k)) <= 1)),
         tr AS (SELECT * FROM rec UNION ALL SELECT * FROM derived),
         am AS (SELECT stream_no, seq, json_extract(p, '$.on') AS on_ FROM ev
                WHERE event_type = 'case.plan_amended' AND json_extract(p, '$.phase_transfer')),
         tg AS (SELECT am.stream_no, am.on_, (SELECT min(tr.t) FROM tr WHERE tr.stream_no = am.stream_no AND tr.made < am.seq AND tr.t > am.on_) AS t FROM am),
         done AS (SELECT tr.stream_no, tr.kind, tr.t,
                         (SELECT min(tg.on_) FROM tg WHERE tg.stream_no = tr.stream_no AND tg.t = tr.t) AS amended FROM tr)"
    );
    for (kind, key, deadline) in [
        ("between_schools", "phase_transfer", "02-14"),
        ("secondary_to_post16", "phase_transfer_post16", "03-30"),
    ] {
        let got = deadlines(format!(
            "{transfers}
             SELECT strftime('%Y', t) || '-{deadline}', amended FROM done
             WHERE kind = '{kind}' AND (amended IS NOT NULL OR stream_no IN (SELECT stream_no FROM open_plans))"
        ));
        assert_eq!(engine(key), got, "{what}: {key}");
    }
    // Disputes.
    let mediations: i64 = count(
        &format!(
            "{ev} SELECT count(*) FROM ev WHERE event_type = 'case.mediation_recorded' AND json_extract(p, '$.took_place') AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"
        ),
        &range,
    );
    let followed: i64 = count(
        &format!("{ev} SELECT count(*) FROM ev m WHERE event_type = 'case.mediation_recorded' AND json_extract(p, '$.took_place') AND json_extract(p, '$.on') BETWEEN ?1 AND ?2
                  AND EXISTS (SELECT 1 FROM ev a WHERE a.stream_no = m.stream_no AND a.seq > m.seq AND a.event_type = 'case.appeal_registered'
                              AND json_extract(a.p, '$.subject') = json_extract(m.p, '$.subject'))"),
        &range,
    );
    let appeals: i64 = count(
        &format!(
            "{ev} SELECT count(*) FROM ev WHERE event_type = 'case.appeal_registered' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"
        ),
        &range,
    );
    // Decisions carrying a right of appeal: refusals to assess (a request's decision as
    // it stands), refusals to issue, final plans, amendments and decisions to cease.
    let appealable: i64 = count(
        &format!("{ev}, dec AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.decision') AS d, json_extract(p, '$.on') AS on_,
                                  ROW_NUMBER() OVER (PARTITION BY stream_no, json_extract(p, '$.request') ORDER BY seq DESC) AS n
                                  FROM ev WHERE event_type = 'case.assessment_decided')
                  SELECT (SELECT count(*) FROM dec WHERE n = 1 AND d = 'do_not_assess' AND on_ BETWEEN ?1 AND ?2)
                       + (SELECT count(*) FROM ev WHERE event_type IN ('case.plan_not_issued', 'case.final_plan_issued', 'case.plan_amended', 'case.cessation_decided')
                          AND json_extract(p, '$.on') BETWEEN ?1 AND ?2)"),
        &range,
    );
    let mut stmt = conn
        .prepare(&format!("{ev} SELECT json_extract(p, '$.outcome'), count(*) FROM ev WHERE event_type = 'case.appeal_decided' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2 GROUP BY 1"))
        .expect("outcomes");
    let decided: std::collections::BTreeMap<String, i64> = stmt
        .query_map(range, |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|x| x.expect("row"))
        .collect();
    let d = &k["disputes"];
    let got_decided: std::collections::BTreeMap<String, i64> = d["appeals_decided"]
        .as_object()
        .expect("outcomes")
        .iter()
        .map(|(o, n)| (o.clone(), n.as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(
        (
            d["mediations_held"].as_i64(),
            d["mediations_followed_by_appeal"]["numerator"].as_i64(),
            d["appeal_rate"]["numerator"].as_i64(),
            d["appeal_rate"]["denominator"].as_i64(),
            got_decided
        ),
        (
            Some(mediations),
            Some(followed),
            Some(appeals),
            Some(appealable),
            decided
        ),
        "{what}: disputes"
    );
    // Placements on the last day of children whose plan was in place then, by the
    // setting's type as registered (latest details), with the provision's cost per
    // place for the financial year containing that day. A placement lasts until the
    // record's next placement starts or the placement is ended.
    let fy = {
        let d = chrono::NaiveDate::parse_from_str(to, "%Y-%m-%d").expect("date");
        let y = if chrono::Datelike::month(&d) >= 4 {
            chrono::Datelike::year(&d)
        } else {
            chrono::Datelike::year(&d) - 1
        };
        format!("{y}-{:02}", (y + 1) % 100)
    };
    let mut stmt = conn
        .prepare(&format!(
            "{ev}, {plans},
             in_place AS (SELECT DISTINCT stream_no FROM plans WHERE s <= ?1 AND (next_start IS NULL OR next_start > ?1)
                 AND NOT EXISTS (SELECT 1 FROM ev e WHERE e.stream_no = plans.stream_no AND e.seq > plans.seq
                                 AND (plans.next_seq IS NULL OR e.seq < plans.next_seq)
                                 AND e.event_type IN ('case.plan_ceased', 'case.transferred_out')
                                 AND json_extract(e.p, '$.on') <= ?1 AND json_extract(e.p, '$.on') >= plans.s)),
             pl AS (SELECT stream_no, event_type AS kind, json_extract(p, '$.on') AS s, json_extract(p, '$.setting.setting') AS setting,
                           json_extract(p, '$.provision') AS provision, LEAD(json_extract(p, '$.on')) OVER (PARTITION BY stream_no ORDER BY seq) AS next_s
                    FROM ev WHERE event_type IN ('case.placement_started', 'case.placement_ended')),
             types AS (SELECT st.stream_id, json_extract(CAST(e.payload AS TEXT), '$.setting_type') AS t,
                              ROW_NUMBER() OVER (PARTITION BY e.stream_no ORDER BY e.seq DESC) AS n
                       FROM events e JOIN streams st USING (stream_no) WHERE e.event_type IN ('setting.registered', 'setting.details_changed')),
             costs AS (SELECT st.stream_id, json_extract(CAST(e.payload AS TEXT), '$.cost.place_funding') + json_extract(CAST(e.payload AS TEXT), '$.cost.top_up')
                              + json_extract(CAST(e.payload AS TEXT), '$.cost.health') + json_extract(CAST(e.payload AS TEXT), '$.cost.social_care') AS c,
                              ROW_NUMBER() OVER (PARTITION BY e.stream_no ORDER BY e.seq DESC) AS n
                       FROM events e JOIN streams st USING (stream_no)
                       WHERE e.event_type = 'provision.costs_set' AND json_extract(CAST(e.payload AS TEXT), '$.financial_year') = ?2)
             SELECT coalesce(types.t, 'unknown'), count(*), count(costs.c), coalesce(sum(costs.c), 0)
             FROM pl LEFT JOIN types ON types.stream_id = pl.setting AND types.n = 1
                     LEFT JOIN costs ON costs.stream_id = pl.provision AND costs.n = 1
             WHERE pl.kind = 'case.placement_started' AND pl.s <= ?1 AND (pl.next_s IS NULL OR pl.next_s > ?1)
               AND pl.stream_no IN (SELECT stream_no FROM in_place)
             GROUP BY 1"
        ))
        .expect("placements");
    let placed: std::collections::BTreeMap<String, (i64, i64, i64)> = stmt
        .query_map([to, fy.as_str()], |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
        })
        .expect("query")
        .map(|x| x.expect("row"))
        .collect();
    let got_placed: std::collections::BTreeMap<String, (i64, i64, i64)> = k["placements"]
        .as_object()
        .expect("placements")
        .iter()
        .map(|(t, f)| {
            (
                t.clone(),
                (
                    f["children"].as_i64().unwrap_or(0),
                    f["costed"].as_i64().unwrap_or(0),
                    f["annual_cost_pence"].as_i64().unwrap_or(0),
                ),
            )
        })
        .collect();
    assert_eq!(got_placed, placed, "{what}: placements by setting type");
    let independent = [
        "mainstream_independent",
        "special_independent",
        "special_non_maintained",
    ]
    .iter()
    .filter_map(|t| placed.get(*t))
    .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let i = &k["independent"];
    assert_eq!(
        (
            i["children"].as_i64().unwrap_or(0),
            i["costed"].as_i64().unwrap_or(0),
            i["annual_cost_pence"].as_i64().unwrap_or(0)
        ),
        independent,
        "{what}: independent placements"
    );
    if what.contains("\"2024\"]") {
        assert!(
            reviews[0] > 50 && advice[0] > 20 && mediations > 0 && appeals > 0 && independent.0 > 0,
            "the demo exercises each: {reviews:?} {advice:?} {mediations} {appeals} {independent:?}"
        );
    }
}

/// The dashboard shows the KPI engine's figures for the user's area, with numerators
/// and denominators, equal to `sendscope kpi`; a case opened afterwards (by another
/// process, straight into the store) is in the next page view; board members see small
/// counts as "c"; a bad year is a 400 saying what to enter.
fn dashboard(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "300", "50000")).0, 0);
    let (mut server, port, _stderr) = serve(&db.url);
    let manager = sign_in(port, "manager");
    let year = chrono::Datelike::year(&sendscope_domain::calendar::england_today()) - 1;
    let url = format!("/dashboard?year={year}");
    let (status, _, page) = http(port, "GET", &url, &manager, "");
    assert_eq!(status, 200, "{page}");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        &year.to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let k: serde_json::Value = serde_json::from_str(&out).expect("json");
    let n = |v: &serde_json::Value| {
        sendscope_domain::codes::group_thousands(v.as_u64().expect("count"))
    };
    let cell =
        |v: String| format!("<td class=\"govuk-table__cell govuk-table__cell--numeric\">{v}</td>");
    for want in [
        cell(n(&k["requests"])),
        cell(n(&k["new_plans"])),
        cell(n(&k["within_20_weeks"]["numerator"])),
        cell(n(&k["within_20_weeks"]["denominator"])),
        cell(n(&k["decisions_within_6_weeks"]["denominator"])),
        cell(n(&k["plans_in_place_at_end"])),
        cell(n(&k["clocks"]["annual_review"]["due"])),
        cell(n(&k["clocks"]["review_report"]["met_late"])),
        cell(n(&k["independent"]["children"])),
        cell(n(&k["disputes"]["appeal_rate"]["denominator"])),
    ] {
        assert!(page.contains(&want), "{want} on the dashboard");
    }
    assert!(page.contains("<svg role=\"img\"") && page.contains("The chart's figures"));
    // A new case with a request this year, written by another process: counted at once.
    let this_year = year + 1;
    let before = {
        let (_, _, p) = http(
            port,
            "GET",
            &format!("/dashboard?year={this_year}"),
            &manager,
            "",
        );
        p
    };
    let (code, out, _) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        &this_year.to_string(),
    ]);
    assert_eq!(code, 0);
    let requests = serde_json::from_str::<serde_json::Value>(&out).expect("json")["requests"]
        .as_u64()
        .expect("requests");
    let s = sendscope_store::open(&db.url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let case = sendscope_domain::ids::CaseId::new_random();
    let today = sendscope_domain::calendar::england_today();
    let ev = |t: &str, payload: String| sendscope_domain::NewEvent {
        stream: sendscope_domain::StreamRef::case(case),
        area,
        body: sendscope_domain::EventBody::decode(t, payload.as_bytes()).expect(t),
        actor: sendscope_domain::Actor::parse("user:caseworker").expect("actor"),
        effective_date: today,
        reason: None,
        recorded_at: None,
    };
    s.append(&[
        ev(
            "case.opened",
            r#"{"child":{"given_names":"Dana","family_name":"Example","birth_date":"2018-03-04","sex":"female","ethnicity":"WBRI","postcode":null,"upn":null,"uln":null,"nhs_number":null,"home":null},"people":[],"caseworker":null}"#.into(),
        ),
        ev(
            "case.request_received",
            format!(r#"{{"request":1,"received_on":"{today}","requested_by":"parent"}}"#),
        ),
    ])
    .expect("recorded");
    let (_, _, after) = http(
        port,
        "GET",
        &format!("/dashboard?year={this_year}"),
        &manager,
        "",
    );
    assert!(
        before.contains(&cell(sendscope_domain::codes::group_thousands(requests))),
        "before"
    );
    assert!(
        after.contains(&cell(sendscope_domain::codes::group_thousands(
            requests + 1
        ))),
        "the new request is counted"
    );
    // Board members: small counts suppressed (the exception cases of a 300-plan area are
    // few), never shown as a bare figure without the note.
    let board = sign_in(port, "board");
    let (status, _, page) = http(port, "GET", &url, &board, "");
    assert_eq!(status, 200);
    assert!(page.contains("Counts from 1 to 4 are shown as c"), "{page}");
    let (status, _, page) = http(port, "GET", "/dashboard?year=1999", &manager, "");
    assert_eq!(status, 400);
    assert!(
        page.contains("The year must be a calendar year from 2014"),
        "{page}"
    );
    let admin = sign_in(port, "admin");
    assert_eq!(http(port, "GET", "/dashboard", &admin, "").0, 403);
    // A team's figures: the page's filter and `kpi --team` agree.
    let team = sendscope_store::open(&db.url)
        .expect("opens")
        .area_projections(
            sendscope_domain::ids::AreaId::parse(
                &sendscope_store::open(&db.url)
                    .expect("opens")
                    .headline()
                    .expect("h")
                    .areas[0]
                    .area_id,
            )
            .expect("area"),
            sendscope_domain::StreamKind::Organisation,
        )
        .expect("organisations")
        .into_iter()
        .find_map(|o| match o.state {
            sendscope_domain::projection::StreamState::Organisation(o) => {
                o.teams.first().map(|t| t.team)
            }
            _ => None,
        })
        .expect("the demo has teams");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        &year.to_string(),
        "--team",
        &team.to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let kt: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        kt["requests"].as_u64() <= k["requests"].as_u64(),
        "a team is part of the area"
    );
    let (code, out, _) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        &year.to_string(),
        "--team",
        &uuid::Uuid::new_v4().to_string(),
    ]);
    assert_eq!(code, 0);
    let none: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        none["requests"].as_u64(),
        Some(0),
        "a team with no children counts none"
    );
    let (status, _, page) = http(
        port,
        "GET",
        &format!("/dashboard?year={year}&team={team}"),
        &manager,
        "",
    );
    assert_eq!(status, 200);
    assert!(
        page.contains(&cell(n(&kt["requests"])))
            && page.contains(&format!("value=\"{team}\" selected")),
        "team filter"
    );
    // The children behind a figure: as many as the figure says, each a link to a record;
    // board members see aggregates only.
    let (status, _, page) = http(
        port,
        "GET",
        &format!("/dashboard/cases?measure=plans_late&year={year}"),
        &manager,
        "",
    );
    assert_eq!(status, 200, "{page}");
    let late = within_late(&k);
    assert!(
        page.contains(&format!(">{late} children.</p>")),
        "{late} late: {page}"
    );
    assert_eq!(page.matches("href=\"/cases/").count(), late as usize);
    assert_eq!(
        http(
            port,
            "GET",
            &format!("/dashboard/cases?measure=plans_late&year={year}"),
            &board,
            ""
        )
        .0,
        403
    );
    assert_eq!(
        http(
            port,
            "GET",
            "/dashboard/cases?measure=nonsense",
            &manager,
            ""
        )
        .0,
        400
    );
    // Trajectories: the demo's, and one defined here; planned against actual by month.
    let area_s = area.to_string();
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "define",
        "--area",
        &area_s,
        "--name",
        "Decisions on time",
        "--measure",
        "decisions-within-6-weeks",
        "--target",
        "90",
        "--start",
        "2026-01",
        "--deadline",
        "2026-13",
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "define",
        "--area",
        &area_s,
        "--name",
        "Decisions on time",
        "--measure",
        "decisions-within-6-weeks",
        "--target",
        "90",
        "--start",
        "2026-01",
        "--deadline",
        "2027-03",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "show",
        "--area",
        &area_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    let t = &list[1];
    assert_eq!(
        t["points"].as_array().map(Vec::len),
        Some(15),
        "January 2026 to March 2027"
    );
    assert_eq!(
        t["points"][0]["planned"], t["baseline"],
        "the line starts where the measure stood"
    );
    assert_eq!(
        t["points"][14]["planned"].as_f64(),
        Some(90.0),
        "and ends at the target"
    );
    // A trajectory for annual reviews on time: each complete month's actual is the
    // engine's share for that month (as `kpi --month` prints it).
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "define",
        "--area",
        &area_s,
        "--name",
        "Reviews on time",
        "--measure",
        "annual-reviews-on-time",
        "--target",
        "95",
        "--start",
        "2026-01",
        "--deadline",
        "2027-03",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "show",
        "--area",
        &area_s,
    ]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("json");
    let first = &list[2]["points"][0];
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        "2026",
        "--month",
        "1",
        "--area",
        &area_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let jan: serde_json::Value = serde_json::from_str(&out).expect("json");
    let r = &jan["clocks"]["annual_review"];
    let due_past = r["due"].as_u64().unwrap_or(0) - r["not_yet_due"].as_u64().unwrap_or(0);
    assert_eq!(
        (
            first["month"].as_str(),
            first["numerator"].as_u64(),
            first["denominator"].as_u64()
        ),
        (
            Some("January 2026"),
            r["met_on_time"].as_u64(),
            Some(due_past)
        ),
        "{first}"
    );
    assert!(due_past > 0, "the demo has reviews due in January 2026");
    // The board report: the same figures with their denominators, quality and the
    // trajectories; printable on the page, CSV and HTML from the command line.
    let (code, csv_out, err) = run(&[
        "--database-url",
        &db.url,
        "report",
        "board",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let within = &k["within_20_weeks"];
    let line = format!(
        "Plans issued within 20 weeks,{year},{:.1}%,{},{}",
        (within["numerator"].as_f64().unwrap_or(0.0) * 1000.0
            / within["denominator"].as_f64().unwrap_or(1.0))
        .round()
            / 10.0,
        within["numerator"],
        within["denominator"]
    );
    assert!(csv_out.contains(&line), "{line} in\n{csv_out}");
    assert!(
        csv_out.contains("Audited plans good or better") && csv_out.contains("trajectory to"),
        "{csv_out}"
    );
    let (code, html_out, err) = run(&[
        "--database-url",
        &db.url,
        "report",
        "board",
        "--format",
        "html",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        html_out.contains("<h1 class=\"govuk-heading-l\">Board report"),
        "{html_out}"
    );
    // The stocktake pack: the page the board sees, from the command line; a PDF only
    // into a file.
    let (code, pack, err) = run(&[
        "--database-url",
        &db.url,
        "report",
        "stocktake",
        "--from",
        "2025-01-01",
        "--to",
        "2026-01-15",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        pack.contains("revised twice: now March 2026") && pack.contains("Risks and their movement"),
        "{pack}"
    );
    let (status, _, page) = http(
        port,
        "GET",
        "/partnership/stocktake?from=2025-01-01&to=2026-01-15",
        &board,
        "",
    );
    assert_eq!(status, 200);
    let main = |html: &str| {
        html[html.find("<main").unwrap_or(0)..html.find("</main>").unwrap_or(0)].to_string()
    };
    assert_eq!(main(&pack), main(&page), "the command's pack is the page's");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "report",
        "stocktake",
        "--from",
        "2025-01-01",
        "--to",
        "2026-01-15",
        "--format",
        "pdf",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--output"), "{err}");
    let dir = tempfile::tempdir().expect("dir");
    let pdf = dir.path().join("pack.pdf");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "report",
        "stocktake",
        "--from",
        "2025-01-01",
        "--to",
        "2026-01-15",
        "--format",
        "pdf",
        "--output",
        pdf.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(&pdf).expect("written").starts_with(b"%PDF-"));
    let (status, _, page) = http(port, "GET", "/board-report", &board, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("Counts from 1 to 4 are shown as c") && page.contains("Trajectories"),
        "{page}"
    );
    let (status, _, page) = http(port, "GET", "/trajectories", &manager, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("Decisions on time")
            && page.contains("Planned and actual by month")
            && page.contains("<svg role=\"img\""),
        "{page}"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

/// Plans issued in the year that took more than 20 weeks, from `kpi`'s JSON.
fn within_late(k: &serde_json::Value) -> i64 {
    k["within_20_weeks"]["denominator"].as_i64().unwrap_or(0)
        - k["within_20_weeks"]["numerator"].as_i64().unwrap_or(0)
}

/// The DfE's statistics imported beside the area's figures: for Derby, Derbyshire and
/// England the dashboard shows the published values exactly as the CSV has them (read
/// here straight from the files); a second import changes nothing.
fn published_benchmarks(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/dfe-stats");
    let dir = data.to_str().expect("path");
    let (code, out, err) = run(&["--database-url", &db.url, "import", "dfe-stats", dir]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("8 files recorded, 0 revised, 0 unchanged"),
        "{out}"
    );
    let (code, out, err) = run(&["--database-url", &db.url, "import", "dfe-stats", dir]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("0 files recorded, 0 revised, 8 unchanged"),
        "{out}"
    );
    let (mut server, port, _stderr) = serve(&db.url);
    let manager = sign_in(port, "manager");
    let (status, _, page) = http(port, "GET", "/dashboard", &manager, "");
    assert_eq!(status, 200);
    let rows = |file: &str| -> Vec<std::collections::HashMap<String, String>> {
        let mut r = csv::Reader::from_path(data.join("sen2_ehcp_2025").join(file)).expect("csv");
        let head = r.headers().expect("header").clone();
        r.records()
            .map(|x| {
                let x = x.expect("row");
                head.iter()
                    .map(str::to_string)
                    .zip(x.iter().map(str::to_string))
                    .collect()
            })
            .collect()
    };
    let place = |r: &std::collections::HashMap<String, String>| match r["geographic_level"].as_str()
    {
        "National" => r["country_code"].clone(),
        "Regional" => r["region_code"].clone(),
        _ => r["old_la_code"].clone(),
    };
    let mut checked = 0;
    for r in rows("timeliness_20_week_derby_derbyshire_england.csv") {
        if r["breakdown"] != "All EHC plans issued"
            || !["2024", "2023", "2022", "2021"].contains(&r["time_period"].as_str())
        {
            continue;
        }
        if !["831", "830", "E92000001"].contains(&place(&r).as_str()) {
            continue;
        }
        let want = format!(
            "{}% ({} of {})",
            r["pc_plans_issued_within_20_weeks"],
            r["plans_issued_within_20_weeks"],
            r["plans_issued_den"]
        );
        assert!(
            page.contains(&want),
            "{} {}: {want}",
            r["time_period"],
            place(&r)
        );
        checked += 1;
    }
    assert_eq!(checked, 12, "three places, four years");
    for r in rows("caseload_derby_derbyshire_england.csv") {
        if r["breakdown"] == "All EHC plans" && r["time_period"] == "202425" {
            let want = format!(
                "<td class=\"govuk-table__cell govuk-table__cell--numeric\">{}</td>",
                r["ehcplans"]
            );
            assert!(page.contains(&want), "plans in place {}: {want}", place(&r));
        }
    }
    assert!(
        page.contains("Derby (831)") && page.contains("England (E92000001)"),
        "places named"
    );
    assert!(
        page.contains("Derbyshire (830)") && page.contains("No comparator areas have been chosen"),
        "every area imported until comparators are chosen"
    );
    // The public page: the same published figures, the area's own without drill-down.
    let la = "831";
    let (status, _, public) = http(port, "GET", &format!("/figures/{la}"), "", "");
    assert_eq!(status, 200, "{public}");
    assert!(
        public.contains("Derby (831)")
            && public.contains("Statutory time limits")
            && !public.contains("/dashboard/cases")
            && !public.contains("name=\"caseworker\""),
        "aggregates only"
    );
    assert_eq!(http(port, "GET", "/figures/999", "", "").0, 404);
    assert_eq!(http(port, "GET", "/figures/831?year=1999", "", "").0, 400);
    // Comparators chosen by the area (the demo's is Derby's code, 831): only those stand beside it,
    // with the regions and England; a bad code or threshold changes nothing.
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "figures",
        "adopt-settings",
        "--area",
        la,
        "--comparators",
        "926,not-a-code",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not-a-code"), "{err}");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "figures",
        "adopt-settings",
        "--area",
        la,
        "--comparators",
        "926",
        "--suppress-below",
        "0",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("suppress_below"), "{err}");
    let (code, out, _) = run(&[
        "--database-url",
        &db.url,
        "figures",
        "show-settings",
        "--area",
        la,
    ]);
    assert_eq!(
        (code, out.trim()),
        (0, r#"{"comparators":[],"suppress_below":5}"#)
    );
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "figures",
        "adopt-settings",
        "--area",
        la,
        "--comparators",
        "926",
        "--suppress-below",
        "10",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, _, page) = http(port, "GET", "/dashboard", &manager, "");
    assert!(
        page.contains("Derby (831)")
            && page.contains("England (E92000001)")
            && !page.contains("Derbyshire (830)")
            && page.contains("Comparator areas chosen by the area: 926."),
        "comparators chosen"
    );
    let (_, _, public) = http(port, "GET", &format!("/figures/{la}"), "", "");
    assert!(
        public.contains("Counts from 1 to 9 are shown as c"),
        "the area's threshold"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

both!(dashboard);

both!(published_benchmarks);

/// A finished year's figures do not change with the day the demo is built: the demo
/// built on 2 March and on 20 November 2026 gives the same figures for 2025, and more
/// for 2026 later in the year. Only what happened after the earlier day may differ: a
/// step due in 2025 and done late in 2026 is overdue on 2 March and met late by
/// November, so of the clocks only the steps met on time are compared. The waits and
/// the joined count are the day's, and left out.
#[test]
fn a_finished_years_figures_do_not_change_with_the_demo_build_day() {
    let figures = |as_of: &str, year: &str| {
        let db = sqlite_db();
        let (code, _, err) = run(&[
            "--database-url",
            &db.url,
            "demo",
            "--plans",
            "400",
            "--seed",
            "8",
            "--as-of",
            as_of,
        ]);
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = run(&["--database-url", &db.url, "kpi", "--year", year]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("json")
    };
    // The waits and the joined count are figures of the day (`kpi` gives them for the
    // period's last day or today, whichever is sooner), not of the finished year.
    let settled = |mut k: serde_json::Value| {
        if let Some(o) = k.as_object_mut() {
            o.remove("waits");
            o.remove("joined");
        }
        if let Some(clocks) = k.get_mut("clocks").and_then(|c| c.as_object_mut()) {
            for c in clocks.values_mut() {
                *c = c["met_on_time"].clone();
            }
        }
        k
    };
    let march = settled(figures("2026-03-02", "2025"));
    let november = settled(figures("2026-11-20", "2025"));
    assert!(
        march["clocks"]["final_plan"]
            .as_i64()
            .is_some_and(|n| n > 0),
        "{march}"
    );
    assert!(
        march["requests"].as_i64().is_some_and(|n| n > 50),
        "{march}"
    );
    assert_eq!(march, november);
    let (march, november) = (figures("2026-03-02", "2026"), figures("2026-11-20", "2026"));
    assert!(march["requests"].as_i64() < november["requests"].as_i64());
}
