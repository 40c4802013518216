//! A submitted form read into a step's payload: each field by its kind (dates from day,
//! month and year; pounds into pence; choices; the case's requests and meetings), each
//! problem with the field it concerns.

use super::*;
use chrono::NaiveDate;
use sendscope_domain::calendar::long_date;
use sendscope_domain::projection::CaseState;
use sendscope_domain::sen::NeedType;
use serde_json::{Map, Value, json};

/// What a form needs from the case and the area to offer its choices.
pub struct Context {
    pub requests: Vec<(u32, String)>,
    pub meetings: Vec<(String, String)>,
    pub settings: std::sync::Arc<sendscope_app::filter_options::Choices>,
    pub next_request: u32,
    pub rubric: sendscope_domain::qa::Rubric,
    /// Provisions a child can be named into or placed in (SEN units and resourced
    /// provisions), offered beside the settings.
    pub provisions: Vec<ProvisionChoice>,
    /// Whether this user may override the approval gate (team managers).
    pub can_override: bool,
    /// The partnership board's members: (number, "name, role, organisation").
    pub members: Vec<(String, String)>,
    /// The child's open missing-education episodes and part-time timetables.
    pub education: Numbered,
}

/// A record's open episodes and timetables, as (number, words), and the numbers the
/// next of each will have: chosen or given on the form, never typed.
#[derive(Debug, Clone, Default)]
pub struct Numbered {
    pub episodes: Vec<(u32, String)>,
    pub next_episode: u32,
    pub timetables: Vec<(u32, String)>,
    pub next_timetable: u32,
}

impl Numbered {
    fn of(e: &sendscope_domain::education::EducationState) -> Self {
        Numbered {
            episodes: e
                .missing
                .iter()
                .filter(|m| m.closed.is_none())
                .map(|m| {
                    (
                        m.reported.episode,
                        format!("Reported missing {}", long_date(m.reported.on)),
                    )
                })
                .collect(),
            next_episode: e
                .missing
                .iter()
                .map(|m| m.reported.episode)
                .max()
                .unwrap_or(0)
                + 1,
            timetables: e
                .timetables
                .iter()
                .filter(|t| t.ended_on.is_none())
                .map(|t| {
                    (
                        t.agreed.timetable,
                        format!(
                            "Agreed {}, {} hours a week",
                            long_date(t.agreed.on),
                            t.hours_a_week
                        ),
                    )
                })
                .collect(),
            next_timetable: e
                .timetables
                .iter()
                .map(|t| t.agreed.timetable)
                .max()
                .unwrap_or(0)
                + 1,
        }
    }
}

impl Context {
    /// The provision chosen on a form, by its identifier.
    pub fn provision(&self, chosen: &str) -> Option<&ProvisionChoice> {
        self.provisions
            .iter()
            .find(|c| c.provision.to_string() == chosen)
    }

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
            members: Vec::new(),
            education: Numbered::of(&c.education),
        }
    }
}

/// A provision a child can be named into or placed in: chosen on the form by its own
/// identifier; the school it is at goes into the payload beside it.
#[derive(Debug, Clone)]
pub struct ProvisionChoice {
    pub provision: sendscope_domain::ids::ProvisionId,
    pub setting: sendscope_domain::ids::SettingId,
    /// "School: provision name".
    pub label: String,
    pub sen_unit: bool,
    pub resourced_provision: bool,
}

pub use crate::shell::{Submitted, raw_value, value, value_of, values};

/// A field's error: its key and what to do.
pub type FieldError = (&'static str, String);

pub(crate) fn date_of(form: &Submitted, field: &Field) -> Result<Option<String>, String> {
    date_from(form, field.key, field.label).map(|d| d.map(|d| d.to_string()))
}

/// A GOV.UK date input's three parts (`{key}-day`, `-month`, `-year`) as a date: none
/// when all are empty, else what to put right, in the words of the question's `label`.
pub(crate) fn date_from(
    form: &Submitted,
    key: &str,
    label: &str,
) -> Result<Option<NaiveDate>, String> {
    let part = |p: &str| value(form, &format!("{key}-{p}")).to_string();
    let (d, m, y) = (part("day"), part("month"), part("year"));
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Ok(None);
    }
    let label = label.to_lowercase();
    let n = |s: &str| s.parse::<u32>().ok();
    match (n(&d), n(&m), y.parse::<i32>().ok()) {
        (Some(d), Some(m), Some(y)) if y >= 1000 => NaiveDate::from_ymd_opt(y, m, d)
            .map(Some)
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
            Kind::NextEpisode => Some(json!(ctx.education.next_episode)),
            Kind::NextTimetable => Some(json!(ctx.education.next_timetable)),
            Kind::Episode | Kind::Timetable => {
                let (open, missing) = if matches!(field.kind, Kind::Episode) {
                    (
                        &ctx.education.episodes,
                        "Select the episode (there is none open: report the child missing first)",
                    )
                } else {
                    (
                        &ctx.education.timetables,
                        "Select the timetable (there is none open: record one agreed first)",
                    )
                };
                match v.parse::<u32>() {
                    Ok(n) if open.iter().any(|(x, _)| *x == n) => Some(json!(n)),
                    _ => {
                        need(&mut errors, missing.into());
                        None
                    }
                }
            }
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
            Kind::Members | Kind::OptionalMembers => {
                let chosen: Vec<u32> = values(form, field.key)
                    .into_iter()
                    .filter(|c| ctx.members.iter().any(|(m, _)| m == c))
                    .filter_map(|c| c.parse().ok())
                    .collect();
                if chosen.is_empty() && matches!(field.kind, Kind::Members) {
                    need(&mut errors, format!("Select at least one: {label}"));
                    None
                } else {
                    Some(json!(chosen))
                }
            }
            Kind::ProvisionId => match ctx.provision(v) {
                Some(c) => Some(json!(c.provision)),
                None => {
                    need(&mut errors, format!("Select the {label}"));
                    None
                }
            },
            Kind::Needs => match NeedType::all().find(|n| n.code() == v) {
                Some(n) => Some(json!([{ "need": n.code(), "rank": 1 }])),
                None => {
                    need(&mut errors, "Select the primary need".into());
                    None
                }
            },
            Kind::Placed => {
                if let Some(c) = ctx.provision(v) {
                    Some(
                        json!({ "setting": { "setting": c.setting }, "provision": c.provision,
                                 "sen_unit": c.sen_unit, "resourced_provision": c.resourced_provision }),
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
                if let Some(c) = ctx.provision(v) {
                    Some(
                        json!([{ "setting": { "setting": c.setting }, "provision": c.provision, "rank": 1,
                                  "sen_unit": c.sen_unit, "resourced_provision": c.resourced_provision }]),
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
            Kind::Sections => match super::plan_fields::read(form) {
                Ok(s) => Some(s),
                Err(e) => {
                    need(&mut errors, e);
                    None
                }
            },
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

/// A step's recorded values as its form's fields, to correct them: what the form asks is
/// shown as it was recorded (or last corrected); what a form cannot show again is asked
/// afresh.
pub fn prefill(step: &Step, recorded: &Value) -> Submitted {
    let mut out: Submitted = Vec::new();
    for f in step.fields {
        let v = &recorded[f.key];
        let mut put = |k: String, s: String| out.push((k, s));
        let text = |v: &Value| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        };
        let setting = |v: &Value| text(&v["provision"]).or_else(|| text(&v["setting"]["setting"]));
        match f.kind {
            Kind::Date | Kind::OptionalDate => {
                if let Some(d) = v
                    .as_str()
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                {
                    put(format!("{}-day", f.key), d.format("%-d").to_string());
                    put(format!("{}-month", f.key), d.format("%-m").to_string());
                    put(format!("{}-year", f.key), d.format("%Y").to_string());
                }
            }
            Kind::YesNo => {
                if let Some(b) = v.as_bool() {
                    put(f.key.into(), if b { "yes" } else { "no" }.into());
                }
            }
            Kind::Checkboxes(_)
            | Kind::NeedTypes
            | Kind::OptionalNeedTypes
            | Kind::Members
            | Kind::OptionalMembers => {
                for x in v.as_array().into_iter().flatten() {
                    if let Some(s) = text(x) {
                        put(f.key.into(), s);
                    }
                }
            }
            Kind::List => {
                let items: Vec<String> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(text)
                    .collect();
                put(f.key.into(), items.join(", "));
            }
            Kind::Money => {
                if let Some(p) = v.as_i64() {
                    put(f.key.into(), format!("{}.{:02}", p / 100, p % 100));
                }
            }
            Kind::SettingRef | Kind::OptionalSettingRef | Kind::Placed => {
                if let Some(s) = setting(v) {
                    put(f.key.into(), s);
                }
            }
            Kind::Named => {
                if let Some(s) = setting(&v[0]) {
                    put(f.key.into(), s);
                }
            }
            Kind::Needs => {
                if let Some(s) = text(&v[0]["need"]) {
                    put(f.key.into(), s);
                }
            }
            Kind::Sections => super::plan_fields::prefill(v, &mut put),
            Kind::Scores => {
                for (k, x) in v.as_object().into_iter().flatten() {
                    if let Some(s) = text(x) {
                        put(format!("scores-{k}"), s);
                    }
                }
            }
            Kind::NextRequest | Kind::NextEpisode | Kind::NextTimetable | Kind::Fixed(_) => {}
            _ => {
                if let Some(s) = text(v) {
                    put(f.key.into(), s);
                }
            }
        }
    }
    out
}

/// The corrected payload: what the form gives, over what was recorded (so the fields a
/// form does not ask, and the request a step belongs to, stay as they were).
pub fn corrected(step: &Step, recorded: &Value, asked: Value) -> Value {
    let mut out = recorded.as_object().cloned().unwrap_or_default();
    if let Value::Object(m) = asked {
        for (k, v) in m {
            let kept = step.fields.iter().any(|f| {
                f.key == k
                    && matches!(
                        f.kind,
                        Kind::NextRequest
                            | Kind::NextEpisode
                            | Kind::NextTimetable
                            | Kind::Fixed(_)
                    )
            });
            if !kept {
                out.insert(k, v);
            }
        }
    }
    Value::Object(out)
}
