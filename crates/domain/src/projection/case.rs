//! A child's case as its events leave it: requests and their advice, consultations and
//! exceptions, the plan, placements, reviews, disputes, letters and audits, and the stage
//! the case list shows.

use super::*;
use crate::sen::{AdviceKind, Need, NeedType, Requester};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceState {
    pub kind: AdviceKind,
    pub requested_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
    /// The advice in the service's words, where it was given in sendscope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    /// The SHA-256 of the report given with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsultationState {
    pub setting: SettingId,
    pub consulted_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_meet_needs: Option<bool>,
}

/// An exception to the 6- and 20-week limits as recorded: a flag with its evidence and
/// who recorded it, never a new due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ExceptionRepr")]
pub struct ExceptionState {
    pub kind: ExceptionKind,
    pub evidence: String,
    /// The actor who recorded it (`user:NAME`); empty for projections written before
    /// sendscope kept it (a rebuild fills it in).
    pub recorded_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_on: Option<NaiveDate>,
}

/// Projections written before exceptions kept their details held only the kind.
#[derive(Deserialize)]
#[serde(untagged)]
enum ExceptionRepr {
    Kind(ExceptionKind),
    Full {
        kind: ExceptionKind,
        evidence: String,
        recorded_by: String,
        #[serde(default)]
        recorded_on: Option<NaiveDate>,
    },
}

impl From<ExceptionRepr> for ExceptionState {
    fn from(r: ExceptionRepr) -> Self {
        match r {
            ExceptionRepr::Kind(kind) => ExceptionState {
                kind,
                evidence: String::new(),
                recorded_by: String::new(),
                recorded_on: None,
            },
            ExceptionRepr::Full {
                kind,
                evidence,
                recorded_by,
                recorded_on,
            } => ExceptionState {
                kind,
                evidence,
                recorded_by,
                recorded_on,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftResponseState {
    pub on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_setting: Option<SettingRef>,
}

/// Amendments proposed to the family and, once made, the amended plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalState {
    pub proposed_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseTransferState {
    pub transfer_on: NaiveDate,
    pub kind: PhaseTransferKind,
    /// The amended plan naming the new setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended_on: Option<NaiveDate>,
    /// Worked out from the child's date of birth (the year they start school, secondary
    /// school and post-16), not recorded by hand.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintState {
    pub reference: String,
    pub received_on: NaiveDate,
    pub about: String,
    /// The last day to respond, by the council's policy.
    pub respond_by: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upheld: Option<bool>,
    /// The response as sent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub response: String,
}

/// One request for an EHC needs assessment and everything that followed from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestState {
    pub request: RequestId,
    pub received_on: NaiveDate,
    /// Who asked; not known for a request brought in from a record that does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<Requester>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<AssessDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<AdviceState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<ExceptionState>,
    /// A decision to assess made after a Tribunal order or a conceded appeal, when the
    /// request had already been refused (the first decision and its clock stay as they were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_decision_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_served_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_response: Option<DraftResponseState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consultations: Vec<ConsultationState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_issued_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_not_issued_on: Option<NaiveDate>,
    /// Brought in from another system's record (`case.request_recorded`): what it said
    /// that the steps above do not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<RecordedState>,
}

/// What a record a request was brought in from said beyond its dated steps.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RecordedState {
    /// e.g. "the SEN2 return of 16 January 2025" (the first record it came from).
    pub source: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub youth_custody: bool,
    #[serde(default, skip_serializing_if = "Undated::is_empty")]
    pub undated: Undated,
    /// An exception to the 20 weeks applied, of a kind the record does not give.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exception: bool,
    /// Each return's flags for its period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disputes: Vec<RecordedDisputes>,
}

impl RequestState {
    /// A request received, nothing yet done on it.
    pub fn new(
        request: RequestId,
        received_on: NaiveDate,
        requested_by: Option<Requester>,
    ) -> Self {
        RequestState {
            request,
            received_on,
            requested_by,
            withdrawn_on: None,
            decision: None,
            decided_on: None,
            advice: Vec::new(),
            exceptions: Vec::new(),
            ordered_decision_on: None,
            draft_served_on: None,
            draft_response: None,
            consultations: Vec::new(),
            final_issued_on: None,
            plan_not_issued_on: None,
            recorded: None,
        }
    }

    /// An exception to the time limits applies: recorded in sendscope, or said by the
    /// record the request was brought in from.
    pub fn has_exception(&self) -> bool {
        !self.exceptions.is_empty() || self.recorded.as_ref().is_some_and(|r| r.exception)
    }

    /// What the record a request came from says happened without a date.
    pub fn undated(&self) -> Undated {
        self.recorded
            .as_ref()
            .map(|r| r.undated)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanState {
    pub start: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    pub sections: PlanSections,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Need>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named: Vec<NamedSetting>,
    pub personal_budget: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_review: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amended_on: Vec<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceased: Option<PlanCeased>,
    /// The decision to cease, while the plan is kept through the appeal window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cessation: Option<CessationDecided>,
    /// Set when the plan was recorded retrospectively (made before sendscope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// For a plan brought in with its history: its last annual review before then, from
    /// which the next review's clock runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_before: Option<NaiveDate>,
    /// The local authority the plan was transferred in from, as the record it was
    /// brought in from says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_from: Option<crate::codes::LaCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementState {
    pub setting: SettingRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provision: Option<ProvisionId>,
    pub start: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    pub sen_unit: bool,
    pub resourced_provision: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewState {
    pub meeting_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ReviewDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitations_on: Option<NaiveDate>,
    /// The meeting date the invitations gave (the meeting may then be held on another day;
    /// the invitations are judged against the date they gave).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_for: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_on: Option<NaiveDate>,
    /// True while the meeting is only planned (invitations sent, not yet held).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub planned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisputeState {
    pub subject: DisputeSubject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediation_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediation_took_place: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AppealOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    /// The day the family chose mediation or declined it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediation_chosen_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wants_mediation: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<AppealOrder>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<Child>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedPerson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court_restriction: Option<CourtRestriction>,
    /// An erasure request received and not yet decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erasure_requested_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caseworker: Option<StaffId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanState>,
    /// Plans that ended before the current one was made, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_plans: Vec<PlanState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placements: Vec<PlacementState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<ReviewState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disputes: Vec<DisputeState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_in: Option<Transfer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_out: Option<Transfer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_reassessment: Option<TransferReassessment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proposals: Vec<ProposalState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phase_transfers: Vec<PhaseTransferState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complaints: Vec<ComplaintState>,
    /// Missing education, part-time timetables, alternative provision, home education.
    #[serde(default)]
    pub education: crate::education::EducationState,
    /// Case notes and contacts, oldest first (for staff only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<NoteState>,
    /// Documents on the record, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentState>,
    /// Letters to the family; the words are in the `case.letter_issued` event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub letters: Vec<LetterState>,
    /// Quality audits of the plan, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audits: Vec<PlanAudited>,
    /// Each provision the child was named into (plan or amendment) or placed in, with
    /// the first day: what the approval gates judge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namings: Vec<Naming>,
    /// Gates a team manager overrode, with their reasons and who they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<OverrideState>,
    /// A transport cost agreed for this child, a year (the latest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_cost: Option<crate::costs::TransportCostSet>,
}

/// A gate overridden: what it found, why it was overridden, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideState {
    pub gate: String,
    pub provision: ProvisionId,
    pub on: NaiveDate,
    pub finding: String,
    pub reason: String,
    pub by: String,
    /// The day the override was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_on: Option<NaiveDate>,
    /// The step it let through (its event type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Naming {
    pub provision: ProvisionId,
    pub on: NaiveDate,
    /// The day the placement starts, where later than the naming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    /// The day the placement actually started, once recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<NaiveDate>,
}

impl Naming {
    /// The day the child takes up the place: the recorded start, else the planned one.
    pub fn start(&self) -> NaiveDate {
        self.placed_on
            .or(self.starts_on)
            .unwrap_or(self.on)
            .max(self.on)
    }
}

impl CaseState {
    pub(super) fn named(
        &mut self,
        provision: Option<ProvisionId>,
        on: NaiveDate,
        starts_on: Option<NaiveDate>,
        placed: bool,
    ) {
        let Some(p) = provision else { return };
        match self.namings.iter_mut().find(|n| n.provision == p) {
            Some(n) => {
                if placed && n.placed_on.is_none() {
                    n.placed_on = Some(on);
                }
            }
            None => self.namings.push(Naming {
                provision: p,
                on,
                starts_on,
                placed_on: placed.then_some(on),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterState {
    pub letter: u32,
    pub kind: LetterKind,
    pub on: NaiveDate,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Where a case stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Opened,
    RequestReceived,
    Assessing,
    DraftPlan,
    PlanInPlace,
    NotAssessed,
    NoPlan,
    Withdrawn,
    Ceased,
    TransferredOut,
    Merged,
}

impl Stage {
    pub const ALL: [Stage; 11] = [
        Stage::Opened,
        Stage::RequestReceived,
        Stage::Assessing,
        Stage::DraftPlan,
        Stage::PlanInPlace,
        Stage::NotAssessed,
        Stage::NoPlan,
        Stage::Withdrawn,
        Stage::Ceased,
        Stage::TransferredOut,
        Stage::Merged,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Opened => "opened",
            Stage::RequestReceived => "request_received",
            Stage::Assessing => "assessing",
            Stage::DraftPlan => "draft_plan",
            Stage::PlanInPlace => "plan_in_place",
            Stage::NotAssessed => "not_assessed",
            Stage::NoPlan => "no_plan",
            Stage::Withdrawn => "withdrawn",
            Stage::Ceased => "ceased",
            Stage::TransferredOut => "transferred_out",
            Stage::Merged => "merged",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Stage::Opened => "Opened",
            Stage::RequestReceived => "Request received",
            Stage::Assessing => "Being assessed",
            Stage::DraftPlan => "Draft plan",
            Stage::PlanInPlace => "Plan in place",
            Stage::NotAssessed => "Not assessed",
            Stage::NoPlan => "Assessed, no plan",
            Stage::Withdrawn => "Withdrawn",
            Stage::Ceased => "Plan ceased",
            Stage::TransferredOut => "Transferred out",
            Stage::Merged => "Merged into another case",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// The columns a case list filters and searches on, derived from the case state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseIndex {
    /// The case list's order: family name, then given names, lower-cased (see [`sort_key`]).
    pub sort_key: String,
    pub stage: Stage,
    pub family_name: String,
    pub given_names: String,
    pub upn: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub primary_need: Option<NeedType>,
    pub setting: Option<SettingId>,
    pub caseworker: Option<StaffId>,
    pub team: Option<TeamId>,
    pub plan_start: Option<NaiveDate>,
    /// What a search matches any part of: the child's names and the names of the people
    /// recorded around them, folded (see [`fold`]), the UPN, the NHS number's digits and
    /// the date of birth written both ways (`2015-03-12` and `12/03/2015`).
    pub search_text: String,
}

/// Text as a search compares it: lower case, accents and other marks taken off
/// ("Zoë Ó Briain" is "zoe o briain"), every run of spaces or punctuation one space.
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() || c == '/' || c == '-' {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// What a search asks for, as the words each record's search text must hold somewhere:
/// folded like it, a date written `12/3/2015` as the index writes it (`12/03/2015`), an
/// NHS number written in groups (`943 476 5919`) as one run of digits.
pub fn search_words(query: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in fold(query).split(' ').filter(|w| !w.is_empty()) {
        let date = NaiveDate::parse_from_str(w, "%d/%m/%Y").ok();
        let word = match date {
            Some(d) => d.format("%d/%m/%Y").to_string(),
            None => w.to_string(),
        };
        // Digits after digits: one number written in groups.
        match words.last_mut() {
            Some(last)
                if !last.is_empty()
                    && last.bytes().all(|b| b.is_ascii_digit())
                    && word.bytes().all(|b| b.is_ascii_digit()) =>
            {
                last.push_str(&word)
            }
            _ => words.push(word),
        }
    }
    words
}

/// The key a case list sorts and searches by: lower-cased family name, a unit separator,
/// lower-cased given names. Computed here, not in SQL, so both backends agree.
pub fn sort_key(family_name: &str, given_names: &str) -> String {
    format!(
        "{}\u{1f}{}",
        family_name.trim().to_lowercase(),
        given_names.trim().to_lowercase()
    )
}

/// A document on the record (its content is kept apart, by its SHA-256): what its
/// `case.document_added` said, and who added it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentState {
    #[serde(flatten)]
    pub document: crate::event::DocumentAdded,
    /// Who added it (the event's actor).
    pub added_by: String,
}

/// A case note or contact, with who recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteState {
    #[serde(flatten)]
    pub note: crate::event::NoteRecorded,
    pub by: String,
}
