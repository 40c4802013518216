//! People as a person reads them: who did each thing on a record, by name, never by the
//! actor string the event log stores.

use sendscope_domain::StreamRef;
use sendscope_domain::projection::StreamState;
use sendscope_store::Store;
use std::collections::HashMap;

/// Who did each thing on a record, as a person reads it: a member of staff by their name,
/// another account by its username, the service's own work as "sendscope", and records
/// brought in as the council's earlier records; never the stored actor string.
pub fn actors_as_people<'a>(
    store: &dyn Store,
    actors: impl IntoIterator<Item = &'a str>,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for actor in actors {
        if out.contains_key(actor) {
            continue;
        }
        let name = match actor.split_once(':') {
            Some(("user", username)) => {
                staff_name_of(store, username).unwrap_or_else(|| username.to_string())
            }
            Some(("import", _)) => "the council's earlier records".to_string(),
            _ => "sendscope".to_string(),
        };
        out.insert(actor.to_string(), name);
    }
    out
}

/// The name of the member of staff an account is for, if it is for one.
fn staff_name_of(store: &dyn Store, username: &str) -> Option<String> {
    let name = sendscope_domain::account::Username::parse(username).ok()?;
    let creds = store.credentials(&name).ok()??;
    let account = store.projection(StreamRef::account(creds.account)).ok()??;
    let StreamState::Account(a) = account.state else {
        return None;
    };
    let staff = a.created?.links.staff?;
    match store.projection(StreamRef::staff(staff)).ok()??.state {
        StreamState::Staff(s) => s.added.map(|x| x.name),
        _ => None,
    }
}
