//! Who is asking, and whether they may see a child's record: an account turned into the
//! `Principal` that `domain::access::authorise` judges (sessions and API tokens alike).

use sendscope_domain::StreamRef;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::account::Username;
use sendscope_domain::calendar::england_today;
use sendscope_domain::projection::{Projection, StreamState};
use sendscope_store::Store;

pub fn may_see(who: &Principal, p: &Projection) -> bool {
    authorise(
        who,
        Action::View,
        Resource::Case {
            projection: p,
            today: england_today(),
        },
    )
    .allowed()
}

/// What an enabled account may see, from its role and links; `None` if the account is
/// unknown or disabled. Sessions and API tokens both come through here.
pub fn principal_of(store: &dyn Store, username: &Username) -> Option<Principal> {
    let creds = store.credentials(username).ok()??;
    let account = store.projection(StreamRef::account(creds.account)).ok()??;
    let StreamState::Account(state) = &account.state else {
        return None;
    };
    let created = state.created.as_ref()?;
    if state.disabled_on.is_some() {
        return None;
    }
    let l = &created.links;
    Some(Principal {
        role: created.role,
        area: creds.area,
        staff: l.staff,
        team: l.team,
        setting: l.setting,
        person: l.person,
        case: l.case,
    })
}
