//! Letters to the family at each stage: what has happened, what happens next and by
//! when, and their rights (mediation, appeal, and the dates that bind them). The text is
//! worked out from the case record and the clock engine, then recorded as it was sent
//! (`case.letter_issued`), so a letter can always be shown exactly as the family got it.

use crate::DomainError;
use crate::calendar::long_date;
use crate::clocks::{Deadline, case_deadlines};
use crate::event::{AssessDecision, LetterKind, LetterSection, ReviewDecision};
use crate::projection::CaseState;
use chrono::NaiveDate;

/// A letter ready to issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub subject: String,
    pub sections: Vec<LetterSection>,
}

impl LetterKind {
    pub const ALL: &'static [LetterKind] = &[
        LetterKind::DecisionToAssess,
        LetterKind::DecisionNotToAssess,
        LetterKind::DraftPlan,
        LetterKind::FinalPlan,
        LetterKind::NoPlan,
        LetterKind::ReviewDecision,
        LetterKind::AmendedPlan,
        LetterKind::CessationDecision,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            LetterKind::DecisionToAssess => "decision-to-assess",
            LetterKind::DecisionNotToAssess => "decision-not-to-assess",
            LetterKind::DraftPlan => "draft-plan",
            LetterKind::FinalPlan => "final-plan",
            LetterKind::NoPlan => "no-plan",
            LetterKind::ReviewDecision => "review-decision",
            LetterKind::AmendedPlan => "amended-plan",
            LetterKind::CessationDecision => "cessation-decision",
        }
    }

    pub fn from_slug(s: &str) -> Option<LetterKind> {
        LetterKind::ALL.iter().copied().find(|k| k.slug() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            LetterKind::DecisionToAssess => "We will carry out an EHC needs assessment",
            LetterKind::DecisionNotToAssess => "We will not carry out an EHC needs assessment",
            LetterKind::DraftPlan => "Your draft EHC plan",
            LetterKind::FinalPlan => "Your final EHC plan",
            LetterKind::NoPlan => "We will not issue an EHC plan",
            LetterKind::ReviewDecision => "Our decision after the annual review",
            LetterKind::AmendedPlan => "Your amended EHC plan",
            LetterKind::CessationDecision => "We have decided to cease the EHC plan",
        }
    }
}

fn section(heading: &str, paragraphs: Vec<String>) -> LetterSection {
    LetterSection {
        heading: heading.to_string(),
        paragraphs,
    }
}

fn d(x: NaiveDate) -> String {
    long_date(x)
}

/// The family's rights after a decision they may disagree with: mediation first (not
/// needed where only the setting named is disputed), a certificate within 3 working days
/// if they decline it, and the SEND Tribunal by the end of the appeal window.
fn rights(appeal_by: Option<NaiveDate>, setting_only_possible: bool) -> LetterSection {
    let mut p = vec![
        "If you disagree, you can talk to us first: call or write to your caseworker, whose details are at the top of this letter.".to_string(),
        "You can appeal to the First-tier Tribunal (Special Educational Needs and Disability). Before you appeal you must contact a mediation adviser, who will explain mediation. You do not have to take part in mediation: if you do not want it, the adviser will give you a certificate within 3 working days.".to_string(),
    ];
    if setting_only_possible {
        p.push("If you only disagree with the school or other setting named in the plan, you can appeal without contacting a mediation adviser.".into());
    }
    match appeal_by {
        Some(by) => p.push(format!(
            "You must appeal by {}: 2 months from the date of this decision, or 1 month from the date of a mediation certificate if that is later.",
            d(by)
        )),
        None => p.push("You must appeal within 2 months of the date of this decision, or within 1 month of a mediation certificate if that is later.".into()),
    }
    p.push("The Information, Advice and Support Service (SENDIASS) gives free, impartial advice to families and young people.".into());
    section("Your rights", p)
}

fn due(all: &[Deadline], key: &str, trigger: Option<NaiveDate>) -> Option<NaiveDate> {
    all.iter()
        .rev()
        .find(|x| x.key == key && trigger.is_none_or(|t| x.trigger == t))
        .map(|x| x.due)
}

/// Who letters and decisions go to on `on`: the young person themself from the end of
/// compulsory school age, unless the record says a parent acts for them; otherwise the
/// people with parental responsibility, never one a court order bars from the child's
/// information; the child's own name if there is no one else.
pub fn recipients(c: &CaseState, on: NaiveDate) -> Vec<String> {
    let Some(child) = &c.child else {
        return Vec::new();
    };
    let own = || vec![format!("{} {}", child.given_names, child.family_name)];
    if crate::access::over_compulsory_school_age(child.birth_date, on) && !child.parent_acts {
        return own();
    }
    let barred = |p: &crate::ids::PersonId| {
        c.court_restriction
            .as_ref()
            .is_some_and(|r| r.restricted_persons.contains(p))
    };
    let names: Vec<String> = c
        .related
        .iter()
        .filter(|r| r.parental_responsibility && !barred(&r.person))
        .map(|r| r.name.clone())
        .collect();
    if names.is_empty() { own() } else { names }
}

fn refuse<T>(msg: &str) -> Result<T, DomainError> {
    Err(DomainError::Refused(msg.to_string()))
}

/// The letter of this kind for the case as it stands on `today`, or why there is none.
pub fn draft(kind: LetterKind, c: &CaseState, today: NaiveDate) -> Result<Draft, DomainError> {
    draft_with(kind, c, today, &case_deadlines(c, today)?)
}

/// Every letter that can be written for the case now: the deadlines worked out once.
pub fn available(c: &CaseState, today: NaiveDate) -> Result<Vec<LetterKind>, DomainError> {
    let all = case_deadlines(c, today)?;
    Ok(LetterKind::ALL
        .iter()
        .copied()
        .filter(|k| draft_with(*k, c, today, &all).is_ok())
        .collect())
}

fn draft_with(
    kind: LetterKind,
    c: &CaseState,
    today: NaiveDate,
    all: &[Deadline],
) -> Result<Draft, DomainError> {
    let name = c
        .child
        .as_ref()
        .map(|ch| format!("{} {}", ch.given_names, ch.family_name))
        .unwrap_or_else(|| "your child".into());
    let request = c.requests.last();
    let sections = match kind {
        LetterKind::DecisionToAssess => {
            let Some(r) = request.filter(|r| r.decision == Some(AssessDecision::Assess)) else {
                return refuse("there is no decision to assess: record the decision first");
            };
            let on = r.ordered_decision_on.or(r.decided_on).unwrap_or(today);
            vec![
                section("What has happened", vec![format!(
                    "On {} we decided to carry out an education, health and care (EHC) needs assessment for {name}. We received the request on {}.",
                    d(on), d(r.received_on)
                )]),
                section("What happens next", vec![
                    "We will ask for advice from education, health and social care, and from an educational psychologist. Each of them should give it to us within 6 weeks.".into(),
                    match due(all, "notify_no_plan", Some(r.received_on)) {
                        Some(by) => format!("If we decide not to issue a plan, we will tell you by {}.", d(by)),
                        None => "If we decide not to issue a plan, we will tell you within 16 weeks of the request.".into(),
                    },
                    match due(all, "final_plan", Some(r.received_on)) {
                        Some(by) => format!("If we issue a plan, the final plan is due by {}: 20 weeks from the request.", d(by)),
                        None => "If we issue a plan, the final plan is due within 20 weeks of the request.".into(),
                    },
                ]),
            ]
        }
        LetterKind::DecisionNotToAssess => {
            let Some(r) = request.filter(|r| r.decision == Some(AssessDecision::DoNotAssess))
            else {
                return refuse("there is no decision not to assess: record the decision first");
            };
            let on = r.decided_on.unwrap_or(today);
            vec![
                section(
                    "What has happened",
                    vec![format!(
                        "On {} we decided not to carry out an EHC needs assessment for {name}. We received the request on {}.",
                        d(on),
                        d(r.received_on)
                    )],
                ),
                rights(due(all, "appeal_window", Some(on)), false),
            ]
        }
        LetterKind::DraftPlan => {
            let Some((r, served)) = request.and_then(|r| r.draft_served_on.map(|s| (r, s))) else {
                return refuse("no draft plan has been served: record the draft first");
            };
            let window = due(all, "draft_response", Some(served));
            vec![
                section("What has happened", vec![format!("On {} we sent you the draft EHC plan for {name}.", d(served))]),
                section("What happens next", vec![
                    match window {
                        Some(by) => format!("You have until {} to tell us what you think of it, to ask for a meeting, and to ask for a particular school, college or other setting to be named.", d(by)),
                        None => "You have at least 15 days to tell us what you think of it and to ask for a setting to be named.".into(),
                    },
                    "We will consult the setting you ask for, and any other we are thinking of, before we name one.".into(),
                    match due(all, "final_plan", Some(r.received_on)) {
                        Some(by) => format!("The final plan is due by {}.", d(by)),
                        None => "The final plan is due within 20 weeks of the request.".into(),
                    },
                ]),
            ]
        }
        LetterKind::FinalPlan | LetterKind::AmendedPlan => {
            let Some(plan) = &c.plan else {
                return refuse("there is no plan: record the final plan first");
            };
            let on = if kind == LetterKind::AmendedPlan {
                let Some(a) = plan.amended_on.last() else {
                    return refuse("the plan has not been amended: record the amended plan first");
                };
                *a
            } else {
                plan.start
            };
            let what = if kind == LetterKind::AmendedPlan {
                "the amended EHC plan"
            } else {
                "the final EHC plan"
            };
            let mut next = vec![];
            if let Some(by) = due(all, "annual_review", None).filter(|x| *x > on) {
                next.push(format!("We must review the plan by {}, and at least every 12 months after that. We will invite you to the review meeting at least 2 weeks before it.", d(by)));
            }
            vec![
                section(
                    "What has happened",
                    vec![format!("On {} we issued {what} for {name}.", d(on))],
                ),
                section("What happens next", next),
                rights(due(all, "appeal_window", Some(on)), true),
            ]
        }
        LetterKind::NoPlan => {
            let Some(on) = request.and_then(|r| r.plan_not_issued_on) else {
                return refuse("there is no decision not to issue a plan: record it first");
            };
            vec![
                section(
                    "What has happened",
                    vec![format!(
                        "On {} we decided not to issue an EHC plan for {name} after the assessment. We will send you the advice we received, which can help the school or college support {name}.",
                        d(on)
                    )],
                ),
                rights(due(all, "appeal_window", Some(on)), false),
            ]
        }
        LetterKind::ReviewDecision => {
            let Some(r) = c.reviews.iter().rev().find(|r| r.decided_on.is_some()) else {
                return refuse("there is no decision after a review: record it first");
            };
            let on = r.decided_on.unwrap_or(today);
            let decision = match r.decision {
                Some(ReviewDecision::Maintain) => "keep the plan as it is",
                Some(ReviewDecision::Amend) => "amend the plan",
                Some(ReviewDecision::Cease) => "cease the plan",
                None => "decide",
            };
            let mut next = Vec::new();
            if r.decision == Some(ReviewDecision::Amend) {
                next.push("We will send you the proposed amendments. You will have at least 15 days to comment and to ask for a setting to be named; the amended plan is then due within 8 weeks of the proposals.".into());
            }
            if let Some(by) = due(all, "annual_review", None).filter(|x| *x > r.meeting_on) {
                next.push(format!("The next review is due by {}.", d(by)));
            }
            vec![
                section(
                    "What has happened",
                    vec![format!(
                        "After the annual review meeting on {}, we decided on {} to {decision}.",
                        d(r.meeting_on),
                        d(on)
                    )],
                ),
                section("What happens next", next),
                rights(None, false),
            ]
        }
        LetterKind::CessationDecision => {
            let Some(x) = c.plan.as_ref().and_then(|p| p.cessation.as_ref()) else {
                return refuse("there is no decision to cease the plan: record it first");
            };
            let by = due(all, "appeal_window", Some(x.on));
            vec![
                section("What has happened", vec![
                    format!("On {} we decided to cease the EHC plan for {name}. The reason: {}.", d(x.on), x.reason.label()),
                    x.explanation.clone(),
                ]),
                section("What happens next", vec![match by {
                    Some(by) => format!("The plan stays in place until your time to appeal has passed ({}), and while any appeal is waiting to be decided.", d(by)),
                    None => "The plan stays in place until your time to appeal has passed, and while any appeal is waiting to be decided.".into(),
                }]),
                rights(by, false),
            ]
        }
    };
    Ok(Draft {
        subject: format!("{}: {name}", kind.title()),
        sections: sections
            .into_iter()
            .filter(|s| !s.paragraphs.is_empty())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Child, CourtRestriction, RelatedPerson, Relationship};
    use crate::ids::PersonId;
    use crate::sen::Sex;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn person(name: &str, relationship: Relationship) -> RelatedPerson {
        RelatedPerson {
            person: PersonId::new_random(),
            name: name.into(),
            relationship,
            parental_responsibility: true,
            confidential_address: false,
            email: None,
            phone: None,
            letters_by_email: false,
        }
    }

    /// Letters go to those with parental responsibility, never to one a court order bars;
    /// from the end of compulsory school age to the young person, unless a parent acts.
    #[test]
    fn letters_go_to_the_right_people() {
        let mother = person("Ngozi Okafor", Relationship::Mother);
        let father = person("Emeka Okafor", Relationship::Father);
        let mut c = CaseState {
            child: Some(Child::named(
                "Chidi",
                "Okafor",
                d(2010, 5, 4),
                Sex::Male,
                "BAFR",
            )),
            related: vec![mother.clone(), father.clone()],
            ..Default::default()
        };
        assert_eq!(
            recipients(&c, d(2025, 1, 1)),
            ["Ngozi Okafor", "Emeka Okafor"]
        );
        c.court_restriction = Some(CourtRestriction {
            description: "non-molestation order".into(),
            restricted_persons: vec![father.person],
        });
        assert_eq!(
            recipients(&c, d(2025, 1, 1)),
            ["Ngozi Okafor"],
            "never the barred father"
        );
        // Compulsory school age ends on the last Friday of June 2026 for him.
        assert_eq!(recipients(&c, d(2026, 7, 1)), ["Chidi Okafor"]);
        if let Some(ch) = &mut c.child {
            ch.parent_acts = true;
        }
        assert_eq!(recipients(&c, d(2026, 7, 1)), ["Ngozi Okafor"]);
    }
}
