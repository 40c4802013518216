//! The complaints register: every complaint about the area's SEND service on the records
//! of the children it concerns, with the day its response is due by the council's
//! complaints policy (area data, in working days), open ones first, and each response as
//! it was sent. A complaint still open goes on the caseworker's queue as its day nears.

use crate::steps::StepError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::{ComplaintsPolicy, EventBody, NewEvent};
use sendscope_domain::ids::AreaId;
use sendscope_domain::{Actor, StreamKind, StreamRef};
use sendscope_store::{Store, StoreError};

/// One complaint on the register.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ComplaintItem {
    pub case: String,
    pub child: String,
    pub reference: String,
    pub received_on: chrono::NaiveDate,
    pub about: String,
    pub respond_by: chrono::NaiveDate,
    pub responded_on: Option<chrono::NaiveDate>,
    pub upheld: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub response: String,
    /// "due", "overdue", "on_time" or "late".
    pub state: &'static str,
    /// Days left (due), or days late (overdue, late).
    pub days: i64,
}

/// The complaints policy the area has in force on a day (the standard one until it
/// adopts its own).
pub fn policy_on(
    store: &dyn Store,
    area: AreaId,
    on: chrono::NaiveDate,
) -> Result<ComplaintsPolicy, StepError> {
    let record = store
        .projection(StreamRef::area(area))
        .map_err(|e| StepError::Internal(e.to_string()))?;
    Ok(record
        .as_ref()
        .and_then(|p| match &p.state {
            sendscope_domain::projection::StreamState::Area(a) => Some(a.complaints_policy_on(on)),
            _ => None,
        })
        .unwrap_or_else(ComplaintsPolicy::standard))
}

/// Adopts a complaints policy for the area from its day.
pub fn adopt_policy(
    store: &dyn Store,
    area: AreaId,
    policy: ComplaintsPolicy,
    actor: &str,
) -> Result<(), StepError> {
    policy.check().map_err(StepError::Invalid)?;
    let event = NewEvent {
        stream: StreamRef::area(area),
        area,
        body: EventBody::ComplaintsPolicyAdopted(policy),
        actor: Actor::parse(actor).map_err(|e| StepError::Internal(e.to_string()))?,
        effective_date: policy.from,
        reason: None,
        recorded_at: None,
    };
    crate::documents::write_with(store, None, &[event])
}

/// Every complaint on the records `who` may record casework on (a caseworker's and a
/// team manager's, as their casework access allows): open ones first, soonest due, then
/// answered, newest first. `open_only` leaves out those answered.
pub fn register(
    store: &dyn Store,
    who: &Principal,
    open_only: bool,
) -> Result<Vec<ComplaintItem>, StoreError> {
    let today = england_today();
    let mut out = Vec::new();
    for p in store.area_projections(who.area, StreamKind::Case)? {
        let Some(c) = p.case() else { continue };
        if c.complaints.is_empty() || !may_handle(who, &p) {
            continue;
        }
        let child = crate::documents::child_name(c);
        for k in &c.complaints {
            if open_only && k.responded_on.is_some() {
                continue;
            }
            let (state, days) = match k.responded_on {
                Some(done) if done <= k.respond_by => ("on_time", 0),
                Some(done) => ("late", (done - k.respond_by).num_days()),
                None if today > k.respond_by => ("overdue", (today - k.respond_by).num_days()),
                None => ("due", (k.respond_by - today).num_days()),
            };
            out.push(ComplaintItem {
                case: p.stream.id.to_string(),
                child: child.clone(),
                reference: k.reference.clone(),
                received_on: k.received_on,
                about: k.about.clone(),
                respond_by: k.respond_by,
                responded_on: k.responded_on,
                upheld: k.upheld,
                response: k.response.clone(),
                state,
                days,
            });
        }
    }
    crate::documents::awaited_first(&mut out, |x| x.respond_by, |x| x.responded_on);
    Ok(out)
}

/// Whether `who` handles complaints on this record: whoever records its casework.
pub fn may_handle(who: &Principal, p: &sendscope_domain::Projection) -> bool {
    crate::access::may_see(who, p)
        && authorise(
            who,
            Action::Change,
            Resource::Case {
                projection: p,
                today: england_today(),
            },
        )
        .allowed()
}
