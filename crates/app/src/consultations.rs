//! Consultations on naming a school or setting, as the setting sees them: what it is
//! asked, due 15 days from the day it was consulted (Code of Practice 9.79), and its
//! answer (it can or cannot meet the child's needs, why, and what it would cost), which
//! records the consultation response and stops the clock.

use crate::steps::StepError;
use sendscope_domain::StreamKind;
use sendscope_domain::access::{Action, Principal, Resource, Role, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::{ConsultationResponse, EventBody};
use sendscope_domain::ids::CaseId;
use sendscope_store::{Store, StoreError};

/// One consultation of the user's setting.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsultationItem {
    pub case: String,
    pub child: String,
    pub consulted_on: chrono::NaiveDate,
    pub due: chrono::NaiveDate,
    pub responded_on: Option<chrono::NaiveDate>,
    pub can_meet_needs: Option<bool>,
}

/// The consultations of a school's own setting, awaited first (soonest due), then
/// answered (newest first). Empty for a user with no setting.
pub fn of_my_setting(
    store: &dyn Store,
    who: &Principal,
) -> Result<Vec<ConsultationItem>, StoreError> {
    let (Role::School, Some(setting)) = (who.role, who.setting) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for p in store.area_projections(who.area, StreamKind::Case)? {
        let Some(c) = p.case() else { continue };
        if !crate::access::may_see(who, &p) {
            continue;
        }
        let child = crate::documents::child_name(c);
        for k in c
            .requests
            .iter()
            .flat_map(|r| &r.consultations)
            .filter(|k| k.setting == setting)
        {
            let due =
                sendscope_domain::clocks::rule_in_force("consultation_response", k.consulted_on)?
                    .period
                    .due(k.consulted_on)?;
            out.push(ConsultationItem {
                case: p.stream.id.to_string(),
                child: child.clone(),
                consulted_on: k.consulted_on,
                due,
                responded_on: k.responded_on,
                can_meet_needs: k.can_meet_needs,
            });
        }
    }
    crate::documents::awaited_first(&mut out, |x| x.due, |x| x.responded_on);
    Ok(out)
}

/// The setting's answer.
pub struct Answer {
    pub can_meet_needs: bool,
    pub reasons: String,
    pub annual_cost_pence: Option<u64>,
}

/// Records a school's answer to the consultation of its own setting on a record.
pub fn answer(
    store: &dyn Store,
    username: &str,
    who: &Principal,
    case: CaseId,
    answer: Answer,
) -> Result<(), StepError> {
    let p = crate::documents::visible_case(store, who, case)?;
    let Some(setting) = who.setting else {
        return Err(StepError::Forbidden);
    };
    let today = england_today();
    let resource = Resource::Case {
        projection: &p,
        today,
    };
    if !authorise(who, Action::AnswerConsultation, resource).allowed() {
        return Err(StepError::Forbidden);
    }
    let event = crate::documents::step_today(
        &p,
        username,
        EventBody::ConsultationResponse(ConsultationResponse {
            setting,
            on: today,
            can_meet_needs: answer.can_meet_needs,
            reasons: answer.reasons.trim().to_string(),
            annual_cost_pence: answer.annual_cost_pence,
        }),
    )?;
    crate::documents::write_with(store, None, &[event])
}

/// One pupil of the school with an EHC plan: their next annual review, the meeting if it
/// is arranged, and the review paperwork the school has sent for it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PupilReview {
    pub case: String,
    pub child: String,
    /// The day the next review is due by (12 months from the last).
    pub review_due: Option<chrono::NaiveDate>,
    /// The meeting's date, once invitations have gone out for it.
    pub meeting_on: Option<chrono::NaiveDate>,
    /// Paperwork goes out at least two weeks before the meeting (reg 20).
    pub paperwork_by: Option<chrono::NaiveDate>,
    /// Review paperwork on the record since the last meeting: (title, day added).
    pub paperwork: Vec<(String, chrono::NaiveDate)>,
}

/// The school's pupils with a plan, soonest review first: for the school to prepare each
/// annual review and send its paperwork before the meeting. Empty for a user with no
/// setting.
pub fn reviews_of_my_pupils(
    store: &dyn Store,
    who: &Principal,
) -> Result<Vec<PupilReview>, StoreError> {
    let (Role::School, Some(setting)) = (who.role, who.setting) else {
        return Ok(Vec::new());
    };
    let today = england_today();
    let mut out = Vec::new();
    for p in store.area_projections(who.area, StreamKind::Case)? {
        let Some(c) = p.case() else { continue };
        let placed = c
            .current_placement()
            .is_some_and(|pl| pl.setting == sendscope_domain::event::SettingRef::Setting(setting));
        let Some(plan) = c.plan.as_ref().filter(|pl| pl.ceased.is_none()) else {
            continue;
        };
        if !placed || !crate::access::may_see(who, &p) {
            continue;
        }
        let review_due = sendscope_domain::clocks::case_deadlines(c, today)?
            .into_iter()
            .filter(|d| d.key == "annual_review" && d.done.is_none())
            .map(|d| d.due)
            .min();
        let last_held = c
            .reviews
            .iter()
            .filter(|r| !r.planned)
            .map(|r| r.meeting_on)
            .max()
            .unwrap_or(plan.start);
        let meeting_on = c
            .reviews
            .iter()
            .filter(|r| r.planned)
            .filter_map(|r| r.invited_for.or(Some(r.meeting_on)))
            .max();
        let paperwork = c
            .documents
            .iter()
            .filter(|d| {
                d.document.kind == sendscope_domain::documents::DocumentKind::Review
                    && d.document.on >= last_held
            })
            .map(|d| (d.document.title.clone(), d.document.on))
            .collect();
        out.push(PupilReview {
            case: p.stream.id.to_string(),
            child: crate::documents::child_name(c),
            review_due,
            meeting_on,
            paperwork_by: meeting_on.map(|m| m - chrono::Days::new(14)),
            paperwork,
        });
    }
    out.sort_by_key(|x| {
        let next = x.meeting_on.or(x.review_due);
        (next.unwrap_or(chrono::NaiveDate::MAX), x.child.clone())
    });
    Ok(out)
}
