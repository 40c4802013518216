//! domain.md §2.1 as a test: five resourced provisions at five academies, service level
//! agreements and capital before any approval, children named into the places, three
//! schools below the Ofsted standard. Then the same steps in the lawful order.

use chrono::NaiveDate;
use sendscope_domain::calendar::Instant;
use sendscope_domain::compliance::{FindingKind, GateRules, ProvisionRecord, findings};
use sendscope_domain::event::{EventBody, RecordedEvent, StreamRef};
use sendscope_domain::ids::{AreaId, CaseId, ProvisionId, SettingId};
use sendscope_domain::projection::{Naming, Projection, ProvisionState, SettingState, StreamState};
use serde_json::{Value, json};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Folds events (type, payload) into a projection, each checked by the rules.
fn fold(stream: StreamRef, events: &[(&str, Value)]) -> Projection {
    let mut p = Projection::empty(stream, AreaId::new_random());
    for (i, (t, payload)) in events.iter().enumerate() {
        let body = EventBody::decode(t, payload.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{t}: {e}"));
        sendscope_domain::rules::check(&p, &body, None).unwrap_or_else(|e| panic!("{t}: {e}"));
        let e = RecordedEvent {
            seq: i as u64 + 1,
            stream,
            version: p.version + 1,
            area: p.area,
            event_type: t.to_string(),
            actor: "user:commissioner".into(),
            recorded_at: Instant::england_at(d("2025-06-01"), 9, 0),
            effective_date: d("2025-06-01"),
            reason: None,
            payload: Some(body.encode().expect("encodes")),
            payload_digest: [0; 32],
            hash: [0; 32],
        };
        p.apply(&e, &body);
    }
    p
}

fn school(urn: u32, inspection: Option<(&str, u8)>) -> (SettingId, SettingState) {
    let id = SettingId::new_random();
    let mut events = vec![(
        "setting.registered",
        json!({"name": format!("Academy {urn}"), "setting_type": "mainstream_academy",
               "establishment_type": "Academy converter", "phase": "primary", "low_age": 4,
               "high_age": 11, "la_code": "831", "trust": "One Trust", "urn": urn.to_string(),
               "ukprn": null, "postcode": null, "location": null, "capacity": 420}),
    )];
    if let Some((on, grade)) = inspection {
        events.push((
            "setting.inspected",
            json!({"framework": "graded", "inspection_start": on,
                   "judgements": {"overall_effectiveness": {"grade": grade},
                                  "quality_of_education": {"grade": grade},
                                  "leadership_and_management": {"grade": grade}}}),
        ));
    }
    let p = fold(StreamRef::setting(id), &events);
    match p.state {
        StreamState::Setting(s) => (id, s),
        _ => unreachable!(),
    }
}

fn erp(setting: SettingId, steps: Vec<(&str, Value)>) -> (ProvisionId, ProvisionState) {
    let id = ProvisionId::new_random();
    let mut events = vec![(
        "provision.opened",
        json!({"setting": setting.to_string(), "kind": "resourced_provision", "name": "ERP",
               "need_types": ["ASD"], "low_age": 4, "high_age": 11}),
    )];
    events.extend(steps);
    let p = fold(StreamRef::provision(id), &events);
    match p.state {
        StreamState::Provision(s) => (id, s),
        _ => unreachable!(),
    }
}

fn sla(on: &str) -> (&'static str, Value) {
    (
        "provision.sla_signed",
        json!({"parties": ["Derby City Council", "One Trust"], "signed_on": on, "start": on, "end": "2027-08-31"}),
    )
}
fn capital(on: &str) -> (&'static str, Value) {
    (
        "provision.capital_approved",
        json!({"amount": 33420000, "approving_body": "Cabinet", "approved_on": on, "places": 14}),
    )
}
fn applied(on: &str) -> (&'static str, Value) {
    (
        "provision.approval_applied",
        json!({"route": "significant_change", "submitted_on": on}),
    )
}
fn approved(on: &str, effective: &str) -> (&'static str, Value) {
    (
        "provision.approval_decided",
        json!({"route": "significant_change", "approved": true, "decided_on": on, "effective_from": effective}),
    )
}
fn evidence(on: &str) -> (&'static str, Value) {
    (
        "provision.viable_options_recorded",
        json!({"on": on, "summary": "No good school within 5 miles has space or can expand"}),
    )
}

/// A child named on a day (the provision is filled in by position in `Area`).
fn named(
    case: CaseId,
    on: &str,
    starts_on: Option<&str>,
    placed_on: Option<&str>,
) -> (CaseId, Naming) {
    (
        case,
        Naming {
            provision: ProvisionId::new_random(),
            on: d(on),
            starts_on: starts_on.map(d),
            placed_on: placed_on.map(d),
        },
    )
}

struct Area {
    schools: Vec<(SettingId, SettingState)>,
    erps: Vec<(ProvisionId, ProvisionState)>,
    namings: Vec<Vec<(CaseId, Naming)>>,
}

impl Area {
    fn findings(&self, today: &str) -> Vec<sendscope_domain::compliance::Finding> {
        let records: Vec<ProvisionRecord> = self
            .erps
            .iter()
            .zip(&self.schools)
            .zip(&self.namings)
            .map(|(((id, p), (sid, s)), n)| ProvisionRecord {
                id: *id,
                provision: p,
                setting_id: *sid,
                setting: Some(s),
                namings: n.clone(),
                funding: Vec::new(),
            })
            .collect();
        findings(&GateRules::standard(), &records, d(today))
    }
}

/// The three schools at 0, 2 and 4 "require improvement" (grade 3).
fn schools() -> Vec<(SettingId, SettingState)> {
    (0..5)
        .map(|i| {
            let grade = if i % 2 == 0 { 3 } else { 2 };
            school(140_001 + i, Some(("2023-05-10", grade)))
        })
        .collect()
}

#[test]
fn places_commissioned_ahead_of_approval_are_found_each_dated() {
    let schools = schools();
    let sla_dates = [
        "2024-09-02",
        "2024-09-20",
        "2024-10-07",
        "2024-10-21",
        "2024-11-04",
    ];
    let erps: Vec<_> = schools
        .iter()
        .zip(sla_dates)
        .enumerate()
        .map(|(i, ((sid, _), signed))| {
            let mut steps = vec![sla(signed), capital("2024-11-13")];
            if i == 0 {
                // One application by 20 December; approved from 1 April 2025.
                steps.push(applied("2024-12-20"));
                steps.push(approved("2025-03-01", "2025-04-01"));
            }
            erp(*sid, steps)
        })
        .collect();
    let (a, b, c, late) = (
        CaseId::new_random(),
        CaseId::new_random(),
        CaseId::new_random(),
        CaseId::new_random(),
    );
    let namings = vec![
        // Two children named into the first before its approval, one after it.
        vec![
            named(a, "2024-12-01", None, None),
            named(b, "2025-01-15", None, None),
            named(late, "2025-05-01", None, None),
        ],
        vec![named(c, "2025-01-10", None, None)],
        vec![],
        vec![],
        vec![],
    ];
    let area = Area {
        schools,
        erps,
        namings,
    };
    let got: Vec<(FindingKind, NaiveDate, usize, Option<CaseId>, bool)> = area
        .findings("2025-06-01")
        .into_iter()
        .map(|f| {
            let which = area
                .erps
                .iter()
                .position(|(id, _)| Some(*id) == f.provision)
                .expect("provision");
            (f.kind, f.began_on, which, f.case, f.open)
        })
        .collect();
    use FindingKind::*;
    let mut want = vec![
        (SlaBeforeApproval, d("2024-09-02"), 0, None, false),
        (PlacesWithoutViableOptions, d("2024-09-02"), 0, None, true),
        (SlaBeforeApproval, d("2024-09-20"), 1, None, true),
        (SlaBeforeApproval, d("2024-10-07"), 2, None, true),
        (PlacesWithoutViableOptions, d("2024-10-07"), 2, None, true),
        (SlaBeforeApproval, d("2024-10-21"), 3, None, true),
        (SlaBeforeApproval, d("2024-11-04"), 4, None, true),
        (PlacesWithoutViableOptions, d("2024-11-04"), 4, None, true),
        (CapitalBeforeApproval, d("2024-11-13"), 0, None, false),
        (CapitalBeforeApproval, d("2024-11-13"), 1, None, true),
        (CapitalBeforeApproval, d("2024-11-13"), 2, None, true),
        (CapitalBeforeApproval, d("2024-11-13"), 3, None, true),
        (CapitalBeforeApproval, d("2024-11-13"), 4, None, true),
        (NamedBeforeApproval, d("2024-12-01"), 0, Some(a), false),
        (NamedBeforeApproval, d("2025-01-10"), 1, Some(c), true),
        (NamedBeforeApproval, d("2025-01-15"), 0, Some(b), false),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort_by_key(|x| (x.1, x.0, x.2));
    want.sort_by_key(|x| (x.1, x.0, x.2));
    assert_eq!(got_sorted, want, "{got:#?}");
    // Before the approval took effect, the first provision's findings were open too.
    let earlier = area.findings("2025-03-15");
    assert!(earlier.iter().all(|f| f.open), "{earlier:#?}");
}

#[test]
fn the_same_steps_in_the_lawful_order_raise_nothing() {
    let schools = schools();
    let erps: Vec<_> = schools
        .iter()
        .enumerate()
        .map(|(i, (sid, _))| {
            let mut steps = vec![applied("2024-03-01"), approved("2024-07-01", "2024-09-01")];
            if i % 2 == 0 {
                steps.push(evidence("2024-08-15"));
            }
            steps.push(sla("2024-09-02"));
            steps.push(capital("2024-11-13"));
            erp(*sid, steps)
        })
        .collect();
    let namings = (0..5)
        .map(|_| vec![named(CaseId::new_random(), "2025-01-10", None, None)])
        .collect();
    let area = Area {
        schools,
        erps,
        namings,
    };
    assert!(
        area.findings("2025-06-01").is_empty(),
        "{:#?}",
        area.findings("2025-06-01")
    );
    // A school with no inspection raises no Ofsted finding; its unapproved provision
    // still raises the SLA finding.
    let (sid, s) = school(150_000, None);
    let (pid, p) = erp(sid, vec![sla("2024-09-02")]);
    let plain = Area {
        schools: vec![(sid, s)],
        erps: vec![(pid, p)],
        namings: vec![vec![]],
    };
    assert_eq!(
        plain.findings("2025-06-01").len(),
        1,
        "the SLA before approval, nothing else"
    );
}

/// Viable-options evidence: only settings that meet the standard, within the distance,
/// of the same phase, with overlapping ages and needs, and spare places; nearest first.
#[test]
fn viable_options_are_the_good_near_suitable_settings_with_room() {
    use sendscope_domain::compliance::{Candidate, viable_options};
    let located = |urn: u32, e: u32, grade: u8| {
        let id = SettingId::new_random();
        let p = fold(
            StreamRef::setting(id),
            &[
                (
                    "setting.registered",
                    json!({"name": format!("School {urn}"), "setting_type": "mainstream_academy",
                           "establishment_type": "Academy converter", "phase": "primary", "low_age": 4,
                           "high_age": 11, "la_code": "831", "trust": null, "urn": urn.to_string(),
                           "ukprn": null, "postcode": null,
                           "location": {"grid": {"easting": e, "northing": 336_000}}, "capacity": 420}),
                ),
                (
                    "setting.inspected",
                    json!({"framework": "graded", "inspection_start": "2024-01-10",
                           "judgements": {"quality_of_education": {"grade": grade},
                                          "leadership_and_management": {"grade": grade}}}),
                ),
            ],
        );
        match p.state {
            StreamState::Setting(s) => (id, s),
            _ => unreachable!(),
        }
    };
    let provision = |setting: SettingId, needs: &[&str], places: u32| {
        let id = ProvisionId::new_random();
        let p = fold(
            StreamRef::provision(id),
            &[
                (
                    "provision.opened",
                    json!({"setting": setting.to_string(), "kind": "resourced_provision", "name": "ERP",
                           "need_types": needs, "low_age": 4, "high_age": 11}),
                ),
                (
                    "provision.places_set",
                    json!({"academic_year": "2025/26", "places": places}),
                ),
            ],
        );
        match p.state {
            StreamState::Provision(s) => (id, s),
            _ => unreachable!(),
        }
    };
    let (_, proposed) = located(140_100, 435_000, 3);
    let (_, target) = provision(SettingId::new_random(), &["ASD"], 14);
    let near_good = located(140_101, 437_000, 2); // 2 km, good, room
    let full = located(140_102, 436_000, 2); // 1 km, good, but full
    let weak = located(140_103, 435_500, 3); // 0.5 km, requires improvement
    let far = located(140_104, 450_000, 1); // 15 km
    let other_needs = located(140_105, 436_500, 2); // 1.5 km, SEMH only
    let good_room = provision(near_good.0, &["ASD", "SLCN"], 12);
    let full_p = provision(full.0, &["ASD"], 12);
    let weak_p = provision(weak.0, &["ASD"], 12);
    let far_p = provision(far.0, &["ASD"], 12);
    let semh = provision(other_needs.0, &["SEMH"], 12);
    let candidates = vec![
        Candidate {
            id: near_good.0,
            setting: &near_good.1,
            provisions: vec![(good_room.0, &good_room.1, 10)],
        },
        Candidate {
            id: full.0,
            setting: &full.1,
            provisions: vec![(full_p.0, &full_p.1, 12)],
        },
        Candidate {
            id: weak.0,
            setting: &weak.1,
            provisions: vec![(weak_p.0, &weak_p.1, 0)],
        },
        Candidate {
            id: far.0,
            setting: &far.1,
            provisions: vec![(far_p.0, &far_p.1, 0)],
        },
        Candidate {
            id: other_needs.0,
            setting: &other_needs.1,
            provisions: vec![(semh.0, &semh.1, 0)],
        },
    ];
    let got = viable_options(
        &GateRules::standard(),
        &proposed,
        &target,
        &candidates,
        8.0,
        d("2025-11-01"),
    );
    let got: Vec<(String, f64, u32, u32)> = got
        .iter()
        .map(|o| {
            (
                o.name.clone(),
                o.distance_km,
                o.spare_places,
                o.expandable_places,
            )
        })
        .collect();
    assert_eq!(got, vec![("School 140101".to_string(), 2.0, 2, 0)]);
    // A full provision approved for more places than it has opened can expand: it is a
    // viable option, with its expandable places shown.
    let full_but_approved = {
        let id = ProvisionId::new_random();
        let p = fold(
            StreamRef::provision(id),
            &[
                (
                    "provision.opened",
                    json!({"setting": full.0.to_string(), "kind": "resourced_provision", "name": "ERP",
                           "need_types": ["ASD"], "low_age": 4, "high_age": 11}),
                ),
                applied("2025-01-01"),
                approved_places("2025-03-01", "2025-04-01", 16),
                places("2025/26", 12),
            ],
        );
        match p.state {
            StreamState::Provision(s) => (id, s),
            _ => unreachable!(),
        }
    };
    let expandable = [Candidate {
        id: full.0,
        setting: &full.1,
        provisions: vec![(full_but_approved.0, &full_but_approved.1, 12)],
    }];
    let got = viable_options(
        &GateRules::standard(),
        &proposed,
        &target,
        &expandable,
        8.0,
        d("2025-11-01"),
    );
    assert_eq!(
        got.iter()
            .map(|o| (o.spare_places, o.expandable_places))
            .collect::<Vec<_>>(),
        vec![(0, 4)]
    );
}

/// The gate's two checks: when a child is named (the approval granted by then and in
/// effect on the start day) and again on the day the child takes up the place.
#[test]
fn naming_ahead_is_judged_on_the_start_day_and_checked_again_then() {
    let schools = vec![school(160_001, Some(("2023-05-10", 2)))];
    let (sid, _) = schools[0].clone();
    // Approved on 1 May 2025, in effect from 1 September 2025.
    let erps = vec![erp(
        sid,
        vec![applied("2025-01-10"), approved("2025-05-01", "2025-09-01")],
    )];
    let (ahead, early, unknown, future) = (
        CaseId::new_random(),
        CaseId::new_random(),
        CaseId::new_random(),
        CaseId::new_random(),
    );
    let area = Area {
        schools,
        erps,
        namings: vec![vec![
            // Named in June for September: lawful, and it started on time.
            named(ahead, "2025-06-01", Some("2025-09-01"), Some("2025-09-03")),
            // Named in June for September, but the child started in July.
            named(early, "2025-06-02", Some("2025-09-01"), Some("2025-07-01")),
            // Named in April, before the approval was granted at all.
            named(unknown, "2025-04-20", Some("2025-09-01"), None),
            // Named for a start next year: nothing to check on the start day yet.
            named(future, "2025-06-03", Some("2026-09-01"), None),
        ]],
    };
    let got: Vec<(FindingKind, NaiveDate, Option<CaseId>, bool)> = area
        .findings("2025-10-01")
        .into_iter()
        .map(|f| (f.kind, f.began_on, f.case, f.open))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                FindingKind::NamedBeforeApproval,
                d("2025-04-20"),
                Some(unknown),
                false
            ),
            (
                FindingKind::PlacedBeforeApproval,
                d("2025-07-01"),
                Some(early),
                false
            ),
        ]
    );
    // In August the approval was not yet in effect: both findings are open.
    assert!(area.findings("2025-08-01").iter().all(|f| f.open));
}

fn special(
    setting: SettingId,
    kind: &str,
    steps: Vec<(&str, Value)>,
) -> (ProvisionId, ProvisionState) {
    let id = ProvisionId::new_random();
    let mut events = vec![(
        "provision.opened",
        json!({"setting": setting.to_string(), "kind": kind, "name": "Places",
               "need_types": ["ASD"], "low_age": 4, "high_age": 11}),
    )];
    events.extend(steps);
    let p = fold(StreamRef::provision(id), &events);
    match p.state {
        StreamState::Provision(s) => (id, s),
        _ => unreachable!(),
    }
}

fn places(year: &str, n: u32) -> (&'static str, Value) {
    (
        "provision.places_set",
        json!({"academic_year": year, "places": n}),
    )
}

fn approved_places(on: &str, effective: &str, n: u32) -> (&'static str, Value) {
    (
        "provision.approval_decided",
        json!({"route": "significant_change", "approved": true, "decided_on": on,
               "effective_from": effective, "places": n}),
    )
}

/// Resizes: any change to a SEN unit or resourced provision needs approval; a special
/// school's places may change by up to 20 places or 20%, whichever is smaller. Changing
/// the types of need needs approval too. Each threshold is rule data.
#[test]
fn resizes_and_need_type_changes_need_their_own_approval() {
    let kinds = |p: &(ProvisionId, ProvisionState)| {
        let schools = vec![school(170_001, Some(("2023-05-10", 2)))];
        let area = Area {
            erps: vec![(p.0, p.1.clone())],
            schools,
            namings: vec![vec![]],
        };
        area.findings("2026-06-01")
            .into_iter()
            .map(|f| (f.kind, f.began_on, f.open))
            .collect::<Vec<_>>()
    };
    let sid = SettingId::new_random();
    use FindingKind::*;
    // A special school of 100 places: +20 is within the threshold, +21 is not.
    let within = special(
        sid,
        "special",
        vec![places("2024/25", 100), places("2025/26", 120)],
    );
    assert_eq!(kinds(&within), vec![]);
    let beyond = special(
        sid,
        "special",
        vec![places("2024/25", 100), places("2025/26", 121)],
    );
    assert_eq!(
        kinds(&beyond),
        vec![(PlacesChangedBeforeApproval, d("2025-09-01"), true)]
    );
    // A special school of 50 places: 20% (10) is the smaller limit; shrinking counts too.
    let small = special(
        sid,
        "special",
        vec![places("2024/25", 50), places("2025/26", 39)],
    );
    assert_eq!(
        kinds(&small),
        vec![(PlacesChangedBeforeApproval, d("2025-09-01"), true)]
    );
    // Approved for 121 places from 1 September: no finding. Approved late: closed finding.
    let lawful = special(
        sid,
        "special",
        vec![
            places("2024/25", 100),
            applied("2025-01-01"),
            approved_places("2025-06-01", "2025-09-01", 121),
            places("2025/26", 121),
        ],
    );
    assert_eq!(kinds(&lawful), vec![]);
    let late = special(
        sid,
        "special",
        vec![
            places("2024/25", 100),
            places("2025/26", 121),
            applied("2025-01-01"),
            approved_places("2025-10-01", "2025-10-01", 121),
        ],
    );
    assert_eq!(
        kinds(&late),
        vec![(PlacesChangedBeforeApproval, d("2025-09-01"), false)]
    );
    // A resourced provision: any resize, even by one place, with the opening approved.
    let erp_resize = special(
        sid,
        "resourced_provision",
        vec![
            applied("2024-01-01"),
            approved("2024-06-01", "2024-09-01"),
            places("2024/25", 12),
            places("2025/26", 13),
        ],
    );
    assert_eq!(
        kinds(&erp_resize),
        vec![(PlacesChangedBeforeApproval, d("2025-09-01"), true)]
    );
    // An independent special school needs no approval from the council's side.
    let independent = special(
        sid,
        "independent_special",
        vec![places("2024/25", 10), places("2025/26", 60)],
    );
    assert_eq!(kinds(&independent), vec![]);
    // Changing the types of need: a finding until an approval for that set is in effect.
    let needs = special(
        sid,
        "special",
        vec![
            places("2024/25", 100),
            (
                "provision.need_types_changed",
                json!({"on": "2025-09-01", "need_types": ["ASD", "SEMH"]}),
            ),
        ],
    );
    assert_eq!(
        kinds(&needs),
        vec![(NeedTypesChangedBeforeApproval, d("2025-09-01"), true)]
    );
    let needs_ok = special(
        sid,
        "special",
        vec![
            places("2024/25", 100),
            applied("2025-01-01"),
            (
                "provision.approval_decided",
                json!({"route": "significant_change", "approved": true,
              "decided_on": "2025-07-01", "effective_from": "2025-09-01", "need_types": ["SEMH", "ASD"]}),
            ),
            (
                "provision.need_types_changed",
                json!({"on": "2025-09-01", "need_types": ["ASD", "SEMH"]}),
            ),
        ],
    );
    assert_eq!(kinds(&needs_ok), vec![]);
    // The thresholds are data: an area allowing only 10 places finds the +20 change.
    let mut strict = GateRules::standard();
    strict.threshold_places = 10;
    let records = [ProvisionRecord {
        id: within.0,
        provision: &within.1,
        setting_id: sid,
        setting: Some(&school(170_002, None).1),
        namings: vec![],
        funding: Vec::new(),
    }];
    assert_eq!(findings(&strict, &records, d("2026-06-01")).len(), 1);
}

/// The register's order: each refusal says what must come first, and a refused step
/// leaves the provision as it was.
#[test]
fn register_steps_out_of_order_are_refused() {
    let (_, p) = erp(SettingId::new_random(), vec![]);
    let stream = StreamRef::provision(ProvisionId::new_random());
    let projection = |s: &ProvisionState| Projection {
        state: StreamState::Provision(s.clone()),
        version: 1,
        ..Projection::empty(stream, AreaId::new_random())
    };
    let refused = |s: &ProvisionState, t: &str, payload: Value| {
        let body = EventBody::decode(t, payload.to_string().as_bytes()).expect("decodes");
        match sendscope_domain::rules::check(&projection(s), &body, None) {
            Err(sendscope_domain::DomainError::Refused(m)) => m,
            other => panic!("{t} should be refused: {other:?}"),
        }
    };
    let m = refused(
        &p,
        "provision.approval_decided",
        json!({"route": "significant_change", "approved": true, "decided_on": "2025-03-01"}),
    );
    assert!(m.contains("record the application first"), "{m}");
    let m = refused(
        &p,
        "provision.capital_spent",
        json!({"reference": "CAP-1", "on": "2025-03-01", "spent_to_date": 100}),
    );
    assert!(m.contains("record the capital approved"), "{m}");
    let m = refused(
        &p,
        "provision.sla_signed",
        json!({"parties": ["Council"], "signed_on": "2025-03-01", "start": "2025-09-01", "end": "2025-08-31"}),
    );
    assert!(m.contains("must end after it starts"), "{m}");
    // Capital with a reference, then spend against it: accepted, and reported.
    let (_, funded) = erp(
        SettingId::new_random(),
        vec![
            (
                "provision.capital_approved",
                json!({"amount": 50_000_000, "approving_body": "Cabinet", "approved_on": "2025-01-10",
                       "places": 12, "reference": "CAP-1"}),
            ),
            (
                "provision.capital_spent",
                json!({"reference": "CAP-1", "on": "2025-06-30", "spent_to_date": 12_000_000}),
            ),
            (
                "provision.capital_spent",
                json!({"reference": "CAP-1", "on": "2025-09-30", "spent_to_date": 31_000_000}),
            ),
        ],
    );
    assert_eq!(
        funded.spent_to_date("CAP-1"),
        Some(sendscope_domain::codes::Pence(31_000_000))
    );
    let m = refused(
        &funded,
        "provision.capital_spent",
        json!({"reference": "CAP-1", "on": "2024-12-31", "spent_to_date": 1}),
    );
    assert!(m.contains("after the capital is approved"), "{m}");
    // Closed: nothing new.
    let (_, closed) = erp(
        SettingId::new_random(),
        vec![("provision.closed", json!({"on": "2025-07-31"}))],
    );
    let m = refused(
        &closed,
        "provision.places_set",
        json!({"academic_year": "2025/26", "places": 12}),
    );
    assert!(m.contains("open a new provision"), "{m}");
}

/// More places at a school below the Ofsted standard are new places too: without
/// evidence, a finding from the first day of the year they are added for.
#[test]
fn more_places_at_a_weak_school_need_viable_options_evidence() {
    let (sid, s) = school(180_001, Some(("2023-05-10", 3)));
    let (pid, p) = special(
        sid,
        "special",
        vec![places("2024/25", 100), places("2025/26", 110)],
    );
    let records = [ProvisionRecord {
        id: pid,
        provision: &p,
        setting_id: sid,
        setting: Some(&s),
        namings: vec![],
        funding: Vec::new(),
    }];
    let got: Vec<(FindingKind, NaiveDate)> =
        findings(&GateRules::standard(), &records, d("2026-01-01"))
            .into_iter()
            .map(|f| (f.kind, f.began_on))
            .collect();
    assert_eq!(
        got,
        vec![(FindingKind::PlacesWithoutViableOptions, d("2025-09-01"))]
    );
    // Fewer places are not new places.
    let (pid, p) = special(
        sid,
        "special",
        vec![places("2024/25", 100), places("2025/26", 95)],
    );
    let records = [ProvisionRecord {
        id: pid,
        provision: &p,
        setting_id: sid,
        setting: Some(&s),
        namings: vec![],
        funding: Vec::new(),
    }];
    assert!(findings(&GateRules::standard(), &records, d("2026-01-01")).is_empty());
}

/// Naming a resourced provision or SEN unit by its school alone cannot be checked against
/// its approval: refused as ambiguous, not let through (the review found it accepted
/// through the API with no override and no finding).
#[test]
fn a_unit_or_resourced_provision_named_without_its_provision_is_refused() {
    use sendscope_domain::compliance::ambiguous_naming;
    use sendscope_domain::event::{EventBody, PlacementStarted, SettingRef};
    use sendscope_domain::ids::{ProvisionId, SettingId};
    let placed = |setting, provision, rp| {
        EventBody::PlacementStarted(PlacementStarted {
            setting,
            provision,
            on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).expect("date"),
            sen_unit: false,
            resourced_provision: rp,
        })
    };
    let school = SettingRef::Setting(SettingId::new_random());
    assert!(ambiguous_naming(&placed(school, None, true)).is_some());
    assert!(ambiguous_naming(&placed(school, Some(ProvisionId::new_random()), true)).is_none());
    assert!(ambiguous_naming(&placed(school, None, false)).is_none());
    // A setting known only by its URN (history brought in from a return) is not gated.
    let urn = SettingRef::Urn(sendscope_domain::codes::Urn::parse("123456").expect("urn"));
    assert!(ambiguous_naming(&placed(urn, None, true)).is_none());
}
