//! sendscope's domain: SEND types, the event catalogue, projections, the rules on which
//! steps may be recorded, and the hash chain. No IO: no database, no HTTP, no files.

pub mod access;
pub mod account;
pub mod benchmarks;
pub mod calendar;
pub mod chain;
pub mod clocks;
pub mod codes;
pub mod compliance;
pub mod costs;
pub mod event;
pub mod ids;
pub mod intake;
pub mod letters;
pub mod local_authorities;
pub mod measures;
pub mod programmes;
pub mod projection;
pub mod qa;
pub mod rules;
pub mod sen;
pub mod setup;
pub mod trajectories;

pub use calendar::Instant;
pub use event::{Actor, EventBody, NewEvent, PreparedEvent, RecordedEvent, StreamKind, StreamRef};
pub use projection::{Projection, Stage};

/// Every way the domain can say no. Each message says what is wrong and how to mend it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{what} {value:?} is not valid: {how}")]
    Invalid {
        what: &'static str,
        value: String,
        how: String,
    },
    #[error("this step cannot be recorded: {0}")]
    Refused(String),
    #[error("{0}")]
    Rule(String),
    #[error("could not encode a payload: {0}")]
    Encoding(String),
    #[error("stored {event_type} payload cannot be read: {detail}")]
    Decoding { event_type: String, detail: String },
}
