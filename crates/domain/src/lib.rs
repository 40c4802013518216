//! sendscope's domain: SEND types, the event catalogue, projections, the rules on which
//! steps may be recorded, and the hash chain. No IO: no database, no HTTP, no files.

pub mod access;
pub mod account;
pub mod benchmarks;
pub mod calendar;
pub mod capital;
pub mod chain;
pub mod clocks;
pub mod codes;
pub mod compliance;
pub mod costs;
pub mod documents;
pub mod education;
pub mod event;
pub mod holidays;
pub mod ids;
pub mod intake;
pub mod letters;
pub mod local_authorities;
pub mod measures;
pub mod partnership;
pub mod plan_document;
pub mod programmes;
pub mod projection;
pub mod qa;
pub mod rules;
pub mod sen;
pub mod setup;
pub mod sso;
pub mod totp;
pub mod trajectories;
pub mod waits;

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

/// A cell of a CSV file as a spreadsheet will read it: text a spreadsheet would take for
/// a formula (beginning `=`, `+`, `-`, `@`, a tab or a carriage return) is written after
/// an apostrophe, so it stays text; NUL characters are left out. A number (a minus sign
/// then a digit) is left as it is.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let number = cell.starts_with('-') && cell[1..].starts_with(|c: char| c.is_ascii_digit());
    let formula = !number && cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !formula && !cell.contains('\0') {
        return std::borrow::Cow::Borrowed(cell);
    }
    let clean: String = cell.chars().filter(|c| *c != '\0').collect();
    std::borrow::Cow::Owned(if formula { format!("'{clean}") } else { clean })
}

#[cfg(test)]
mod tests {
    #[test]
    fn spreadsheet_cells_cannot_run_formulas() {
        use super::spreadsheet_safe as safe;
        assert_eq!(
            safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe("+44 1332"), "'+44 1332");
        assert_eq!(safe("-cmd"), "'-cmd");
        assert_eq!(safe("-12.5"), "-12.5");
        assert_eq!(safe("Amy\0Hart"), "AmyHart");
        assert_eq!(safe("Amy Hart"), "Amy Hart");
    }
}
