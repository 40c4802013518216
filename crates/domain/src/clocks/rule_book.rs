//! The rule book: every statutory time limit of domain.md §3 as data (`RULE_BOOKS`, each
//! book with the date it takes effect), how a period is counted (`Period`), and the
//! working days (`holidays`: England and Wales bank holidays skipped).

use crate::DomainError;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

pub use super::holidays::is_working_day;

/// How a rule's time limit is counted from its trigger (day 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Period {
    /// "Within N weeks": trigger + 7N days.
    Weeks { n: u32 },
    /// "Within N days": trigger + N days.
    Days { n: u32 },
    /// "At least N days beginning with" the trigger: the period's last day is
    /// trigger + N − 1; the next step may be taken from trigger + N.
    DaysBeginningWith { n: u32 },
    /// "Within N months": the same day N months on, or that month's last day.
    Months { n: u32 },
    /// "N working days": the Nth working day after the trigger.
    WorkingDays { n: u32 },
    /// "Before" a fixed day of the calendar year of the event counted from (a phase
    /// transfer): the day before it.
    Before { month: u32, day: u32 },
    /// "At least N weeks before" the event counted from (a review meeting).
    WeeksBefore { n: u32 },
    /// "At least N months before" the event counted from (a post-16 move).
    MonthsBefore { n: u32 },
}

impl Period {
    /// The last day on which the step is on time (or, for a period beginning with the
    /// trigger, the period's last day).
    pub fn due(&self, trigger: NaiveDate) -> Result<NaiveDate, DomainError> {
        let overflow =
            || DomainError::Refused(format!("a deadline from {trigger} is beyond the calendar"));
        match *self {
            Period::Weeks { n } => trigger
                .checked_add_days(Days::new(7 * u64::from(n)))
                .ok_or_else(overflow),
            Period::Days { n } => trigger
                .checked_add_days(Days::new(u64::from(n)))
                .ok_or_else(overflow),
            Period::DaysBeginningWith { n } => trigger
                .checked_add_days(Days::new(u64::from(n.max(1)) - 1))
                .ok_or_else(overflow),
            // chrono clamps to the month's last day where the day does not exist.
            Period::Months { n } => trigger
                .checked_add_months(Months::new(n))
                .ok_or_else(overflow),
            Period::WorkingDays { n } => {
                let mut d = trigger;
                let mut counted = 0;
                while counted < n {
                    d = d.succ_opt().ok_or_else(overflow)?;
                    if is_working_day(d) {
                        counted += 1;
                    }
                }
                Ok(d)
            }
            Period::Before { month, day } => NaiveDate::from_ymd_opt(trigger.year(), month, day)
                .and_then(|d| d.pred_opt())
                .ok_or_else(overflow),
            Period::WeeksBefore { n } => trigger
                .checked_sub_days(Days::new(7 * u64::from(n)))
                .ok_or_else(overflow),
            // Where the day does not exist chrono takes the month's last day, which is
            // still at least N months before.
            Period::MonthsBefore { n } => trigger
                .checked_sub_months(Months::new(n))
                .ok_or_else(overflow),
        }
    }

    /// True for periods counted back from the event they must precede: their due date
    /// is before the day they count from.
    pub fn counts_back(&self) -> bool {
        matches!(
            self,
            Period::Before { .. } | Period::WeeksBefore { .. } | Period::MonthsBefore { .. }
        )
    }
}

/// Whether a deadline binds the council (a duty) or marks a period the family or a
/// setting has (a window, which closes rather than goes late).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Duty,
    Window,
}

/// One statutory time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockRule {
    pub key: &'static str,
    /// What must happen, in plain English.
    pub step: &'static str,
    pub period: Period,
    pub kind: ClockKind,
    pub source: &'static str,
    /// Whether the exceptions of Reg 5(4), 10(4) and 13(3) can be recorded against it.
    pub exceptions_apply: bool,
}

/// The rules in force from a date.
#[derive(Debug, Clone, Copy)]
pub struct RuleBook {
    pub effective_from: NaiveDate,
    pub title: &'static str,
    pub rules: &'static [ClockRule],
}

const fn rule(
    key: &'static str,
    step: &'static str,
    period: Period,
    kind: ClockKind,
    source: &'static str,
    exceptions_apply: bool,
) -> ClockRule {
    ClockRule {
        key,
        step,
        period,
        kind,
        source,
        exceptions_apply,
    }
}

use ClockKind::{Duty, Window};

/// SEND Regulations 2014 and the SEND Code of Practice, in force from 1 September 2014.
const SEND_REGS_2014: &[ClockRule] = &[
    rule(
        "decide_to_assess",
        "Decide whether to carry out an EHC needs assessment",
        Period::Weeks { n: 6 },
        Duty,
        "SEND Regs 2014 reg 5",
        true,
    ),
    rule(
        "advice",
        "Education, health or social care advice received",
        Period::Weeks { n: 6 },
        Duty,
        "SEND Regs 2014 reg 8",
        false,
    ),
    rule(
        "notify_no_plan",
        "Tell the family no EHC plan will be issued",
        Period::Weeks { n: 16 },
        Duty,
        "SEND Regs 2014 reg 10",
        true,
    ),
    rule(
        "draft_response",
        "Family's time to respond to the draft plan and ask for a setting",
        Period::DaysBeginningWith { n: 15 },
        Window,
        "SEND Regs 2014 reg 13(1)",
        false,
    ),
    rule(
        "consultation_response",
        "Setting responds to consultation on being named",
        Period::Days { n: 15 },
        Duty,
        "SEND Code of Practice 9.79",
        false,
    ),
    rule(
        "final_plan",
        "Issue the final EHC plan",
        Period::Weeks { n: 20 },
        Duty,
        "SEND Regs 2014 reg 13(2)",
        true,
    ),
    rule(
        "annual_review",
        "Review the EHC plan",
        Period::Months { n: 12 },
        Duty,
        "Children and Families Act 2014 s.44",
        false,
    ),
    rule(
        "review_invitations",
        "Invite everyone to the review meeting and circulate the advice",
        Period::WeeksBefore { n: 2 },
        Duty,
        "SEND Regs 2014 reg 20",
        false,
    ),
    rule(
        "review_report",
        "Send the review report after the meeting",
        Period::Weeks { n: 2 },
        Duty,
        "SEND Regs 2014 reg 20",
        false,
    ),
    rule(
        "review_decision",
        "Decide after the review: maintain, amend or cease",
        Period::Weeks { n: 4 },
        Duty,
        "SEND Regs 2014 reg 20; R (L) v Devon CC [2022]",
        false,
    ),
    rule(
        "amendments_response",
        "Family's time to respond to the proposed amendments",
        Period::DaysBeginningWith { n: 15 },
        Window,
        "SEND Regs 2014 reg 22",
        false,
    ),
    rule(
        "amended_plan",
        "Issue the final amended plan",
        Period::Weeks { n: 8 },
        Duty,
        "SEND Regs 2014 reg 22",
        false,
    ),
    rule(
        "amended_plan_after_review",
        "Issue the final amended plan, after a review, within 12 weeks of the meeting",
        Period::Weeks { n: 12 },
        Duty,
        "SEND Regs 2014 reg 22",
        false,
    ),
    rule(
        "phase_transfer",
        "Review and amend the plan naming the new school",
        Period::Before { month: 2, day: 15 },
        Duty,
        "SEND Regs 2014 reg 18",
        false,
    ),
    rule(
        "phase_transfer_post16",
        "Review and amend the plan naming the post-16 setting",
        Period::Before { month: 3, day: 31 },
        Duty,
        "SEND Regs 2014 reg 18",
        false,
    ),
    rule(
        "phase_transfer_post16_move",
        "Review and amend the plan naming the next post-16 setting",
        Period::MonthsBefore { n: 5 },
        Duty,
        "SEND Regs 2014 reg 18",
        false,
    ),
    rule(
        "transfer_in_notify",
        "Tell the family whether the plan transferred in will be reassessed",
        Period::Weeks { n: 6 },
        Duty,
        "SEND Regs 2014 reg 15",
        false,
    ),
    rule(
        "transfer_in_review",
        "Review a plan transferred in (12 months from the plan or last review, or 3 months from the transfer, whichever is later)",
        Period::Months { n: 3 },
        Duty,
        "SEND Regs 2014 reg 15",
        false,
    ),
    rule(
        "appeal_window",
        "Family's time to appeal to the SEND Tribunal",
        Period::Months { n: 2 },
        Window,
        "Tribunal Procedure (HESC) Rules 2008 r.20",
        false,
    ),
    rule(
        "appeal_window_after_certificate",
        "Family's time to appeal after a mediation certificate",
        Period::Months { n: 1 },
        Window,
        "Tribunal Procedure (HESC) Rules 2008 r.20",
        false,
    ),
    rule(
        "mediation_certificate",
        "Issue the mediation certificate after mediation is declined",
        Period::WorkingDays { n: 3 },
        Duty,
        "SEND Regs 2014 Part 6",
        false,
    ),
    rule(
        "mediation_held",
        "Hold the mediation (or issue a certificate)",
        Period::Days { n: 30 },
        Duty,
        "SEND Regs 2014 Part 6",
        false,
    ),
    rule(
        "order_assess_notify",
        "Tell the family the assessment ordered by the Tribunal will be made",
        Period::Weeks { n: 2 },
        Duty,
        "SEND Regs 2014 reg 44",
        false,
    ),
    rule(
        "order_assess_no_plan",
        "Tell the family no plan will be issued after the ordered assessment",
        Period::Weeks { n: 10 },
        Duty,
        "SEND Regs 2014 reg 44",
        false,
    ),
    rule(
        "order_assess_final_plan",
        "Issue the final plan after the ordered assessment",
        Period::Weeks { n: 14 },
        Duty,
        "SEND Regs 2014 reg 44",
        false,
    ),
    rule(
        "order_make_plan_draft",
        "Issue the draft plan the Tribunal ordered",
        Period::Weeks { n: 5 },
        Duty,
        "SEND Regs 2014 reg 44",
        false,
    ),
    rule(
        "order_make_plan_final",
        "Issue the final plan the Tribunal ordered",
        Period::Weeks { n: 11 },
        Duty,
        "SEND Regs 2014 reg 44",
        false,
    ),
    rule(
        "order_amend_plan",
        "Issue the amended plan the Tribunal ordered",
        Period::Weeks { n: 5 },
        Duty,
        "SEND Regs 2014 reg 44",
        false,
    ),
    rule(
        "order_name_setting",
        "Issue the plan naming the setting the Tribunal ordered",
        Period::Weeks { n: 2 },
        Duty,
        "SEND Regs 2014 reg 44",
        false,
    ),
    rule(
        "conceded_action",
        "Do what the conceded appeal asked: assess, review or amend the plan",
        Period::Weeks { n: 4 },
        Duty,
        "SEND Regs 2014 reg 45",
        false,
    ),
    rule(
        "conceded_name_setting",
        "Name the setting the conceded appeal asked for",
        Period::Weeks { n: 2 },
        Duty,
        "SEND Regs 2014 reg 45",
        false,
    ),
];

/// Every rule book, oldest first. A new book (amended regulations) is added here with
/// the date it takes effect; clocks triggered before that date keep the old rules.
pub const RULE_BOOKS: &[RuleBook] = &[RuleBook {
    effective_from: match NaiveDate::from_ymd_opt(2014, 9, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    },
    title: "Children and Families Act 2014, SEND Regulations 2014, SEND Code of Practice",
    rules: SEND_REGS_2014,
}];

/// The rule book in force on a date.
pub fn book_in_force(on: NaiveDate) -> Option<&'static RuleBook> {
    RULE_BOOKS.iter().rev().find(|b| b.effective_from <= on)
}

/// The rule `key` in force on `trigger`.
pub fn rule_in_force(key: &str, trigger: NaiveDate) -> Result<&'static ClockRule, DomainError> {
    let book = book_in_force(trigger).ok_or_else(|| {
        DomainError::Refused(format!(
            "no statutory time limits are recorded for {trigger}; sendscope's rules start on {}",
            RULE_BOOKS
                .first()
                .map(|b| b.effective_from.to_string())
                .unwrap_or_default()
        ))
    })?;
    book.rules
        .iter()
        .find(|r| r.key == key)
        .ok_or_else(|| DomainError::Refused(format!("no time limit {key:?} in {}", book.title)))
}
