//! The provisions register as pages: a provision's record (places, costs, agreements,
//! approvals, capital and its spend, types of need, viable-options evidence and the
//! gates' findings), a GOV.UK form for each step, opening a provision at a school, and
//! the viable-options evidence with a button to record it. Pages and the API share
//! [`record`]: one set of checks, one way in.

use crate::auth::Visitor;
use crate::shell::blocking;
use crate::steps::{Context, FieldError, FormView, Step, Submitted};
use crate::{AppState, ui};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use sendscope_app::provisions::{record, step_from_json};
use sendscope_app::steps::StepError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::codes::Pence;
use sendscope_domain::compliance::{ProvisionRecord, findings};
use sendscope_domain::event::StreamRef;
use sendscope_domain::ids::{ProvisionId, SettingId};
use sendscope_domain::projection::{ProvisionState, SettingState, StreamState};
use sendscope_store::{Store, StoreError};
use serde_json::Value;

mod catalogue;
mod viable;

use catalogue::*;
pub use viable::*;

/// A provision in the caller's area, with its school.
struct Loaded {
    id: ProvisionId,
    provision: ProvisionState,
    setting_id: SettingId,
    setting: Option<SettingState>,
}

impl Loaded {
    fn name(&self) -> String {
        self.provision
            .opened
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }
    fn school(&self) -> String {
        self.setting
            .as_ref()
            .and_then(|s| s.details.as_ref())
            .map(|d| d.name.clone())
            .unwrap_or_default()
    }
}

fn load(store: &dyn Store, who: &Principal, id: &str) -> Result<Option<Loaded>, StoreError> {
    let Ok(id) = ProvisionId::parse(id) else {
        return Ok(None);
    };
    let Some(p) = store
        .projection(StreamRef::provision(id))?
        .filter(|p| p.area == who.area)
    else {
        return Ok(None);
    };
    let StreamState::Provision(provision) = p.state else {
        return Ok(None);
    };
    let Some(setting_id) = provision.opened.as_ref().map(|o| o.setting) else {
        return Ok(None);
    };
    let setting = match store
        .projection(StreamRef::setting(setting_id))?
        .map(|p| p.state)
    {
        Some(StreamState::Setting(s)) => Some(s),
        _ => None,
    };
    Ok(Some(Loaded {
        id,
        provision,
        setting_id,
        setting,
    }))
}

fn not_found() -> Response {
    crate::Error::not_found("There is no such provision in your area.").into_response()
}

fn forbidden() -> Response {
    crate::Error::forbidden("Commissioners and team managers keep it.")
        .heading("You cannot change the provisions register")
        .into_response()
}

fn may_change(who: &Principal) -> bool {
    authorise(who, Action::Change, Resource::Settings { area: who.area }).allowed()
}

fn money(p: Pence) -> String {
    p.to_string()
}

/// A section of a record: its heading, then its table, or what it means that it is empty.
pub(crate) fn table(caption: &str, head: &[&str], rows: Vec<Vec<Markup>>, empty: &str) -> Markup {
    let columns: Vec<ui::Column> = head.iter().map(|h| ui::col(h)).collect();
    html! {
        h2.govuk-heading-m { (caption) }
        @if rows.is_empty() {
            p.govuk-body { (empty) }
        } @else {
            (ui::table_unseen_caption(caption, &columns, rows.iter().map(|r| html! {
                @for c in r { (ui::cell(c)) }
            })))
        }
    }
}

/// Text for a table cell.
pub(crate) fn text(s: impl maud::Render) -> Markup {
    html! { (s) }
}

/// Why new places or capital here need viable-options evidence, if they do: the school is
/// below the Ofsted standard and no evidence is recorded for this provision.
pub fn evidence_required(
    rules: &sendscope_domain::compliance::GateRules,
    provision: &ProvisionState,
    setting: Option<&SettingState>,
    today: NaiveDate,
) -> Option<String> {
    if !provision.viable_options.is_empty() || provision.closed_on.is_some() {
        return None;
    }
    rules.below_standard(setting?, today)
}

/// Whether the places are commissioned today: under an agreement in force, one to
/// come, or none (worked out from the agreements recorded, never typed in).
fn commissioning(p: &ProvisionState, today: NaiveDate) -> String {
    let current = p
        .slas
        .iter()
        .filter(|s| s.start <= today && today <= s.end)
        .max_by_key(|s| s.end);
    let next = p
        .slas
        .iter()
        .filter(|s| s.start > today)
        .min_by_key(|s| s.start);
    match (current, next) {
        (Some(s), _) => format!(
            "commissioned under an agreement running to {}",
            long_date(s.end)
        ),
        (None, Some(s)) => format!("agreement signed, starting {}", long_date(s.start)),
        (None, None) if p.slas.is_empty() => "no service level agreement recorded".into(),
        (None, None) => "not commissioned now: the last agreement has ended".into(),
    }
}

/// Open or closed, with its opening day where one is recorded.
fn status(p: &ProvisionState, today: NaiveDate) -> String {
    let opens = p.opened.as_ref().and_then(|o| o.opens_on);
    match (p.closed_on, opens) {
        (Some(c), _) => format!("closed on {}", long_date(c)),
        (None, Some(o)) if o > today => format!("opens on {}", long_date(o)),
        (None, Some(o)) => format!("open since {}", long_date(o)),
        (None, None) => "open".into(),
    }
}

/// The provision's page, and the children it names (shown by name: each a logged view).
fn show_page(
    store: &dyn Store,
    who: &Principal,
    l: &Loaded,
) -> Result<(Markup, Vec<sendscope_domain::ids::CaseId>), StoreError> {
    let today = england_today();
    let rules = sendscope_app::compliance::rules_on(store, who.area, today)?;
    let p = &l.provision;
    let o = p.opened.as_ref();
    let id = l.id;
    let needs: Vec<&str> = p.need_types_on(today).iter().map(|n| n.code()).collect();
    let approval = match rules.route(p, l.setting.as_ref()) {
        None => "none needed for opening".to_string(),
        Some(route) => sendscope_domain::compliance::approval_status(p, route.label(), today),
    };
    // Findings on this provision's record, and the children named into it or placed in it
    // (each by name where the viewer may open their record), so this page and the
    // compliance report agree.
    let mut namings = Vec::new();
    let mut children = std::collections::HashMap::new();
    sendscope_store::for_each_case(store, who.area, &mut |case, c| {
        let mine: Vec<_> = c
            .namings
            .iter()
            .filter(|n| n.provision == id)
            .copied()
            .collect();
        if !mine.is_empty() {
            let name = c
                .child
                .as_ref()
                .map(|ch| format!("{} {}", ch.given_names, ch.family_name))
                .unwrap_or_default();
            children.insert(case, name);
            namings.extend(mine.into_iter().map(|n| (case, n)));
        }
    })?;
    let projects = sendscope_app::capital::projects(store, who.area)?;
    let shares = sendscope_app::capital::funding_by_provision(&projects)
        .remove(&id)
        .unwrap_or_default();
    let record = ProvisionRecord {
        id,
        provision: p,
        setting_id: l.setting_id,
        setting: l.setting.as_ref(),
        namings,
        funding: shares.iter().map(|(_, f)| f.clone()).collect(),
    };
    let shown = std::cell::RefCell::new(Vec::new());
    let child_cell = |case: Option<sendscope_domain::ids::CaseId>| -> Result<Markup, StoreError> {
        let Some(case) = case else {
            return Ok(text(""));
        };
        let visible = store
            .projection(sendscope_domain::StreamRef::case(case))?
            .is_some_and(|pp| sendscope_app::access::may_see(who, &pp));
        if visible {
            shown.borrow_mut().push(case);
        }
        Ok(if visible {
            maud::html! { a.govuk-link href={ "/cases/" (case) } { (children.get(&case).cloned().unwrap_or_default()) } }
        } else {
            text("A child (their record is not open to your role)")
        })
    };
    let mut found: Vec<Vec<Markup>> = Vec::new();
    for f in findings(&rules, &[record], today) {
        found.push(vec![
            text(long_date(f.began_on)),
            text(&f.detail),
            child_cell(f.case)?,
            text(if f.open { "open" } else { "closed" }),
        ]);
    }
    let mut approvals: Vec<(NaiveDate, Vec<Markup>)> = p
        .applications
        .iter()
        .map(|a| {
            (
                a.submitted_on,
                vec![
                    text(long_date(a.submitted_on)),
                    text(a.route.label()),
                    text(format!(
                        "applied{}",
                        a.advisory_board_on
                            .map(|b| format!(", advisory board {}", long_date(b)))
                            .unwrap_or_default()
                    )),
                ],
            )
        })
        .chain(p.decisions.iter().map(|d| {
            let what: Vec<String> = d
                .places
                .map(|n| format!("{n} places"))
                .into_iter()
                .chain(
                    d.need_types
                        .as_ref()
                        .map(|n| n.iter().map(|x| x.code()).collect::<Vec<_>>().join(", ")),
                )
                .collect();
            (
                d.decided_on,
                vec![
                    text(long_date(d.decided_on)),
                    text(d.route.label()),
                    text(format!(
                        "{}{}{}",
                        match (d.deferral(), d.approved) {
                            (_, true) => "approved".to_string(),
                            (Some(p), false) => format!("deferred pending {p}"),
                            (None, false) => "refused".to_string(),
                        },
                        d.effective_from
                            .map(|e| format!(", in effect from {}", long_date(e)))
                            .unwrap_or_default(),
                        if what.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", what.join("; "))
                        }
                    )),
                ],
            )
        }))
        .collect();
    approvals.sort_by_key(|(d, _)| *d);
    let shown = shown.into_inner();
    Ok((
        html! {
            span.govuk-caption-l { (ui::link(&format!("/settings/{}", l.setting_id), l.school())) }
            h1.govuk-heading-l { (l.name()) }
            @if let Some(why) = evidence_required(&rules, p, l.setting.as_ref(), today) {
                (ui::warning(html! {
                    "Viable-options evidence required: " (why) ". New places or capital here need evidence that no school \
                     meeting the standard could take them. "
                    (ui::link(&format!("/provisions/{id}/viable-options"), "See the viable options"))
                }))
            }
            (ui::summary_list([
                ("Kind", o.map(|o| o.kind.label()).unwrap_or("").to_string()),
                ("Types of need", needs.join(", ")),
                ("Ages", o.map(|o| format!("{}-{}", o.low_age, o.high_age)).unwrap_or_default()),
                ("Approval", approval),
                ("Status", status(p, today)),
                ("Commissioning", commissioning(p, today)),
            ]))
            (table(
                "Findings",
                &["Began", "What", "Child", "Now"],
                found,
                "No step on this provision was taken before the approval it depends on.",
            ))
            p.govuk-body { (ui::link("/compliance", "The compliance report")) " also lists children named or placed before approval." }
            (table(
                "Places",
                &["Academic year", "Places"],
                p.places.iter().map(|(y, n)| vec![text(y.to_string()), text(n)]).collect(),
                "No places recorded.",
            ))
            (table(
                "Cost per place",
                &["Financial year", "Place funding", "Top-up", "Health", "Social care", "Total"],
                p.costs
                    .iter()
                    .map(|(y, c)| {
                        vec![
                            text(y.to_string()),
                            text(money(c.place_funding)),
                            text(money(c.top_up)),
                            text(money(c.health)),
                            text(money(c.social_care)),
                            text(money(c.total())),
                        ]
                    })
                    .collect(),
                "No costs recorded.",
            ))
            (table(
                "Service level agreements",
                &["Parties", "Signed", "Runs"],
                p.slas
                    .iter()
                    .map(|s| {
                        vec![
                            text(s.parties.join(", ")),
                            text(long_date(s.signed_on)),
                            text(format!("{} to {}", long_date(s.start), long_date(s.end))),
                        ]
                    })
                    .collect(),
                "No agreement recorded.",
            ))
            (table(
                "Approvals",
                &["Date", "Route", "What"],
                approvals.into_iter().map(|(_, r)| r).collect(),
                "No application or decision recorded.",
            ))
            (table(
                "Capital",
                &["Project", "Decision", "Amount", "Places", "Spent to date", "Still to spend"],
                shares
                    .iter()
                    .filter_map(|(pid, f)| {
                        let project = projects.iter().find(|x| x.id == *pid)?;
                        let spent = project.state.spent_to_date();
                        let total = project.state.proposed.as_ref().map(|x| x.amount)?;
                        Some(vec![
                            html! { a.govuk-link href={ "/capital/" (pid) } { (project.reference()) ": " (project.name()) } },
                            text(project.state.status()),
                            text(format!("{} of the project's {}", money(f.amount), money(total))),
                            text(f.places),
                            text(spent.map(|s| format!("{} on the whole project", money(s))).unwrap_or_else(|| "not reported".into())),
                            text(spent.map(|s| money(Pence(total.0 - s.0))).unwrap_or_default()),
                        ])
                    })
                    .chain(p.capital
                    .iter()
                    .map(|c| {
                        let spent = c.reference.as_deref().and_then(|r| p.spent_to_date(r));
                        vec![
                            text(c.reference.as_deref().unwrap_or("none")),
                            text(format!("{} by {}", long_date(c.approved_on), c.approving_body)),
                            text(money(c.amount)),
                            text(c.places),
                            text(spent.map(money).unwrap_or_else(|| "not reported".into())),
                            text(spent.map(|s| money(Pence(c.amount.0 - s.0))).unwrap_or_default()),
                        ]
                    }))
                    .collect(),
                "No capital recorded.",
            ))
            (table(
                "Viable-options evidence",
                &["Recorded", "Summary"],
                p.viable_options
                    .iter()
                    .map(|v| {
                        vec![
                            text(long_date(v.on)),
                            html! { @for (i, line) in v.summary.split('\n').enumerate() { @if i > 0 { br; } (line) } },
                        ]
                    })
                    .collect(),
                "None recorded.",
            ))
            p.govuk-body { (ui::link(&format!("/provisions/{id}/viable-options"), "Viable options for these places")) }
            @if may_change(who) {
                h2.govuk-heading-m { "Record a step" }
                ul.govuk-list {
                    @for s in PROVISION_STEPS {
                        li { (ui::link(&format!("/provisions/{id}/steps/{}", s.slug), s.title)) }
                    }
                }
            }
        },
        shown,
    ))
}

/// GET /provisions/{id}
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        match load(store, &who.principal, &id) {
            Ok(Some(l)) => match show_page(store, &who.principal, &l) {
                Ok((body, shown)) => {
                    let mut r = Html(ui::page(&l.name(), body)).into_response();
                    r.extensions_mut().insert(crate::access_log::Shows(shown));
                    r
                }
                Err(e) => crate::Error::internal(e).into_response(),
            },
            Ok(None) => not_found(),
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}

pub(crate) fn empty_context() -> Context {
    Context {
        requests: Vec::new(),
        meetings: Vec::new(),
        settings: std::sync::Arc::new(sendscope_app::filter_options::Choices::default()),
        next_request: 0,
        rubric: sendscope_domain::qa::Rubric::standard(),
        provisions: Vec::new(),
        can_override: false,
        members: Vec::new(),
        education: Default::default(),
    }
}

/// A form page for a step, fresh or with what to put right.
fn form_page(step: &Step, view: &FormView) -> Markup {
    crate::steps::render_form(step, &empty_context(), view)
}

/// Where a form posts, where Cancel goes, and whose record it is.
pub(crate) struct Addresses<'a> {
    pub(crate) action: &'a str,
    pub(crate) back: &'a str,
    pub(crate) caption: &'a str,
}

impl Addresses<'_> {
    pub(crate) fn view<'b>(
        &'b self,
        csrf: &'b str,
        form: &'b Submitted,
        errors: &'b [FieldError],
        refusal: Option<&'b str>,
    ) -> FormView<'b> {
        FormView {
            action: self.action,
            back: self.back,
            child: self.caption,
            csrf,
            form,
            errors,
            refusal,
        }
    }
}

/// What to do with a submitted step form: record it and go back to the provision, or
/// show the form again (400 for field errors, 422 for a refusal; nothing written).
fn submit_step(
    store: &dyn Store,
    who: &crate::auth::SignedIn,
    step: &Step,
    id: ProvisionId,
    extra: impl FnOnce(&mut Value),
    at: &Addresses,
    form: &Submitted,
) -> Response {
    if crate::steps::value_of(form, "csrf") != who.session.csrf {
        return crate::form_expired();
    }
    let again = |status: StatusCode, errors: &[FieldError], refusal: Option<&str>| {
        let body = form_page(step, &at.view(&who.session.csrf, form, errors, refusal));
        (
            status,
            Html(ui::page(&format!("Error: {}", step.title), body)),
        )
            .into_response()
    };
    let mut payload = match crate::steps::payload(step, form, &empty_context()) {
        Ok(v) => v,
        Err(errors) => return again(StatusCode::BAD_REQUEST, &errors, None),
    };
    extra(&mut payload);
    let reason = Some(crate::steps::value_of(form, "reason").to_string());
    let recorded = step_from_json(step.event_type, payload).and_then(|event| {
        record(
            store,
            &who.principal,
            who.username.as_str(),
            id,
            event,
            reason,
        )
    });
    match recorded {
        Ok(_) => Redirect::to(&format!("/provisions/{id}?recorded={}", step.slug)).into_response(),
        Err(StepError::Forbidden) => forbidden(),
        Err(StepError::NotFound) => not_found(),
        Err(StepError::Invalid(m)) | Err(StepError::Refused(m)) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, &[], Some(&m))
        }
        Err(StepError::Internal(m)) => crate::Error::internal(m).into_response(),
    }
}

/// GET /provisions/{id}/steps/{slug}
pub async fn step_form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, slug)): Path<(String, String)>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        if !may_change(&who.principal) {
            return forbidden();
        }
        let (Some(step), Ok(Some(l))) = (step(&slug), load(store, &who.principal, &id)) else {
            return not_found();
        };
        let at = Addresses {
            action: &format!("/provisions/{}/steps/{slug}", l.id),
            back: &format!("/provisions/{}", l.id),
            caption: &l.name(),
        };
        let body = form_page(step, &at.view(&who.session.csrf, &Vec::new(), &[], None));
        Html(ui::page(step.title, body)).into_response()
    })
    .await
}

/// POST /provisions/{id}/steps/{slug}
pub async fn step_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, slug)): Path<(String, String)>,
    Form(form): Form<Submitted>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        if !may_change(&who.principal) {
            return forbidden();
        }
        let (Some(step), Ok(Some(l))) = (step(&slug), load(store, &who.principal, &id)) else {
            return not_found();
        };
        let at = Addresses {
            action: &format!("/provisions/{}/steps/{slug}", l.id),
            back: &format!("/provisions/{}", l.id),
            caption: &l.name(),
        };
        submit_step(store, &who, step, l.id, |_| {}, &at, &form)
    })
    .await
}

fn setting_in_area(store: &dyn Store, who: &Principal, id: &str) -> Option<(SettingId, String)> {
    let id = SettingId::parse(id).ok()?;
    let p = store.projection(StreamRef::setting(id)).ok()??;
    match p.state {
        StreamState::Setting(s) if p.area == who.area => Some((id, s.details?.name)),
        _ => None,
    }
}

/// GET /settings/{id}/provisions/new
pub async fn open_form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        if !may_change(&who.principal) {
            return forbidden();
        }
        let Some((sid, name)) = setting_in_area(store, &who.principal, &id) else {
            return not_found();
        };
        let at = Addresses {
            action: &format!("/settings/{sid}/provisions/new"),
            back: &format!("/settings/{sid}"),
            caption: &name,
        };
        let body = form_page(&OPEN, &at.view(&who.session.csrf, &Vec::new(), &[], None));
        Html(ui::page(OPEN.title, body)).into_response()
    })
    .await
}

/// POST /settings/{id}/provisions/new: opens the provision with a new identifier.
pub async fn open_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        if !may_change(&who.principal) {
            return forbidden();
        }
        let Some((sid, name)) = setting_in_area(store, &who.principal, &id) else {
            return not_found();
        };
        let at = Addresses {
            action: &format!("/settings/{sid}/provisions/new"),
            back: &format!("/settings/{sid}"),
            caption: &name,
        };
        submit_step(
            store,
            &who,
            &OPEN,
            ProvisionId::new_random(),
            |p| p["setting"] = Value::String(sid.to_string()),
            &at,
            &form,
        )
    })
    .await
}
