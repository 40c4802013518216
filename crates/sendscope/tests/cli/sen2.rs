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
    // The demo area recorded its designated officers, so they need not be given.
    let (code, recorded, err) = export_recorded(&db.url, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        recorded.contains("<DMO>Y</DMO>") && recorded.contains("<DSCO>N</DSCO>"),
        "{}",
        &recorded[..800]
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

/// The return for 15 January 2026 with the designated officers the area recorded.
fn export_recorded(url: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "--database-url",
        url,
        "sen2",
        "export",
        "--census",
        "2026-01-15",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// A fresh database of the same kind as `db`.
fn another(db: &Db) -> Db {
    if db.url.starts_with("sqlite") {
        sqlite_db()
    } else {
        pg_db()
    }
}

/// A return as read, in canonical order, without the time it was made.
fn canonical(xml: &str) -> sendscope_sen2::Return {
    let mut r = sendscope_sen2::read(xml.as_bytes())
        .expect("reads")
        .sorted();
    r.header.date_time.clear();
    r
}

/// Brings a return in, new records allocated to the team manager Sam Hill.
fn import(url: &str, file: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "--database-url",
        url,
        "sen2",
        "import",
        file,
        "--caseworker",
        "Sam Hill",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// Derby set up with nothing in it but a team and its manager.
fn set_up_derby(url: &str) {
    for args in [
        &["area", "add", "--la-code", "831"][..],
        &["team", "add", "--name", "SEND Team"],
        &[
            "staff",
            "add",
            "--team",
            "SEND Team",
            "--name",
            "Sam Hill",
            "--job",
            "team_manager",
        ],
    ] {
        let mut all = vec!["--database-url", url];
        all.extend_from_slice(args);
        let (code, _, err) = run(&all);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
}

/// The way in: the demo area's return brought into an empty database gives the same
/// return back; brought in again, nothing changes; last year's return and then this
/// year's add up to this year's.
fn a_return_brought_into_an_empty_database_gives_the_same_return(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "400", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sen2.xml");
    let file_s = file.to_str().expect("path");
    let (code, _, err) = export(&db.url, &["--output", file_s]);
    assert_eq!(code, 0, "{err}");
    let original = std::fs::read_to_string(&file).expect("read");

    let empty = another(&db);
    set_up_derby(&empty.url);
    let (code, out, err) = import(&empty.url, file_s, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0 item(s) not imported"), "{out}{err}");
    let people = canonical(&original).persons.len();
    assert!(
        out.contains(&format!("{people} people: {people} new records")),
        "{out}"
    );
    assert!(
        out.contains("designated officers on census day recorded from the header"),
        "{out}"
    );
    // The officers as the header said them, recorded for the area: no need to say them
    // again.
    let (code, again, err) = export_recorded(&empty.url, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        canonical(&again),
        canonical(&original),
        "the return made from the records brought in is the return brought in"
    );
    // The records say where they came from.
    let (_, events, _) = run(&["--database-url", &empty.url, "export", "events"]);
    assert!(
        events.contains("Recorded later, from the SEN2 return of 15 January 2026"),
        "{}",
        &events[..events.len().min(2000)]
    );

    // The same return again changes nothing.
    let before = dump(&empty.url);
    let (code, out, err) = import(&empty.url, file_s, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "0 new records, {people} already known ({people} with nothing new)"
        )) && out.contains("(0 events)"),
        "{out}"
    );
    assert_eq!(dump(&empty.url), before, "nothing changed");

    // Last year's return, then this year's: this year's adds what is new, and the
    // records give this year's return again (but for requests withdrawn on a day last
    // year's return did not give, which may have been in the first days of this period).
    let last = dir.path().join("sen2-2025.xml");
    let (code, _, err) = export_for(
        &db.url,
        ("2025-01-16", "Y"),
        &["--output", last.to_str().expect("path")],
    );
    assert_eq!(code, 0, "{err}");
    let both = another(&db);
    set_up_derby(&both.url);
    let (code, first, err) = import(&both.url, last.to_str().expect("path"), &[]);
    assert_eq!(code, 0, "{err}");
    let (code, second, err) = import(&both.url, file_s, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        first.contains("0 item(s) not imported") && second.contains("0 item(s) not imported"),
        "{first}{second}"
    );
    assert!(second.contains("already known"), "{second}");
    let (code, both_xml, err) = export(&both.url, &["--allow-errors"]);
    assert_eq!(code, 0, "{err}");
    let (mine, want) = (canonical(&both_xml), canonical(&original));
    let extra: Vec<&sendscope_sen2::Person> = mine
        .persons
        .iter()
        .filter(|p| !want.persons.contains(p))
        .collect();
    assert!(
        want.persons.iter().all(|p| mine.persons.contains(p)),
        "every person of this year's return as it was"
    );
    assert!(
        extra
            .iter()
            .all(|p| p.requests.iter().all(|r| r.outcome == "W")),
        "{extra:?}"
    );
}
both!(a_return_brought_into_an_empty_database_gives_the_same_return);

/// A small return from Derby for 15 January 2026: Amy with a plan at a school, Ben with a
/// request still being decided. `amy` and `ben` are their `<Requests>` modules.
fn small_return(amy: &str, ben: &str, extra_person: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2026</Year><ReferenceDate>2026-01-15</ReferenceDate></CollectionDetails>
<Source><SourceLevel>L</SourceLevel><LEA>831</LEA><SoftwareCode>Other</SoftwareCode><Release>1</Release><SerialNo>001</SerialNo><DateTime>2026-01-20T09:00:00</DateTime><DMO>Y</DMO><DCO>Y</DCO><DSCO>N</DSCO></Source></Header>
<Persons>
<Person><Surname>Hart</Surname><Forename>Amy</Forename><PersonBirthDate>2015-03-02</PersonBirthDate><Sex>F</Sex><Ethnicity>WBRI</Ethnicity><PostCode>DE1 2AB</PostCode><UPNunknown>UN2</UPNunknown>{amy}</Person>
<Person><Surname>Shaw</Surname><Forename>Ben</Forename><PersonBirthDate>2012-06-11</PersonBirthDate><Sex>M</Sex><Ethnicity>WBRI</Ethnicity><PostCode>DE22 3XY</PostCode><UPNunknown>UN2</UPNunknown>{ben}</Person>
{extra_person}
</Persons></Message>"#
    )
}

const AMY: &str = "<Requests><ReceivedDate>2021-05-01</ReceivedDate><RequestOutcome>H</RequestOutcome>\
<Assessment><AssessmentOutcome>H</AssessmentOutcome><NamedPlan><StartDate>2021-09-10</StartDate>\
<PlanDetail><URN>123456</URN><PlacementRank>1</PlacementRank><SENunitIndicator>0</SENunitIndicator><ResourcedProvisionIndicator>0</ResourcedProvisionIndicator></PlanDetail><PB>0</PB></NamedPlan></Assessment>\
<ActivePlans><PlacementDetail><URN>123456</URN><PlacementRank>1</PlacementRank><EntryDate>2021-09-10</EntryDate><SENunitIndicator>0</SENunitIndicator><ResourcedProvisionIndicator>0</ResourcedProvisionIndicator></PlacementDetail>\
<SENneed><SENtype>ASD</SENtype><SENtypeRank>1</SENtypeRank></SENneed></ActivePlans></Requests>";

const BEN: &str = "<Requests><ReceivedDate>2025-10-01</ReceivedDate><RequestSource>1</RequestSource><RYA>0</RYA><RequestOutcome>A</RequestOutcome><RequestMediation>0</RequestMediation><RequestTribunal>0</RequestTribunal></Requests>";

/// Files that are not returns, and returns with bad items: each reported clearly, nothing
/// partial written; the good items of a return import unless --strict.
fn bad_returns_are_reported_and_change_nothing_they_should_not(db: Db) {
    set_up_derby(&db.url);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sen2.xml");
    let f = file.to_str().expect("path");
    let empty = dump(&db.url);
    // Not a return at all: one line, exit 2, nothing written.
    let good = small_return(AMY, BEN, "");
    let bomb = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE Message [<!ENTITY a \"{}\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><Message>&b;</Message>",
        "x".repeat(1000)
    );
    for (bytes, says) in [
        (good.as_bytes()[..good.len() / 2].to_vec(), "line"),
        (vec![0, 159, 146, 150, 255, 0, 1, 2], "UTF-8"),
        (
            b"<html><body>Not a return</body></html>".to_vec(),
            "not <Message>",
        ),
        (bomb.into_bytes(), "DOCTYPE"),
    ] {
        std::fs::write(&file, &bytes).expect("write");
        let (code, out, err) = import(&db.url, f, &[]);
        assert_eq!((code, err.lines().count()), (2, 1), "{out}{err}");
        assert!(err.contains(says), "{err}");
        assert_eq!(dump(&db.url), empty, "nothing written");
    }
    // An area that has not said who its designated officers are is asked to.
    let (code, _, err) = export_recorded(&db.url, &[]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("sendscope area officers"), "{err}");
    let officers = |dsco: &str| {
        run(&[
            "--database-url",
            &db.url,
            "area",
            "officers",
            "--dmo",
            "Y",
            "--dco",
            "N",
            "--dsco",
            dsco,
            "--from",
            "2025-09-01",
        ])
    };
    let (code, out, err) = officers("maybe");
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("--dsco \"maybe\": write Y"), "{err}");
    assert_eq!(dump(&db.url), empty, "nothing written");
    let (code, _, err) = officers("N");
    assert_eq!(code, 0, "{err}");
    let (code, xml, err) = export_recorded(&db.url, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        xml.contains("<DMO>Y</DMO>") && xml.contains("<DCO>N</DCO>"),
        "{xml}"
    );
    let empty = dump(&db.url);
    // New children need someone their records are allocated to.
    std::fs::write(&file, &good).expect("write");
    let (code, _, err) = run(&["--database-url", &db.url, "sen2", "import", f]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("--caseworker"), "{err}");
    assert_eq!(dump(&db.url), empty, "nothing written");
    // Another area's return: refused whole.
    std::fs::write(&file, good.replace("<LEA>831</LEA>", "<LEA>830</LEA>")).expect("write");
    let (code, _, err) = import(&db.url, f, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("from LA 830, but this area is 831"), "{err}");
    assert_eq!(dump(&db.url), empty, "nothing written");

    // Bad items: Amy twice, Ben's decision before his request, an unknown need type and
    // setting code for a third child. With --strict nothing is written.
    let third = AMY.replace("<SENtype>ASD", "<SENtype>XYZ").replace(
        "<URN>123456</URN><PlacementRank>1</PlacementRank><EntryDate>",
        "<SENsetting>ABC</SENsetting><PlacementRank>1</PlacementRank><EntryDate>",
    );
    let bad = small_return(
        AMY,
        &BEN.replace(
            "<RequestOutcome>A</RequestOutcome>",
            "<RequestOutcomeDate>2025-09-01</RequestOutcomeDate><RequestOutcome>N</RequestOutcome>",
        ),
        &format!(
            "<Person><Surname>Hart</Surname><Forename>Amy</Forename><PersonBirthDate>2015-03-02</PersonBirthDate><Sex>F</Sex><Ethnicity>WBRI</Ethnicity><PostCode>DE1 2AB</PostCode><UPNunknown>UN2</UPNunknown>{AMY}</Person>\
             <Person><Surname>Khan</Surname><Forename>Zara</Forename><PersonBirthDate>2014-01-05</PersonBirthDate><Sex>F</Sex><Ethnicity>WBRI</Ethnicity><PostCode>DE3 9ZZ</PostCode><UPNunknown>UN2</UPNunknown>{third}</Person>"
        ),
    );
    std::fs::write(&file, &bad).expect("write");
    let (code, _, err) = import(&db.url, f, &["--strict"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing was (--strict)"), "{err}");
    assert_eq!(dump(&db.url), empty, "nothing written");
    let (code, out, err) = import(&db.url, f, &[]);
    assert_eq!(code, 0, "{err}");
    for says in [
        "Hart, Amy (2015-03-02): person Person: this person is in the return twice",
        "Shaw, Ben (2012-06-11): request RequestOutcomeDate \"2025-09-01\"",
        "Khan, Zara (2014-01-05): active plans SENtype \"XYZ\"",
        "Khan, Zara (2014-01-05): active plans SENsetting \"ABC\"",
    ] {
        assert!(err.contains(says), "{says}: {err}");
    }
    // Amy is in; Ben and Zara had nothing else to bring in.
    assert!(out.contains("4 people: 1 new records"), "{out}");
    assert!(out.contains("3 left out"), "{out}");
    // The good return now: Amy is known, Ben is added.
    std::fs::write(&file, &good).expect("write");
    let (code, out, err) = import(&db.url, f, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("2 people: 1 new records, 1 already known (1 with nothing new)"),
        "{out}"
    );
}
both!(bad_returns_are_reported_and_change_nothing_they_should_not);

/// What SEN2 lacks comes from the contacts file: the child's address and home language,
/// their parents and carers, matched by UPN or by name, date of birth and postcode; a bad
/// row or one matching no child is reported and the rest used; the same file twice adds
/// nobody twice.
fn contacts_fill_in_what_the_return_lacks(db: Db) {
    set_up_derby(&db.url);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sen2.xml");
    let f = file.to_str().expect("path");
    std::fs::write(&file, small_return(AMY, BEN, "")).expect("write");
    let contacts = dir.path().join("contacts.csv");
    let c = contacts.to_str().expect("path");
    std::fs::write(
        &contacts,
        "surname,forename,birth_date,postcode,address,home_language,parent_name,relationship,email,letters_by_email\n\
         Hart,Amy,2015-03-02,DE1 2AB,\"1 Mill Lane, Derby\",English,Jo Hart,mother,jo@example.com,yes\n\
         Hart,Amy,2015-03-02,,,,Sam Hart,father,,\n\
         Shaw,Ben,2012-06-11,,,,Kim Shaw,carer,kim at example,no\n\
         Nobody,Ann,2010-01-01,,,,Pat Nobody,mother,,\n",
    )
    .expect("write");
    let (code, out, err) = import(&db.url, f, &["--contacts", c]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("contacts line 4: contacts email \"kim at example\"")
            && err.contains("contacts line 5: contacts child \"Nobody, Ann (2010-01-01)\""),
        "{err}"
    );
    assert!(out.contains("2 contact rows used"), "{out}");
    let store = sendscope_store::open(&db.url).expect("opens");
    let area = sendscope_app::setup::find_area(store.as_ref(), Some("831")).expect("area");
    let mut amy = None;
    sendscope_store::for_each_case(store.as_ref(), area, &mut |_, c| {
        if c.child.as_ref().is_some_and(|x| x.given_names == "Amy") {
            amy = Some(c.clone());
        }
    })
    .expect("cases");
    let amy = amy.expect("Amy's record");
    let child = amy.child.as_ref().expect("child");
    assert_eq!(
        (child.address.as_deref(), child.home_language.as_deref()),
        (Some("1 Mill Lane, Derby"), Some("English"))
    );
    let people: Vec<(&str, bool)> = amy
        .related
        .iter()
        .map(|p| (p.name.as_str(), p.letters_by_email))
        .collect();
    assert_eq!(people, [("Jo Hart", true), ("Sam Hart", false)]);
    // Again, with Ben's row put right: Ben's carer is added, nobody twice.
    std::fs::write(
        &contacts,
        "surname,forename,birth_date,parent_name,relationship\n\
         Hart,Amy,2015-03-02,Jo Hart,mother\n\
         Shaw,Ben,2012-06-11,Kim Shaw,carer\n",
    )
    .expect("write");
    let (code, out, err) = import(&db.url, f, &["--contacts", c]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(1 events)"), "only Ben's carer: {out}");
    // A contacts file in another layout is refused whole, in one line.
    std::fs::write(&contacts, "name,dob\nAmy Hart,2015-03-02\n").expect("write");
    let before = dump(&db.url);
    let (code, _, err) = import(&db.url, f, &["--contacts", c]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("column \"name\""), "{err}");
    assert_eq!(dump(&db.url), before, "nothing written");
}
both!(contacts_fill_in_what_the_return_lacks);
