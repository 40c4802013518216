use crate::support::*;

/// `sendscope placement solve` prints the optimum of an instance as JSON; a file that is
/// not an instance is one clear line and exit 2. `bench placement` writes the instance it
/// solved, and solving that file again gives the same total.
#[test]
fn placement_solve_and_bench() {
    let dir = std::env::temp_dir().join(format!("placement-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("instance.json");
    std::fs::write(
        &file,
        r#"{"supplies":[{"id":"c1","count":1},{"id":"c2","count":2}], "settings":[{"id":"s1","capacity":2},{"id":"s2","capacity":1}], "arcs":[{"from":"c1","to":"s1","cost":1834000},{"from":"c2","to":"s1","cost":1000000},{"from":"c2","to":"s2","cost":8600000}], "unplaced_cost":50000000}"#,
    )
    .expect("write");
    let (code, out, err) = run(&["placement", "solve", file.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    // Both of c2 at s1 would leave c1 nowhere (2,000,000 + 50,000,000 unplaced); the
    // optimum sends c1 and one of c2 to s1 and the other to s2:
    // 1,834,000 + 1,000,000 + 8,600,000 = 11,434,000.
    assert_eq!(
        out.trim(),
        r#"{"total_cost":11434000,"placed":3,"unplaced":0,"flows":[{"from":"c1","to":"s1","count":1},{"from":"c2","to":"s1","count":1},{"from":"c2","to":"s2","count":1}]}"#
    );
    std::fs::write(&file, r#"{"supplies":[{"id":"c1","count":1}],"settings":[],"arcs":[{"from":"c1","to":"s9","cost":1}],"unplaced_cost":5}"#).expect("write");
    let (code, out, err) = run(&["placement", "solve", file.to_str().expect("path")]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("arcs[0] is to \"s9\", which is not a setting id"),
        "{err}"
    );
    let written = dir.join("bench.json");
    let (code, out, err) = run(&[
        "bench",
        "placement",
        "--children",
        "400",
        "--settings",
        "40",
        "--write-instance",
        written.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("solve: ") && out.contains("peak memory"),
        "{out}"
    );
    let total = out
        .lines()
        .find_map(|l| l.strip_prefix("total cost (objective): "))
        .and_then(|l| l.split(';').next())
        .expect("total")
        .to_string();
    let (code, again, err) = run(&["placement", "solve", written.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&again).expect("json");
    let pence = v["total_cost"].as_i64().expect("total");
    assert_eq!(
        sendscope_domain::codes::Pence(pence).to_string(),
        total,
        "the file solves to the same optimum"
    );
    assert_eq!(
        v["placed"].as_i64().unwrap_or(0) + v["unplaced"].as_i64().unwrap_or(0),
        400,
        "every child accounted for"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The optimiser on a demo area: its optimum equals the linear programme's, solved by
/// another method altogether (microlp's simplex over the LP: flow conservation with an
/// unplaced variable per supply, capacities as rows), and the same input gives the same
/// output byte for byte, for the allocation and for a scenario.
fn placement_on_the_demo_area(db: Db, plans: &str) {
    assert_eq!(run(&demo_args(&db.url, plans, "400000")).0, 0);
    let dir = std::env::temp_dir().join(format!("placement-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let instance = dir.join("area.json");
    let on = "2026-09-01";
    let optimise = |extra: &[&str]| {
        let mut args = vec![
            "--database-url",
            &db.url,
            "placement",
            "optimise",
            "--cohort",
            "all",
            "--on",
            on,
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        out
    };
    let out = optimise(&["--write-instance", instance.to_str().expect("path")]);
    let plan: serde_json::Value = serde_json::from_str(&out).expect("json");
    let objective = plan["summary"]["objective"].as_i64().expect("objective");
    let children = plan["summary"]["children"].as_u64().expect("children");
    assert!(children > 250, "the demo's children with plans: {children}");
    assert_eq!(
        plan["allocations"].as_array().map(Vec::len),
        Some(children as usize),
        "every child has an outcome"
    );
    if plans == "3735" {
        lp_agrees(&instance, objective);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    // Same input, same output.
    assert_eq!(optimise(&[]), optimise(&[]), "byte for byte");
    placement_scenarios_and_options(&db, &dir, on, objective, &plan);
}

/// The LP of an instance file, by a simplex solver of another kind, has the optimum
/// the network simplex found; and `placement solve` on the file finds it too.
fn lp_agrees(instance: &std::path::Path, objective: i64) {
    let inst: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(instance).expect("read")).expect("json");
    let mut lp = microlp::Problem::new(microlp::OptimizationDirection::Minimize);
    let unplaced = inst["unplaced_cost"].as_f64().expect("unplaced");
    let mut rows: std::collections::BTreeMap<String, Vec<(microlp::Variable, f64)>> =
        Default::default();
    let mut cols: std::collections::BTreeMap<String, Vec<(microlp::Variable, f64)>> =
        Default::default();
    for a in inst["arcs"].as_array().expect("arcs") {
        let x = lp.add_var(a["cost"].as_f64().expect("cost"), (0.0, f64::INFINITY));
        rows.entry(a["from"].as_str().expect("from").into())
            .or_default()
            .push((x, 1.0));
        cols.entry(a["to"].as_str().expect("to").into())
            .or_default()
            .push((x, 1.0));
    }
    for s in inst["supplies"].as_array().expect("supplies") {
        let id = s["id"].as_str().expect("id").to_string();
        let u = lp.add_var(unplaced, (0.0, f64::INFINITY));
        let mut row = rows.remove(&id).unwrap_or_default();
        row.push((u, 1.0));
        lp.add_constraint(
            row,
            microlp::ComparisonOp::Eq,
            s["count"].as_f64().expect("count"),
        );
    }
    for s in inst["settings"].as_array().expect("settings") {
        if let Some(col) = cols.remove(s["id"].as_str().expect("id")) {
            lp.add_constraint(
                col,
                microlp::ComparisonOp::Le,
                s["capacity"].as_f64().expect("cap"),
            );
        }
    }
    let lp_objective = match lp.solve().expect("the LP solves") {
        microlp::SolveOutcome::Solution(s) => s.objective(),
        other => panic!("the LP did not finish: {other:?}"),
    };
    assert!(
        (lp_objective - objective as f64).abs() < 0.5,
        "network simplex {objective} vs LP {lp_objective}"
    );
    // The instance file solves to the same optimum through `placement solve`.
    let (code, solved, err) = run(&["placement", "solve", instance.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    let solved: serde_json::Value = serde_json::from_str(&solved).expect("json");
    assert_eq!(solved["total_cost"].as_i64(), Some(objective));
}

fn placement_scenarios_and_options(
    db: &Db,
    dir: &std::path::Path,
    on: &str,
    objective: i64,
    plan: &serde_json::Value,
) {
    // A scenario: four more places at the first resourced provision, a new special school
    // at the first setting; beside the baseline, reproducibly.
    let s = sendscope_store::open(&db.url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let mut erp = None;
    let mut setting = None;
    for p in s
        .area_projections(area, sendscope_domain::StreamKind::Provision)
        .expect("provisions")
    {
        if let sendscope_domain::projection::StreamState::Provision(x) = &p.state
            && let Some(o) = &x.opened
        {
            if o.kind == sendscope_domain::event::ProvisionKind::ResourcedProvision && erp.is_none()
            {
                erp = Some((p.stream.id, x.places.values().last().copied().unwrap_or(0)));
            }
            setting.get_or_insert(o.setting);
        }
    }
    let (erp, places) = erp.expect("the demo has a resourced provision");
    let scenario = dir.join("scenario.json");
    std::fs::write(
        &scenario,
        serde_json::json!({
            "name": "More ERP places and a new special school",
            "changes": [
                {"change": "resize", "provision": erp.to_string(), "places": places + 4},
                {"change": "add", "setting": setting.expect("setting").to_string(), "name": "New special school",
                 "kind": "special", "need_types": ["ASD", "SEMH", "SLD"], "low_age": 4, "high_age": 16,
                 "places": 60, "cost_per_place": 2_300_000},
                {"change": "remove", "provision": uuid::Uuid::new_v4().to_string()}
            ],
            "capital_cost": 1_200_000_000
        })
        .to_string(),
    )
    .expect("write");
    let compare = |format: &str| {
        let (code, out, err) = run(&[
            "--database-url",
            &db.url,
            "placement",
            "scenario",
            scenario.to_str().expect("path"),
            "--cohort",
            "all",
            "--on",
            on,
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let first = compare("json");
    assert_eq!(first, compare("json"), "byte for byte");
    let c: serde_json::Value = serde_json::from_str(&first).expect("json");
    assert_eq!(c["baseline"]["objective"].as_i64(), Some(objective));
    assert!(
        c["approvals_needed"][0]
            .as_str()
            .is_some_and(|a| a.contains("needs a") && a.contains(&format!("to {}", places + 4))),
        "{c}"
    );
    assert_eq!(
        c["problems"].as_array().map(Vec::len),
        Some(1),
        "the unknown provision"
    );
    let saving = c["annual_saving"].as_i64().expect("saving");
    let base = c["baseline"]["annual_cost"].as_i64().expect("base");
    let with = c["with_changes"]["annual_cost"].as_i64().expect("with");
    assert_eq!(saving, base - with);
    let csv = compare("csv");
    assert!(
        csv.starts_with("measure,baseline,scenario") && csv.contains("payback_years"),
        "{csv}"
    );
    // A bad scenario file: one line, exit 2.
    std::fs::write(&scenario, r#"{"name":"x","changes":[{"change":"grow"}]}"#).expect("write");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "placement",
        "scenario",
        scenario.to_str().expect("path"),
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    // One child's options: cheapest first, each exclusion with its reason.
    let case = plan["allocations"][0]["case"]
        .as_str()
        .expect("case")
        .to_string();
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "placement",
        "options",
        "--case",
        &case,
        "--on",
        on,
    ]);
    assert_eq!(code, 0, "{err}");
    let o: serde_json::Value = serde_json::from_str(&out).expect("json");
    let costs: Vec<i64> = o["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|r| r["annual_cost"].as_i64().expect("cost"))
        .collect();
    assert!(
        !costs.is_empty() && costs.windows(2).all(|w| w[0] <= w[1]),
        "{o}"
    );
    assert!(
        o["excluded"]
            .as_array()
            .expect("excluded")
            .iter()
            .all(|x| !x["reason"].as_str().unwrap_or("").is_empty()),
        "{o}"
    );
    let options = |case: &str| {
        let (code, out, err) = run(&[
            "--database-url",
            &db.url,
            "placement",
            "options",
            "--case",
            case,
            "--on",
            on,
        ]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("json")
    };
    // The area's own costing: twice the rate per mile doubles each transport cost.
    let area_s = area.to_string();
    let (code, shown, err) = run(&[
        "--database-url",
        &db.url,
        "placement",
        "show-settings",
        "--area",
        &area_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let mut costing: serde_json::Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(costing["transport"]["pence_per_mile"], 150);
    let adopt = |v: &serde_json::Value| {
        let f = dir.join("costing.json");
        std::fs::write(&f, v.to_string()).expect("write");
        run(&[
            "--database-url",
            &db.url,
            "placement",
            "adopt-settings",
            "--area",
            &area_s,
            f.to_str().expect("path"),
        ])
    };
    costing["transport"]["road_factor"] = serde_json::json!(9.0);
    let (code, _, err) = adopt(&costing);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("road factor"), "{err}");
    costing["transport"]["road_factor"] = serde_json::json!(1.3);
    costing["transport"]["pence_per_mile"] = serde_json::json!(300);
    costing["effective_from"] = serde_json::json!("2020-01-01");
    assert_eq!(adopt(&costing).0, 0);
    let doubled = options(&case);
    let transport = |v: &serde_json::Value| -> Vec<i64> {
        v["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|r| r["transport_cost"].as_i64().expect("transport"))
            .collect()
    };
    let (before, after) = (transport(&o), transport(&doubled));
    assert_eq!(before.len(), after.len());
    let mut pairs: Vec<(i64, i64)> = o["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|r| {
            let id = r["provision"].as_str().expect("id");
            let later = doubled["options"]
                .as_array()
                .expect("options")
                .iter()
                .find(|x| x["provision"].as_str() == Some(id))
                .expect("same provision");
            (
                r["transport_cost"].as_i64().expect("t"),
                later["transport_cost"].as_i64().expect("t"),
            )
        })
        .collect();
    pairs.retain(|(b, _)| *b > 0);
    assert!(
        !pairs.is_empty() && pairs.iter().all(|(b, a)| (a - 2 * b).abs() <= 1),
        "{pairs:?}"
    );
    // A transport cost agreed for the child replaces the cost by distance.
    s.append(&[sendscope_domain::NewEvent {
        stream: sendscope_domain::StreamRef::case(
            sendscope_domain::ids::CaseId::parse(&case).expect("id"),
        ),
        area,
        body: sendscope_domain::EventBody::decode(
            "case.transport_cost_set",
            br#"{"on":"2026-06-01","annual":777700}"#,
        )
        .expect("event"),
        actor: sendscope_domain::Actor::parse("user:caseworker").expect("actor"),
        effective_date: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
        reason: None,
        recorded_at: None,
    }])
    .expect("recorded");
    assert!(transport(&options(&case)).iter().all(|t| *t == 777_700));
    let _ = std::fs::remove_dir_all(dir);
}

/// The demo area at Derby's size (3,735 plans): the optimum equals the LP's.
#[test]
fn placement_optimum_on_the_demo_area_equals_the_lp() {
    placement_on_the_demo_area(sqlite_db(), "3735");
}

#[test]
fn placement_on_the_demo_area_on_sqlite() {
    placement_on_the_demo_area(sqlite_db(), "300");
}

#[test]
fn placement_on_the_demo_area_on_postgres() {
    placement_on_the_demo_area(pg_db(), "300");
}
