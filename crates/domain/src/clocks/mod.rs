//! The statutory clocks (domain.md §3), counted as the law counts them:
//! day 0 is the trigger; "within N weeks" is trigger + 7N days; "at least N days
//! beginning with day X" runs X … X+N−1; "before date D" ends on D−1; "within N months"
//! is the same day N months on (or that month's last day); working days skip weekends
//! and England and Wales bank holidays. A deadline never moves for a weekend or a
//! holiday unless its rule counts working days, and an exception is a flag on a
//! deadline, never a new due date.
//!
//! Rules are data ([`RULE_BOOKS`]), versioned by the date they take effect; each clock
//! uses the book in force on its trigger date. Pure: the caller supplies "today".

use crate::DomainError;
use crate::event::{AppealOrder, AppealOutcome, AssessDecision, DisputeSubject, PhaseTransferKind};
use crate::projection::{CaseState, ExceptionState, RequestState};
use chrono::NaiveDate;
use serde::Serialize;

pub use crate::holidays;
mod rule_book;
pub use rule_book::*;

/// Where a deadline stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// Not done yet; `days_left` is 0 on the due date itself.
    Upcoming {
        days_left: i64,
    },
    /// Not done and past its due date.
    Overdue {
        days: i64,
    },
    MetOnTime,
    MetLate {
        days: i64,
    },
    /// A window still open (the family's or a setting's time), closing in `days_left`.
    Open {
        days_left: i64,
    },
    /// A window that has closed.
    Closed,
}

pub fn status(
    kind: ClockKind,
    due: NaiveDate,
    done: Option<NaiveDate>,
    today: NaiveDate,
) -> Status {
    match (kind, done) {
        (ClockKind::Window, _) if today <= due => Status::Open {
            days_left: (due - today).num_days(),
        },
        (ClockKind::Window, _) => Status::Closed,
        (ClockKind::Duty, Some(d)) if d <= due => Status::MetOnTime,
        (ClockKind::Duty, Some(d)) => Status::MetLate {
            days: (d - due).num_days(),
        },
        (ClockKind::Duty, None) if today <= due => Status::Upcoming {
            days_left: (due - today).num_days(),
        },
        (ClockKind::Duty, None) => Status::Overdue {
            days: (today - due).num_days(),
        },
    }
}

/// One deadline on a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadline {
    pub key: &'static str,
    pub step: &'static str,
    pub source: &'static str,
    /// Day 0: the day the rule counts from. For a rule counted back from an event
    /// ("before 15 February", "2 weeks before the meeting") it is that event, and the
    /// due date comes before it.
    pub trigger: NaiveDate,
    pub due: NaiveDate,
    pub done: Option<NaiveDate>,
    pub status: Status,
    /// Recorded exceptions (flags only: the due date and lateness are unchanged).
    pub exceptions: Vec<ExceptionState>,
    /// The request it belongs to, where it belongs to one.
    pub request: Option<u32>,
    /// For advice: the service asked.
    pub asked: Option<crate::sen::AdviceKind>,
}

impl Deadline {
    /// What has to be done, as a caseworker reads it: the rule's step, naming the service
    /// asked where it is advice ("Health advice received").
    pub fn what(&self) -> String {
        match self.asked {
            Some(k) => format!("{} advice received", k.service()),
            None => self.step.to_string(),
        }
    }
}

/// Builds deadlines for one case, all on the same `today`.
struct Clocks<'a> {
    today: NaiveDate,
    out: Vec<Deadline>,
    no_exceptions: &'a [ExceptionState],
}

impl Clocks<'_> {
    /// Adds the deadline `key` counted from `trigger`; `later_of` is another rule and
    /// trigger whose due date wins where it is later (Reg 15, the appeal window).
    fn add(
        &mut self,
        key: &str,
        trigger: NaiveDate,
        done: Option<NaiveDate>,
        exceptions: &[ExceptionState],
        request: Option<u32>,
        later_of: Option<(&str, NaiveDate)>,
    ) -> Result<(), DomainError> {
        // Steps triggered before the first rule book (1 September 2014) had other rules,
        // which sendscope does not hold: no clock rather than a wrong one.
        if RULE_BOOKS
            .first()
            .is_some_and(|b| trigger < b.effective_from)
        {
            return Ok(());
        }
        let r = rule_in_force(key, trigger)?;
        let mut due = r.period.due(trigger)?;
        if let Some((other, from)) = later_of {
            let o = rule_in_force(other, from)?;
            due = due.max(o.period.due(from)?);
        }
        self.out.push(Deadline {
            key: r.key,
            step: r.step,
            source: r.source,
            trigger,
            due,
            done,
            status: status(r.kind, due, done, self.today),
            exceptions: if r.exceptions_apply {
                exceptions.to_vec()
            } else {
                self.no_exceptions.to_vec()
            },
            request,
            asked: None,
        });
        Ok(())
    }

    /// Brings the deadline just added forward to `other` counted from `from`, where that
    /// falls sooner ("8 weeks from the proposals, and no later than 12 weeks from the
    /// meeting").
    fn no_later_than(&mut self, other: &str, from: NaiveDate) -> Result<(), DomainError> {
        let o = rule_in_force(other, from)?;
        let limit = o.period.due(from)?;
        let today = self.today;
        if let Some(d) = self.out.last_mut()
            && limit < d.due
        {
            d.due = limit;
            d.status = status(o.kind, limit, d.done, today);
        }
        Ok(())
    }

    fn simple(
        &mut self,
        key: &str,
        trigger: NaiveDate,
        done: Option<NaiveDate>,
    ) -> Result<(), DomainError> {
        self.add(key, trigger, done, &[], None, None)
    }
}

/// The first of `dates` on or after `from`.
fn first_from(dates: impl IntoIterator<Item = NaiveDate>, from: NaiveDate) -> Option<NaiveDate> {
    dates.into_iter().filter(|d| *d >= from).min()
}

/// Whether a dispute about `subject` is about a decision of kind `decision` (a plan
/// issued or amended can be disputed for its contents or for the setting it names).
fn covers(decision: DisputeSubject, subject: DisputeSubject) -> bool {
    decision == subject
        || (decision == DisputeSubject::PlanContents && subject == DisputeSubject::NamedSetting)
}

/// The day the decision a dispute about `subject` is about was sent: the newest such
/// decision on or before `by`.
pub fn appealed_decision(
    c: &CaseState,
    subject: DisputeSubject,
    by: NaiveDate,
) -> Option<NaiveDate> {
    appealable_decisions(c)
        .into_iter()
        .filter(|(s, d)| covers(*s, subject) && *d <= by)
        .map(|(_, d)| d)
        .max()
}

/// The last day the family may appeal the decision of kind `decision` sent on `on`.
pub fn appeal_window_end(
    c: &CaseState,
    decision: DisputeSubject,
    on: NaiveDate,
) -> Result<NaiveDate, DomainError> {
    let mut k = Clocks {
        today: on,
        out: Vec::new(),
        no_exceptions: &[],
    };
    appeal_window(&mut k, c, decision, on)?;
    Ok(k.out.pop().map(|d| d.due).unwrap_or(on))
}

fn appeal_window(
    k: &mut Clocks,
    c: &CaseState,
    decision: DisputeSubject,
    on: NaiveDate,
) -> Result<(), DomainError> {
    let about_this = |x: &NaiveDate, subject: DisputeSubject| {
        covers(decision, subject) && appealed_decision(c, subject, *x) == Some(on)
    };
    let cert = c
        .disputes
        .iter()
        .filter_map(|d| d.certificate_on.filter(|x| about_this(x, d.subject)))
        .max();
    let appealed = c
        .disputes
        .iter()
        .filter_map(|d| d.appeal_on.filter(|x| about_this(x, d.subject)))
        .min();
    let later = cert.map(|x| ("appeal_window_after_certificate", x));
    k.add("appeal_window", on, appealed, &[], None, later)
}

/// Every decision on the case that carries a right of appeal, with its kind (a plan
/// issued or amended is `PlanContents`).
fn appealable_decisions(c: &CaseState) -> Vec<(DisputeSubject, NaiveDate)> {
    let mut out = Vec::new();
    for r in &c.requests {
        let refused =
            r.decision == Some(AssessDecision::DoNotAssess) || r.ordered_decision_on.is_some();
        if refused && let Some(d) = r.decided_on {
            out.push((DisputeSubject::RefusalToAssess, d));
        }
        if let Some(d) = r.plan_not_issued_on {
            out.push((DisputeSubject::RefusalToIssue, d));
        }
        if let Some(d) = r.final_issued_on {
            out.push((DisputeSubject::PlanContents, d));
        }
    }
    for p in c.earlier_plans.iter().chain(&c.plan) {
        for &d in &p.amended_on {
            out.push((DisputeSubject::PlanContents, d));
        }
        if let Some(x) = &p.cessation {
            out.push((DisputeSubject::Cessation, x.on));
        }
    }
    out
}

fn request_clocks(k: &mut Clocks, r: &RequestState) -> Result<(), DomainError> {
    let id = Some(r.request.0);
    let ex = &r.exceptions;
    // A request brought in from another record may give steps without their dates: a
    // clock that cannot be judged is not shown, and nothing after such a step runs.
    let undated = r.undated();
    let withdrawn = r.withdrawn_on.is_some() || undated.withdrawn_by.is_some();
    if withdrawn && r.decided_on.is_none() {
        return Ok(());
    }
    if r.decided_on.is_none() && undated.decided_by.is_some() {
        if r.decision != Some(AssessDecision::Assess) || undated.concluded_by.is_some() {
            return Ok(());
        }
    } else {
        k.add(
            "decide_to_assess",
            r.received_on,
            r.decided_on,
            ex,
            id,
            None,
        )?;
    }
    if undated.concluded_by.is_some() || undated.withdrawn_by.is_some() {
        return Ok(());
    }
    match r.decision {
        // Undecided: the 20 weeks to a final plan are already running.
        None => return k.add("final_plan", r.received_on, None, ex, id, None),
        Some(AssessDecision::Assess) => {}
        Some(AssessDecision::DoNotAssess) => return Ok(()),
    }
    for a in &r.advice {
        k.add("advice", a.requested_on, a.received_on, ex, id, None)?;
        if let Some(d) = k.out.last_mut().filter(|d| d.key == "advice") {
            d.asked = Some(a.kind);
        }
    }
    // After a Tribunal order or a conceded appeal the order's clocks govern the rest.
    let ordered = r.ordered_decision_on.is_some();
    // One decision point: until the request reaches an outcome it is counted once, by
    // the final plan's 20 weeks; the 16 weeks to tell the family no plan will be issued
    // are judged only when that is the outcome it reaches.
    if !ordered && r.plan_not_issued_on.is_some() {
        k.add(
            "notify_no_plan",
            r.received_on,
            r.plan_not_issued_on,
            ex,
            id,
            None,
        )?;
    }
    if let Some(served) = r.draft_served_on {
        let answered = r.draft_response.as_ref().map(|x| x.on);
        k.add("draft_response", served, answered, ex, id, None)?;
    }
    for c in &r.consultations {
        k.add(
            "consultation_response",
            c.consulted_on,
            c.responded_on,
            ex,
            id,
            None,
        )?;
    }
    if !ordered && r.plan_not_issued_on.is_none() && r.withdrawn_on.is_none() {
        k.add("final_plan", r.received_on, r.final_issued_on, ex, id, None)?;
    }
    Ok(())
}

fn dispute_clocks(k: &mut Clocks, c: &CaseState) -> Result<(), DomainError> {
    for d in &c.disputes {
        if let (Some(chosen), Some(wants)) = (d.mediation_chosen_on, d.wants_mediation) {
            if wants {
                // Held, or ended by a certificate: whichever came first.
                let ended = [d.mediation_on, d.certificate_on]
                    .into_iter()
                    .flatten()
                    .min();
                k.simple("mediation_held", chosen, ended)?;
            } else {
                k.simple("mediation_certificate", chosen, d.certificate_on)?;
            }
        }
        let (Some(on), Some(outcome)) = (d.decided_on, d.outcome) else {
            continue;
        };
        let Some(order) = d.order else { continue };
        let conceded = outcome == AppealOutcome::Conceded;
        if !conceded && !matches!(outcome, AppealOutcome::Upheld | AppealOutcome::PartlyUpheld) {
            continue;
        }
        let amended = c
            .plan
            .as_ref()
            .and_then(|p| first_from(p.amended_on.iter().copied(), on));
        // The request the order is about: the newest received by the day of the order.
        let latest = c.requests.iter().rev().find(|r| r.received_on <= on);
        let since = |x: Option<NaiveDate>| x.filter(|x| *x >= on);
        match order {
            AppealOrder::Assess => {
                let notified = latest.and_then(|r| since(r.ordered_decision_on));
                if conceded {
                    k.simple("conceded_action", on, notified)?;
                } else {
                    k.simple("order_assess_notify", on, notified)?;
                }
                let no_plan = latest.and_then(|r| since(r.plan_not_issued_on));
                let final_plan = latest.and_then(|r| since(r.final_issued_on));
                let drafting = latest.and_then(|r| since(r.draft_served_on)).is_some();
                if no_plan.is_some() || (final_plan.is_none() && !drafting) {
                    k.simple("order_assess_no_plan", on, no_plan)?;
                }
                if no_plan.is_none() {
                    k.simple("order_assess_final_plan", on, final_plan)?;
                }
            }
            AppealOrder::MakePlan => {
                k.simple(
                    "order_make_plan_draft",
                    on,
                    latest.and_then(|r| since(r.draft_served_on)),
                )?;
                k.simple(
                    "order_make_plan_final",
                    on,
                    latest.and_then(|r| since(r.final_issued_on)),
                )?;
            }
            AppealOrder::AmendPlan if conceded => k.simple("conceded_action", on, amended)?,
            AppealOrder::AmendPlan => k.simple("order_amend_plan", on, amended)?,
            AppealOrder::NameSetting if conceded => {
                k.simple("conceded_name_setting", on, amended)?
            }
            AppealOrder::NameSetting => k.simple("order_name_setting", on, amended)?,
            AppealOrder::Review => {
                let held = first_from(
                    c.reviews
                        .iter()
                        .filter(|r| !r.planned)
                        .map(|r| r.meeting_on),
                    on,
                );
                k.simple("conceded_action", on, held)?;
            }
        }
    }
    // The family's time to appeal each decision: 2 months from the decision, or 1 month
    // from a mediation certificate about it, whichever is later.
    for (decision, on) in appealable_decisions(c) {
        appeal_window(k, c, decision, on)?;
    }
    Ok(())
}

/// One plan's reviews (those from its start until `until`, the next plan's start): each
/// within 12 months of the plan or the last review (for the first review after a transfer
/// in, or 3 months from the transfer if later); each report within 2 weeks and each
/// decision within 4 weeks of its meeting; invitations at least 2 weeks before the meeting
/// they gave. The review after the last is due only while the plan is in place.
fn review_clocks(
    k: &mut Clocks,
    c: &CaseState,
    plan: &crate::projection::PlanState,
    until: Option<NaiveDate>,
) -> Result<(), DomainError> {
    let mut reviews: Vec<_> = c
        .reviews
        .iter()
        .filter(|r| r.meeting_on >= plan.start && until.is_none_or(|u| r.meeting_on < u))
        .collect();
    reviews.sort_by_key(|r| r.meeting_on);
    // A plan brought in with its history: the next review is due 12 months from its last
    // review before then, not from the plan's start.
    let mut previous = plan
        .reviewed_before
        .filter(|r| *r > plan.start)
        .unwrap_or(plan.start);
    // The review cycle a transfer in falls in (from `previous` to the meeting that
    // ended it, if any) is the one that may run to 3 months after the transfer.
    let review_later_of = |previous: NaiveDate, meeting: Option<NaiveDate>| {
        c.transferred_in
            .as_ref()
            .filter(|t| t.on >= previous && meeting.is_none_or(|m| m >= t.on))
            .map(|t| ("transfer_in_review", t.on))
    };
    for r in &reviews {
        if let Some(date) = r.invited_for {
            k.simple("review_invitations", date, r.invitations_on)?;
        }
        if r.planned {
            continue;
        }
        k.add(
            "annual_review",
            previous,
            Some(r.meeting_on),
            &[],
            None,
            review_later_of(previous, Some(r.meeting_on)),
        )?;
        k.simple("review_report", r.meeting_on, r.report_on)?;
        k.simple("review_decision", r.meeting_on, r.decided_on)?;
        previous = r.meeting_on;
    }
    if until.is_none() && plan.ceased.is_none() && c.transferred_out.is_none() {
        k.add(
            "annual_review",
            previous,
            None,
            &[],
            None,
            review_later_of(previous, None),
        )?;
    }
    Ok(())
}

fn plan_clocks(k: &mut Clocks, c: &CaseState) -> Result<(), DomainError> {
    let Some(plan) = &c.plan else { return Ok(()) };
    if let Some(t) = &c.transferred_in {
        let answered = c.transfer_reassessment.as_ref().map(|x| x.on);
        k.simple("transfer_in_notify", t.on, answered)?;
    }
    for (i, p) in c.earlier_plans.iter().enumerate() {
        let next = c
            .earlier_plans
            .get(i + 1)
            .map(|n| n.start)
            .unwrap_or(plan.start);
        review_clocks(k, c, p, Some(next))?;
    }
    review_clocks(k, c, plan, None)?;
    let open = plan.ceased.is_none() && c.transferred_out.is_none();
    for x in &c.proposals {
        k.simple("amendments_response", x.proposed_on, None)?;
        if open || x.amended_on.is_some() {
            k.simple("amended_plan", x.proposed_on, x.amended_on)?;
            if let Some(meeting) = x.meeting_on {
                k.no_later_than("amended_plan_after_review", meeting)?;
            }
        }
    }
    for t in &c.phase_transfers {
        if !open && t.amended_on.is_none() {
            continue;
        }
        let key = match t.kind {
            PhaseTransferKind::BetweenSchools => "phase_transfer",
            PhaseTransferKind::SecondaryToPost16 => "phase_transfer_post16",
            PhaseTransferKind::Post16ToPost16 => "phase_transfer_post16_move",
        };
        k.simple(key, t.transfer_on, t.amended_on)?;
    }
    Ok(())
}

/// Every statutory deadline a case has had or has now, from its requests, plan, reviews,
/// transfers and disputes, with each one's state on `today`.
pub fn case_deadlines(c: &CaseState, today: NaiveDate) -> Result<Vec<Deadline>, DomainError> {
    let mut k = Clocks {
        today,
        out: Vec::new(),
        no_exceptions: &[],
    };
    for r in &c.requests {
        request_clocks(&mut k, r)?;
    }
    plan_clocks(&mut k, c)?;
    dispute_clocks(&mut k, c)?;
    Ok(k.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn due(key: &str, trigger: NaiveDate) -> NaiveDate {
        rule_in_force(key, trigger)
            .and_then(|r| r.period.due(trigger))
            .expect("due")
    }

    /// domain.md §3's worked examples, one by one.
    #[test]
    fn worked_examples() {
        // Request received Mon 6 Jan 2025: decision due Mon 17 Feb 2025; final plan due
        // Mon 26 May 2025, a bank holiday, unchanged.
        assert_eq!(due("decide_to_assess", d(2025, 1, 6)), d(2025, 2, 17));
        assert_eq!(due("final_plan", d(2025, 1, 6)), d(2025, 5, 26));
        assert!(!is_working_day(d(2025, 5, 26)));
        // Draft served 1 Apr 2025: the family's period is 1-15 April.
        assert_eq!(due("draft_response", d(2025, 4, 1)), d(2025, 4, 15));
        // Year 6 to secondary in September 2026: amended plan by Sat 14 Feb 2026.
        assert_eq!(due("phase_transfer", d(2026, 9, 1)), d(2026, 2, 14));
        assert_eq!(due("phase_transfer_post16", d(2026, 9, 1)), d(2026, 3, 30));
        // Mediation declined Tue 23 Dec 2025: certificate due Tue 30 Dec 2025.
        assert_eq!(
            due("mediation_certificate", d(2025, 12, 23)),
            d(2025, 12, 30)
        );
    }

    #[test]
    fn months_end_on_the_same_day_or_the_months_last() {
        assert_eq!(due("annual_review", d(2024, 2, 29)), d(2025, 2, 28));
        assert_eq!(due("annual_review", d(2025, 1, 31)), d(2026, 1, 31));
        assert_eq!(
            Period::Months { n: 1 }.due(d(2025, 1, 31)).expect("due"),
            d(2025, 2, 28)
        );
    }

    #[test]
    fn rules_need_a_book() {
        assert!(rule_in_force("final_plan", d(2014, 8, 31)).is_err());
        assert!(rule_in_force("final_plan", d(2014, 9, 1)).is_ok());
        assert!(rule_in_force("no_such_rule", d(2025, 1, 1)).is_err());
    }

    /// No date a record may hold leaves a clock without an answer: every rule of every
    /// book gives a due date for every trigger from 1990 to 2100.
    #[test]
    fn every_rule_gives_a_date_for_every_trigger_from_1990_to_2100() {
        let mut day = d(1990, 1, 1);
        let mut checked = 0u64;
        while day <= d(2100, 12, 31) {
            for book in RULE_BOOKS {
                for r in book.rules {
                    let due = r
                        .period
                        .due(day)
                        .unwrap_or_else(|e| panic!("{} from {day}: {e}", r.key));
                    assert!(
                        due.year() >= 1989 && due.year() <= 2102,
                        "{} from {day}: {due}",
                        r.key
                    );
                    checked += 1;
                }
            }
            day = day.succ_opt().expect("next day");
        }
        assert!(checked > 40_000, "{checked}");
        // Three working days from Tue 23 Dec 2025: Wed 24, (Christmas, Boxing Day, the
        // weekend), Mon 29, Tue 30.
        assert_eq!(
            Period::WorkingDays { n: 3 }
                .due(d(2025, 12, 23))
                .expect("due"),
            d(2025, 12, 30)
        );
        // A year no one has published yet is counted by the rules: Easter 2030 is 21 April.
        assert_eq!(
            Period::WorkingDays { n: 1 }
                .due(d(2030, 4, 18))
                .expect("due"),
            d(2030, 4, 23)
        );
    }

    /// A request through to a late decision, overdue advice and an overdue final plan:
    /// exceptions are flags where the law allows them and never change the days late.
    #[test]
    fn a_cases_deadlines() {
        let c: CaseState = serde_json::from_str(
            r#"{"requests":[{"request":1,"received_on":"2025-01-06","requested_by":"parent",
                "decision":"assess","decided_on":"2025-02-20",
                "advice":[{"kind":"health","requested_on":"2025-02-21"},
                          {"kind":"education","requested_on":"2025-02-21","received_on":"2025-03-20"}],
                "exceptions":["exceptional_personal_circumstances"],
                "draft_served_on":"2025-05-01"}]}"#,
        )
        .expect("case");
        let got: Vec<(&str, NaiveDate, Status, usize)> = case_deadlines(&c, d(2025, 6, 1))
            .expect("deadlines")
            .iter()
            .map(|x| (x.key, x.due, x.status, x.exceptions.len()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "decide_to_assess",
                    d(2025, 2, 17),
                    Status::MetLate { days: 3 },
                    1
                ),
                ("advice", d(2025, 4, 4), Status::Overdue { days: 58 }, 0),
                ("advice", d(2025, 4, 4), Status::MetOnTime, 0),
                ("draft_response", d(2025, 5, 15), Status::Closed, 0),
                ("final_plan", d(2025, 5, 26), Status::Overdue { days: 6 }, 1),
            ]
        );
        // A plan's reviews: each within 12 months of the last, each decision within 4
        // weeks of its meeting, and the next review due 12 months after the last.
        let reviewed: CaseState = serde_json::from_str(
            r#"{"plan":{"start":"2023-03-31","sections":{"a":"","b":"","c":"","d":"","e":"","f":"","g":"","h1":"","h2":"","i":"","j":"","k":""},
                "personal_budget":false,"last_review":"2025-05-02"},
                "reviews":[{"meeting_on":"2024-03-27","decision":"maintain","decided_on":"2024-04-01","report_on":"2024-04-10"},
                           {"meeting_on":"2025-05-02","decision":"maintain","decided_on":"2025-06-20"}]}"#,
        )
        .expect("case");
        let got: Vec<(&str, NaiveDate, Status)> = case_deadlines(&reviewed, d(2025, 7, 1))
            .expect("deadlines")
            .iter()
            .map(|x| (x.key, x.due, x.status))
            .collect();
        assert_eq!(
            got,
            vec![
                ("annual_review", d(2024, 3, 31), Status::MetOnTime),
                ("review_report", d(2024, 4, 10), Status::MetOnTime),
                ("review_decision", d(2024, 4, 24), Status::MetOnTime),
                (
                    "annual_review",
                    d(2025, 3, 27),
                    Status::MetLate { days: 36 }
                ),
                (
                    "review_report",
                    d(2025, 5, 16),
                    Status::Overdue { days: 46 }
                ),
                (
                    "review_decision",
                    d(2025, 5, 30),
                    Status::MetLate { days: 21 }
                ),
                (
                    "annual_review",
                    d(2026, 5, 2),
                    Status::Upcoming { days_left: 305 }
                ),
            ]
        );
        // A request from before the 2014 rules has no clock at all.
        let old: CaseState = serde_json::from_str(
            r#"{"requests":[{"request":1,"received_on":"2014-08-01","requested_by":"parent"}]}"#,
        )
        .expect("case");
        assert!(
            case_deadlines(&old, d(2025, 6, 1))
                .expect("deadlines")
                .is_empty()
        );
        let refused: CaseState = serde_json::from_str(
            r#"{"requests":[{"request":1,"received_on":"2025-01-06","requested_by":"school",
                "decision":"do_not_assess","decided_on":"2025-02-10"}]}"#,
        )
        .expect("case");
        let keys: Vec<&str> = case_deadlines(&refused, d(2025, 6, 1))
            .expect("deadlines")
            .iter()
            .map(|x| x.key)
            .collect();
        // Refused to assess: the decision's clock, and the family's time to appeal it.
        assert_eq!(keys, ["decide_to_assess", "appeal_window"]);
    }

    /// A plan brought in with its history: the next review is due 12 months after its
    /// last review before then, not years overdue from the plan's start.
    #[test]
    fn a_plan_brought_in_counts_its_next_review_from_its_last() {
        let brought_in: CaseState = serde_json::from_str(
            r#"{"plan":{"start":"2019-09-01","sections":{"a":"","b":"","c":"","d":"","e":"","f":"","g":"","h1":"","h2":"","i":"","j":"","k":""},
                "personal_budget":false,"last_review":"2024-10-01","reviewed_before":"2024-10-01",
                "source":"legacy case management system"}}"#,
        )
        .expect("case");
        let reviews: Vec<(NaiveDate, Status)> = case_deadlines(&brought_in, d(2025, 6, 1))
            .expect("deadlines")
            .into_iter()
            .filter(|x| x.key == "annual_review")
            .map(|x| (x.due, x.status))
            .collect();
        assert_eq!(reviews.len(), 1, "{reviews:?}");
        assert_eq!(reviews[0].0, d(2025, 10, 1));
        assert_eq!(reviews[0].1, Status::Upcoming { days_left: 122 });
    }

    #[test]
    fn statuses_count_days_late_and_left() {
        let due = d(2025, 2, 17);
        let duty = ClockKind::Duty;
        assert_eq!(
            status(duty, due, None, d(2025, 2, 10)),
            Status::Upcoming { days_left: 7 }
        );
        assert_eq!(
            status(duty, due, None, due),
            Status::Upcoming { days_left: 0 }
        );
        assert_eq!(
            status(duty, due, None, d(2025, 2, 20)),
            Status::Overdue { days: 3 }
        );
        assert_eq!(
            status(duty, due, Some(due), d(2025, 3, 1)),
            Status::MetOnTime
        );
        assert_eq!(
            status(duty, due, Some(d(2025, 2, 18)), d(2025, 3, 1)),
            Status::MetLate { days: 1 }
        );
        let w = ClockKind::Window;
        assert_eq!(
            status(w, due, None, d(2025, 2, 16)),
            Status::Open { days_left: 1 }
        );
        assert_eq!(status(w, due, None, d(2025, 2, 18)), Status::Closed);
    }
}
