//! Advice for an assessment, as the services asked see it: what is asked of them, due
//! six weeks from the request (reg 8), on time or late; and their advice given in
//! sendscope, in their words and with their report, which records the advice received
//! and stops its clock. A health professional sees and gives health advice for the
//! children whose records they may see (every child with health advice asked of the
//! area's health services: the designated clinical officer's view); staff who record
//! casework see their team's, of every service.

use crate::documents::{Upload, document_event};
use crate::steps::StepError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::{AdviceStep, EventBody};
use sendscope_domain::ids::{CaseId, RequestId};
use sendscope_domain::sen::AdviceKind;
use sendscope_domain::{Projection, StreamKind};
use sendscope_store::{Store, StoreError};

/// One piece of advice asked for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdviceItem {
    pub case: String,
    pub child: String,
    pub request: u32,
    pub service: AdviceKind,
    pub requested_on: chrono::NaiveDate,
    pub due: chrono::NaiveDate,
    pub received_on: Option<chrono::NaiveDate>,
    /// "due", "overdue", "on_time" or "late".
    pub state: &'static str,
    /// Days left (due), or days late (overdue, late).
    pub days: i64,
}

const ALL: [AdviceKind; 4] = [
    AdviceKind::Education,
    AdviceKind::EducationalPsychology,
    AdviceKind::Health,
    AdviceKind::SocialCare,
];

/// The services whose advice `who` may give on this record.
pub fn services_for(who: &Principal, p: &Projection) -> Vec<AdviceKind> {
    let today = england_today();
    ALL.into_iter()
        .filter(|k| {
            authorise(
                who,
                Action::GiveAdvice(*k),
                Resource::Case {
                    projection: p,
                    today,
                },
            )
            .allowed()
        })
        .collect()
}

/// Every piece of advice asked, in the area, of a service whose advice `who` may give, on
/// records they may see: open ones first by due date, then those received, newest first.
pub fn asked_of(store: &dyn Store, who: &Principal) -> Result<Vec<AdviceItem>, StoreError> {
    let today = england_today();
    let mut out = Vec::new();
    for p in store.area_projections(who.area, StreamKind::Case)? {
        let Some(c) = p.case() else { continue };
        if !crate::access::may_see(who, &p) {
            continue;
        }
        let services = services_for(who, &p);
        if services.is_empty() {
            continue;
        }
        let child = crate::documents::child_name(c);
        for d in sendscope_domain::clocks::case_deadlines(c, today)? {
            let (Some(kind), Some(request)) = (d.asked, d.request) else {
                continue;
            };
            if d.key != "advice" || !services.contains(&kind) {
                continue;
            }
            let (state, days) = match (d.done, d.due) {
                (Some(done), due) if done <= due => ("on_time", 0),
                (Some(done), due) => ("late", (done - due).num_days()),
                (None, due) if today > due => ("overdue", (today - due).num_days()),
                (None, due) => ("due", (due - today).num_days()),
            };
            out.push(AdviceItem {
                case: p.stream.id.to_string(),
                child: child.clone(),
                request,
                service: kind,
                requested_on: d.trigger,
                due: d.due,
                received_on: d.done,
                state,
                days,
            });
        }
    }
    crate::documents::awaited_first(&mut out, |x| x.due, |x| x.received_on);
    Ok(out)
}

/// Advice as given: the service's words, its report, or both.
pub struct Given {
    pub request: u32,
    pub service: AdviceKind,
    pub advice: String,
    pub report: Option<Upload>,
}

/// Records advice given by `who` on a record: the advice received (its clock stops), and
/// the report with it as a document, in one transaction.
pub fn give(
    store: &dyn Store,
    username: &str,
    who: &Principal,
    case: CaseId,
    given: Given,
) -> Result<(), StepError> {
    let p = crate::documents::visible_case(store, who, case)?;
    if !services_for(who, &p).contains(&given.service) {
        return Err(StepError::Forbidden);
    }
    let advice = given.advice.trim().to_string();
    if advice.is_empty() && given.report.is_none() {
        return Err(StepError::Invalid(
            "Write the advice, or attach the report, or both".into(),
        ));
    }
    let mut events = Vec::new();
    let mut document = None;
    if let Some(report) = &given.report {
        let (event, added) = document_event(&p, username, report)?;
        document = Some(added.sha256);
        events.push(event);
    }
    let today = england_today();
    events.push(crate::documents::step_today(
        &p,
        username,
        EventBody::AdviceReceived(AdviceStep {
            request: RequestId(given.request),
            kind: given.service,
            on: today,
            advice: (!advice.is_empty()).then_some(advice),
            document,
        }),
    )?);
    crate::documents::write_with(store, given.report.as_ref(), &events)
}
