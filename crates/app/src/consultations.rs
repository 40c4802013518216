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
