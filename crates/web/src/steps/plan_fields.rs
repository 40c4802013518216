//! The plan's sections on the draft, final and amendment forms: each section's text, the
//! outcomes of section E (outcome, steps, by when) and the provision of section F (what,
//! how often, by whom), a row each. Without JavaScript there is no "add another": the
//! form offers every row there is and three blank ones; a blank row is left out.

use super::*;
use maud::{Markup, html};
use sendscope_domain::event::PLAN_SECTIONS;
use serde_json::{Value, json};

/// Blank rows offered after those filled.
const SPARE: usize = 3;

/// How many rows of a kind the form holds (those submitted, at least the spare ones).
fn rows(form: &Submitted, prefix: &str) -> usize {
    let filled = form
        .iter()
        .filter_map(|(k, _)| {
            k.strip_prefix(prefix)?
                .split('-')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .max()
        .map_or(0, |n| n + 1);
    filled + SPARE
}

pub(crate) fn render(form: &Submitted, error: Option<&str>) -> Markup {
    let outcome_rows = rows(form, "outcome-");
    let provision_rows = rows(form, "provision-");
    html! {
        div class=(if error.is_some() { "govuk-form-group govuk-form-group--error" } else { "govuk-form-group" }) id="sections" {
            @if let Some(e) = error {
                p.govuk-error-message { span.govuk-visually-hidden { "Error:" } " " (e) }
            }
            @for (k, heading) in PLAN_SECTIONS {
                @let name = format!("sections-{k}");
                h2.govuk-heading-m { (heading) }
                (ui::textarea(&ui::Question::new(&name, &format!("{heading}: text")), "", 6, value(form, &name)))
                @if *k == "e" {
                    @for n in 0..outcome_rows {
                        fieldset.govuk-fieldset {
                            legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "Outcome " (n + 1) }
                            @let o = format!("outcome-{n}-outcome");
                            @let s = format!("outcome-{n}-steps");
                            @let b = format!("outcome-{n}-by");
                            (ui::textarea(&ui::Question::new(&o, "What the child or young person will achieve"), "", 2, value(form, &o)))
                            (ui::textarea(&ui::Question::new(&s, "Steps towards it"), "", 2, value(form, &s)))
                            (ui::date_input(
                                &ui::Question { hint: Some("For example, 31 7 2027. Leave blank if none"), ..ui::Question::new(&b, "Achieved by (optional)") },
                                (value(form, &format!("{b}-day")), value(form, &format!("{b}-month")), value(form, &format!("{b}-year"))),
                            ))
                        }
                    }
                }
                @if *k == "f" {
                    @for n in 0..provision_rows {
                        fieldset.govuk-fieldset {
                            legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { "Provision " (n + 1) }
                            @let w = format!("provision-{n}-what");
                            @let h = format!("provision-{n}-how_often");
                            @let by = format!("provision-{n}-by_whom");
                            (ui::textarea(&ui::Question::new(&w, "What is provided"), "", 2, value(form, &w)))
                            (ui::text_input(&ui::Question { hint: Some("For example, 2 sessions of 30 minutes a week"), ..ui::Question::new(&h, "How much and how often") }, "", ui::Width::Half, value(form, &h)))
                            (ui::text_input(&ui::Question::new(&by, "Who provides it"), "", ui::Width::Half, value(form, &by)))
                        }
                    }
                }
            }
        }
    }
}

/// The sections as the payload's object, or what to put right (a row part filled).
pub(crate) fn read(form: &Submitted) -> Result<Value, String> {
    let mut s = serde_json::Map::new();
    for (k, _) in PLAN_SECTIONS {
        s.insert(
            (*k).to_string(),
            json!(value(form, &format!("sections-{k}"))),
        );
    }
    let mut outcomes = Vec::new();
    for n in 0..rows(form, "outcome-") {
        let (o, steps) = (
            value(form, &format!("outcome-{n}-outcome")),
            value(form, &format!("outcome-{n}-steps")),
        );
        let by = form::date_from(
            form,
            &format!("outcome-{n}-by"),
            "date outcome {n} is achieved by",
        )?;
        if o.is_empty() && steps.is_empty() && by.is_none() {
            continue;
        }
        if o.is_empty() {
            return Err(format!(
                "Outcome {}: say what the child or young person will achieve, or clear the row",
                n + 1
            ));
        }
        outcomes.push(json!({ "outcome": o, "steps": steps, "by": by }));
    }
    let mut provision = Vec::new();
    for n in 0..rows(form, "provision-") {
        let part = |p: &str| value(form, &format!("provision-{n}-{p}"));
        let (what, how, by) = (part("what"), part("how_often"), part("by_whom"));
        if what.is_empty() && how.is_empty() && by.is_empty() {
            continue;
        }
        let missing: Vec<&str> = [
            ("what is provided", what),
            ("how much and how often", how),
            ("who provides it", by),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(l, _)| l)
        .collect();
        if !missing.is_empty() {
            return Err(format!(
                "Provision {}: say {} (section F must be specified and quantified)",
                n + 1,
                missing.join(" and ")
            ));
        }
        provision.push(json!({ "what": what, "how_often": how, "by_whom": by }));
    }
    s.insert("outcomes".into(), Value::Array(outcomes));
    s.insert("provision".into(), Value::Array(provision));
    Ok(Value::Object(s))
}

/// The form's fields from a plan's sections as recorded (to correct a step, or to carry
/// a draft into the final plan).
pub(crate) fn prefill(v: &Value, put: &mut dyn FnMut(String, String)) {
    let text = |v: &Value| v.as_str().map(str::to_string);
    for (k, _) in PLAN_SECTIONS {
        if let Some(s) = text(&v[*k]) {
            put(format!("sections-{k}"), s);
        }
    }
    for (n, o) in v["outcomes"].as_array().into_iter().flatten().enumerate() {
        for part in ["outcome", "steps"] {
            if let Some(s) = text(&o[part]) {
                put(format!("outcome-{n}-{part}"), s);
            }
        }
        if let Some(d) = o["by"]
            .as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        {
            put(format!("outcome-{n}-by-day"), d.format("%-d").to_string());
            put(format!("outcome-{n}-by-month"), d.format("%-m").to_string());
            put(format!("outcome-{n}-by-year"), d.format("%Y").to_string());
        }
    }
    for (n, p) in v["provision"].as_array().into_iter().flatten().enumerate() {
        for part in ["what", "how_often", "by_whom"] {
            if let Some(s) = text(&p[part]) {
                put(format!("provision-{n}-{part}"), s);
            }
        }
    }
}
