//! Every validation rule against one record that breaks it and the same record that
//! passes; the writer and reader against each other.

use sendscope_sen2::layout::Year;
use sendscope_sen2::rules::{RULES, Severity, validate};
use sendscope_sen2::*;

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn upn() -> String {
    sendscope_domain::codes::Upn::from_digits(831_200_117_042)
        .expect("upn")
        .to_string()
}

fn setting(urn: &str, rank: &str) -> Setting {
    Setting {
        urn: s(urn),
        rank: rank.into(),
        sen_unit: "0".into(),
        resourced_provision: "1".into(),
        ..Default::default()
    }
}

/// The brief's fictional child (2025 layout), in a valid 2025 return.
fn base() -> Return {
    Return {
        header: Header {
            year: "2025".into(),
            reference_date: "2025-01-16".into(),
            lea: "831".into(),
            software_code: "sendscope".into(),
            release: "0.1.0".into(),
            serial_no: "001".into(),
            date_time: "2025-02-03T09:30:00".into(),
            dmo: "N".into(),
            dco: "Y".into(),
            dsco: s("Y"),
        },
        persons: vec![Person {
            surname: "Example".into(),
            forename: "Alex".into(),
            birth_date: "2013-05-14".into(),
            sex: "F".into(),
            ethnicity: "WBRI".into(),
            postcode: s("DE1 2AA"),
            upn: Some(upn()),
            requests: vec![
                Request {
                    outcome: "H".into(),
                    assessment: Some(Assessment {
                        outcome: "H".into(),
                        named_plan: Some(NamedPlan {
                            start_date: "2021-03-10".into(),
                            details: vec![setting("999001", "1")],
                            pb: s("0"),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    active: Some(ActivePlans {
                        placements: vec![
                            Placement {
                                setting: Setting {
                                    resourced_provision: "0".into(),
                                    ..setting("999002", "1")
                                },
                                entry_date: "2017-09-06".into(),
                                leaving_date: s("2024-07-19"),
                                ..Default::default()
                            },
                            Placement {
                                setting: setting("999001", "1"),
                                entry_date: "2024-09-04".into(),
                                ..Default::default()
                            },
                        ],
                        needs: vec![("ASD".into(), "1".into()), ("SLCN".into(), "2".into())],
                        review_meeting: s("2024-01-10"),
                        review_outcome: s("A"),
                        review_draft: s("2024-01-31"),
                        phase_transfer_due: s("2024-02-15"),
                        phase_transfer_final: s("2024-02-12"),
                        last_review: s("2024-01-24"),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                // A request this year: assessed, plan not issued.
                Request {
                    received_date: s("2024-03-04"),
                    request_source: s("1"),
                    outcome_date: s("2024-04-12"),
                    outcome: "Y".into(),
                    assessment: Some(Assessment {
                        outcome: "N".into(),
                        outcome_date: s("2024-07-01"),
                        week20: s("0"),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
    }
}

type Break = fn(&mut Return);

fn p(r: &mut Return) -> &mut Person {
    &mut r.persons[0]
}
fn plan(r: &mut Return) -> &mut NamedPlan {
    p(r).requests[0]
        .assessment
        .as_mut()
        .and_then(|a| a.named_plan.as_mut())
        .expect("plan")
}
fn active(r: &mut Return) -> &mut ActivePlans {
    p(r).requests[0].active.as_mut().expect("active")
}
fn new_request(r: &mut Return) -> &mut Request {
    &mut p(r).requests[1]
}

/// (rule, severity, what breaks it).
const CASES: &[(&str, Severity, Break)] = &[
    ("H1", Severity::Error, |r| {
        r.header.reference_date = "2025-01-17".into()
    }),
    ("H1", Severity::Error, |r| r.header.lea = "999".into()),
    ("H2", Severity::Error, |r| r.header.dsco = None),
    ("P1", Severity::Error, |r| p(r).surname.clear()),
    ("P1", Severity::Error, |r| p(r).ethnicity = "XXXX".into()),
    ("P1", Severity::Error, |r| p(r).sex = "X".into()),
    ("P2", Severity::Error, |r| p(r).upn = None),
    ("P2", Severity::Error, |r| p(r).upn_unknown = s("UN2")),
    ("P3", Severity::Error, |r| {
        let mut u = upn().into_bytes();
        u[0] = if u[0] == b'A' { b'B' } else { b'A' };
        p(r).upn = String::from_utf8(u).ok();
    }),
    ("P4", Severity::Error, |r| p(r).upn = s("AX31200117042")),
    ("P5", Severity::Error, |r| p(r).upn = s("A8312001170")),
    ("P6", Severity::Error, |r| p(r).upn = s("A83120011704I")),
    ("P7", Severity::Error, |r| {
        let twin = Person {
            forename: "Sam".into(),
            ..r.persons[0].clone()
        };
        r.persons.push(twin);
    }),
    ("P8", Severity::Error, |r| {
        p(r).birth_date = "2025-02-01".into()
    }),
    ("P8", Severity::Query, |r| {
        p(r).birth_date = "1998-05-14".into()
    }),
    ("P9", Severity::Error, |r| p(r).uln = s("12345")),
    ("R1", Severity::Error, |r| {
        new_request(r).outcome = "X".into()
    }),
    ("R1", Severity::Error, |r| {
        new_request(r).received_date = None
    }),
    ("R2", Severity::Error, |r| {
        new_request(r).outcome_date = None
    }),
    ("R3", Severity::Error, |r| {
        new_request(r).outcome_date = s("2024-03-01")
    }),
    ("R3", Severity::Error, |r| {
        new_request(r).received_date = s("2024-13-01")
    }),
    ("R4", Severity::Error, |r| {
        new_request(r).exported = s("831")
    }),
    ("R5", Severity::Error, |r| new_request(r).rya = s("yes")),
    ("R5", Severity::Error, |r| {
        new_request(r).request_source = s("7")
    }),
    ("A1", Severity::Error, |r| {
        new_request(r).outcome = "N".into()
    }),
    ("A2", Severity::Error, |r| {
        new_request(r).assessment.as_mut().expect("a").outcome_date = None
    }),
    ("A3", Severity::Error, |r| {
        new_request(r).assessment.as_mut().expect("a").week20 = None
    }),
    ("A3", Severity::Query, |r| {
        let a = new_request(r).assessment.as_mut().expect("a");
        a.outcome = "Y".into();
        a.week20 = s("1");
        a.named_plan = Some(NamedPlan {
            start_date: "2024-07-01".into(),
            details: vec![setting("999001", "1")],
            ..Default::default()
        });
    }),
    ("N1", Severity::Error, |r| plan(r).start_date.clear()),
    ("N1", Severity::Error, |r| {
        let a = new_request(r).assessment.as_mut().expect("a");
        a.named_plan = Some(NamedPlan {
            start_date: "2024-07-01".into(),
            details: vec![setting("999001", "1")],
            ..Default::default()
        });
    }),
    ("N2", Severity::Error, |r| plan(r).details[0].urn = None),
    ("N2", Severity::Error, |r| {
        plan(r).details[0].urn = s("12345")
    }),
    ("N2", Severity::Error, |r| {
        plan(r).details[0].rank = "2".into()
    }),
    ("N2", Severity::Error, |r| {
        plan(r).details[0] = Setting {
            urn: None,
            sen_setting: s("NIEO"),
            ..setting("x", "1")
        };
        plan(r).details[0].resourced_provision = "0".into();
    }),
    ("N3", Severity::Error, |r| {
        plan(r).details[0].sen_unit = "1".into()
    }),
    ("N3", Severity::Error, |r| {
        plan(r).details[0].sen_unit = String::new()
    }),
    ("N4", Severity::Error, |r| {
        plan(r).cease_date = s("2024-06-30")
    }),
    ("N4", Severity::Error, |r| {
        plan(r).cease_date = s("2020-06-30");
        plan(r).cease_reason = s("2");
    }),
    ("N5", Severity::Error, |r| plan(r).oa = s("1")),
    ("N5", Severity::Error, |r| plan(r).plan_res = s("Z")),
    ("C1", Severity::Error, |r| active(r).needs.clear()),
    ("C1", Severity::Error, |r| p(r).requests[0].active = None),
    ("C2", Severity::Error, |r| {
        active(r).needs[1].0 = "ASD".into()
    }),
    ("C2", Severity::Error, |r| active(r).needs[1].1 = "3".into()),
    ("C2", Severity::Error, |r| {
        r.header.year = "2024".into();
        r.header.reference_date = "2024-01-18".into();
        r.persons[0].requests[1].received_date = s("2023-03-04");
        r.persons[0].requests[1].outcome_date = s("2023-04-12");
        r.persons[0].requests[1]
            .assessment
            .as_mut()
            .expect("a")
            .outcome_date = s("2023-07-01");
        r.persons[0].requests[0]
            .active
            .as_mut()
            .expect("a")
            .placements
            .pop();
        active(r).placements[0].leaving_date = None;
        active(r).needs[0].0 = "DS".into();
        active(r).review_meeting = None;
        active(r).last_review = None;
        active(r).review_outcome = None;
        active(r).phase_transfer_due = None;
        active(r).phase_transfer_final = None;
    }),
    ("C3", Severity::Error, |r| {
        active(r).placements[1].entry_date.clear()
    }),
    ("C3", Severity::Error, |r| {
        active(r).placements[0].leaving_date = s("2017-01-01")
    }),
    ("C4", Severity::Query, |r| {
        active(r).placements[1].leaving_date = s("2024-12-20")
    }),
    ("C5", Severity::Error, |r| active(r).review_outcome = None),
    ("C5", Severity::Query, |r| {
        active(r).last_review = s("2024-03-01")
    }),
    ("C6", Severity::Query, |r| {
        active(r).phase_transfer_final = s("2024-03-01")
    }),
];

#[test]
fn the_base_record_passes_every_rule() {
    let found = validate(&base());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn each_rule_catches_a_record_that_breaks_it() {
    for (i, (rule, severity, break_it)) in CASES.iter().enumerate() {
        let mut r = base();
        break_it(&mut r);
        let found = validate(&r);
        assert!(
            found
                .iter()
                .any(|f| f.rule == *rule && f.severity == *severity),
            "case {i}: {rule} ({severity:?}) not found in {found:#?}"
        );
        for f in &found {
            assert!(
                !f.message.is_empty() && rules::rule(f.rule).is_some(),
                "{f:?}"
            );
        }
    }
    // Every rule has at least one case.
    for r in RULES {
        assert!(
            CASES.iter().any(|(id, _, _)| *id == r.id),
            "rule {} has no test",
            r.id
        );
    }
}

#[test]
fn a_return_written_reads_back_the_same() {
    for (year, r) in [
        (2025, base()),
        (
            2026,
            Return {
                header: Header {
                    year: "2026".into(),
                    reference_date: "2026-01-15".into(),
                    ..base().header
                },
                ..base()
            },
        ),
    ] {
        let xml = write(&r, Year::of(year).expect("year"));
        let back = read(xml.as_bytes()).expect("reads");
        assert_eq!(back.sorted(), r.clone().sorted());
    }
    // 2024 collects no request source, review draft, phase-transfer dates or DSCO.
    let mut r = base();
    r.header.year = "2024".into();
    let xml = write(&r, Year::of(2024).expect("2024"));
    for tag in [
        "RequestSource",
        "ReviewDraft",
        "PhaseTransferDueDate",
        "DSCO",
    ] {
        assert!(!xml.contains(tag), "{tag} in 2024");
    }
    assert!(xml.contains("<ReviewMeeting>2024-01-10</ReviewMeeting>"));
}

#[test]
fn reads_other_softwares_spellings() {
    let xml = write(&base(), Year::of(2025).expect("year"))
        .replace("SENsetting", "SENSetting")
        .replace("<Sex>F</Sex>", "<GenderCurrent>2</GenderCurrent>")
        .replace("<UPN>", "<upn>")
        .replace("</UPN>", "</upn>")
        .replace("<RYA>", "<RYA></RYA><x>");
    let back = read(xml.as_bytes()).expect("reads");
    assert_eq!(back.persons[0].sex, "F");
    assert_eq!(back.persons[0].upn, Some(upn()));
}

#[test]
fn what_is_not_a_return_is_refused_in_one_line() {
    for (bytes, says) in [
        (&b"<html><body/></html>"[..], "not <Message>"),
        (b"<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header></Message>", "not SEN2"),
        (b"<Message><Header>", "cut short"),
    ] {
        let e = read(bytes).expect_err("refused");
        assert!(e.0.contains(says), "{}", e.0);
    }
    let truncated = write(&base(), Year::of(2025).expect("year"));
    let cut = &truncated.as_bytes()[..truncated.len() / 2];
    assert!(read(cut).is_err());
}
