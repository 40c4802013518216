//! The demo area's partnership: an improvement board with six priorities like the DfE's
//! stocktake letter's, an action slipped twice by change requests, one overdue, one done,
//! risks escalated and reviewed, and two meetings, the first's minutes approved and so
//! published. Made through the same steps a council's programme office records.

use crate::partnership::{hold_meeting, record};
use crate::steps::StepError;
use chrono::NaiveDate;
use sendscope_domain::event::EventBody as E;
use sendscope_domain::ids::AreaId;
use sendscope_domain::partnership::*;
use sendscope_store::Store;

fn months(d: NaiveDate, n: i32) -> NaiveDate {
    let m = chrono::Months::new(n.unsigned_abs());
    if n < 0 {
        d.checked_sub_months(m)
    } else {
        d.checked_add_months(m)
    }
    .unwrap_or(d)
}

fn owner(person: &str, organisation: &str) -> Owner {
    Owner {
        organisation: organisation.into(),
        person: person.into(),
    }
}

/// Records the demo's partnership as of `as_of` for the area called `name`.
pub fn demo(
    store: &dyn Store,
    area: AreaId,
    name: &str,
    as_of: NaiveDate,
) -> Result<(), StepError> {
    let at = |n: i32| months(as_of, n);
    let step = |body: E| record(store, area, body, "system:demo");
    let council = format!("{name} council");
    let icb = format!("{name} Integrated Care Board");
    step(E::PartnershipStarted(PartnershipStarted {
        name: format!("{name} SEND Improvement Board"),
        escalate_at: 15,
        on: at(-12),
    }))?;
    let priorities = [
        "Timeliness and quality of EHC plans",
        "Joint commissioning and health waiting times",
        "Children missing education and part-time timetables",
        "Sufficiency of specialist places and capital",
        "Co-production with families",
        "Preparation for adulthood",
    ];
    for (i, t) in priorities.iter().enumerate() {
        step(E::PriorityAdded(PriorityAdded {
            priority: i as u32 + 1,
            title: (*t).into(),
            on: at(-12),
        }))?;
    }
    let actions: [(&str, Owner, i32, Option<u32>); 6] = [
        (
            "Clear the backlog of needs assessments",
            owner("Head of SEND", &council),
            3,
            Some(1),
        ),
        (
            "Publish a joint data dashboard with the ICB",
            owner("Director of Nursing", &icb),
            -6,
            None,
        ),
        (
            "One register of children missing education across services",
            owner("Head of Inclusion", &council),
            -1,
            None,
        ),
        (
            "Quality assurance of SEND capital decisions",
            owner("Head of Place Planning", &council),
            -3,
            None,
        ),
        (
            "A co-production charter with the parent carer forum",
            owner("Head of SEND", &council),
            5,
            None,
        ),
        (
            "A preparation-for-adulthood pathway from Year 9",
            owner("Head of Adult Social Care", &council),
            8,
            None,
        ),
    ];
    for (i, (title, o, due, trajectory)) in actions.into_iter().enumerate() {
        step(E::ActionAdded(ActionAdded {
            action: i as u32 + 1,
            priority: i as u32 + 1,
            title: title.into(),
            owner: o,
            start: at(-12),
            due: at(due),
            trajectory,
            on: at(-12),
        }))?;
    }
    step(E::MilestoneAdded(MilestoneAdded {
        action: 1,
        milestone: 1,
        title: "Four more caseworkers in post".into(),
        due: at(-8),
        on: at(-12),
    }))?;
    step(E::MilestoneMet(MilestoneMet {
        action: 1,
        milestone: 1,
        on: at(-8),
    }))?;
    step(E::MilestoneAdded(MilestoneAdded {
        action: 1,
        milestone: 2,
        title: "Fewer than 100 assessments waiting".into(),
        due: at(-1),
        on: at(-12),
    }))?;
    // The dashboard slips twice, each time by a change request the board granted.
    for (n, (asked, to, why)) in [
        (-7, -2, "The trust's data feed was not ready"),
        (-3, 2, "The analyst's post took four months to fill"),
    ]
    .into_iter()
    .enumerate()
    {
        let request = n as u32 + 1;
        step(E::ChangeRequested(ChangeRequested {
            request,
            action: 2,
            change: ChangeAsked::DueDate { to: at(to) },
            why: why.into(),
            impact: "The board sees joint health and education figures later".into(),
            asked_by: "Director of Nursing".into(),
            decider: "the board".into(),
            on: at(asked),
        }))?;
        step(E::ChangeDecided(ChangeDecided {
            request,
            granted: true,
            decided_by: "the board".into(),
            note: String::new(),
            on: at(asked),
        }))?;
    }
    step(E::ActionCompleted(ActionCompleted {
        action: 4,
        on: at(-4),
        evidence: "The capital decisions log, reviewed by the board".into(),
    }))?;
    step(E::EvidenceAdded(EvidenceAdded {
        action: 1,
        on: at(-2),
        title: "Monthly timeliness figures".into(),
        link: Some("/dashboard".into()),
    }))?;
    step(E::CommentaryAdded(CommentaryAdded {
        action: 3,
        on: at(-1),
        text: "The register is built; the schools' returns are still arriving.".into(),
    }))?;
    let risk = |n: u32, title: &str, o: Owner, residual: (u8, u8), review: i32| {
        E::RiskAdded(RiskAdded {
            risk: n,
            title: title.into(),
            owner: o,
            cause: "Demand above the services' capacity".into(),
            effect: "Children wait longer than the law allows".into(),
            controls: "Weekly escalation meeting".into(),
            inherent: Score {
                likelihood: 5,
                impact: 5,
            },
            residual: Score {
                likelihood: residual.0,
                impact: residual.1,
            },
            target: Score {
                likelihood: 2,
                impact: 3,
            },
            review_by: at(review),
            actions: vec![n],
            on: at(-10),
        })
    };
    step(risk(
        1,
        "Health waiting lists delay EHC needs assessments",
        owner("Director of Nursing", &icb),
        (4, 4),
        -4,
    ))?;
    step(E::RiskReviewed(RiskReviewed {
        risk: 1,
        on: at(-4),
        residual: Score {
            likelihood: 3,
            impact: 4,
        },
        controls: Some("Locum paediatricians; weekly escalation meeting".into()),
        review_by: at(2),
        note: "Locum paediatricians in post".into(),
    }))?;
    step(risk(
        2,
        "Special school places run out before September",
        owner("Head of Place Planning", &council),
        (4, 5),
        -1,
    ))?;
    for (n, (who, org, role)) in [
        ("Independent chair", "Independent", "Chair"),
        (
            "Director of Children's Services",
            council.as_str(),
            "Director of Children's Services",
        ),
        (
            "Director of Nursing",
            icb.as_str(),
            "Designated clinical officer's director",
        ),
        (
            "Chair of the parent carer forum",
            "Parent carer forum",
            "Families' representative",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        step(E::MemberAdded(MemberAdded {
            member: n as u32 + 1,
            name: who.into(),
            organisation: org.into(),
            role: role.into(),
            on: at(-12),
        }))?;
    }
    for (n, (source, said, did)) in [
        (
            "Parent carer forum survey",
            "We do not know who our caseworker is or how to reach them.",
            Some("Every letter now gives the caseworker's name, email and telephone number."),
        ),
        (
            "Young people's drop-in",
            "Reviews talk about us, not to us.",
            Some("Young people now write section A of their own plan, in their own words."),
        ),
        (
            "Parent carer forum meeting",
            "Transport is arranged too late for the start of term.",
            None,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let item = n as u32 + 1;
        step(E::FeedbackHeard(FeedbackHeard {
            item,
            source: source.into(),
            said: said.into(),
            on: at(-9),
        }))?;
        if let Some(did) = did {
            step(E::FeedbackAnswered(FeedbackAnswered {
                item,
                did: did.into(),
                on: at(-3),
            }))?;
        }
    }
    let state = crate::partnership::find(store, area)
        .map_err(|e| StepError::Internal(e.to_string()))?
        .map(|(_, s)| s)
        .unwrap_or_default();
    let highlight: Vec<String> = crate::partnership::actions(&state, at(-4), &Default::default())
        .iter()
        .map(|a| {
            format!(
                "Action {}: {} ({}). {}: {}",
                a.action,
                a.title,
                a.due,
                a.rag.label(),
                a.why
            )
        })
        .collect();
    hold_meeting(
        store,
        area,
        MeetingHeld {
            meeting: 1,
            on: at(-4),
            agenda: vec![
                "The improvement plan's highlight report".into(),
                "The risk register".into(),
            ],
            attended: vec![1, 2, 3, 4],
            apologies: vec![],
            decisions: vec!["The dashboard's second extension granted, the last".into()],
            papers: vec![],
        },
        "Highlight report",
        highlight.join("\n").into_bytes(),
        "system:demo",
    )?;
    step(E::MinutesDrafted(MinutesDrafted { meeting: 1, on: at(-4), text: "The board reviewed the highlight report and the risk register.\n\nThe board granted a second and last extension to the joint data dashboard.".into() }))?;
    step(E::MeetingHeld(MeetingHeld {
        meeting: 2,
        on: at(-1),
        agenda: vec![
            "Minutes of the last meeting".into(),
            "Children missing education".into(),
        ],
        attended: vec![1, 2, 4],
        apologies: vec![3],
        decisions: vec!["Minutes of the last meeting approved".into()],
        papers: vec![],
    }))?;
    step(E::MinutesApproved(MinutesApproved {
        meeting: 1,
        at_meeting: 2,
        on: at(-1),
    }))?;
    step(E::MinutesDrafted(MinutesDrafted { meeting: 2, on: at(-1), text: "The board heard that the register of children missing education is built and asked for the schools' returns by the next meeting.".into() }))?;
    Ok(())
}
