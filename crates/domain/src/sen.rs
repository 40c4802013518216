//! SEN2 code lists: need types, setting codes, cessation reasons, sex, requesters.
//! Need types are data (newer SEN2 specifications add codes such as DS).

use crate::DomainError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The SEN2 primary/secondary need codes in force. Kept as data: add a code here and
/// every parser accepts it.
pub const NEED_TYPE_CODES: &[(&str, &str)] = &[
    ("SPLD", "Specific learning difficulty"),
    ("MLD", "Moderate learning difficulty"),
    ("SLD", "Severe learning difficulty"),
    ("PMLD", "Profound and multiple learning difficulty"),
    ("SEMH", "Social, emotional and mental health"),
    ("SLCN", "Speech, language and communication needs"),
    ("HI", "Hearing impairment"),
    ("VI", "Vision impairment"),
    ("MSI", "Multi-sensory impairment"),
    ("PD", "Physical disability"),
    ("ASD", "Autistic spectrum disorder"),
    ("OTH", "Other difficulty or disability"),
    ("DS", "Down syndrome"),
];

/// A need type code from [`NEED_TYPE_CODES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NeedType(u8);

impl NeedType {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim().to_ascii_uppercase();
        NEED_TYPE_CODES
            .iter()
            .position(|(c, _)| *c == t)
            .map(|i| NeedType(i as u8))
            .ok_or_else(|| DomainError::Invalid {
                what: "need type",
                value: s.to_string(),
                how: format!(
                    "use one of the SEN2 codes: {}",
                    NEED_TYPE_CODES
                        .iter()
                        .map(|(c, _)| *c)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
    pub fn code(self) -> &'static str {
        NEED_TYPE_CODES[self.0 as usize].0
    }
    pub fn description(self) -> &'static str {
        NEED_TYPE_CODES[self.0 as usize].1
    }
    pub fn all() -> impl Iterator<Item = NeedType> {
        (0..NEED_TYPE_CODES.len() as u8).map(NeedType)
    }
}
impl fmt::Display for NeedType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
impl Serialize for NeedType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}
impl schemars::JsonSchema for NeedType {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NeedType".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = NEED_TYPE_CODES.iter().map(|(c, _)| *c).collect();
        schemars::json_schema!({
            "type": "string",
            "enum": codes,
            "description": "A type of special educational need, by its SEN2 code"
        })
    }
}
impl<'de> Deserialize<'de> for NeedType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        NeedType::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A need with its rank (1 = primary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Need {
    pub need: NeedType,
    pub rank: u8,
}

/// SEN2 setting codes for where a child is educated when there is no URN/UKPRN.
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
#[serde(rename_all = "UPPERCASE")]
pub enum SettingCode {
    /// Other LA arrangements, including education other than at school.
    Ola,
    /// Other arrangements made by parents.
    Opa,
    /// Elective home education.
    Ehe,
    /// Early years provider without a URN.
    Eyp,
    Oth,
    /// Not in education, employment or training.
    Neet,
    /// Not in education: notice to cease issued.
    Niec,
    /// Not in education: other (e.g. awaiting placement).
    Nieo,
}

/// SEN2 reasons a plan ended. Transfer to another LA (5) is recorded through the
/// transfer event, never as a decision to cease.
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
#[serde(rename_all = "snake_case")]
pub enum CeaseReason {
    MaxAge,
    NeedsMet,
    HigherEducation,
    PaidEmployment,
    TransferredToAnotherLa,
    NoLongerWishesToEngage,
    MovedOutsideEngland,
    Deceased,
    Other,
    NotRecorded,
}

impl CeaseReason {
    /// The SEN2 code (1-9); `None` for "not recorded".
    pub fn sen2_code(self) -> Option<u8> {
        use CeaseReason::*;
        Some(match self {
            MaxAge => 1,
            NeedsMet => 2,
            HigherEducation => 3,
            PaidEmployment => 4,
            TransferredToAnotherLa => 5,
            NoLongerWishesToEngage => 6,
            MovedOutsideEngland => 7,
            Deceased => 8,
            Other => 9,
            NotRecorded => return None,
        })
    }
    pub fn label(self) -> &'static str {
        use CeaseReason::*;
        match self {
            MaxAge => "reached the maximum age",
            NeedsMet => "needs met without a plan",
            HigherEducation => "moved on to higher education",
            PaidEmployment => "moved on to paid employment",
            TransferredToAnotherLa => "transferred to another local authority",
            NoLongerWishesToEngage => "no longer wishes to engage in education or training",
            MovedOutsideEngland => "moved outside England",
            Deceased => "died",
            Other => "other",
            NotRecorded => "not recorded",
        }
    }
}

/// The DfE's main ethnicity codes (the common basic data set's `Ethnicity` list, as
/// the school census and SEN2 use them), with the words a form shows.
pub const ETHNICITY_CODES: &[(&str, &str)] = &[
    ("WBRI", "White - British"),
    ("WIRI", "White - Irish"),
    ("WIRT", "Traveller of Irish heritage"),
    ("WROM", "Gypsy / Roma"),
    ("WOTH", "Any other White background"),
    ("MWBC", "White and Black Caribbean"),
    ("MWBA", "White and Black African"),
    ("MWAS", "White and Asian"),
    ("MOTH", "Any other mixed background"),
    ("AIND", "Indian"),
    ("APKN", "Pakistani"),
    ("ABAN", "Bangladeshi"),
    ("AOTH", "Any other Asian background"),
    ("BCRB", "Black Caribbean"),
    ("BAFR", "Black - African"),
    ("BOTH", "Any other Black background"),
    ("CHNE", "Chinese"),
    ("OOTH", "Any other ethnic group"),
    ("REFU", "Refused"),
    ("NOBT", "Information not yet obtained"),
];

/// Whether a code is one of [`ETHNICITY_CODES`].
pub fn is_ethnicity_code(code: &str) -> bool {
    ETHNICITY_CODES.iter().any(|(c, _)| *c == code)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

/// Who made a request for an EHC needs assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    Parent,
    YoungPerson,
    School,
    Health,
    SocialCare,
    Other,
}

/// The three strands of advice for an assessment (Reg 6).
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
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    Education,
    Health,
    SocialCare,
    EducationalPsychology,
}

impl AdviceKind {
    /// The service asked, as a sentence begins with it.
    pub fn service(self) -> &'static str {
        match self {
            AdviceKind::Education => "Education",
            AdviceKind::Health => "Health",
            AdviceKind::SocialCare => "Social care",
            AdviceKind::EducationalPsychology => "Educational psychology",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn need_types_are_data() {
        assert_eq!(NeedType::parse("asd").map(|n| n.code()).ok(), Some("ASD"));
        assert_eq!(
            NeedType::parse("DS").map(|n| n.description()).ok(),
            Some("Down syndrome")
        );
        assert!(NeedType::parse("XYZ").is_err());
        assert_eq!(NeedType::all().count(), NEED_TYPE_CODES.len());
        assert_eq!(CeaseReason::TransferredToAnotherLa.sen2_code(), Some(5));
    }
}
