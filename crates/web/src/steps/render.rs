//! The forms as GOV.UK pages: each field by its kind, errors beside their fields, and the
//! menu of steps a record offers.

use super::*;
use crate::esc;
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

pub(crate) fn render_field(
    field: &Field,
    ctx: &Context,
    form: &Submitted,
    errors: &[FieldError],
) -> String {
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
