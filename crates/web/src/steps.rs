//! Recording casework steps: one function ([`record_step`]) behind both the GOV.UK forms
//! (`/cases/{id}/steps/{slug}`) and the API (`POST /api/v1/cases/{id}/steps`). A step
//! is a case event; the domain's rules decide whether it may be recorded now and, if not,
//! say what must happen first. A refused step writes nothing.
//!
//! The forms are data ([`STEPS`]): each field names the payload key it fills and how it
//! is asked, so every step in the event catalogue gets a form without a page of its own.

use crate::auth::SignedIn;
use crate::cases::{not_found, with_user};
use crate::{AppState, esc, page};
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use sendscope_app::steps::{StepError, area_rubric, changeable_for_form, record_step_overriding};
use sendscope_domain::StreamKind;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::event::EventBody;
use sendscope_domain::projection::{CaseState, Projection, StreamState};
use sendscope_domain::sen::NeedType;
use sendscope_store::Store;
use serde_json::{Map, Value, json};

// ---- the forms ----------------------------------------------------------------------

type Choices = &'static [(&'static str, &'static str)];

/// How a field is asked and what it puts in the payload.
#[derive(Clone, Copy)]
pub enum Kind {
    /// GOV.UK date input (day, month, year) → "YYYY-MM-DD".
    Date,
    OptionalDate,
    Text,
    TextArea,
    OptionalTextArea,
    /// Radios → the chosen value.
    Choice(Choices),
    /// Radios with "None" → the chosen value or null.
    OptionalChoice(Choices),
    /// Checkboxes → a list of the chosen values.
    Checkboxes(Choices),
    /// Yes or no → true or false.
    YesNo,
    /// Which of the case's requests → its number.
    Request,
    /// The number the next request will have.
    NextRequest,
    /// Which review meeting held → its date.
    Meeting,
    OptionalMeeting,
    /// A setting in the area → its identifier.
    SettingId,
    /// A setting in the area → `{"setting": id}`; optional → null when none is chosen.
    SettingRef,
    OptionalSettingRef,
    /// The primary need → `[{"need": code, "rank": 1}]`.
    Needs,
    /// The setting named in the plan, if any → `[]` or one named setting.
    Named,
    /// The setting (or the provision at it) a child is placed in → `setting`,
    /// `provision`, `sen_unit` and `resourced_provision`.
    Placed,
    /// The plan's sections A to K → an object of texts.
    Sections,
    /// The rubric's sections, each scored → an object of numbers.
    Scores,
    /// A fixed value (JSON).
    Fixed(&'static str),
    /// A whole number of 0 or more; optional → null when empty.
    Number,
    OptionalNumber,
    /// Pounds and pence → a whole number of pence.
    Money,
    /// Comma-separated names → a list of them (at least one).
    List,
    /// Types of need, as checkboxes → a list of codes (at least one; optional → null).
    NeedTypes,
    OptionalNeedTypes,
    /// "2026/27" and "2026-27".
    AcademicYear,
    FinancialYear,
}

pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: Kind,
}

pub struct Step {
    pub slug: &'static str,
    pub event_type: &'static str,
    pub group: &'static str,
    pub title: &'static str,
    pub fields: &'static [Field],
}

/// A field with no hint.
pub(crate) const fn f(key: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        key,
        label,
        hint: "",
        kind,
    }
}

/// A field with a hint.
pub(crate) const fn h(
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    kind: Kind,
) -> Field {
    Field {
        key,
        label,
        hint,
        kind,
    }
}

const REQUESTERS: Choices = &[
    ("parent", "A parent"),
    ("young_person", "The young person"),
    ("school", "A school or college"),
    ("health", "A health professional"),
    ("social_care", "Social care"),
    ("other", "Someone else"),
];
const DECISIONS: Choices = &[
    ("assess", "Assess: carry out an EHC needs assessment"),
    ("do_not_assess", "Do not assess"),
];
const ADVICE: Choices = &[
    ("education", "Education"),
    ("health", "Health"),
    ("social_care", "Social care"),
    ("educational_psychology", "Educational psychology"),
];
const EXCEPTIONS: Choices = &[
    (
        "school_closure",
        "The school or college was closed for 4 weeks or more around the advice request",
    ),
    (
        "exceptional_personal_circumstances",
        "Exceptional personal circumstances of the child or family",
    ),
    (
        "absent_from_area",
        "The child or family was away from the area for 4 weeks or more",
    ),
];
const REVIEW_DECISIONS: Choices = &[
    ("maintain", "Maintain the plan as it is"),
    ("amend", "Amend the plan"),
    ("cease", "Cease the plan"),
];
const PHASES: Choices = &[
    (
        "between_schools",
        "Between schools (early years to school, infant to junior, primary to secondary)",
    ),
    (
        "secondary_to_post16",
        "Secondary school to a post-16 setting",
    ),
    ("post16_to_post16", "One post-16 setting to another"),
];
const SUBJECTS: Choices = &[
    ("refusal_to_assess", "A decision not to assess"),
    ("refusal_to_issue", "A decision not to issue a plan"),
    ("plan_contents", "What the plan says"),
    ("named_setting", "The setting named in the plan"),
    ("cessation", "A decision to cease the plan"),
];
const OUTCOMES: Choices = &[
    ("upheld", "Upheld"),
    ("partly_upheld", "Partly upheld"),
    ("dismissed", "Dismissed"),
    ("withdrawn", "Withdrawn by the family"),
    ("conceded", "Conceded by the council"),
];
const ORDERS: Choices = &[
    ("assess", "Carry out an EHC needs assessment"),
    ("make_plan", "Make and maintain a plan"),
    ("amend_plan", "Amend the plan"),
    ("name_setting", "Name a school or other setting"),
    ("review", "Review the plan"),
];
const CEASE: Choices = &[
    ("max_age", "Reached the maximum age"),
    ("needs_met", "Needs met without a plan"),
    ("higher_education", "Moved on to higher education"),
    ("paid_employment", "Moved on to paid employment"),
    (
        "no_longer_wishes_to_engage",
        "No longer wishes to engage in education or training",
    ),
    ("moved_outside_england", "Moved outside England"),
    ("deceased", "Died"),
    ("other", "Other"),
];

const ON: Field = f("on", "Date", Kind::Date);
const SERVICES: Choices = &[
    ("education", "Education"),
    ("health", "Health"),
    ("social_care", "Social care"),
];
const OTHER_LA: Field = h(
    "other_la",
    "The other council's LA code",
    "Three digits, for example 830",
    Kind::Text,
);
const REQUEST: Field = f("request", "Which request", Kind::Request);
const SUBJECT: Field = f(
    "subject",
    "What the dispute is about",
    Kind::Choice(SUBJECTS),
);

/// Every step, with its form.
pub const STEPS: &[Step] = &[
    Step {
        slug: "request-received",
        event_type: "case.request_received",
        group: "Request and assessment",
        title: "Request for an EHC needs assessment received",
        fields: &[
            f("request", "", Kind::NextRequest),
            h(
                "received_on",
                "Date the council received the request",
                "The clock starts on this day, even at a weekend or on a bank holiday",
                Kind::Date,
            ),
            f("requested_by", "Who asked", Kind::Choice(REQUESTERS)),
        ],
    },
    Step {
        slug: "assessment-decided",
        event_type: "case.assessment_decided",
        group: "Request and assessment",
        title: "Decision whether to assess",
        fields: &[
            REQUEST,
            f("decision", "Decision", Kind::Choice(DECISIONS)),
            ON,
            h(
                "reasons",
                "Reasons",
                "The family are told these, with their right to mediation and appeal",
                Kind::OptionalTextArea,
            ),
        ],
    },
    Step {
        slug: "advice-requested",
        event_type: "case.advice_requested",
        group: "Request and assessment",
        title: "Advice requested",
        fields: &[
            REQUEST,
            f("kinds", "Advice requested from", Kind::Checkboxes(ADVICE)),
            ON,
        ],
    },
    Step {
        slug: "advice-received",
        event_type: "case.advice_received",
        group: "Request and assessment",
        title: "Advice received",
        fields: &[REQUEST, f("kind", "Advice from", Kind::Choice(ADVICE)), ON],
    },
    Step {
        slug: "exception-recorded",
        event_type: "case.exception_recorded",
        group: "Request and assessment",
        title: "Exception to the time limits",
        fields: &[
            REQUEST,
            h(
                "exception",
                "Exception",
                "An exception is shown beside the deadline; it never moves the due date",
                Kind::Choice(EXCEPTIONS),
            ),
            f(
                "evidence",
                "What shows the exception applies",
                Kind::TextArea,
            ),
        ],
    },
    Step {
        slug: "plan-not-issued",
        event_type: "case.plan_not_issued",
        group: "Request and assessment",
        title: "Decision not to issue a plan",
        fields: &[REQUEST, ON],
    },
    Step {
        slug: "request-withdrawn",
        event_type: "case.request_withdrawn",
        group: "Request and assessment",
        title: "Request withdrawn",
        fields: &[REQUEST, ON],
    },
    Step {
        slug: "draft-plan-served",
        event_type: "case.draft_plan_served",
        group: "The plan",
        title: "Draft plan served",
        fields: &[
            REQUEST,
            h(
                "on",
                "Date served",
                "The family then have at least 15 days, beginning with this day",
                Kind::Date,
            ),
            f("sections", "Sections", Kind::Sections),
        ],
    },
    Step {
        slug: "draft-response-received",
        event_type: "case.draft_response_received",
        group: "The plan",
        title: "Family's response to the draft plan",
        fields: &[
            REQUEST,
            ON,
            f(
                "requested_setting",
                "Setting the family asked to be named",
                Kind::OptionalSettingRef,
            ),
            f("comments", "Their comments", Kind::OptionalTextArea),
        ],
    },
    Step {
        slug: "setting-consulted",
        event_type: "case.setting_consulted",
        group: "The plan",
        title: "Setting consulted on being named",
        fields: &[f("setting", "Setting", Kind::SettingId), ON],
    },
    Step {
        slug: "consultation-response",
        event_type: "case.consultation_response",
        group: "The plan",
        title: "Setting's response to consultation",
        fields: &[
            f("setting", "Setting", Kind::SettingId),
            ON,
            f(
                "can_meet_needs",
                "Can the setting meet the child's needs?",
                Kind::YesNo,
            ),
        ],
    },
    Step {
        slug: "final-plan-issued",
        event_type: "case.final_plan_issued",
        group: "The plan",
        title: "Final plan issued",
        fields: &[
            REQUEST,
            ON,
            f("needs", "Primary need", Kind::Needs),
            f("named", "Setting named in section I", Kind::Named),
            f(
                "starts_on",
                "When the placement starts, if later than the plan",
                Kind::OptionalDate,
            ),
            f(
                "personal_budget",
                "Is there a personal budget?",
                Kind::YesNo,
            ),
            f("sections", "Sections", Kind::Sections),
        ],
    },
    Step {
        slug: "transport-cost-set",
        event_type: "case.transport_cost_set",
        group: "The plan",
        title: "Transport cost agreed",
        fields: &[
            ON,
            h(
                "annual",
                "Transport cost a year",
                "An assessed package for this child; placement options then use it instead of the cost by distance",
                Kind::Money,
            ),
        ],
    },
    Step {
        slug: "placement-started",
        event_type: "case.placement_started",
        group: "The plan",
        title: "Placement started",
        fields: &[f("setting", "Setting or provision", Kind::Placed), ON],
    },
    Step {
        slug: "placement-ended",
        event_type: "case.placement_ended",
        group: "The plan",
        title: "Placement ended",
        fields: &[ON],
    },
    Step {
        slug: "review-invitations-sent",
        event_type: "case.review_invitations_sent",
        group: "Annual review",
        title: "Invitations to the review meeting sent",
        fields: &[
            h(
                "meeting_on",
                "Date of the meeting",
                "Invitations and advice must go out at least 2 weeks before it",
                Kind::Date,
            ),
            f("on", "Date the invitations were sent", Kind::Date),
        ],
    },
    Step {
        slug: "review-meeting-held",
        event_type: "case.review_meeting_held",
        group: "Annual review",
        title: "Review meeting held",
        fields: &[ON],
    },
    Step {
        slug: "review-report-sent",
        event_type: "case.review_report_sent",
        group: "Annual review",
        title: "Review report sent",
        fields: &[f("meeting_on", "Which meeting", Kind::Meeting), ON],
    },
    Step {
        slug: "review-decided",
        event_type: "case.review_decided",
        group: "Annual review",
        title: "Decision after the review",
        fields: &[
            f("meeting_on", "Which meeting", Kind::Meeting),
            f("decision", "Decision", Kind::Choice(REVIEW_DECISIONS)),
            ON,
        ],
    },
    Step {
        slug: "amendments-proposed",
        event_type: "case.amendments_proposed",
        group: "Annual review",
        title: "Amendments proposed to the family",
        fields: &[
            ON,
            f(
                "meeting_on",
                "After which review meeting",
                Kind::OptionalMeeting,
            ),
            f("summary", "What the amendments are", Kind::TextArea),
        ],
    },
    Step {
        slug: "plan-amended",
        event_type: "case.plan_amended",
        group: "Annual review",
        title: "Amended plan issued",
        fields: &[
            ON,
            f("needs", "Primary need", Kind::Needs),
            f("named", "Setting named in section I", Kind::Named),
            f(
                "starts_on",
                "When the placement starts, if later than the plan",
                Kind::OptionalDate,
            ),
            f(
                "phase_transfer",
                "Does it name the setting for a phase transfer?",
                Kind::YesNo,
            ),
        ],
    },
    Step {
        slug: "phase-transfer-planned",
        event_type: "case.phase_transfer_planned",
        group: "Transfers",
        title: "Phase transfer coming up",
        fields: &[
            f(
                "transfer_on",
                "Date the child starts the new phase",
                Kind::Date,
            ),
            f("kind", "Kind of move", Kind::Choice(PHASES)),
        ],
    },
    Step {
        slug: "transferred-in",
        event_type: "case.transferred_in",
        group: "Transfers",
        title: "Plan transferred in from another council",
        fields: &[OTHER_LA, ON],
    },
    Step {
        slug: "transfer-reassessment-decided",
        event_type: "case.transfer_reassessment_decided",
        group: "Transfers",
        title: "Decision whether to reassess a plan transferred in",
        fields: &[ON, f("reassess", "Will the council reassess?", Kind::YesNo)],
    },
    Step {
        slug: "transferred-out",
        event_type: "case.transferred_out",
        group: "Transfers",
        title: "Plan transferred out to another council",
        fields: &[OTHER_LA, ON],
    },
    Step {
        slug: "mediation-chosen",
        event_type: "case.mediation_chosen",
        group: "Mediation and appeals",
        title: "Family's choice about mediation",
        fields: &[
            SUBJECT,
            f(
                "wants_mediation",
                "Did the family choose mediation?",
                Kind::YesNo,
            ),
            ON,
        ],
    },
    Step {
        slug: "mediation-held",
        event_type: "case.mediation_held",
        group: "Mediation and appeals",
        title: "Mediation held",
        fields: &[
            SUBJECT,
            ON,
            f("agreed", "Was agreement reached?", Kind::YesNo),
        ],
    },
    Step {
        slug: "mediation-certificate-issued",
        event_type: "case.mediation_certificate_issued",
        group: "Mediation and appeals",
        title: "Mediation certificate issued",
        fields: &[SUBJECT, ON],
    },
    Step {
        slug: "appeal-registered",
        event_type: "case.appeal_registered",
        group: "Mediation and appeals",
        title: "Appeal registered with the SEND Tribunal",
        fields: &[SUBJECT, ON],
    },
    Step {
        slug: "appeal-decided",
        event_type: "case.appeal_decided",
        group: "Mediation and appeals",
        title: "Appeal decided or conceded",
        fields: &[
            ON,
            f("outcome", "Outcome", Kind::Choice(OUTCOMES)),
            h(
                "order",
                "What the council must now do",
                "Each order starts its own time limit",
                Kind::OptionalChoice(ORDERS),
            ),
        ],
    },
    Step {
        slug: "cessation-decided",
        event_type: "case.cessation_decided",
        group: "Ending the plan",
        title: "Decision to cease the plan",
        fields: &[
            ON,
            f("reason", "Reason", Kind::Choice(CEASE)),
            h(
                "explanation",
                "Explanation for the family",
                "The plan is kept until their time to appeal has passed",
                Kind::TextArea,
            ),
        ],
    },
    Step {
        slug: "plan-ceased",
        event_type: "case.plan_ceased",
        group: "Ending the plan",
        title: "Plan ceased",
        fields: &[ON, f("reason", "Reason", Kind::Choice(CEASE))],
    },
    Step {
        slug: "plan-audited",
        event_type: "case.plan_audited",
        group: "Plan quality",
        title: "Plan quality audit",
        fields: &[
            f("service", "Auditor's service", Kind::Choice(SERVICES)),
            ON,
            h(
                "scores",
                "Scores",
                "The grade is worked out from the scores by the area's rubric",
                Kind::Scores,
            ),
            f(
                "comments",
                "Comments for the caseworker",
                Kind::OptionalTextArea,
            ),
        ],
    },
    Step {
        slug: "complaint-received",
        event_type: "case.complaint_received",
        group: "Complaints",
        title: "Complaint received",
        fields: &[
            f("reference", "Complaint reference", Kind::Text),
            ON,
            f("about", "What it is about", Kind::TextArea),
        ],
    },
    Step {
        slug: "complaint-responded",
        event_type: "case.complaint_responded",
        group: "Complaints",
        title: "Response to a complaint",
        fields: &[
            f("reference", "Complaint reference", Kind::Text),
            ON,
            f("upheld", "Was the complaint upheld?", Kind::YesNo),
        ],
    },
];

pub fn step(slug: &str) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.slug == slug)
}

const SECTIONS: &[(&str, &str)] = &[
    ("a", "A: views, interests and aspirations"),
    ("b", "B: special educational needs"),
    ("c", "C: health needs"),
    ("d", "D: social care needs"),
    ("e", "E: outcomes"),
    ("f", "F: special educational provision"),
    ("g", "G: health provision"),
    ("h1", "H1: social care provision (CSDPA)"),
    ("h2", "H2: other social care provision"),
    ("i", "I: placement"),
    ("j", "J: personal budget"),
    ("k", "K: advice and information"),
];

/// What a form needs from the case and the area to offer its choices.
pub struct Context {
    pub requests: Vec<(u32, String)>,
    pub meetings: Vec<(String, String)>,
    pub settings: std::sync::Arc<sendscope_app::filter_options::Choices>,
    pub next_request: u32,
    pub rubric: sendscope_domain::qa::Rubric,
    /// Provisions a child can be named into: ("SETTING/PROVISION", label, SEN unit, resourced).
    pub provisions: Vec<(String, String, bool, bool)>,
    /// Whether this user may override the approval gate (team managers).
    pub can_override: bool,
}

impl Context {
    pub fn of(
        c: &CaseState,
        settings: std::sync::Arc<sendscope_app::filter_options::Choices>,
        rubric: sendscope_domain::qa::Rubric,
    ) -> Self {
        Context {
            requests: c
                .requests
                .iter()
                .map(|r| {
                    (
                        r.request.0,
                        format!(
                            "Request {} received {}",
                            r.request.0,
                            long_date(r.received_on)
                        ),
                    )
                })
                .collect(),
            meetings: c
                .reviews
                .iter()
                .filter(|r| !r.planned)
                .map(|r| (r.meeting_on.to_string(), long_date(r.meeting_on)))
                .collect(),
            settings,
            next_request: c.requests.len() as u32 + 1,
            rubric,
            provisions: Vec::new(),
            can_override: false,
        }
    }
}

/// A form's submitted values: every name with every value it was given.
pub type Submitted = Vec<(String, String)>;

/// A submitted field's value (empty if absent).
pub fn value_of<'a>(form: &'a Submitted, name: &str) -> &'a str {
    value(form, name)
}

fn value<'a>(form: &'a Submitted, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

fn values<'a>(form: &'a Submitted, name: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .collect()
}

/// A field's error: its key and what to do.
pub type FieldError = (&'static str, String);

fn date_of(form: &Submitted, field: &Field) -> Result<Option<String>, String> {
    let part = |p: &str| value(form, &format!("{}-{p}", field.key)).to_string();
    let (d, m, y) = (part("day"), part("month"), part("year"));
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Ok(None);
    }
    let label = field.label.to_lowercase();
    let n = |s: &str| s.parse::<u32>().ok();
    match (n(&d), n(&m), y.parse::<i32>().ok()) {
        (Some(d), Some(m), Some(y)) if y >= 1000 => NaiveDate::from_ymd_opt(y, m, d)
            .map(|x| Some(x.to_string()))
            .ok_or_else(|| format!("The {label} must be a real date, for example 27 3 2025")),
        _ => Err(format!(
            "The {label} must include a day, month and year, for example 27 3 2025"
        )),
    }
}

/// Builds the step's payload from the form, or the fields to put right.
pub fn payload(step: &Step, form: &Submitted, ctx: &Context) -> Result<Value, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors: Vec<FieldError> = Vec::new();
    for field in step.fields {
        let v = value(form, field.key);
        let label = field.label.to_lowercase();
        let need = |errors: &mut Vec<FieldError>, what: String| errors.push((field.key, what));
        let got: Option<Value> = match field.kind {
            Kind::Date | Kind::OptionalDate => match date_of(form, field) {
                Ok(Some(d)) => Some(json!(d)),
                Ok(None) if matches!(field.kind, Kind::OptionalDate) => Some(Value::Null),
                Ok(None) => {
                    need(&mut errors, format!("Enter the {label}"));
                    None
                }
                Err(e) => {
                    need(&mut errors, e);
                    None
                }
            },
            Kind::Text | Kind::TextArea if v.is_empty() => {
                need(&mut errors, format!("Enter {label}"));
                None
            }
            Kind::Text | Kind::TextArea | Kind::OptionalTextArea => Some(json!(v)),
            Kind::Choice(options) | Kind::OptionalChoice(options) => {
                if options.iter().any(|(o, _)| *o == v) {
                    Some(json!(v))
                } else if v.is_empty() && matches!(field.kind, Kind::OptionalChoice(_)) {
                    Some(Value::Null)
                } else {
                    need(&mut errors, format!("Select {label}"));
                    None
                }
            }
            Kind::Checkboxes(options) => {
                let chosen: Vec<&str> = values(form, field.key)
                    .into_iter()
                    .filter(|c| options.iter().any(|(o, _)| o == c))
                    .collect();
                if chosen.is_empty() {
                    need(&mut errors, format!("Select at least one: {label}"));
                    None
                } else {
                    Some(json!(chosen))
                }
            }
            Kind::YesNo => match v {
                "yes" => Some(json!(true)),
                "no" => Some(json!(false)),
                _ => {
                    need(&mut errors, format!("Select yes or no: {label}"));
                    None
                }
            },
            Kind::Request => match v.parse::<u32>() {
                Ok(n) if ctx.requests.iter().any(|(r, _)| *r == n) => Some(json!(n)),
                _ => {
                    need(
                        &mut errors,
                        "Select the request (record the request received first if there is none)"
                            .into(),
                    );
                    None
                }
            },
            Kind::NextRequest => Some(json!(ctx.next_request)),
            Kind::Meeting | Kind::OptionalMeeting => {
                if ctx.meetings.iter().any(|(m, _)| m == v) {
                    Some(json!(v))
                } else if v.is_empty() && matches!(field.kind, Kind::OptionalMeeting) {
                    Some(Value::Null)
                } else {
                    need(
                        &mut errors,
                        "Select the review meeting (record the meeting held first if there is none)"
                            .into(),
                    );
                    None
                }
            }
            Kind::SettingId | Kind::SettingRef | Kind::OptionalSettingRef => {
                let known = ctx.settings.settings.iter().any(|(id, _)| id == v);
                match (known, field.kind) {
                    (true, Kind::SettingId) => Some(json!(v)),
                    (true, _) => Some(json!({ "setting": v })),
                    (false, Kind::OptionalSettingRef) if v.is_empty() => Some(Value::Null),
                    _ => {
                        need(&mut errors, format!("Select the {label}"));
                        None
                    }
                }
            }
            Kind::Needs => match NeedType::all().find(|n| n.code() == v) {
                Some(n) => Some(json!([{ "need": n.code(), "rank": 1 }])),
                None => {
                    need(&mut errors, "Select the primary need".into());
                    None
                }
            },
            Kind::Placed => {
                if let Some((value, _, sen_unit, rp)) = ctx.provisions.iter().find(|p| p.0 == v) {
                    let (setting, provision) = value.split_once('/').unwrap_or((value, ""));
                    Some(
                        json!({ "setting": { "setting": setting }, "provision": provision,
                                 "sen_unit": sen_unit, "resourced_provision": rp }),
                    )
                } else if ctx.settings.settings.iter().any(|(id, _)| id == v) {
                    Some(json!({ "setting": { "setting": v }, "provision": null,
                                 "sen_unit": false, "resourced_provision": false }))
                } else {
                    need(&mut errors, "Select the setting or provision".into());
                    None
                }
            }
            Kind::Named => {
                if let Some((value, _, sen_unit, rp)) = ctx.provisions.iter().find(|p| p.0 == v) {
                    let (setting, provision) = value.split_once('/').unwrap_or((value, ""));
                    Some(
                        json!([{ "setting": { "setting": setting }, "provision": provision, "rank": 1,
                                  "sen_unit": sen_unit, "resourced_provision": rp }]),
                    )
                } else if v.is_empty() {
                    Some(json!([]))
                } else if ctx.settings.settings.iter().any(|(id, _)| id == v) {
                    Some(
                        json!([{ "setting": { "setting": v }, "provision": null, "rank": 1,
                                  "sen_unit": false, "resourced_provision": false }]),
                    )
                } else {
                    need(
                        &mut errors,
                        "Select a setting from the list, or none".into(),
                    );
                    None
                }
            }
            Kind::Sections => {
                let mut s = Map::new();
                for (k, _) in SECTIONS {
                    s.insert(
                        (*k).to_string(),
                        json!(value(form, &format!("sections-{k}"))),
                    );
                }
                Some(Value::Object(s))
            }
            Kind::Scores => {
                let mut m = Map::new();
                for sec in &ctx.rubric.sections {
                    let name = format!("scores-{}", sec.key);
                    match value(form, &name).parse::<u8>() {
                        Ok(v) if (1..=ctx.rubric.max_score).contains(&v) => {
                            m.insert(sec.key.clone(), json!(v));
                        }
                        _ => errors.push((field.key, format!("Score section {}", sec.label))),
                    }
                }
                Some(Value::Object(m))
            }
            Kind::Fixed(j) => serde_json::from_str(j).ok(),
            Kind::Number | Kind::OptionalNumber => match v.trim().replace(',', "").parse::<u32>() {
                Ok(n) => Some(json!(n)),
                Err(_) if v.trim().is_empty() && matches!(field.kind, Kind::OptionalNumber) => {
                    Some(Value::Null)
                }
                Err(_) if v.trim().is_empty() => {
                    need(&mut errors, format!("Enter the {label}"));
                    None
                }
                Err(_) => {
                    need(
                        &mut errors,
                        format!("The {label} must be a whole number, like 12"),
                    );
                    None
                }
            },
            Kind::Money => match sendscope_domain::codes::Pence::parse_pounds(v) {
                Ok(p) if p.0 >= 0 => Some(json!(p.0)),
                _ if v.trim().is_empty() => {
                    need(&mut errors, format!("Enter the {label}"));
                    None
                }
                _ => {
                    need(
                        &mut errors,
                        format!("The {label} must be an amount in pounds, like 18,000 or 18000.50"),
                    );
                    None
                }
            },
            Kind::List => {
                let items: Vec<&str> = v
                    .split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .collect();
                if items.is_empty() {
                    need(
                        &mut errors,
                        format!("Enter the {label}, separated by commas"),
                    );
                    None
                } else {
                    Some(json!(items))
                }
            }
            Kind::NeedTypes | Kind::OptionalNeedTypes => {
                let chosen: Vec<&str> = values(form, field.key)
                    .into_iter()
                    .filter(|c| NeedType::all().any(|n| n.code() == *c))
                    .collect();
                match (chosen.is_empty(), field.kind) {
                    (true, Kind::OptionalNeedTypes) => Some(Value::Null),
                    (true, _) => {
                        need(&mut errors, format!("Select at least one: {label}"));
                        None
                    }
                    _ => Some(json!(chosen)),
                }
            }
            Kind::AcademicYear => match sendscope_domain::codes::AcademicYear::parse(v) {
                Ok(y) => Some(json!(y.to_string())),
                Err(_) => {
                    need(
                        &mut errors,
                        format!("Enter the {label} as two years, like 2026/27"),
                    );
                    None
                }
            },
            Kind::FinancialYear => match sendscope_domain::codes::FinancialYear::parse(v) {
                Ok(y) => Some(json!(y.to_string())),
                Err(_) => {
                    need(
                        &mut errors,
                        format!("Enter the {label} as two years, like 2026-27"),
                    );
                    None
                }
            },
        };
        match (field.kind, got, field.key.split_once("__")) {
            (Kind::Placed, Some(Value::Object(m)), _) => out.extend(m),
            // "outer__inner" fields make one nested object.
            (_, Some(g), Some((outer, inner))) => {
                if let Value::Object(m) = out
                    .entry(outer.to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
                {
                    m.insert(inner.to_string(), g);
                }
            }
            (_, Some(g), None) => {
                out.insert(field.key.to_string(), g);
            }
            (_, None, _) => {}
        }
    }
    // A later start day belongs to the setting named.
    if let Some(start) = out.remove("starts_on")
        && !start.is_null()
    {
        match out.get_mut("named").and_then(Value::as_array_mut) {
            Some(named) if !named.is_empty() => {
                for n in named.iter_mut() {
                    n["starts_on"] = start.clone();
                }
            }
            _ => errors.push((
                "starts_on",
                "Leave the start date empty when no setting is named".into(),
            )),
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(errors)
    }
}

/// The form, with what was entered and any errors (field errors, or the rules' refusal).
/// What a form page shows besides its fields: whose record, the session's CSRF token,
/// what was entered, and what to put right.
pub struct FormView<'a> {
    /// Where the form posts to (the step's own address).
    pub action: &'a str,
    /// Where "Cancel" goes back to (the record).
    pub back: &'a str,
    /// Whose record: the caption above the title.
    pub child: &'a str,
    pub csrf: &'a str,
    pub form: &'a Submitted,
    pub errors: &'a [FieldError],
    pub refusal: Option<&'a str>,
}

/// What a child can be named into or placed in: the provisions that need approval, then
/// every setting.
fn placeable(ctx: &Context) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = ctx
        .provisions
        .iter()
        .map(|(v, l, _, _)| (v.clone(), format!("{l} (SEN unit or resourced provision)")))
        .collect();
    options.extend(ctx.settings.settings.iter().cloned());
    options
}

pub fn render_form(step: &Step, ctx: &Context, v: &FormView) -> String {
    let FormView {
        action,
        back,
        child,
        csrf,
        form,
        errors,
        refusal,
    } = *v;
    let mut h = String::new();
    if !errors.is_empty() || refusal.is_some() {
        let mut items: String = errors
            .iter()
            .map(|(k, m)| format!("<li><a href=\"#{k}\">{}</a></li>", esc(m)))
            .collect();
        if let Some(r) = refusal {
            items.push_str(&format!("<li><a href=\"#step-form\">{}</a></li>", esc(r)));
        }
        h.push_str(&format!(
            "<div class=\"govuk-error-summary\" data-module=\"govuk-error-summary\"><div role=\"alert\">\
             <h2 class=\"govuk-error-summary__title\">There is a problem</h2><div class=\"govuk-error-summary__body\">\
             <ul class=\"govuk-list govuk-error-summary__list\">{items}</ul></div></div></div>"
        ));
    }
    h.push_str(&format!(
        "<span class=\"govuk-caption-l\">{}</span><h1>{}</h1>\
         <form method=\"post\" action=\"{}\" id=\"step-form\" novalidate>\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(child),
        esc(step.title),
        esc(action),
        esc(csrf)
    ));
    for field in step.fields {
        h.push_str(&render_field(field, ctx, form, errors));
    }
    if ctx.can_override {
        h.push_str(&format!(
            "<div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"override_reason\">Override the approval gate (team managers only)</label>\
             <div id=\"override_reason-hint\" class=\"govuk-hint\">Only if the child must be named into a provision whose approval is not yet in effect: say why. The override is recorded and reported.</div>\
             <textarea class=\"govuk-textarea\" id=\"override_reason\" name=\"override_reason\" rows=\"2\" aria-describedby=\"override_reason-hint\">{}</textarea></div>",
            esc(value(form, "override_reason"))
        ));
    }
    h.push_str(&format!(
        "<div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"reason\">Note for the record (optional)</label>\
         <div id=\"reason-hint\" class=\"govuk-hint\">For example, why this is recorded late</div>\
         <textarea class=\"govuk-textarea\" id=\"reason\" name=\"reason\" rows=\"2\" aria-describedby=\"reason-hint\">{}</textarea></div>\
         <div class=\"govuk-button-group\"><button type=\"submit\">Record</button>\
         <a class=\"govuk-link\" href=\"{}\">Cancel</a></div></form>",
        esc(value(form, "reason")),
        esc(back)
    ));
    h
}

fn render_field(field: &Field, ctx: &Context, form: &Submitted, errors: &[FieldError]) -> String {
    let key = field.key;
    let error = errors.iter().find(|(k, _)| *k == key).map(|(_, m)| m);
    let group = if error.is_some() {
        "govuk-form-group govuk-form-group--error"
    } else {
        "govuk-form-group"
    };
    let hint_id = format!("{key}-hint");
    let err_id = format!("{key}-error");
    let describedby = {
        let mut ids = Vec::new();
        if !field.hint.is_empty() {
            ids.push(hint_id.clone());
        }
        if error.is_some() {
            ids.push(err_id.clone());
        }
        if ids.is_empty() {
            String::new()
        } else {
            format!(" aria-describedby=\"{}\"", ids.join(" "))
        }
    };
    let hint = if field.hint.is_empty() {
        String::new()
    } else {
        format!(
            "<div id=\"{hint_id}\" class=\"govuk-hint\">{}</div>",
            esc(field.hint)
        )
    };
    let err = error
        .map(|m| {
            format!(
                "<p id=\"{err_id}\" class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span> {}</p>",
                esc(m)
            )
        })
        .unwrap_or_default();
    let current = value(form, key);
    let fieldset = |legend: &str, inner: String| {
        format!(
            "<div class=\"{group}\"><fieldset class=\"govuk-fieldset\"{describedby}><legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">{}</legend>{hint}{err}{inner}</fieldset></div>",
            esc(legend)
        )
    };
    let radios = |options: Vec<(String, String)>, optional: bool| {
        let mut items: String = options
            .iter()
            .enumerate()
            .map(|(i, (v, label))| {
                let id = if i == 0 {
                    key.to_string()
                } else {
                    format!("{key}-{i}")
                };
                let checked = if current == v { " checked" } else { "" };
                format!(
                    "<div class=\"govuk-radios__item\"><input class=\"govuk-radios__input\" id=\"{id}\" name=\"{key}\" type=\"radio\" value=\"{}\"{checked}>\
                     <label class=\"govuk-label govuk-radios__label\" for=\"{id}\">{}</label></div>",
                    esc(v),
                    esc(label)
                )
            })
            .collect();
        if optional {
            let checked = if current.is_empty() { " checked" } else { "" };
            items.push_str(&format!(
                "<div class=\"govuk-radios__divider\">or</div><div class=\"govuk-radios__item\"><input class=\"govuk-radios__input\" id=\"{key}-none\" name=\"{key}\" type=\"radio\" value=\"\"{checked}>\
                 <label class=\"govuk-label govuk-radios__label\" for=\"{key}-none\">None</label></div>"
            ));
        }
        format!("<div class=\"govuk-radios\" data-module=\"govuk-radios\">{items}</div>")
    };
    let select = |options: &[(String, String)], none: Option<&str>| {
        let mut opts = String::new();
        if let Some(n) = none {
            opts.push_str(&format!("<option value=\"\">{}</option>", esc(n)));
        }
        for (v, label) in options {
            let sel = if current == v { " selected" } else { "" };
            opts.push_str(&format!(
                "<option value=\"{}\"{sel}>{}</option>",
                esc(v),
                esc(label)
            ));
        }
        format!(
            "<div class=\"{group}\"><label class=\"govuk-label\" for=\"{key}\">{}</label>{hint}{err}\
             <select class=\"govuk-select\" id=\"{key}\" name=\"{key}\"{describedby}>{opts}</select></div>",
            esc(field.label)
        )
    };
    let owned = |c: Choices| -> Vec<(String, String)> {
        c.iter()
            .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
            .collect()
    };
    match field.kind {
        Kind::Date | Kind::OptionalDate => {
            let part = |p: &str, label: &str, width: u8| {
                let name = format!("{key}-{p}");
                let id = if p == "day" {
                    key.to_string()
                } else {
                    name.clone()
                };
                let error_class = if error.is_some() {
                    " govuk-input--error"
                } else {
                    ""
                };
                format!(
                    "<div class=\"govuk-date-input__item\"><div class=\"govuk-form-group\">\
                     <label class=\"govuk-label govuk-date-input__label\" for=\"{id}\">{label}</label>\
                     <input class=\"govuk-input govuk-date-input__input govuk-input--width-{width}{error_class}\" id=\"{id}\" name=\"{name}\" type=\"text\" inputmode=\"numeric\" value=\"{}\"></div></div>",
                    esc(value(form, &name))
                )
            };
            let inner = format!(
                "<div class=\"govuk-date-input\">{}{}{}</div>",
                part("day", "Day", 2),
                part("month", "Month", 2),
                part("year", "Year", 4)
            );
            fieldset(field.label, inner)
        }
        Kind::Text | Kind::List | Kind::AcademicYear | Kind::FinancialYear => format!(
            "<div class=\"{group}\"><label class=\"govuk-label\" for=\"{key}\">{}</label>{hint}{err}\
             <input class=\"govuk-input govuk-!-width-one-half\" id=\"{key}\" name=\"{key}\" type=\"text\" value=\"{}\"{describedby}></div>",
            esc(field.label),
            esc(current)
        ),
        Kind::Number | Kind::OptionalNumber => format!(
            "<div class=\"{group}\"><label class=\"govuk-label\" for=\"{key}\">{}{}</label>{hint}{err}\
             <input class=\"govuk-input govuk-input--width-5\" id=\"{key}\" name=\"{key}\" type=\"text\" inputmode=\"numeric\" spellcheck=\"false\" value=\"{}\"{describedby}></div>",
            esc(field.label),
            if matches!(field.kind, Kind::OptionalNumber) {
                " (optional)"
            } else {
                ""
            },
            esc(current)
        ),
        Kind::Money => format!(
            "<div class=\"{group}\"><label class=\"govuk-label\" for=\"{key}\">{}</label>{hint}{err}\
             <div class=\"govuk-input__wrapper\"><div class=\"govuk-input__prefix\" aria-hidden=\"true\">£</div>\
             <input class=\"govuk-input govuk-input--width-10\" id=\"{key}\" name=\"{key}\" type=\"text\" spellcheck=\"false\" value=\"{}\"{describedby}></div></div>",
            esc(field.label),
            esc(current)
        ),
        Kind::TextArea | Kind::OptionalTextArea => {
            let optional = if matches!(field.kind, Kind::OptionalTextArea) {
                " (optional)"
            } else {
                ""
            };
            format!(
                "<div class=\"{group}\"><label class=\"govuk-label\" for=\"{key}\">{}{optional}</label>{hint}{err}\
                 <textarea class=\"govuk-textarea\" id=\"{key}\" name=\"{key}\" rows=\"4\"{describedby}>{}</textarea></div>",
                esc(field.label),
                esc(current)
            )
        }
        Kind::Choice(c) => fieldset(field.label, radios(owned(c), false)),
        Kind::OptionalChoice(c) => fieldset(field.label, radios(owned(c), true)),
        Kind::YesNo => fieldset(
            field.label,
            radios(
                vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())],
                false,
            ),
        ),
        Kind::Checkboxes(_) | Kind::NeedTypes | Kind::OptionalNeedTypes => {
            let c: Vec<(String, String)> = match field.kind {
                Kind::Checkboxes(c) => owned(c),
                _ => NeedType::all()
                    .map(|n| {
                        (
                            n.code().to_string(),
                            format!("{} ({})", n.description(), n.code()),
                        )
                    })
                    .collect(),
            };
            let chosen = values(form, key);
            let items: String = c
                .iter()
                .enumerate()
                .map(|(i, (v, label))| {
                    let id = if i == 0 {
                        key.to_string()
                    } else {
                        format!("{key}-{i}")
                    };
                    let checked = if chosen.contains(&v.as_str()) {
                        " checked"
                    } else {
                        ""
                    };
                    format!(
                        "<div class=\"govuk-checkboxes__item\"><input class=\"govuk-checkboxes__input\" id=\"{id}\" name=\"{key}\" type=\"checkbox\" value=\"{v}\"{checked}>\
                         <label class=\"govuk-label govuk-checkboxes__label\" for=\"{id}\">{}</label></div>",
                        esc(label)
                    )
                })
                .collect();
            fieldset(
                field.label,
                format!(
                    "<div class=\"govuk-checkboxes\" data-module=\"govuk-checkboxes\">{items}</div>"
                ),
            )
        }
        Kind::Request => {
            let options: Vec<(String, String)> = ctx
                .requests
                .iter()
                .map(|(n, l)| (n.to_string(), l.clone()))
                .collect();
            fieldset(field.label, radios(options, false))
        }
        Kind::Meeting => select(&ctx.meetings, None),
        Kind::OptionalMeeting => select(&ctx.meetings, Some("Not after a review")),
        Kind::SettingId | Kind::SettingRef => {
            select(&ctx.settings.settings, Some("Choose a setting"))
        }
        Kind::OptionalSettingRef => select(&ctx.settings.settings, Some("None")),
        Kind::Named => select(&placeable(ctx), Some("None")),
        Kind::Placed => select(&placeable(ctx), Some("Choose a setting or provision")),
        Kind::Needs => {
            let options: Vec<(String, String)> = NeedType::all()
                .map(|n| {
                    (
                        n.code().to_string(),
                        format!("{} ({})", n.description(), n.code()),
                    )
                })
                .collect();
            select(&options, Some("Choose the primary need"))
        }
        Kind::Sections => {
            let inner: String = SECTIONS
                .iter()
                .map(|(k, label)| {
                    let name = format!("sections-{k}");
                    format!(
                        "<div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"{name}\">Section {}</label>\
                         <textarea class=\"govuk-textarea\" id=\"{name}\" name=\"{name}\" rows=\"2\">{}</textarea></div>",
                        esc(label),
                        esc(value(form, &name))
                    )
                })
                .collect();
            format!(
                "<fieldset class=\"govuk-fieldset\"><legend class=\"govuk-fieldset__legend govuk-fieldset__legend--m\">The plan, section by section</legend>{inner}</fieldset>"
            )
        }
        Kind::Scores => {
            let r = &ctx.rubric;
            let groups: String = r
                .sections
                .iter()
                .map(|sec| {
                    let name = format!("scores-{}", sec.key);
                    let chosen = value(form, &name);
                    let items: String = (1..=r.max_score)
                        .map(|v| {
                            let id = if v == 1 { name.clone() } else { format!("{name}-{v}") };
                            let checked = if chosen == v.to_string() { " checked" } else { "" };
                            format!(
                                "<div class=\"govuk-radios__item\"><input class=\"govuk-radios__input\" id=\"{id}\" name=\"{name}\" type=\"radio\" value=\"{v}\"{checked}>\
                                 <label class=\"govuk-label govuk-radios__label\" for=\"{id}\">{v}</label></div>"
                            )
                        })
                        .collect();
                    format!(
                        "<div class=\"govuk-form-group\"><fieldset class=\"govuk-fieldset\" aria-describedby=\"{name}-hint\"><legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">{}</legend>\
                         <div id=\"{name}-hint\" class=\"govuk-hint\">{}</div><div class=\"govuk-radios govuk-radios--inline govuk-radios--small\" data-module=\"govuk-radios\">{items}</div></fieldset></div>",
                        esc(&sec.label),
                        esc(&sec.good_looks_like)
                    )
                })
                .collect();
            let first = r
                .sections
                .first()
                .map(|x| format!("scores-{}", x.key))
                .unwrap_or_default();
            format!(
                "<div class=\"{group}\" id=\"{key}\"><fieldset class=\"govuk-fieldset\"><legend class=\"govuk-fieldset__legend govuk-fieldset__legend--m\">{}: 1 (inadequate) to {}</legend>\
                 <p class=\"govuk-body\">Rubric: {}. <a class=\"govuk-link\" href=\"#{first}\">Start with the first section</a>.</p>{err}{groups}</fieldset></div>",
                esc(field.label),
                r.max_score,
                esc(&r.title)
            )
        }
        Kind::NextRequest | Kind::Fixed(_) => String::new(),
    }
}

/// The list of steps that can be recorded on a case, by group.
pub fn render_menu(case: &str, child: &str) -> String {
    let mut h = format!(
        "<span class=\"govuk-caption-l\">{}</span><h1>Record a step</h1>\
         <p>Choose what has happened. sendscope checks the step against the law's order of events and tells you if something must be recorded first.</p>",
        esc(child)
    );
    let mut group = "";
    for s in STEPS {
        if s.group != group {
            if !group.is_empty() {
                h.push_str("</ul>");
            }
            group = s.group;
            h.push_str(&format!("<h2>{}</h2><ul class=\"govuk-list\">", esc(group)));
        }
        h.push_str(&format!(
            "<li><a class=\"govuk-link\" href=\"/cases/{case}/steps/{}\">{}</a></li>",
            s.slug,
            esc(s.title)
        ));
    }
    h.push_str("</ul>");
    h
}

/// The child's name for a form's caption.
pub fn child_name(p: &Projection) -> String {
    p.case()
        .and_then(|c| c.child.as_ref())
        .map(|c| format!("{} {}", c.given_names, c.family_name))
        .unwrap_or_default()
}

/// Opens a case for recording a step from a page: the projection, or the page to show.
pub fn open_for_change(
    store: &dyn Store,
    who: &SignedIn,
    id: &str,
    event_type: Option<&str>,
) -> Result<Projection, Box<Response>> {
    match changeable_for_form(store, &who.principal, id, event_type) {
        Ok(p) => Ok(p),
        Err(StepError::NotFound) => Err(Box::new(not_found())),
        Err(StepError::Forbidden) => Err(Box::new((
            StatusCode::FORBIDDEN,
            Html(page(
                "No access",
                "<h1>You cannot record steps on this record</h1><p>Caseworkers and team managers record casework.</p>",
            )),
        )
            .into_response())),
        Err(e) => Err(Box::new(crate::error_page(&format!("{e:?}")))),
    }
}

/// Where to go after a step is recorded.
pub fn after_recording(case: &str, slug: &str) -> Response {
    Redirect::to(&format!("/cases/{case}?recorded={slug}")).into_response()
}

/// Every case stream is a case: used by the compile-time check that steps name case events.
pub fn is_case_event(event_type: &str) -> bool {
    EventBody::TYPES.contains(&event_type)
        && event_type.starts_with(&format!("{}.", StreamKind::Case))
}

/// A step's form for a record this user may change: the step, the record, the choices.
fn prepare(
    store: &dyn Store,
    options: &sendscope_app::filter_options::FilterOptions,
    who: &SignedIn,
    id: &str,
    slug: &str,
) -> Result<(&'static Step, Projection, Context), Box<Response>> {
    let step = step(slug).ok_or_else(|| Box::new(not_found()))?;
    let p = open_for_change(store, who, id, Some(step.event_type))?;
    let settings = options
        .get(store, p.area, None)
        .map_err(|e| Box::new(crate::error_page(&e.to_string())))?;
    let rubric = area_rubric(store, &p, england_today())
        .map_err(|e| Box::new(crate::error_page(&format!("{e:?}"))))?;
    let mut ctx = Context::of(
        p.case().ok_or_else(|| Box::new(not_found()))?,
        settings,
        rubric,
    );
    if step
        .fields
        .iter()
        .any(|f| matches!(f.kind, Kind::Named | Kind::Placed))
    {
        let names: std::collections::HashMap<&String, &String> = ctx
            .settings
            .settings
            .iter()
            .map(|(id, n)| (id, n))
            .collect();
        let provisions = store
            .area_projections(p.area, sendscope_domain::StreamKind::Provision)
            .map_err(|e| Box::new(crate::error_page(&e.to_string())))?;
        let mut list: Vec<(String, String, bool, bool)> = provisions
            .iter()
            .filter_map(|x| match &x.state {
                StreamState::Provision(s) if s.closed_on.is_none() => {
                    let o = s.opened.as_ref()?;
                    use sendscope_domain::event::ProvisionKind as K;
                    if !matches!(o.kind, K::SenUnit | K::ResourcedProvision) {
                        return None;
                    }
                    let school = names
                        .get(&o.setting.to_string())
                        .map(|n| n.as_str())
                        .unwrap_or("");
                    Some((
                        format!("{}/{}", o.setting, x.stream.id),
                        format!("{school}: {}", o.name),
                        o.kind == K::SenUnit,
                        o.kind == K::ResourcedProvision,
                    ))
                }
                _ => None,
            })
            .collect();
        list.sort_by(|a, b| a.1.cmp(&b.1));
        ctx.provisions = list;
        ctx.can_override = authorise(
            &who.principal,
            Action::OverrideGate,
            Resource::Case {
                projection: &p,
                today: england_today(),
            },
        )
        .allowed();
    }
    Ok((step, p, ctx))
}

/// GET /cases/{id}/steps: what can be recorded.
pub async fn menu(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_user(&app, headers, move |store, who| {
        match open_for_change(store, &who, &id, None) {
            Ok(p) => {
                Html(page("Record a step", &render_menu(&id, &child_name(&p)))).into_response()
            }
            Err(r) => *r,
        }
    })
    .await
}

/// GET /cases/{id}/steps/{slug}: the step's form.
pub async fn form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, slug)): Path<(String, String)>,
) -> Response {
    let options = app.filter_options.clone();
    with_user(&app, headers, move |store, who| {
        let (step, p, ctx) = match prepare(store, &options, &who, &id, &slug) {
            Ok(x) => x,
            Err(r) => return *r,
        };
        let view = FormView {
            action: &format!("/cases/{id}/steps/{slug}"),
            back: &format!("/cases/{id}"),
            child: &child_name(&p),
            csrf: &who.session.csrf,
            form: &Vec::new(),
            errors: &[],
            refusal: None,
        };
        Html(page(step.title, &render_form(step, &ctx, &view))).into_response()
    })
    .await
}

/// POST /cases/{id}/steps/{slug}: records the step, or shows the form again with what to
/// put right. Nothing is recorded unless the whole step is accepted.
pub async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, slug)): Path<(String, String)>,
    Form(form): Form<Submitted>,
) -> Response {
    let options = app.filter_options.clone();
    with_user(&app, headers, move |store, who| {
        if value(&form, "csrf") != who.session.csrf {
            return crate::form_expired();
        }
        let (step, p, ctx) = match prepare(store, &options, &who, &id, &slug) {
            Ok(x) => x,
            Err(r) => return *r,
        };
        let again = |status: StatusCode, errors: &[FieldError], refusal: Option<&str>| {
            let view = FormView {
                action: &format!("/cases/{id}/steps/{slug}"),
                back: &format!("/cases/{id}"),
                child: &child_name(&p),
                csrf: &who.session.csrf,
                form: &form,
                errors,
                refusal,
            };
            let body = render_form(step, &ctx, &view);
            (status, Html(page(&format!("Error: {}", step.title), &body))).into_response()
        };
        let payload = match payload(step, &form, &ctx) {
            Ok(v) => v,
            Err(errors) => return again(StatusCode::BAD_REQUEST, &errors, None),
        };
        let reason = Some(value(&form, "reason").to_string());
        let override_reason = Some(value(&form, "override_reason").to_string());
        match record_step_overriding(
            store,
            &who.principal,
            who.username.as_str(),
            &id,
            step.event_type,
            payload,
            reason,
            override_reason,
        ) {
            Ok(_) => after_recording(&id, step.slug),
            Err(StepError::Refused(m) | StepError::Invalid(m)) => {
                let m = format!("This step cannot be recorded: {m}");
                again(StatusCode::UNPROCESSABLE_ENTITY, &[], Some(&m))
            }
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Forbidden) => open_for_change(store, &who, &id, None)
                .err()
                .map(|r| *r)
                .unwrap_or_else(not_found),
            Err(StepError::Internal(e)) => crate::error_page(&e),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sendscope_app::steps::step_types;

    #[test]
    fn every_form_is_a_case_step_and_every_step_has_a_form() {
        let mut slugs: Vec<&str> = STEPS.iter().map(|s| s.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), STEPS.len());
        for s in STEPS {
            assert!(is_case_event(s.event_type), "{}", s.event_type);
            assert!(step_types().any(|t| t == s.event_type), "{}", s.event_type);
        }
        // Steps without a form are recorded through the API or by tools of their own.
        let without: Vec<&str> = step_types()
            .filter(|t| !STEPS.iter().any(|s| s.event_type == *t))
            .collect();
        assert_eq!(
            without,
            [
                "case.child_details_changed",
                "case.related_person_added",
                "case.related_person_removed",
                "case.court_restriction_recorded",
                "case.court_restriction_lifted",
                "case.caseworker_assigned",
                "case.plan_recorded",
                "case.mediation_recorded",
                "case.letter_issued",
                "case.letter_sent",
            ]
        );
    }
}
