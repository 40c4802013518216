//! The forms as GOV.UK pages: each field by its kind, errors beside their fields, and the
//! menu of steps a record offers.

use super::*;
use crate::ui;
use maud::{Markup, html};
use sendscope_domain::sen::NeedType;

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
pub(crate) fn placeable(ctx: &Context) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = ctx
        .provisions
        .iter()
        .map(|c| {
            (
                c.provision.to_string(),
                format!("{} (SEN unit or resourced provision)", c.label),
            )
        })
        .collect();
    options.extend(ctx.settings.settings.iter().cloned());
    options
}

pub fn render_form(step: &Step, ctx: &Context, v: &FormView) -> Markup {
    let FormView {
        action,
        back,
        child,
        csrf,
        form,
        errors,
        refusal,
    } = *v;
    let problems = errors
        .iter()
        .map(|(k, m)| (*k, m.as_str()))
        .chain(refusal.map(|r| ("step-form", r)));
    html! {
        @if !errors.is_empty() || refusal.is_some() { (ui::error_summary(problems)) }
        span.govuk-caption-l { (child) }
        h1.govuk-heading-l { (step.title) }
        form method="post" action=(action) id="step-form" novalidate {
            (ui::csrf(csrf))
            @for field in step.fields { (render_field(field, ctx, form, errors)) }
            @if ctx.can_override {
                (ui::textarea(&ui::Question {
                    hint: Some("Only if the child must be named into a provision whose approval is not yet in effect: \
                                say why. The override is recorded and reported."),
                    ..ui::Question::new("override_reason", "Override the approval gate (team managers only)")
                }, "", 2, value(form, "override_reason")))
            }
            (ui::textarea(&ui::Question {
                hint: Some("For example, why this is recorded late"),
                ..ui::Question::new("reason", "Note for the record (optional)")
            }, "", 2, value(form, "reason")))
            div.govuk-button-group {
                (ui::submit("Record"))
                (ui::link(back, "Cancel"))
            }
        }
    }
}

/// The need types as choices: "Autistic spectrum disorder (ASD)".
fn need_choices() -> Vec<(String, String)> {
    NeedType::all()
        .map(|n| {
            (
                n.code().to_string(),
                format!("{} ({})", n.description(), n.code()),
            )
        })
        .collect()
}

pub(crate) fn render_field(
    field: &Field,
    ctx: &Context,
    form: &Submitted,
    errors: &[FieldError],
) -> Markup {
    let key = field.key;
    let q = ui::Question {
        name: key,
        label: field.label,
        hint: (!field.hint.is_empty()).then_some(field.hint),
        error: errors
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, m)| m.as_str()),
    };
    let current = value(form, key);
    let owned = |c: Choices| -> Vec<(String, String)> {
        c.iter()
            .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
            .collect()
    };
    let select = |options: &[(String, String)], none: Option<&str>| {
        ui::select_question(&q, options, none, current)
    };
    let optional = |yes: bool| if yes { " (optional)" } else { "" };
    match field.kind {
        Kind::Date | Kind::OptionalDate => {
            let part = |p: &str| value(form, &format!("{key}-{p}"));
            ui::date_input(&q, (part("day"), part("month"), part("year")))
        }
        Kind::Text | Kind::List | Kind::AcademicYear | Kind::FinancialYear => {
            ui::text_input(&q, "", ui::Width::Half, current)
        }
        Kind::Number | Kind::OptionalNumber => ui::text_input(
            &q,
            optional(matches!(field.kind, Kind::OptionalNumber)),
            ui::Width::Number,
            current,
        ),
        Kind::Money => ui::text_input(&q, "", ui::Width::Money, current),
        Kind::TextArea | Kind::OptionalTextArea => ui::textarea(
            &q,
            optional(matches!(field.kind, Kind::OptionalTextArea)),
            4,
            current,
        ),
        Kind::Choice(c) => ui::radios(&q, &owned(c), current, None),
        Kind::OptionalChoice(c) => ui::radios(&q, &owned(c), current, Some("None")),
        Kind::YesNo => ui::radios(
            &q,
            &[("yes".into(), "Yes".into()), ("no".into(), "No".into())],
            current,
            None,
        ),
        Kind::Checkboxes(_) | Kind::NeedTypes | Kind::OptionalNeedTypes => {
            let c: Vec<(String, String)> = match field.kind {
                Kind::Checkboxes(c) => owned(c),
                _ => need_choices(),
            };
            ui::checkboxes(&q, &c, &values(form, key))
        }
        Kind::Request => {
            let options: Vec<(String, String)> = ctx
                .requests
                .iter()
                .map(|(n, l)| (n.to_string(), l.clone()))
                .collect();
            ui::radios(&q, &options, current, None)
        }
        Kind::Meeting => select(&ctx.meetings, None),
        Kind::OptionalMeeting => select(&ctx.meetings, Some("Not after a review")),
        Kind::SettingId | Kind::SettingRef => {
            select(&ctx.settings.settings, Some("Choose a setting"))
        }
        Kind::OptionalSettingRef => select(&ctx.settings.settings, Some("None")),
        Kind::Members | Kind::OptionalMembers => {
            ui::checkboxes(&q, &ctx.members, &values(form, key))
        }
        Kind::ProvisionId => {
            let options: Vec<(String, String)> = ctx
                .provisions
                .iter()
                .map(|c| (c.provision.to_string(), c.label.clone()))
                .collect();
            select(&options, Some("Choose a provision"))
        }
        Kind::Named => select(&placeable(ctx), Some("None")),
        Kind::Placed => select(&placeable(ctx), Some("Choose a setting or provision")),
        Kind::Needs => select(&need_choices(), Some("Choose the primary need")),
        Kind::Sections => super::plan_fields::render(form, q.error),
        Kind::Scores => {
            let r = &ctx.rubric;
            let scores: Vec<(String, String)> = (1..=r.max_score)
                .map(|v| (v.to_string(), v.to_string()))
                .collect();
            let first = r
                .sections
                .first()
                .map(|x| format!("scores-{}", x.key))
                .unwrap_or_default();
            html! {
                div class=(q.group_class()) id=(key) {
                    fieldset.govuk-fieldset {
                        legend class="govuk-fieldset__legend govuk-fieldset__legend--m" {
                            (field.label) ": 1 (inadequate) to " (r.max_score)
                        }
                        p.govuk-body {
                            "Rubric: " (r.title) ". " (ui::link(&format!("#{first}"), "Start with the first section")) "."
                        }
                        @if let Some(e) = q.error {
                            p.govuk-error-message id={ (key) "-error" } { span.govuk-visually-hidden { "Error:" } " " (e) }
                        }
                        @for sec in &r.sections {
                            @let name = format!("scores-{}", sec.key);
                            (ui::Question { hint: Some(&sec.good_looks_like), ..ui::Question::new(&name, &sec.label) }
                                .fieldset(ui::radio_items(&name, "govuk-radios govuk-radios--inline govuk-radios--small",
                                    &scores, value(form, &name), None)))
                        }
                    }
                }
            }
        }
        Kind::Episode | Kind::Timetable => {
            let open = if matches!(field.kind, Kind::Episode) {
                &ctx.education.episodes
            } else {
                &ctx.education.timetables
            };
            let options: Vec<(String, String)> = open
                .iter()
                .map(|(n, l)| (n.to_string(), l.clone()))
                .collect();
            ui::radios(&q, &options, current, None)
        }
        Kind::NextRequest | Kind::NextEpisode | Kind::NextTimetable | Kind::Fixed(_) => html! {},
    }
}

/// The list of steps that can be recorded on a case, by group.
pub fn render_menu(case: &str, child: &str) -> Markup {
    let mut groups: Vec<(&str, Vec<&Step>)> = Vec::new();
    for s in STEPS {
        match groups.last_mut() {
            Some((g, list)) if *g == s.group => list.push(s),
            _ => groups.push((s.group, vec![s])),
        }
    }
    html! {
        span.govuk-caption-l { (child) }
        h1.govuk-heading-l { "Record a step" }
        p.govuk-body {
            "Choose what has happened. sendscope checks the step against the law's order of events and tells you \
             if something must be recorded first."
        }
        @for (group, steps) in &groups {
            h2.govuk-heading-m { (group) }
            ul.govuk-list {
                @for s in steps {
                    li { (ui::link(&format!("/cases/{case}/steps/{}", s.slug), s.title)) }
                }
            }
        }
    }
}
