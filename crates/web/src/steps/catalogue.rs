//! The forms as data: every casework step, its fields, how each is asked and which
//! payload key it fills, and the choices offered.

pub(crate) type Choices = &'static [(&'static str, &'static str)];

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
    /// Which open missing-education episode → its number; the next one's number.
    Episode,
    NextEpisode,
    /// Which open part-time timetable → its number; the next one's number.
    Timetable,
    NextTimetable,
    /// Which review meeting held → its date.
    Meeting,
    OptionalMeeting,
    /// A setting in the area → its identifier.
    SettingId,
    /// A provision offered on the form (`Context::provisions`) → its identifier.
    ProvisionId,
    /// Board members (`Context::members`) as checkboxes → their numbers (at least one;
    /// optional → an empty list).
    Members,
    OptionalMembers,
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

pub(crate) const REQUESTERS: Choices = &[
    ("parent", "A parent"),
    ("young_person", "The young person"),
    ("school", "A school or college"),
    ("health", "A health professional"),
    ("social_care", "Social care"),
    ("other", "Someone else"),
];
pub(crate) const DECISIONS: Choices = &[
    ("assess", "Assess: carry out an EHC needs assessment"),
    ("do_not_assess", "Do not assess"),
];
pub(crate) const CONTACTS: Choices = &[
    ("note", "A note on the record"),
    ("phone_call", "Phone call"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("visit", "Visit"),
    ("letter", "Letter"),
];
pub(crate) const ADVICE: Choices = &[
    ("education", "Education"),
    ("health", "Health"),
    ("social_care", "Social care"),
    ("educational_psychology", "Educational psychology"),
];
pub(crate) const EXCEPTIONS: Choices = &[
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
pub(crate) const REVIEW_DECISIONS: Choices = &[
    ("maintain", "Maintain the plan as it is"),
    ("amend", "Amend the plan"),
    ("cease", "Cease the plan"),
];
pub(crate) const PHASES: Choices = &[
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
pub(crate) const SUBJECTS: Choices = &[
    ("refusal_to_assess", "A decision not to assess"),
    ("refusal_to_issue", "A decision not to issue a plan"),
    ("plan_contents", "What the plan says"),
    ("named_setting", "The setting named in the plan"),
    ("cessation", "A decision to cease the plan"),
];
pub(crate) const OUTCOMES: Choices = &[
    ("upheld", "Upheld"),
    ("partly_upheld", "Partly upheld"),
    ("dismissed", "Dismissed"),
    ("withdrawn", "Withdrawn by the family"),
    ("conceded", "Conceded by the council"),
];
pub(crate) const ORDERS: Choices = &[
    ("assess", "Carry out an EHC needs assessment"),
    ("make_plan", "Make and maintain a plan"),
    ("amend_plan", "Amend the plan"),
    ("name_setting", "Name a school or other setting"),
    ("review", "Review the plan"),
];
pub(crate) const CEASE: Choices = &[
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

pub(crate) const ON: Field = f("on", "Date", Kind::Date);
pub(crate) const SERVICES: Choices = &[
    ("education", "Education"),
    ("health", "Health"),
    ("social_care", "Social care"),
];
pub(crate) const OTHER_LA: Field = h(
    "other_la",
    "The other council's LA code",
    "Three digits, for example 830",
    Kind::Text,
);
pub(crate) const REQUEST: Field = f("request", "Which request", Kind::Request);
pub(crate) const SUBJECT: Field = f(
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
            f("sections", "Sections", Kind::Sections),
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
        slug: "note-recorded",
        event_type: "case.note_recorded",
        group: "Notes and contacts",
        title: "Case note or contact",
        fields: &[
            ON,
            f("kind", "What it was", Kind::Choice(CONTACTS)),
            f(
                "with_whom",
                "Who it was with, if it was a contact",
                Kind::OptionalTextArea,
            ),
            f("summary", "What was said or done", Kind::TextArea),
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
            f(
                "response",
                "The response, as sent to the complainant",
                Kind::TextArea,
            ),
        ],
    },
    Step {
        slug: "missing-education-reported",
        event_type: "case.missing_education_reported",
        group: "Education",
        title: "Reported missing education",
        fields: &[
            f("episode", "", Kind::NextEpisode),
            ON,
            h(
                "source",
                "Who told the council",
                "For example, school or health visitor",
                Kind::Text,
            ),
            f("details", "What is known", Kind::TextArea),
        ],
    },
    Step {
        slug: "missing-education-enquiry",
        event_type: "case.missing_education_enquiry",
        group: "Education",
        title: "Enquiry to find a child missing education",
        fields: &[
            f("episode", "Which episode", Kind::Episode),
            ON,
            h(
                "with_whom",
                "With whom",
                "For example, home visit, GP practice, another council's admissions team",
                Kind::Text,
            ),
            f("outcome", "What it found", Kind::TextArea),
        ],
    },
    Step {
        slug: "missing-education-closed",
        event_type: "case.missing_education_closed",
        group: "Education",
        title: "Off the missing-education register",
        fields: &[
            f("episode", "Which episode", Kind::Episode),
            ON,
            f("outcome", "Outcome", Kind::Choice(MISSING_OUTCOMES)),
            f("reason", "Why, in a sentence", Kind::TextArea),
        ],
    },
    Step {
        slug: "part-time-agreed",
        event_type: "case.part_time_timetable_agreed",
        group: "Education",
        title: "Part-time timetable agreed",
        fields: &[
            f("timetable", "", Kind::NextTimetable),
            ON,
            f("hours_a_week", "Hours a week in school", Kind::Number),
            f("agreed_with_parent", "Agreed with the parent?", Kind::YesNo),
            h(
                "review_by",
                "Review by",
                "Within the area's longest time to review (six weeks unless the council has set its own)",
                Kind::Date,
            ),
            f("reason", "Why", Kind::TextArea),
        ],
    },
    Step {
        slug: "part-time-reviewed",
        event_type: "case.part_time_timetable_reviewed",
        group: "Education",
        title: "Part-time timetable reviewed",
        fields: &[
            f("timetable", "Which timetable", Kind::Timetable),
            ON,
            f("hours_a_week", "Hours a week from now", Kind::Number),
            f("review_by", "Next review by", Kind::Date),
        ],
    },
    Step {
        slug: "part-time-ended",
        event_type: "case.part_time_timetable_ended",
        group: "Education",
        title: "Part-time timetable ended",
        fields: &[f("timetable", "Which timetable", Kind::Timetable), ON],
    },
    Step {
        slug: "alternative-provision",
        event_type: "case.alternative_provision_arranged",
        group: "Education",
        title: "Alternative provision arranged (s.19)",
        fields: &[
            ON,
            f("provider", "Provider", Kind::Text),
            f("hours_a_week", "Hours a week", Kind::Number),
        ],
    },
    Step {
        slug: "home-education",
        event_type: "case.home_education_notified",
        group: "Education",
        title: "Elective home education notified",
        fields: &[ON],
    },
];

const MISSING_OUTCOMES: &[(&str, &str)] = &[
    ("found", "Found, and in education here"),
    ("traced_to_another_area", "Traced to another area"),
    ("removed", "Removed from the register after enquiries"),
];

pub fn step(slug: &str) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.slug == slug)
}

/// The form that records an event type.
pub fn step_for(event_type: &str) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.event_type == event_type)
}

/// The payload keys a form field fills: the field's own key; for `outer__inner`, the
/// object `outer`; a placement's four keys; a later start day belongs to `named`.
#[cfg(test)]
fn payload_keys(field: &Field) -> Vec<&'static str> {
    match field.kind {
        Kind::Placed => vec!["setting", "provision", "sen_unit", "resourced_provision"],
        _ if field.key == "starts_on" => vec!["named"],
        _ => vec![field.key.split_once("__").map_or(field.key, |(o, _)| o)],
    }
}

/// Every field of every form fills a key its step's payload has (a key it does not have
/// would be dropped without a word when the payload is read).
#[cfg(test)]
pub(crate) fn assert_fields_on_payloads<'a>(steps: impl IntoIterator<Item = &'a Step>) {
    for step in steps {
        let fields =
            sendscope_domain::EventBody::payload_fields(step.event_type).expect("a catalogue type");
        for f in step.fields {
            for key in payload_keys(f) {
                assert!(
                    fields.contains(&key),
                    "{}: field {:?} fills {key:?}, which {} does not have (it has {fields:?})",
                    step.slug,
                    f.key,
                    step.event_type
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_form_field_exists_on_its_payload() {
        super::assert_fields_on_payloads(super::STEPS);
    }
}
