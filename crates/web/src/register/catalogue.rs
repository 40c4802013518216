//! The provisions register's steps as data: opening a provision and each step after it,
//! with the approval routes and provision kinds offered.

use crate::steps::{Kind, Step, f, h};

pub(crate) const ROUTES: &[(&str, &str)] = &[
    (
        "significant_change",
        "DfE significant change (academies and free schools)",
    ),
    (
        "prescribed_alteration",
        "Prescribed alteration (maintained schools)",
    ),
];

pub(crate) const KINDS: &[(&str, &str)] = &[
    ("sen_unit", "SEN unit"),
    ("resourced_provision", "Resourced provision (ERP)"),
    ("special", "Special school places"),
    ("independent_special", "Independent special school places"),
    ("alternative_provision", "Alternative provision"),
    ("post16", "Post-16"),
    ("mainstream", "Mainstream places"),
];

/// Opening a provision at a school (the setting is the page's).
pub const OPEN: Step = Step {
    slug: "open",
    event_type: "provision.opened",
    group: "Provision",
    title: "Add a provision",
    fields: &[
        f("kind", "Kind of provision", Kind::Choice(KINDS)),
        h(
            "name",
            "Name",
            "For example, Autism resource base",
            Kind::Text,
        ),
        f(
            "need_types",
            "Types of need it is designated for",
            Kind::NeedTypes,
        ),
        f("low_age", "Youngest age", Kind::Number),
        f("high_age", "Oldest age", Kind::Number),
        h(
            "opens_on",
            "Date its first places open (if known)",
            "Places cannot be used before an approval it needs is in effect",
            Kind::OptionalDate,
        ),
    ],
};

/// Every step on a provision's record, as forms.
pub const PROVISION_STEPS: &[Step] = &[
    Step {
        slug: "places",
        event_type: "provision.places_set",
        group: "Places and money",
        title: "Places for an academic year",
        fields: &[
            h(
                "academic_year",
                "Academic year",
                "For example, 2026/27",
                Kind::AcademicYear,
            ),
            h(
                "places",
                "Places",
                "A change of places at a SEN unit or resourced provision, or beyond the threshold at a special school, needs its own approval first",
                Kind::Number,
            ),
        ],
    },
    Step {
        slug: "costs",
        event_type: "provision.costs_set",
        group: "Places and money",
        title: "Cost per place for a financial year",
        fields: &[
            h(
                "financial_year",
                "Financial year",
                "For example, 2026-27",
                Kind::FinancialYear,
            ),
            f("cost__place_funding", "Place funding", Kind::Money),
            f("cost__top_up", "Top-up", Kind::Money),
            f("cost__health", "Health contribution", Kind::Money),
            f("cost__social_care", "Social care contribution", Kind::Money),
        ],
    },
    Step {
        slug: "sla",
        event_type: "provision.sla_signed",
        group: "Agreements and approval",
        title: "Service level agreement signed",
        fields: &[
            h(
                "parties",
                "Parties",
                "Separate them with commas, for example Derby City Council, One Trust",
                Kind::List,
            ),
            f("signed_on", "Date signed", Kind::Date),
            f("start", "Start date", Kind::Date),
            f("end", "End date", Kind::Date),
        ],
    },
    Step {
        slug: "approval-applied",
        event_type: "provision.approval_applied",
        group: "Agreements and approval",
        title: "Approval applied for",
        fields: &[
            f("route", "Route", Kind::Choice(ROUTES)),
            f("submitted_on", "Date submitted", Kind::Date),
            f(
                "advisory_board_on",
                "Advisory board date (if known)",
                Kind::OptionalDate,
            ),
        ],
    },
    Step {
        slug: "approval-decided",
        event_type: "provision.approval_decided",
        group: "Agreements and approval",
        title: "Approval decided",
        fields: &[
            f("route", "Route", Kind::Choice(ROUTES)),
            h(
                "approved",
                "Was it approved?",
                "Answer no for a refusal or a deferral",
                Kind::YesNo,
            ),
            h(
                "deferred_pending",
                "If it was deferred, what the decision waits for",
                "For example, viable-options evidence. Leave empty for an approval or a refusal",
                Kind::OptionalTextArea,
            ),
            f("decided_on", "Date decided", Kind::Date),
            h(
                "effective_from",
                "Date it takes effect",
                "Places may be offered from this day. Leave empty if it is the date decided",
                Kind::OptionalDate,
            ),
            h(
                "places",
                "Places approved",
                "Only for a change in the number of places",
                Kind::OptionalNumber,
            ),
            h(
                "need_types",
                "Types of need approved",
                "Only for a change in the types of need",
                Kind::OptionalNeedTypes,
            ),
        ],
    },
    Step {
        slug: "capital",
        event_type: "provision.capital_approved",
        group: "Capital",
        title: "Capital approved",
        fields: &[
            h(
                "reference",
                "Project reference",
                "For capital funding several provisions, record a capital project instead (Settings, Capital projects)",
                Kind::Text,
            ),
            f("amount", "Amount approved", Kind::Money),
            h(
                "approving_body",
                "Approved by",
                "For example, Cabinet",
                Kind::Text,
            ),
            f("approved_on", "Date approved", Kind::Date),
            f("places", "Places it will deliver", Kind::Number),
        ],
    },
    Step {
        slug: "capital-spent",
        event_type: "provision.capital_spent",
        group: "Capital",
        title: "Capital spent to date",
        fields: &[
            f("reference", "Project reference", Kind::Text),
            f("on", "Date of the figure", Kind::Date),
            h(
                "spent_to_date",
                "Spent to date",
                "The running total, not the spend since the last report",
                Kind::Money,
            ),
        ],
    },
    Step {
        slug: "need-types",
        event_type: "provision.need_types_changed",
        group: "Provision",
        title: "Types of need changed",
        fields: &[
            h(
                "on",
                "Date of the change",
                "A change of the types of need needs its own approval first",
                Kind::Date,
            ),
            f("need_types", "Types of need from that day", Kind::NeedTypes),
        ],
    },
    Step {
        slug: "closed",
        event_type: "provision.closed",
        group: "Provision",
        title: "Provision closed",
        fields: &[f("on", "Date closed", Kind::Date)],
    },
];

pub(crate) fn step(slug: &str) -> Option<&'static Step> {
    PROVISION_STEPS.iter().find(|s| s.slug == slug)
}

#[cfg(test)]
mod tests {
    /// Every field of every provisions-register form fills a key its step's payload has.
    #[test]
    fn every_form_field_exists_on_its_payload() {
        crate::steps::assert_fields_on_payloads(
            std::iter::once(&super::OPEN).chain(super::PROVISION_STEPS),
        );
    }
}
