//! Records brought in from another system (a council's SEN2 return): a request with what
//! became of it, a plan and its cessation. What the record gives without a date is kept
//! as "by" that day, shows no clock it cannot judge, and a second record adds only what
//! was not known.

use chrono::NaiveDate;
use sendscope_domain::StreamRef;
use sendscope_domain::clocks::case_deadlines;
use sendscope_domain::event::*;
use sendscope_domain::ids::{AreaId, CaseId, RequestId};
use sendscope_domain::projection::Projection;
use sendscope_domain::rules::check;
use sendscope_domain::sen::{CeaseReason, Requester, Sex};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn opened() -> Projection {
    let mut p = Projection::empty(StreamRef::case(CaseId::new_random()), AreaId::new_random());
    record(
        &mut p,
        EventBody::CaseOpened(CaseOpened {
            child: Child::named("Amy", "Hart", d(2015, 3, 2), Sex::Female, "WBRI"),
            people: Vec::new(),
            caseworker: None,
        }),
    )
    .expect("opens");
    p
}

/// Checks the event as the store would, then applies it.
fn record(p: &mut Projection, body: EventBody) -> Result<(), String> {
    check(p, &body, None).map_err(|e| e.to_string())?;
    p.apply_as_recorded(&body, d(2026, 1, 20), "import:sen2");
    Ok(())
}

fn recorded(request: u32, received_on: NaiveDate) -> RequestRecorded {
    RequestRecorded {
        request: RequestId(request),
        received_on,
        requested_by: None,
        youth_custody: false,
        decision: None,
        decided_on: None,
        plan_issued_on: None,
        plan_not_issued_on: None,
        undated: Undated::default(),
        exception: false,
        disputes: None,
        source: "the SEN2 return of 15 January 2026".into(),
    }
}

fn keys(p: &Projection) -> Vec<(&'static str, String)> {
    case_deadlines(p.case().expect("case"), d(2026, 1, 20))
        .expect("clocks")
        .into_iter()
        .map(|x| (x.key, format!("{:?}", x.status)))
        .collect()
}

#[test]
fn a_request_decided_and_concluded_before_the_period_shows_no_clock_it_cannot_judge() {
    let mut p = opened();
    record(
        &mut p,
        EventBody::RequestRecorded(RequestRecorded {
            decision: Some(AssessDecision::Assess),
            undated: Undated {
                decided_by: Some(d(2024, 12, 31)),
                concluded_by: Some(d(2024, 12, 31)),
                withdrawn_by: None,
            },
            ..recorded(1, d(2021, 5, 1))
        }),
    )
    .expect("recorded");
    assert_eq!(keys(&p), Vec::<(&str, String)>::new());
    // Withdrawn on a day the record does not give: closed, no clocks, and a new request
    // may follow it.
    let mut q = opened();
    record(
        &mut q,
        EventBody::RequestRecorded(RequestRecorded {
            undated: Undated {
                withdrawn_by: Some(d(2026, 1, 15)),
                ..Default::default()
            },
            ..recorded(1, d(2025, 3, 1))
        }),
    )
    .expect("recorded");
    assert!(keys(&q).is_empty(), "{:?}", keys(&q));
    record(
        &mut q,
        EventBody::RequestReceived(RequestReceived {
            request: RequestId(2),
            received_on: d(2026, 1, 19),
            requested_by: Requester::Parent,
        }),
    )
    .expect("a new request after a withdrawn one");
    // Still being decided when the return was made: its clocks run as any request's.
    let mut r = opened();
    record(
        &mut r,
        EventBody::RequestRecorded(recorded(1, d(2025, 10, 1))),
    )
    .expect("recorded");
    let k = keys(&r);
    assert!(
        k.iter()
            .any(|(key, s)| *key == "decide_to_assess" && s.contains("Overdue")),
        "{k:?}"
    );
    // And the caseworker carries on from there with the ordinary steps.
    record(
        &mut r,
        EventBody::AssessmentDecided(AssessmentDecided {
            request: RequestId(1),
            on: d(2026, 1, 19),
            decision: AssessDecision::Assess,
            reasons: None,
        }),
    )
    .expect("decided in sendscope");
}

#[test]
fn a_second_record_adds_what_was_not_known_and_changes_nothing_known() {
    let mut p = opened();
    record(
        &mut p,
        EventBody::RequestRecorded(RequestRecorded {
            decision: Some(AssessDecision::Assess),
            decided_on: Some(d(2025, 4, 10)),
            ..recorded(1, d(2025, 3, 1))
        }),
    )
    .expect("recorded");
    record(
        &mut p,
        EventBody::RequestRecorded(RequestRecorded {
            decision: Some(AssessDecision::Assess),
            decided_on: Some(d(2025, 4, 30)),
            plan_issued_on: Some(d(2025, 7, 20)),
            exception: true,
            ..recorded(1, d(2025, 3, 1))
        }),
    )
    .expect("recorded again");
    let r = &p.case().expect("case").requests[0];
    assert_eq!(
        (
            r.decision,
            r.decided_on,
            r.final_issued_on,
            r.has_exception()
        ),
        (
            Some(AssessDecision::Assess),
            Some(d(2025, 4, 10)),
            Some(d(2025, 7, 20)),
            true
        )
    );
    assert_eq!(p.case().expect("case").requests.len(), 1);
    // Another day received is another request, numbered in order.
    let wrong = record(
        &mut p,
        EventBody::RequestRecorded(recorded(3, d(2025, 9, 1))),
    )
    .expect_err("numbered in order");
    assert!(wrong.contains("must be request 2"), "{wrong}");
    // The same request, received another day: refused.
    let moved = record(
        &mut p,
        EventBody::RequestRecorded(recorded(1, d(2025, 3, 2))),
    )
    .expect_err("received on a day of its own");
    assert!(moved.contains("was received on"), "{moved}");
}

#[test]
fn a_request_kept_in_sendscope_is_not_overwritten_by_a_record() {
    let mut p = opened();
    record(
        &mut p,
        EventBody::RequestReceived(RequestReceived {
            request: RequestId(1),
            received_on: d(2025, 3, 1),
            requested_by: Requester::School,
        }),
    )
    .expect("received");
    let refused = record(
        &mut p,
        EventBody::RequestRecorded(RequestRecorded {
            decision: Some(AssessDecision::Assess),
            decided_on: Some(d(2025, 4, 1)),
            ..recorded(1, d(2025, 3, 1))
        }),
    )
    .expect_err("kept in sendscope");
    assert!(refused.contains("record its steps one by one"), "{refused}");
    // Dates out of order are refused too.
    let mut q = opened();
    let early = record(
        &mut q,
        EventBody::RequestRecorded(RequestRecorded {
            decision: Some(AssessDecision::DoNotAssess),
            decided_on: Some(d(2025, 2, 1)),
            ..recorded(1, d(2025, 3, 1))
        }),
    )
    .expect_err("decided before received");
    assert!(
        early.contains("before the day the request was received"),
        "{early}"
    );
}

fn plan(source: &str) -> EventBody {
    EventBody::PlanRecorded(PlanRecorded {
        plan_start: d(2021, 9, 10),
        request: None,
        transferred_from: None,
        last_review: None,
        sections: PlanSections::default(),
        needs: Vec::new(),
        named: Vec::new(),
        personal_budget: false,
        source: source.into(),
    })
}

#[test]
fn a_plan_brought_in_ceases_as_its_record_says_and_only_such_a_plan() {
    let mut p = opened();
    record(&mut p, plan("the SEN2 return of 15 January 2026")).expect("plan");
    record(
        &mut p,
        EventBody::PlanCeased(PlanCeased {
            on: d(2025, 7, 31),
            reason: CeaseReason::TransferredToAnotherLa,
            source: Some("the SEN2 return of 15 January 2026".into()),
        }),
    )
    .expect("ceased as the return says, even for a transfer out");
    let c = p.case().expect("case");
    assert_eq!(
        c.plan
            .as_ref()
            .and_then(|x| x.ceased.as_ref())
            .map(|x| x.on),
        Some(d(2025, 7, 31))
    );
    // A plan issued in sendscope is ceased by its decision, never by a record.
    let mut q = opened();
    record(
        &mut q,
        EventBody::RequestReceived(RequestReceived {
            request: RequestId(1),
            received_on: d(2025, 1, 6),
            requested_by: Requester::Parent,
        }),
    )
    .expect("received");
    record(
        &mut q,
        EventBody::AssessmentDecided(AssessmentDecided {
            request: RequestId(1),
            on: d(2025, 2, 1),
            decision: AssessDecision::Assess,
            reasons: None,
        }),
    )
    .expect("decided");
    record(
        &mut q,
        EventBody::DraftPlanServed(DraftPlanServed {
            request: RequestId(1),
            on: d(2025, 4, 1),
            sections: PlanSections::default(),
        }),
    )
    .expect("draft");
    record(
        &mut q,
        EventBody::FinalPlanIssued(FinalPlanIssued {
            request: RequestId(1),
            on: d(2025, 5, 1),
            sections: PlanSections::default(),
            needs: vec![sendscope_domain::sen::Need {
                need: sendscope_domain::sen::NeedType::parse("ASD").expect("need"),
                rank: 1,
            }],
            named: Vec::new(),
            personal_budget: false,
        }),
    )
    .expect("final");
    let refused = record(
        &mut q,
        EventBody::PlanCeased(PlanCeased {
            on: d(2025, 9, 1),
            reason: CeaseReason::NeedsMet,
            source: Some("a spreadsheet".into()),
        }),
    )
    .expect_err("kept in sendscope");
    assert!(
        refused.contains("record the decision to cease"),
        "{refused}"
    );
}
