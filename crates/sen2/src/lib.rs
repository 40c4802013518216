//! The DfE's SEN2 return (domain.md §4, `docs/sen2.md` in the brief it came from): one XML
//! file a year from each local authority, a record per child with an EHC plan or a
//! request. Pure: the return as data ([`Return`]), its layout per collection year
//! ([`layout`]), a writer ([`write()`]), a safe reader ([`read()`]) and the validation
//! rules ([`rules`]). What goes in a return from sendscope's records is
//! `sendscope_app::sen2`.
//!
//! Values are kept as the file gives them (codes and dates as text), so that a return
//! read from another system can be checked and reported on, item by item, rather than
//! refused whole.

pub mod contacts;
pub mod figures;
pub mod layout;
mod read;
pub mod rules;
mod write;
pub mod xml;

pub use read::read;
pub use write::write;

/// A whole return.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Return {
    pub header: Header,
    pub persons: Vec<Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The return's year (the census is in January of it).
    pub year: String,
    /// Census day.
    pub reference_date: String,
    /// The sending LA's 3-digit code.
    pub lea: String,
    pub software_code: String,
    pub release: String,
    pub serial_no: String,
    pub date_time: String,
    /// Designated medical, clinical and (from 2025) social care officer in post: Y or N.
    pub dmo: String,
    pub dco: String,
    pub dsco: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    pub surname: String,
    pub forename: String,
    pub birth_date: String,
    /// M, F or U (2024 on; the 2023 return's GenderCurrent is read into it).
    pub sex: String,
    pub ethnicity: String,
    pub postcode: Option<String>,
    pub upn: Option<String>,
    pub uln: Option<String>,
    pub upn_unknown: Option<String>,
    pub requests: Vec<Request>,
    /// Where the person starts in the file read (0 for one made by sendscope).
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    pub received_date: Option<String>,
    /// 1 young person or parent, 2 school, 3 health, 4 social care, 5 other (2025 on).
    pub request_source: Option<String>,
    pub rya: Option<String>,
    pub outcome_date: Option<String>,
    /// Y N A W H.
    pub outcome: String,
    pub mediation: Option<String>,
    pub tribunal: Option<String>,
    pub exported: Option<String>,
    pub assessment: Option<Assessment>,
    pub active: Option<ActivePlans>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    /// Y N A W H.
    pub outcome: String,
    pub outcome_date: Option<String>,
    pub mediation: Option<String>,
    pub tribunal: Option<String>,
    pub other_mediation: Option<String>,
    pub other_tribunal: Option<String>,
    pub week20: Option<String>,
    pub named_plan: Option<NamedPlan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NamedPlan {
    pub start_date: String,
    pub details: Vec<Setting>,
    pub plan_res: Option<String>,
    pub plan_wbp: Option<String>,
    pub pb: Option<String>,
    pub oa: Option<String>,
    pub dp: Option<String>,
    pub cease_date: Option<String>,
    pub cease_reason: Option<String>,
}

/// A setting named in a plan or attended: a URN, a UKPRN, or a SENsetting code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Setting {
    pub urn: Option<String>,
    pub ukprn: Option<String>,
    pub sen_setting: Option<String>,
    pub sen_setting_other: Option<String>,
    pub rank: String,
    pub sen_unit: String,
    pub resourced_provision: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placement {
    pub setting: Setting,
    pub entry_date: String,
    pub leaving_date: Option<String>,
    pub res: Option<String>,
    pub wbp: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivePlans {
    pub transfer_la: Option<String>,
    pub placements: Vec<Placement>,
    /// (SENtype, SENtypeRank).
    pub needs: Vec<(String, String)>,
    pub review_meeting: Option<String>,
    pub review_outcome: Option<String>,
    pub review_draft: Option<String>,
    pub phase_transfer_due: Option<String>,
    pub phase_transfer_final: Option<String>,
    pub last_review: Option<String>,
}

impl Return {
    /// The layout of the year the header gives, if sendscope knows it.
    pub fn year(&self) -> Option<layout::Year> {
        self.header
            .year
            .trim()
            .parse::<i32>()
            .ok()
            .and_then(layout::Year::of)
    }

    /// The same return in a canonical order (persons by name, birth date and UPN), for
    /// comparing two returns.
    pub fn sorted(mut self) -> Self {
        for p in &mut self.persons {
            p.line = 0;
        }
        self.persons.sort_by(|a, b| a.order().cmp(&b.order()));
        self
    }
}

impl Person {
    /// The order persons are written in: name, date of birth, UPN and ULN.
    #[allow(clippy::type_complexity)]
    pub fn order(&self) -> (&str, &str, &str, Option<&str>, Option<&str>) {
        (
            &self.surname,
            &self.forename,
            &self.birth_date,
            self.upn.as_deref(),
            self.uln.as_deref(),
        )
    }
}
