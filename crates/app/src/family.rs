//! What families and young people do themselves: respond to a draft plan within the 15
//! days it gives them (their views, the school or setting they ask to be named, and a
//! document of their views if they wish). Recorded as the family's response, by them.

use crate::documents::{Upload, document_event};
use crate::steps::StepError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::{DraftResponse, EventBody, SettingRef};
use sendscope_domain::ids::{CaseId, RequestId, SettingId};
use sendscope_domain::projection::CaseState;
use sendscope_store::Store;

/// A draft plan waiting for the family's response: its request, the day it was served
/// and the last day of the family's 15 days (reg 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftWaiting {
    pub request: RequestId,
    pub served_on: chrono::NaiveDate,
    pub respond_by: chrono::NaiveDate,
    /// Whether a response is already recorded.
    pub responded: bool,
}

/// The draft plan that waits for the family, if one does (served, not yet final).
pub fn draft_waiting(c: &CaseState) -> Option<DraftWaiting> {
    let r = c.requests.iter().rev().find(|r| {
        r.draft_served_on.is_some() && r.final_issued_on.is_none() && r.plan_not_issued_on.is_none()
    })?;
    let served_on = r.draft_served_on?;
    let respond_by = sendscope_domain::clocks::rule_in_force("draft_response", served_on)
        .ok()?
        .period
        .due(served_on)
        .ok()?;
    Some(DraftWaiting {
        request: r.request,
        served_on,
        respond_by,
        responded: r.draft_response.is_some(),
    })
}

/// The family's response as given.
pub struct Response {
    pub comments: String,
    pub requested_setting: Option<SettingId>,
    pub views: Option<Upload>,
}

/// Records the family's response to the draft plan waiting for it.
pub fn respond_to_draft(
    store: &dyn Store,
    username: &str,
    who: &Principal,
    case: CaseId,
    response: Response,
) -> Result<(), StepError> {
    let p = crate::documents::visible_case(store, who, case)?;
    let today = england_today();
    let allowed = authorise(
        who,
        Action::RespondToDraft,
        Resource::Case {
            projection: &p,
            today,
        },
    )
    .allowed();
    if !allowed {
        return Err(StepError::Forbidden);
    }
    let Some(waiting) = p.case().and_then(draft_waiting) else {
        return Err(StepError::Refused(
            "there is no draft plan waiting for a response".into(),
        ));
    };
    let comments = response.comments.trim().to_string();
    if comments.is_empty() && response.requested_setting.is_none() && response.views.is_none() {
        return Err(StepError::Invalid(
            "Write your views on the draft, choose the school or setting you ask for, or attach a document: at least one".into(),
        ));
    }
    let mut events = Vec::new();
    if let Some(views) = &response.views {
        events.push(document_event(&p, username, views)?.0);
    }
    events.push(crate::documents::step_today(
        &p,
        username,
        EventBody::DraftResponseReceived(DraftResponse {
            request: waiting.request,
            on: today,
            requested_setting: response.requested_setting.map(SettingRef::Setting),
            comments,
        }),
    )?);
    crate::documents::write_with(store, response.views.as_ref(), &events)
}
