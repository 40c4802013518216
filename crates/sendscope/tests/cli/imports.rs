use crate::support::*;

/// `sendscope import gias`: every bad row reported (row, column, value, reason) and the
/// good rows imported (exit 0); `--strict` with a bad row, an empty file and a binary
/// file change nothing and exit 2 with one line; a second run changes nothing; a changed
/// row changes its setting; a closure closes it.
fn gias_import(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let header = sendscope_import::gias::SAMPLE_HEADER;
    let row = |urn: &str, name: &str, capacity: &str, status: &str, open: &str| {
        format!(
            "{urn},831,Derby,2001,{name},Academy converter,Academies,{status},{open},,Primary,4,11,{capacity},300,Harmony Trust,10012345,1 Road,Derby,DE1 1AA,435000,336000,,,,,,\r\n"
        )
    };
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p.to_str().expect("path").to_string()
    };
    let mut bad = format!("{header}\r\n").into_bytes();
    for r in [
        row("712233", "Ash Primary", "420", "Open", "01-09-2015"),
        row("", "No URN Primary", "100", "Open", ""),
        row("712233", "Ash Again", "420", "Open", ""),
        row("712234", "Birch Primary", "lots", "Open", ""),
        row("712235", "C\u{1}dar Primary", "300", "Open", "2015-09-01"),
        row("712236", "Elm Primary", "300", "Open", ""),
    ] {
        bad.extend(r.into_bytes());
    }
    let at = bad.windows(2).position(|w| w == b"C\x01").expect("row");
    bad[at + 1] = 0x81; // undefined in Windows-1252
    bad.extend_from_slice(b"712238,831,Derby,2001,Fir Prim");
    let bad = write("bad.csv", &bad);
    let import = |file: &str, strict: bool| {
        let mut args = vec!["--database-url", &db.url, "import", "gias", file];
        if strict {
            args.push("--strict");
        }
        run(&args)
    };
    // Refused whole: nothing changes, one line, exit 2.
    let before = events_in(&db.url);
    for (name, bytes) in [
        ("empty.csv", b"".to_vec()),
        (
            "binary.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec(),
        ),
        ("other.csv", b"name,age\nAsh,4\n".to_vec()),
    ] {
        let (code, _, err) = import(&write(name, &bytes), false);
        assert_eq!((code, err.lines().count()), (2, 1), "{name}: {err}");
    }
    let (code, _, err) = import(&bad, true);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing was imported (--strict)"), "{err}");
    assert_eq!(events_in(&db.url), before, "nothing written");
    // Without --strict: every bad row reported, the good rows imported.
    let (code, out, err) = import(&bad, false);
    assert_eq!(code, 0, "{err}");
    let reported: Vec<&str> = err.lines().filter(|l| l.contains(", column ")).collect();
    assert_eq!(reported.len(), 5, "{err}");
    for want in [
        "row 3, column \"URN\", value \"\": the URN is missing",
        "row 4, column \"URN\", value \"712233\": URN 712233 is already on row 2",
        "row 5, column \"SchoolCapacity\", value \"lots\": not a whole number",
        "row 6, column \"EstablishmentName\"",
        "row 8, column \"\", value \"\": the row has",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    assert!(
        out.contains("added 2, changed 0, unchanged 0, rejected 5"),
        "{out}"
    );
    assert_eq!(events_in(&db.url), before + 2);
    // Again: nothing changes.
    let (code, out, _) = import(&bad, false);
    assert_eq!(code, 0);
    assert!(out.contains("added 0, changed 0, unchanged 2"), "{out}");
    assert_eq!(events_in(&db.url), before + 2);
    // A changed capacity and a closure.
    let mut next = format!("{header}\r\n");
    next.push_str(&row("712233", "Ash Primary", "450", "Open", "01-09-2015"));
    next.push_str(&row("712236", "Elm Primary", "300", "Closed", ""));
    let (code, out, err) = import(&write("next.csv", next.as_bytes()), true);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("added 0, changed 2, unchanged 0, rejected 0"),
        "{out}"
    );
    assert_eq!(events_in(&db.url), before + 4);
}

/// Academy conversion keeps one setting: the links file (real, from tests/data) moves a
/// known school to its new URN; the next establishment file, with the old URN closed and
/// the new one open, then adds nothing. Running the links again changes nothing.
fn gias_links(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let header = sendscope_import::gias::SAMPLE_HEADER;
    let row = |urn: &str, name: &str, kind: &str, status: &str| {
        format!(
            "{urn},831,Derby,2001,{name},{kind},Academies,{status},,,Primary,4,11,420,300,,,1 Road,Derby,DE24 0AA,435000,336000,,,,,,\r\n"
        )
    };
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("path").to_string()
    };
    let before = write(
        "before.csv",
        &format!(
            "{header}\r\n{}",
            row(
                "112734",
                "Cottons Farm Primary School",
                "Community school",
                "Open"
            )
        ),
    );
    let (code, out, err) = run(&["--database-url", &db.url, "import", "gias", &before]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added 1"), "{out}");
    let settings = || {
        let s = sendscope_store::open(&db.url).expect("opens");
        let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
            .expect("area");
        s.area_projections(area, sendscope_domain::StreamKind::Setting)
            .expect("settings")
    };
    let find = |urn: &str| {
        settings().into_iter().find(|p| match &p.state {
            sendscope_domain::projection::StreamState::Setting(s) => s
                .details
                .as_ref()
                .and_then(|d| d.urn)
                .is_some_and(|u| u.to_string() == urn),
            _ => false,
        })
    };
    let school = find("112734").expect("registered").stream;
    let links = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/gias/gias_links_derby_harmony_and_special_schools.csv");
    let links = links.to_str().expect("path");
    let (code, out, err) = run(&["--database-url", &db.url, "import", "gias-links", links]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("changed 1, unchanged 0, rejected 0"), "{out}");
    let converted = find("145982").expect("the same setting under its new URN");
    assert_eq!(
        converted.stream, school,
        "one identity across the conversion"
    );
    let count = settings().len();
    let after = write(
        "after.csv",
        &format!(
            "{header}\r\n{}{}",
            row(
                "112734",
                "Cottons Farm Primary School",
                "Community school",
                "Closed"
            ),
            row(
                "145982",
                "Cottons Farm Primary Academy",
                "Academy converter",
                "Open"
            )
        ),
    );
    let (code, out, err) = run(&["--database-url", &db.url, "import", "gias", &after]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added 0, changed 1"), "{out}");
    assert_eq!(settings().len(), count, "no second setting for the academy");
    let (code, out, _) = run(&["--database-url", &db.url, "import", "gias-links", links]);
    assert_eq!(code, 0);
    assert!(out.contains("changed 0, unchanged 1"), "{out}");
}

/// Ofsted inspections through the default (graded) mapping and a report-card mapping of
/// one's own: bad rows reported, schools not in the area counted, nothing twice.
fn ofsted_import(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("path").to_string()
    };
    let header = sendscope_import::gias::SAMPLE_HEADER;
    let school = |urn: &str| {
        format!(
            "{urn},831,Derby,2001,School {urn},Academy converter,Academies,Open,,,Primary,4,11,420,300,,,1 Road,Derby,DE1 1AA,435000,336000,,,,,,\r\n"
        )
    };
    let gias = write(
        "gias.csv",
        &format!("{header}\r\n{}{}", school("712233"), school("712234")),
    );
    assert_eq!(
        run(&["--database-url", &db.url, "import", "gias", &gias]).0,
        0
    );
    let graded = write(
        "ofsted.csv",
        "URN,School name,Inspection start date,Publication date,Overall effectiveness,Quality of education,Behaviour and attitudes,Personal development,Effectiveness of leadership and management,Early years provision (where applicable),Sixth form provision (where applicable)\n\
         712233,School 712233,14/03/2024,20/04/2024,3,3,2,2,3,NULL,\n\
         712234,School 712234,01/02/2023,01/03/2023,2,five,2,2,2,,\n\
         799999,Elsewhere,01/02/2023,01/03/2023,2,2,2,2,2,,\n",
    );
    let import = |file: &str, extra: &[&str]| {
        let mut args = vec!["--database-url", db.url.as_str(), "import", "ofsted", file];
        args.extend_from_slice(extra);
        run(&args)
    };
    let before = events_in(&db.url);
    let (code, _, err) = import(&graded, &["--strict"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(events_in(&db.url), before);
    let (code, out, err) = import(&graded, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("row 3, column \"Quality of education\", value \"five\""),
        "{err}"
    );
    assert!(
        out.contains("inspections added 1, changed 0, unchanged 0, rejected 1")
            && out.contains("1 for schools not registered"),
        "{out}"
    );
    let (_, out, _) = import(&graded, &[]);
    assert!(out.contains("added 0, changed 0, unchanged 1"), "{out}");
    // A report-card file in a layout of its own, through a mapping.
    let mapping = write(
        "cards.toml",
        "framework = \"report_card\"\nurn = \"School URN\"\ninspection_start = \"Start\"\n\n[areas]\nleadership_and_governance = \"Leadership\"\ninclusion = \"Inclusion\"\nsafeguarding = \"Safeguarding\"\n",
    );
    let cards = write(
        "cards.csv",
        "School URN,Start,Leadership,Inclusion,Safeguarding\n712234,10/11/2025,Needs attention,Expected standard,Met\n",
    );
    let (code, out, err) = import(&cards, &["--mapping", &mapping]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("inspections added 1"), "{out}");
    let bad = write("bad.toml", "framework = \"stars\"\n");
    let (code, _, err) = import(&cards, &["--mapping", &bad]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    // The setting's page shows the inspection and that it falls below the standard for
    // new places (leadership and management, quality of education: 3).
    let setting = {
        use sendscope_domain::projection::StreamState;
        let s = sendscope_store::open(&db.url).expect("opens");
        let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
            .expect("area");
        s.area_projections(area, sendscope_domain::StreamKind::Setting)
            .expect("settings")
            .into_iter()
            .find(|p| match &p.state {
                StreamState::Setting(x) => x
                    .details
                    .as_ref()
                    .and_then(|d| d.urn)
                    .is_some_and(|u| u.to_string() == "712233"),
                _ => false,
            })
            .expect("the school")
            .stream
            .id
    };
    let (mut server, port, _stderr) = serve(&db.url);
    let (status, _, page) = http(
        port,
        "GET",
        &format!("/settings/{setting}"),
        &sign_in(port, "commissioner"),
        "",
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("Below the standard for new places") && page.contains("14 March 2024"),
        "{page}"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

both!(gias_import);

both!(gias_links_keep_one_identity => gias_links);

both!(ofsted_import);
