//! Stable internal identities (UUIDs) for every stream and the people in them.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new_random() -> Self {
                $name(Uuid::new_v4())
            }
            /// A version-4-shaped UUID from 128 caller-supplied random bits (used by the
            /// deterministic demo generator).
            pub fn from_random_bits(bits: u128) -> Self {
                $name(uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid())
            }
            pub fn parse(s: &str) -> Result<Self, crate::DomainError> {
                Uuid::parse_str(s.trim()).map($name).map_err(|_| crate::DomainError::Invalid {
                    what: stringify!($name),
                    value: s.to_string(),
                    how: "an identifier is a UUID such as 6f1c0c8e-2b1a-4c63-9d0e-3b7f4a1e2d55".into(),
                })
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A local area (one council and its partners). Every stream belongs to exactly one.
    AreaId
);
id_type!(
    /// A child's or young person's EHC case: the whole journey from first request.
    CaseId
);
id_type!(
    /// An education setting; stays the same when its URN changes (academy conversion).
    SettingId
);
id_type!(
    /// A provision within or beside a setting (SEN unit, resourced provision, special places...).
    ProvisionId
);
id_type!(
    /// An organisation: council, ICB, health service or school.
    OrganisationId
);
id_type!(
    /// A team inside an organisation.
    TeamId
);
id_type!(
    /// A member of staff (caseworker, manager, health professional...).
    StaffId
);
id_type!(
    /// A person around a child (parent, carer); shared across siblings' cases.
    PersonId
);
id_type!(
    /// A user account (a person who signs in).
    AccountId
);

/// One request for an EHC needs assessment, numbered within its case (1, 2, ...): a
/// request never exists outside its case, so a short number is identity enough.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct RequestId(pub u32);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
