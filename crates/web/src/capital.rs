//! Capital projects as pages and API: `/capital` lists the area's projects, each project's
//! page shows what it funds (every provision with its approval standing beside its share,
//! so capital approved before a provision's approval shows at a glance), the
//! decision-making trail with who decided and why, and spend to date. Commissioners and
//! team managers record its steps by form or by `POST /api/v1/capital-projects/steps`;
//! anyone who sees the area's figures reads it (council capital decisions are public).

use crate::api::{Caller, json_created, json_ok, not_a_step, step_problem, with_caller};
use crate::auth::Visitor;
use crate::register::{Addresses, table, text};
use crate::shell::blocking;
use crate::steps::{Context, Kind, ProvisionChoice, Step, Submitted, f, h};
use crate::{AppState, Error, ui};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::capital::{Project, project, projects, record};
use sendscope_app::steps::StepError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::capital::CapitalStep;
use sendscope_domain::codes::Pence;
use sendscope_domain::event::EventBody;
use sendscope_domain::ids::ProvisionId;
use sendscope_domain::projection::StreamState;
use sendscope_domain::{StreamKind, StreamRef};
use sendscope_store::{Store, StoreError};
use serde_json::{Value, json};
use uuid::Uuid;

const OUTCOMES: &[(&str, &str)] = &[
    ("approved", "Approved"),
    ("refused", "Refused"),
    (
        "deferred",
        "Deferred (for example pending viable-options evidence)",
    ),
];

const PROPOSE: Step = Step {
    slug: "new",
    event_type: "capital_project.proposed",
    group: "Capital",
    title: "Propose a capital project",
    fields: &[
        h(
            "reference",
            "Project reference",
            "The council's own, for example CAP-25-014",
            Kind::Text,
        ),
        h(
            "name",
            "Name",
            "For example, Resourced provision expansion 2025",
            Kind::Text,
        ),
        f("proposed_on", "Date proposed", Kind::Date),
        h(
            "amount",
            "Amount asked for",
            "The whole project, across every provision it funds",
            Kind::Money,
        ),
        f("places", "Places it will deliver", Kind::Number),
        f("summary", "What it will deliver, and why", Kind::TextArea),
    ],
};

const STEPS: &[Step] = &[
    Step {
        slug: "funds",
        event_type: "capital_project.provision_funded",
        group: "Capital",
        title: "A provision the project funds",
        fields: &[
            h(
                "provision",
                "Provision",
                "Add a new provision at its school first if it is not listed",
                Kind::ProvisionId,
            ),
            f("places", "Places at this provision", Kind::Number),
            f("amount", "This provision's share", Kind::Money),
            f("on", "Date agreed", Kind::Date),
        ],
    },
    Step {
        slug: "decided",
        event_type: "capital_project.decided",
        group: "Capital",
        title: "A decision on the project",
        fields: &[
            f("decided_on", "Date decided", Kind::Date),
            h(
                "decided_by",
                "Decided by",
                "For example, Cabinet, the capital programme board, or DfE",
                Kind::Text,
            ),
            f("outcome", "Decision", Kind::Choice(OUTCOMES)),
            h(
                "pending",
                "What a deferral waits for",
                "Only for a deferral, for example viable-options evidence",
                Kind::OptionalTextArea,
            ),
            f("reasons", "Reasons given", Kind::TextArea),
        ],
    },
    Step {
        slug: "spent",
        event_type: "capital_project.spent",
        group: "Capital",
        title: "Spend to date",
        fields: &[
            f("on", "Date of the figure", Kind::Date),
            h(
                "spent_to_date",
                "Spent to date",
                "The running total, not the spend since the last report",
                Kind::Money,
            ),
        ],
    },
];

fn may_read(who: &Principal) -> bool {
    authorise(who, Action::View, Resource::Figures { area: who.area }).allowed()
}

fn may_change(who: &Principal) -> bool {
    authorise(who, Action::Change, Resource::Settings { area: who.area }).allowed()
}

fn forbidden() -> Response {
    Error::forbidden("Commissioners and team managers keep the area's capital projects.")
        .heading("You cannot change capital projects")
        .into_response()
}

fn not_found() -> Response {
    Error::not_found("There is no such capital project in your area.").into_response()
}

fn money(p: Pence) -> String {
    p.to_string()
}

/// The area's provisions by name with their school, open ones only: what a share may fund.
fn provision_choices(
    store: &dyn Store,
    who: &Principal,
) -> Result<Vec<ProvisionChoice>, StoreError> {
    let mut schools = std::collections::HashMap::new();
    for p in store.area_projections(who.area, StreamKind::Setting)? {
        if let StreamState::Setting(s) = p.state
            && let Some(d) = s.details
        {
            schools.insert(p.stream.id, d.name);
        }
    }
    let mut out: Vec<ProvisionChoice> = store
        .area_projections(who.area, StreamKind::Provision)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Provision(s) if s.closed_on.is_none() => {
                let o = s.opened?;
                use sendscope_domain::event::ProvisionKind as K;
                Some(ProvisionChoice {
                    provision: ProvisionId(p.stream.id),
                    setting: o.setting,
                    label: format!(
                        "{}: {}",
                        schools.get(&o.setting.0).cloned().unwrap_or_default(),
                        o.name
                    ),
                    sen_unit: o.kind == K::SenUnit,
                    resourced_provision: o.kind == K::ResourcedProvision,
                })
            }
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}

fn context(provisions: Vec<ProvisionChoice>) -> Context {
    let mut c = crate::register::empty_context();
    c.provisions = provisions;
    c
}

/// GET /capital
pub async fn list(State(app): State<AppState>, visitor: Visitor) -> Response {
    blocking(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !may_read(p) {
            return crate::no_figures();
        }
        let all = match projects(store, p.area) {
            Ok(x) => x,
            Err(e) => return Error::internal(e).into_response(),
        };
        let rows: Vec<Vec<Markup>> = all
            .iter()
            .map(|x| {
                let s = &x.state;
                let (amount, places) = s
                    .proposed
                    .as_ref()
                    .map(|p| (p.amount, p.places))
                    .unwrap_or_default();
                vec![
                    ui::link(&format!("/capital/{}", x.id), format!("{}: {}", x.reference(), x.name())),
                    text(money(amount)),
                    text(format!("{places} across {} provisions", s.shares.len())),
                    text(s.status()),
                    text(s.spent_to_date().map(money).unwrap_or_else(|| "not reported".into())),
                ]
            })
            .collect();
        let body = html! {
            h1.govuk-heading-l { "Capital projects" }
            p.govuk-body {
                "Each project is one record: the provisions it funds, every decision on it with who made it and why, and spend to date. "
                "Capital approved before a provision's own approval is a finding in the "
                (ui::link("/compliance", "compliance report")) "."
            }
            (table("Projects", &["Project", "Amount", "Places", "Where it stands", "Spent to date"], rows,
                "No capital project is recorded."))
            @if may_change(p) {
                p.govuk-body { (ui::link("/capital/new", "Propose a capital project")) }
            }
        };
        Html(ui::page("Capital projects", body)).into_response()
    })
    .await
}

/// The project's page.
fn project_page(
    store: &dyn Store,
    who: &Principal,
    x: &Project,
    events: &[sendscope_domain::RecordedEvent],
) -> Result<Markup, StoreError> {
    let today = england_today();
    let s = &x.state;
    let Some(p) = &s.proposed else {
        return Ok(html! {});
    };
    let rules = sendscope_app::compliance::rules_on(store, who.area, today)?;
    let (allocated, allocated_places) = s.allocated();
    let mut funded = Vec::new();
    for share in &s.shares {
        let loaded = store.projection(StreamRef::provision(share.provision))?;
        let Some(StreamState::Provision(prov)) = loaded.map(|l| l.state) else {
            continue;
        };
        let setting = match prov.opened.as_ref() {
            Some(o) => match store
                .projection(StreamRef::setting(o.setting))?
                .map(|l| l.state)
            {
                Some(StreamState::Setting(st)) => Some(st),
                _ => None,
            },
            None => None,
        };
        let standing = match rules.route(&prov, setting.as_ref()) {
            None => "none needed".to_string(),
            Some(route) => {
                sendscope_domain::compliance::approval_status(&prov, route.label(), today)
            }
        };
        let school = setting
            .as_ref()
            .and_then(|st| st.details.as_ref())
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let name = prov
            .opened
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default();
        funded.push(vec![
            html! { (ui::link(&format!("/provisions/{}", share.provision), &name)) br; span.govuk-body-s { (school) } },
            text(share.places),
            text(money(share.amount)),
            text(standing),
        ]);
    }
    // The trail: every step with the person who recorded it and the note kept beside it.
    let people =
        sendscope_app::people::actors_as_people(store, events.iter().map(|e| e.actor.as_str()));
    let trail: Vec<Vec<Markup>> = events
        .iter()
        .filter_map(|e| {
            let body = e.body().ok()??;
            let what = match sendscope_domain::capital::step_of(&body)? {
                CapitalStep::Proposed(p) => format!("Proposed: {} for {} places", money(p.amount), p.places),
                CapitalStep::Funded(f) => format!("Share agreed: {} places, {}", f.places, money(f.amount)),
                CapitalStep::Decided(d) => {
                    let mut w = format!("{} by {}", ui::sentence(d.outcome.label()), d.decided_by);
                    if let Some(p) = d.pending.as_deref().filter(|p| !p.trim().is_empty()) {
                        w.push_str(&format!(" pending {p}"));
                    }
                    if !d.reasons.trim().is_empty() {
                        w.push_str(&format!(": {}", d.reasons.trim()));
                    }
                    w
                }
                CapitalStep::Spent(sp) => format!("Spend to date reported: {}", money(sp.spent_to_date)),
            };
            let by = people.get(&e.actor).cloned().unwrap_or_else(|| e.actor.clone());
            Some(vec![
                text(long_date(e.effective_date)),
                html! { (what) @if let Some(r) = e.reason.as_deref().filter(|r| !r.trim().is_empty()) { br; span.govuk-body-s { "Note: " (r) } } },
                text(format!("{by}, {}", long_date(e.recorded_at.england_date()))),
            ])
        })
        .collect();
    let spent = s.spent_to_date();
    Ok(html! {
        span.govuk-caption-l { "Capital project " (p.reference) }
        h1.govuk-heading-l { (p.name) }
        (ui::summary_list([
            ("Where it stands", s.status()),
            ("Amount", money(p.amount)),
            ("Places", p.places.to_string()),
            ("Shared out", format!("{} and {} places across {} provisions", money(allocated), allocated_places, s.shares.len())),
            ("Spent to date", spent.map(|x| format!("{} ({} still to spend)", money(x), money(Pence(p.amount.0 - x.0)))).unwrap_or_else(|| "not reported".into())),
            ("What it will deliver", p.summary.clone()),
        ]))
        (table("Provisions it funds", &["Provision", "Places", "Share", "The provision's approval"], funded,
            "No provision's share is recorded yet."))
        (table("Decisions and steps", &["Date", "What", "Recorded by"], trail, "Nothing recorded."))
        @if may_change(who) {
            h2.govuk-heading-m { "Record a step" }
            ul.govuk-list {
                @for st in STEPS {
                    li { (ui::link(&format!("/capital/{}/steps/{}", x.id, st.slug), st.title)) }
                }
            }
        }
        p.govuk-body { (ui::link("/capital", "All capital projects")) }
    })
}

fn parse(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id).ok()
}

/// GET /capital/{id}
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !may_read(p) {
            return crate::no_figures();
        }
        let Some(id) = parse(&id) else {
            return not_found();
        };
        match project(store, p.area, id) {
            Ok(Some((x, events))) => match project_page(store, p, &x, &events) {
                Ok(body) => Html(ui::page(x.name(), body)).into_response(),
                Err(e) => Error::internal(e).into_response(),
            },
            Ok(None) => not_found(),
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}

/// Records a submitted form's step and goes to the project, or shows the form again
/// (400 for what to put right, 422 for a refusal; nothing written).
fn submit(
    store: &dyn Store,
    who: &crate::auth::SignedIn,
    step: &Step,
    project: Option<Uuid>,
    at: &Addresses,
    form: &Submitted,
) -> Response {
    if crate::steps::value_of(form, "csrf") != who.session.csrf {
        return crate::form_expired();
    }
    let ctx = match provision_choices(store, &who.principal) {
        Ok(c) => context(c),
        Err(e) => return Error::internal(e).into_response(),
    };
    let again = |status: StatusCode, errors: &[crate::steps::FieldError], refusal: Option<&str>| {
        let body = crate::steps::render_form(
            step,
            &ctx,
            &at.view(&who.session.csrf, form, errors, refusal),
        );
        (
            status,
            Html(ui::page(&format!("Error: {}", step.title), body)),
        )
            .into_response()
    };
    let payload = match crate::steps::payload(step, form, &ctx) {
        Ok(v) => v,
        Err(errors) => return again(StatusCode::BAD_REQUEST, &errors, None),
    };
    let reason = Some(crate::steps::value_of(form, "reason").to_string());
    let recorded = EventBody::from_value(step.event_type, payload)
        .map_err(|e| {
            StepError::Invalid(format!("the form is not a valid {}: {e}", step.event_type))
        })
        .and_then(|body| {
            record(
                store,
                &who.principal,
                who.username.as_str(),
                project,
                body,
                reason,
            )
        });
    match recorded {
        Ok(id) => Redirect::to(&format!("/capital/{id}?recorded={}", step.slug)).into_response(),
        Err(StepError::Forbidden) => forbidden(),
        Err(StepError::NotFound) => not_found(),
        Err(StepError::Invalid(m)) | Err(StepError::Refused(m)) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, &[], Some(&m))
        }
        Err(StepError::Internal(m)) => Error::internal(m).into_response(),
    }
}

/// The step a path names, the project (none for a proposal) and its addresses.
fn find_step(slug: &str) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.slug == slug)
}

fn form_response(
    store: &dyn Store,
    who: &crate::auth::SignedIn,
    step: &Step,
    at: &Addresses,
) -> Response {
    match provision_choices(store, &who.principal) {
        Ok(c) => {
            let body = crate::steps::render_form(
                step,
                &context(c),
                &at.view(&who.session.csrf, &Vec::new(), &[], None),
            );
            Html(ui::page(step.title, body)).into_response()
        }
        Err(e) => Error::internal(e).into_response(),
    }
}

const NEW_AT: Addresses<'static> = Addresses {
    action: "/capital/new",
    back: "/capital",
    caption: "Capital projects",
};

/// GET /capital/new
pub async fn new_form(State(app): State<AppState>, visitor: Visitor) -> Response {
    blocking(&app, visitor, move |store, who| {
        if !may_change(&who.principal) {
            return forbidden();
        }
        form_response(store, &who, &PROPOSE, &NEW_AT)
    })
    .await
}

/// POST /capital/new
pub async fn new_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        if !may_change(&who.principal) {
            return forbidden();
        }
        submit(store, &who, &PROPOSE, None, &NEW_AT, &form)
    })
    .await
}

/// The project and the step a step form's path names, with the form's addresses.
fn step_target(
    store: &dyn Store,
    who: &Principal,
    id: &str,
    slug: &str,
) -> Option<(Uuid, &'static Step, String)> {
    let id = parse(id)?;
    let step = find_step(slug)?;
    let (x, _) = project(store, who.area, id).ok()??;
    Some((id, step, x.name().to_string()))
}

/// A step form's page or its submission (`form`), for those who keep capital projects.
async fn step_page(
    app: AppState,
    visitor: Visitor,
    (id, slug): (String, String),
    form: Option<Submitted>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        if !may_change(&who.principal) {
            return forbidden();
        }
        let Some((id, step, name)) = step_target(store, &who.principal, &id, &slug) else {
            return not_found();
        };
        let (action, back) = (
            format!("/capital/{id}/steps/{slug}"),
            format!("/capital/{id}"),
        );
        let at = Addresses {
            action: &action,
            back: &back,
            caption: &name,
        };
        match &form {
            None => form_response(store, &who, step, &at),
            Some(form) => submit(store, &who, step, Some(id), &at, form),
        }
    })
    .await
}

/// GET /capital/{id}/steps/{slug}
pub async fn step_form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(path): Path<(String, String)>,
) -> Response {
    step_page(app, visitor, path, None).await
}

/// POST /capital/{id}/steps/{slug}
pub async fn step_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(path): Path<(String, String)>,
    Form(form): Form<Submitted>,
) -> Response {
    step_page(app, visitor, path, Some(form)).await
}

#[derive(serde::Deserialize)]
struct ApiStep {
    #[serde(default)]
    project: Option<Uuid>,
    #[serde(rename = "type")]
    event_type: String,
    payload: Value,
    #[serde(default)]
    reason: Option<String>,
}

/// POST /api/v1/capital-projects/steps: `{"project": id (none for a proposal), "type":
/// "capital_project.…", "payload": {…}, "reason": "optional note"}`.
pub async fn api_step(
    State(app): State<AppState>,
    visitor: Visitor,
    body: axum::body::Bytes,
) -> Response {
    with_caller(&app, visitor, move |store, c: Caller| {
        let req: ApiStep =
            serde_json::from_slice(&body).map_err(|e| not_a_step("capital_project", e))?;
        let id = EventBody::from_value(&req.event_type, req.payload)
            .map_err(|e| {
                StepError::Invalid(format!(
                    "the payload is not a valid {}: {e}",
                    req.event_type
                ))
            })
            .and_then(|b| record(store, &c.principal, &c.username, req.project, b, req.reason))
            .map_err(|e| {
                step_problem(
                    e,
                    "There is no capital project with that identifier in your area",
                    "Commissioners and team managers keep the area's capital projects",
                )
            })?;
        Ok(json_created(
            &json!({ "project": id, "type": req.event_type }),
        ))
    })
    .await
}

/// GET /api/v1/capital-projects: every project with its shares, decisions and spend.
pub async fn api_list(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_caller(&app, visitor, move |store, c: Caller| {
        if !may_read(&c.principal) {
            return Err(Error::forbidden(
                "Your role does not see the area's figures",
            ));
        }
        let all = projects(store, c.principal.area).map_err(Error::internal)?;
        let list: Vec<Value> = all
            .iter()
            .map(|x| {
                json!({
                    "project": x.id,
                    "status": x.state.status(),
                    "proposed": x.state.proposed,
                    "shares": x.state.shares,
                    "decisions": x.state.decisions,
                    "spent_to_date": x.state.spent_to_date(),
                })
            })
            .collect();
        Ok(json_ok(&json!({ "projects": list })))
    })
    .await
}
