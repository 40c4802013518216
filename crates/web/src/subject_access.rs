//! `/cases/{id}/subject-access`: a manager makes the subject-access bundle for a child
//! (everything held about them: every event on their record, the letters, and who has
//! looked), as a readable page to download and as JSON. The making is logged as a view.
//! `sendscope subject-access` makes the same bundle from the command line.

use crate::auth::Visitor;
use crate::shell::{not_found, with_form, with_user};
use crate::steps::{Submitted, value};
use crate::{AppState, ui};
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::subject_access::Bundle;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::long_date;

const TITLE: &str = "Make a subject access bundle";

/// What an event type is called: the step's title, else its name in words.
fn what(event_type: &str) -> String {
    crate::steps::STEPS
        .iter()
        .find(|s| s.event_type == event_type)
        .map(|s| s.title.to_string())
        .unwrap_or_else(|| {
            let name = event_type.split('.').nth(1).unwrap_or(event_type);
            let words = name.replace('_', " ");
            let mut c = words.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
}

/// Who recorded something, as a person reads it: the username, or the system's name.
fn by(actor: &str) -> String {
    match actor.split_once(':') {
        Some(("user", name)) => name.to_string(),
        Some(("system", name)) => format!("sendscope ({})", name.replace('-', " ")),
        Some(("import", source)) => format!("imported from {source}"),
        _ => actor.to_string(),
    }
}

/// A payload's fields as "name: value" lines.
fn details(payload: Option<&[u8]>) -> Markup {
    let Some(v) = payload.and_then(|p| serde_json::from_slice::<serde_json::Value>(p).ok()) else {
        return html! { "Erased (lawfully): the details are no longer held." };
    };
    let Some(fields) = v.as_object() else {
        return html! { (v.to_string()) };
    };
    html! {
        @for (k, x) in fields {
            @let text = match x { serde_json::Value::String(s) => s.clone(), other => other.to_string() };
            span class="govuk-!-display-block" { strong { (k.replace('_', " ")) ": " } (text) }
        }
    }
}

/// The bundle as a whole page, to download and give to the person who asked.
pub fn html_page(b: &Bundle) -> String {
    let name = b
        .child
        .as_ref()
        .map(|c| format!("{} {}", c.given_names, c.family_name))
        .unwrap_or_else(|| "the child".into());
    let body = html! {
        h1.govuk-heading-l { "Everything held about " (name) }
        (ui::summary_list([
            ("Name", name.clone()),
            ("Date of birth", b.child.as_ref().map(|c| long_date(c.birth_date)).unwrap_or_default()),
            ("Record reference", b.case.to_string()),
            ("Asked for by", b.requested_by.clone()),
            ("Made on", long_date(b.made_at.england_date())),
            ("Made by", b.made_by.clone()),
        ]))
        p.govuk-body {
            "This is every change recorded on the record, in the order it was recorded, with who recorded it, when and why, and every time someone looked at it. "
            "Letters sent are among the changes (\"Letter issued\"), with their words."
        }
        (ui::table(
            &format!("What was recorded ({})", b.events.len()),
            &[ui::col("Took effect"), ui::col("What"), ui::col("Details"), ui::col("Recorded by"), ui::col("Recorded on")],
            b.events.iter().map(|e| html! {
                tr.govuk-table__row {
                    (ui::cell(long_date(e.effective_date)))
                    (ui::cell(html! { (what(&e.event_type)) @if let Some(r) = &e.reason { br; "Why: " (r) } }))
                    (ui::cell(details(e.payload.as_deref())))
                    (ui::cell(by(&e.actor)))
                    (ui::cell(long_date(e.recorded_at.england_date())))
                }
            }),
        ))
        @if !b.documents.is_empty() {
            (ui::table(
                &format!("Documents on the record ({})", b.documents.len()),
                &[ui::col("Added"), ui::col("What"), ui::col("File in this bundle"), ui::col("Added by")],
                b.documents.iter().map(|(file, d)| html! {
                    tr.govuk-table__row {
                        (ui::cell(long_date(d.document.on)))
                        (ui::cell(html! { (d.document.title) br; span.govuk-body-s { (d.document.kind.label()) } }))
                        (ui::cell(file.clone()))
                        (ui::cell(by(&d.added_by)))
                    }
                }),
            ))
            p.govuk-body { "Give the documents themselves with this page: `sendscope subject-access` writes each file, under the name above, into a folder beside it; each can also be downloaded from the record's page." }
        }
        (ui::table(
            &format!("Who looked at the record ({})", b.views.len()),
            &[ui::col("When"), ui::col("Who"), ui::col("Their role"), ui::col("What they opened")],
            b.views.iter().map(|v| html! {
                tr.govuk-table__row {
                    (ui::cell(format!("{} {}", long_date(v.at.england_date()), v.at.utc().with_timezone(&chrono_tz::Europe::London).format("%H:%M"))))
                    (ui::cell(v.username.clone()))
                    (ui::cell(v.role.replace('_', " ")))
                    (ui::cell(v.via.clone()))
                }
            }),
        ))
    };
    ui::page(&format!("Everything held about {name}"), body)
}

/// The case a manager may make a bundle for, or the answer that says not.
fn allowed(
    store: &dyn sendscope_store::Store,
    who: &crate::auth::SignedIn,
    id: &str,
) -> Result<sendscope_domain::ids::CaseId, Box<Response>> {
    let p = sendscope_app::steps::changeable(store, &who.principal, id, Action::Approve).map_err(
        |e| {
            Box::new(match e {
                sendscope_app::steps::StepError::Forbidden => crate::Error::forbidden(
                    "Team managers make subject access bundles. Ask your team manager.",
                )
                .into_response(),
                sendscope_app::steps::StepError::Internal(m) => {
                    crate::Error::internal(m).into_response()
                }
                _ => not_found(),
            })
        },
    )?;
    let log = authorise(
        &who.principal,
        Action::View,
        Resource::AccessLog {
            area: who.principal.area,
        },
    );
    if !log.allowed() {
        return Err(Box::new(
            crate::Error::forbidden("Team managers make subject access bundles.").into_response(),
        ));
    }
    Ok(sendscope_domain::ids::CaseId(p.stream.id))
}

fn form_page(csrf: &str, id: &str, problem: Option<&str>) -> Markup {
    let problems: Vec<(&'static str, String)> = problem
        .map(|p| vec![("requested_by", p.to_string())])
        .unwrap_or_default();
    let p = ui::Problems(&problems);
    html! {
        (p.summary())
        h1.govuk-heading-l { (TITLE) }
        p.govuk-body { "The bundle holds everything recorded about the child, the letters sent, and everyone who has looked at the record. Making it is logged." }
        form method="post" action={ "/cases/" (id) "/subject-access" } novalidate {
            (ui::csrf(csrf))
            (ui::text_input(&p.hinted("requested_by", "Who asked for it, and how", "For example, the child's mother, by email on 3 March"), "", ui::Width::Half, ""))
            (ui::radios(&p.question("format", "Download as"), &[("html".to_string(), "A page to read and print (HTML)".to_string()), ("json".to_string(), "Data (JSON)".to_string())], "html", None))
            (ui::submit("Make the bundle"))
        }
    }
}

/// GET /cases/{id}/subject-access
pub async fn form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        match allowed(store, &who, &id) {
            Ok(_) => Html(ui::page(TITLE, form_page(&who.session.csrf, &id, None))).into_response(),
            Err(r) => *r,
        }
    })
    .await
}

/// POST /cases/{id}/subject-access: the bundle, as a download.
pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    with_form(&app, visitor, form, move |store, who, form| {
        let case = match allowed(store, &who, &id) {
            Ok(c) => c,
            Err(r) => return *r,
        };
        let asked = value(&form, "requested_by");
        if asked.is_empty() {
            return (
                StatusCode::BAD_REQUEST,
                Html(ui::page(
                    &format!("Error: {TITLE}"),
                    form_page(
                        &who.session.csrf,
                        &id,
                        Some("Say who asked for it, and how"),
                    ),
                )),
            )
                .into_response();
        }
        let bundle = match sendscope_app::subject_access::bundle(
            store,
            case,
            who.username.as_str(),
            who.principal.role.as_str(),
            asked,
        ) {
            Ok(b) => b,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let (kind, ext, body) = if value(&form, "format") == "json" {
            (
                "application/json",
                "json",
                sendscope_app::subject_access::to_json(&bundle).to_string(),
            )
        } else {
            ("text/html; charset=utf-8", "html", html_page(&bundle))
        };
        (
            [
                (header::CONTENT_TYPE, kind.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"subject-access-{case}.{ext}\""),
                ),
            ],
            body,
        )
            .into_response()
    })
    .await
}
