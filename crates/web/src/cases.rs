//! The case list and the case page. Every row and every page is checked with the domain's
//! `authorise`; a record the user may not see is "not found", and every view is logged.

use crate::access_log::AccessLogger;
use crate::auth::SignedIn;
use crate::shell::{not_found, url_encode, with_user};
use crate::views::{self, CaseView, ListScope, ParamError};
use crate::{AppState, esc, page};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sendscope_app::filter_options::FilterOptions;
use sendscope_domain::Stage;
use sendscope_domain::access::{Action, Resource, Role, authorise};
use sendscope_domain::sen::NeedType;
use sendscope_store::Store;
use std::collections::HashMap;

fn no_access(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(page(
            "No access",
            &format!("<h1>You cannot see this page</h1><p>{}</p>", esc(message)),
        )),
    )
        .into_response()
}

/// GET /cases: search and filters, scoped to what the role may see.
pub async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let options = app.filter_options.clone();
    with_user(&app, headers, move |store, who| {
        list_page(store, &options, &who, &params)
    })
    .await
}

fn list_page(
    store: &dyn Store,
    options: &FilterOptions,
    who: &SignedIn,
    params: &HashMap<String, String>,
) -> Response {
    let p = &who.principal;
    if !authorise(p, Action::View, Resource::CaseList { area: p.area }).allowed() {
        return no_access("Your role sees figures, not individual children's records.");
    }
    let mut errors: Vec<ParamError> = Vec::new();
    let (rows, next) = match views::case_query(p, params, 25) {
        Ok(ListScope::ByReferenceOnly) => {
            return Html(page(
                "Children's records",
                "<h1>Children's records</h1><p>Open a record from the link you were given, or search by its case reference.</p>\
                 <form method=\"get\" action=\"/cases\"><p><label for=\"case\">Case reference</label><br>\
                 <input id=\"case\" name=\"case\" type=\"text\" spellcheck=\"false\"></p><p><button type=\"submit\">Search</button></p></form>",
            ))
            .into_response();
        }
        Ok(ListScope::Query(q)) => match views::visible_rows(store, p, &q) {
            Ok(x) => x,
            Err(_) => {
                errors.push(ParamError {
                    name: "after",
                    message: "That page of results is no longer available: start the search again",
                });
                (Vec::new(), None)
            }
        },
        Err(e) => {
            errors = e;
            (Vec::new(), None)
        }
    };
    let mut table = String::new();
    for r in &rows {
        let s = views::summary(r);
        table.push_str(&format!(
            "<tr><td><a href=\"/cases/{}\">{}, {}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            s.id,
            esc(&s.family_name),
            esc(&s.given_names),
            s.birth_date.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_default(),
            esc(s.upn.as_deref().unwrap_or("")),
            s.stage_label,
            r.primary_need.map(|n| n.description()).unwrap_or(""),
        ));
    }
    let summary = if errors.is_empty() {
        String::new()
    } else {
        let items: String = errors
            .iter()
            .map(|e| {
                let target = if e.name == "after" { "name" } else { e.name };
                format!("<li><a href=\"#{target}\">{}</a></li>", esc(e.message))
            })
            .collect();
        format!(
            "<div class=\"govuk-error-summary\" role=\"alert\"><h2>There is a problem</h2><ul>{items}</ul></div>"
        )
    };
    let value = |k: &str| esc(params.get(k).map(String::as_str).unwrap_or(""));
    let chosen = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let options_html = |k: &str, list: std::slice::Iter<'_, (String, String)>| -> String {
        let now = chosen(k);
        list.map(|(v, label)| {
            let sel = if *v == now { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{}</option>", esc(v), esc(label))
        })
        .collect()
    };
    let stages: Vec<(String, String)> = Stage::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    let stages = options_html("stage", stages.iter());
    let needs: Vec<(String, String)> = NeedType::all()
        .map(|n| (n.code().to_string(), n.description().to_string()))
        .collect();
    let needs = options_html("need", needs.iter());
    // Settings and caseworkers to filter by: the area's, for the roles that list by team.
    let (settings, caseworkers) = if matches!(p.role, Role::Caseworker | Role::TeamManager) {
        match options.get(store, p.area, p.team) {
            Ok(c) => (
                options_html("setting", c.settings.iter()),
                options_html("caseworker", c.caseworkers.iter()),
            ),
            Err(e) => return crate::error_page(&e.to_string()),
        }
    } else {
        (String::new(), String::new())
    };
    let select = |id: &str, label: &str, opts: &str| {
        if opts.is_empty() {
            String::new()
        } else {
            format!(
                "<p><label for=\"{id}\">{label}</label><br><select id=\"{id}\" name=\"{id}\"><option value=\"\">Any</option>{opts}</select></p>"
            )
        }
    };
    let next_link = match next {
        Some(n) => {
            let mut kept: Vec<String> = params
                .iter()
                .filter(|(k, v)| k.as_str() != "after" && !v.is_empty())
                .map(|(k, v)| format!("{}={}", esc(k), esc(&url_encode(v))))
                .collect();
            kept.sort();
            kept.push(format!("after={}", esc(&url_encode(&n))));
            format!(
                "<p><a href=\"/cases?{}\">Next page</a></p>",
                kept.join("&amp;")
            )
        }
        None => String::new(),
    };
    let body = format!(
        "{summary}<h1>Children's records</h1>\n<form method=\"get\" action=\"/cases\">\
         <p><label for=\"name\">Family name</label><br><input id=\"name\" name=\"name\" type=\"text\" value=\"{}\"></p>\
         <p><label for=\"upn\">UPN</label><br><input id=\"upn\" name=\"upn\" type=\"text\" value=\"{}\"></p>\
         <p><label for=\"case\">Case reference</label><br><input id=\"case\" name=\"case\" type=\"text\" spellcheck=\"false\" value=\"{}\"></p>\
         {}{}{}{}\
         <p><button type=\"submit\">Search</button></p></form>\n\
         <table><caption>Children's records you can see</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Date of birth</th>\
         <th scope=\"col\">UPN</th><th scope=\"col\">Stage</th><th scope=\"col\">Primary need</th></tr></thead><tbody>\n{table}</tbody></table>{next_link}",
        value("name"),
        value("upn"),
        value("case"),
        select("stage", "Stage", &stages),
        select("need", "Need type", &needs),
        select("setting", "Setting attended", &settings),
        select("caseworker", "Caseworker", &caseworkers),
    );
    Html(page("Children's records", &body)).into_response()
}

/// GET /cases/{id}: one child's record, if the role may see it; the view is logged.
pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let log = app.access_log.clone();
    with_user(&app, headers, move |store, who| {
        let recorded = params.get("recorded").map(String::as_str);
        case_page(store, &log, &who, &id, recorded)
    })
    .await
}

fn case_page(
    store: &dyn Store,
    log: &AccessLogger,
    who: &SignedIn,
    id: &str,
    recorded: Option<&str>,
) -> Response {
    match views::open_case(
        store,
        log,
        who.username.as_str(),
        &who.principal,
        id,
        "page /cases/",
    ) {
        Ok(Some(v)) => Html(page("Child's record", &render_case(&v, recorded))).into_response(),
        Ok(None) => not_found(),
        Err(e) => crate::error_page(&e),
    }
}

/// "case.final_plan_issued" → "Final plan issued".
fn event_label(event_type: &str) -> String {
    let tail = event_type
        .split_once('.')
        .map(|(_, t)| t)
        .unwrap_or(event_type);
    let words = tail.replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn render_case(v: &CaseView, recorded: Option<&str>) -> String {
    let date = |d: chrono::NaiveDate| d.format("%-d %B %Y").to_string();
    let mut h = String::new();
    if let Some(step) = recorded.and_then(crate::steps::step) {
        h.push_str(&format!(
            "<div class=\"govuk-notification-banner govuk-notification-banner--success\" role=\"alert\" aria-labelledby=\"recorded-title\" data-module=\"govuk-notification-banner\">\
             <div class=\"govuk-notification-banner__header\"><h2 class=\"govuk-notification-banner__title\" id=\"recorded-title\">Success</h2></div>\
             <div class=\"govuk-notification-banner__content\"><p class=\"govuk-notification-banner__heading\">Recorded: {}</p></div></div>",
            esc(step.title)
        ));
    }
    if let Some(ch) = &v.child {
        h.push_str(&format!(
            "<h1>{} {}</h1>\n<dl><dt>Date of birth</dt><dd>{}</dd><dt>UPN</dt><dd>{}</dd><dt>Stage</dt><dd>{}</dd><dt>Case reference</dt><dd>{}</dd>\
             <dt>Caseworker</dt><dd>{}</dd><dt>Team</dt><dd>{}</dd></dl>\n",
            esc(&ch.given_names),
            esc(&ch.family_name),
            date(ch.birth_date),
            esc(ch.upn.as_deref().unwrap_or("")),
            v.stage_label,
            v.id,
            esc(v.caseworker.as_ref().map(|c| c.name.as_str()).unwrap_or("not assigned")),
            esc(v.team.as_ref().map(|c| c.name.as_str()).unwrap_or("")),
        ));
    }
    if v.can_record_steps {
        h.push_str(&format!(
            "<a href=\"/cases/{}/steps\" role=\"button\" draggable=\"false\" class=\"govuk-button govuk-button--secondary\" data-module=\"govuk-button\">Record a step</a>\n\
             <p><a href=\"/cases/{}/options\">Placement options: every suitable provision with its full cost</a></p>\n",
            v.id, v.id
        ));
    }
    if let Some(plan) = &v.plan {
        let needs: Vec<String> = plan
            .needs
            .iter()
            .map(|n| format!("{} (rank {})", n.description, n.rank))
            .collect();
        let named: Vec<String> = plan.named_settings.iter().map(|s| s.name.clone()).collect();
        h.push_str(&format!(
            "<h2>EHC plan</h2><dl><dt>Issued</dt><dd>{}</dd><dt>Needs</dt><dd>{}</dd><dt>Named settings</dt><dd>{}</dd><dt>Last review</dt><dd>{}</dd></dl>\n",
            date(plan.issued),
            esc(&needs.join(", ")),
            esc(&named.join(", ")),
            plan.last_review.map(date).unwrap_or_else(|| "none yet".into()),
        ));
    }
    if !v.deadlines.is_empty() {
        let rows: String = v
            .deadlines
            .iter()
            .map(|x| {
                let colour = match x.state {
                    "overdue" => "govuk-tag--red",
                    "met_late" => "govuk-tag--orange",
                    "upcoming" if x.days <= 7 => "govuk-tag--yellow",
                    "upcoming" | "open" => "govuk-tag--blue",
                    "met_on_time" => "govuk-tag--green",
                    _ => "govuk-tag--grey",
                };
                let flags = if x.exceptions.is_empty() {
                    String::new()
                } else {
                    let list: Vec<String> = x
                        .exceptions
                        .iter()
                        .map(|e| {
                            let on = e.recorded_on.map(|d| format!(" on {}", date(d))).unwrap_or_default();
                            format!(
                                "{} (evidence: {}; recorded by {}{on})",
                                e.kind.replace('_', " "),
                                e.evidence,
                                e.recorded_by
                            )
                        })
                        .collect();
                    format!("<br><span class=\"govuk-body-s\">Exception: {}</span>", esc(&list.join("; ")))
                };
                format!(
                    "<tr><td>{}<br><span class=\"govuk-body-s\">{}</span></td><td>{}</td><td>{}</td><td><strong class=\"govuk-tag {colour}\">{}</strong>{flags}</td></tr>",
                    esc(x.step),
                    esc(x.source),
                    date(x.due),
                    x.done.map(date).unwrap_or_default(),
                    esc(&x.summary),
                )
            })
            .collect();
        h.push_str(&format!(
            "<table><caption>Statutory deadlines</caption><thead><tr><th scope=\"col\">Step</th><th scope=\"col\">Due</th>\
             <th scope=\"col\">Done</th><th scope=\"col\">Today</th></tr></thead><tbody>{rows}</tbody></table>\n"
        ));
    }
    if !v.audits.is_empty() || v.can_audit {
        h.push_str("<h2>Plan quality</h2>");
        if v.audits.is_empty() {
            h.push_str("<p>The plan has not been audited yet.</p>");
        } else {
            let rows: String = v
                .audits
                .iter()
                .map(|a| {
                    let colour = match a.grade {
                        sendscope_domain::qa::QaGrade::Outstanding | sendscope_domain::qa::QaGrade::Good => "govuk-tag--green",
                        sendscope_domain::qa::QaGrade::RequiresImprovement => "govuk-tag--orange",
                        sendscope_domain::qa::QaGrade::Inadequate => "govuk-tag--red",
                    };
                    let scores: Vec<String> = a
                        .scores
                        .iter()
                        .map(|(k, s)| format!("{} {s}", k.to_uppercase()))
                        .collect();
                    format!(
                        "<tr><td>{}</td><td>{}</td><td><strong class=\"govuk-tag {colour}\">{}</strong></td><td>{}</td></tr>",
                        date(a.on),
                        a.service.label(),
                        a.grade_label,
                        esc(&scores.join(", "))
                    )
                })
                .collect();
            h.push_str(&format!(
                "<table><caption class=\"govuk-visually-hidden\">Quality audits</caption><thead><tr><th scope=\"col\">Audited</th><th scope=\"col\">By</th><th scope=\"col\">Grade</th><th scope=\"col\">Section scores</th></tr></thead><tbody>{rows}</tbody></table>\n"
            ));
        }
        if v.can_audit {
            h.push_str(&format!(
                "<p><a class=\"govuk-link\" href=\"/cases/{}/steps/plan-audited\">Audit the plan's quality</a></p>",
                v.id
            ));
        }
    }
    if !v.letters.is_empty() || !v.letters_to_write.is_empty() {
        let rows: String = v
            .letters
            .iter()
            .map(|l| {
                let sent = match (&l.sent, &l.via) {
                    (Some(on), Some(via)) => format!("Sent {} by {}", date(*on), esc(via)),
                    _ => "<strong class=\"govuk-tag govuk-tag--yellow\">In the outbox</strong>".into(),
                };
                format!(
                    "<tr><td><a href=\"/cases/{}/letters/{}\">{}</a></td><td>{}</td><td>{sent}</td></tr>",
                    v.id,
                    l.letter,
                    esc(&l.subject),
                    date(l.issued)
                )
            })
            .collect();
        h.push_str("<h2>Letters to the family</h2>");
        if !rows.is_empty() {
            h.push_str(&format!(
                "<table><caption class=\"govuk-visually-hidden\">Letters</caption><thead><tr><th scope=\"col\">Letter</th><th scope=\"col\">Issued</th><th scope=\"col\">Sent</th></tr></thead><tbody>{rows}</tbody></table>\n"
            ));
        }
        if !v.letters_to_write.is_empty() {
            let items: String = v
                .letters_to_write
                .iter()
                .map(|l| {
                    format!(
                        "<li><a class=\"govuk-link\" href=\"/cases/{}/letters/new/{}\">Write: {}</a></li>",
                        v.id,
                        l.kind,
                        esc(l.title)
                    )
                })
                .collect();
            h.push_str(&format!("<ul class=\"govuk-list\">{items}</ul>\n"));
        }
    }
    if !v.placements.is_empty() {
        let rows: String = v
            .placements
            .iter()
            .map(|p| {
                let name = match &p.setting.id {
                    Some(id) => format!("<a href=\"/settings/{id}\">{}</a>", esc(&p.setting.name)),
                    None => esc(&p.setting.name),
                };
                format!(
                    "<tr><td>{name}</td><td>{}</td><td>{}</td></tr>",
                    date(p.start),
                    p.end.map(date).unwrap_or_else(|| "attending".into())
                )
            })
            .collect();
        h.push_str(&format!(
            "<table><caption>Settings attended</caption><thead><tr><th scope=\"col\">Setting</th><th scope=\"col\">From</th><th scope=\"col\">To</th></tr></thead><tbody>{rows}</tbody></table>\n"
        ));
    }
    let people: String = v
        .people
        .iter()
        .map(|r| {
            let pr = if r.parental_responsibility {
                ", parental responsibility"
            } else {
                ""
            };
            format!("<li>{} ({}{pr})</li>", esc(&r.name), esc(&r.relationship))
        })
        .collect();
    h.push_str(&format!(
        "<h2>People around the child</h2><ul>{people}</ul>\n"
    ));
    if let Some(list) = &v.who_can_see {
        let items: String = list
            .iter()
            .map(|a| format!("<li data-kind=\"{}\">{}</li>", a.kind, esc(&a.name)))
            .collect();
        h.push_str(&format!(
            "<h2>Who can see this record</h2><p>These people and organisations can open it:</p><ul class=\"govuk-list govuk-list--bullet\" id=\"who-can-see\">{items}</ul>\n"
        ));
    }
    if let Some(views) = &v.viewed_by {
        let rows: String = views
            .iter()
            .map(|a| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&a.at),
                    esc(&a.username),
                    esc(&a.role),
                    esc(&a.via)
                )
            })
            .collect();
        h.push_str(&format!(
            "<h2>Who viewed this record</h2><table><thead><tr><th scope=\"col\">When (UTC)</th><th scope=\"col\">Who</th><th scope=\"col\">Role</th><th scope=\"col\">Where</th></tr></thead><tbody>{rows}</tbody></table>\n"
        ));
    }
    // The MoJ Frontend timeline, newest first: what happened, and every deadline on the
    // day it falls due with its days left or days late.
    let mut items: Vec<(chrono::NaiveDate, u8, String)> = v
        .events
        .iter()
        .map(|e| {
            let later = if e.recorded_later {
                format!(" Recorded later, at {} (UTC).", esc(&e.recorded_at))
            } else {
                String::new()
            };
            let html = format!(
                "<div class=\"moj-timeline__item\"><div class=\"moj-timeline__header\"><h3 class=\"moj-timeline__title\">{}</h3>\n\
                 <p class=\"moj-timeline__byline\">by {}</p></div><p class=\"moj-timeline__date\"><time datetime=\"{}\">{}</time></p>\
                 <div class=\"moj-timeline__description\">Event {}.{later}</div></div>",
                esc(&event_label(&e.event_type)),
                esc(&e.actor),
                e.effective_date,
                date(e.effective_date),
                e.seq,
            );
            (e.effective_date, 0, html)
        })
        .collect();
    for x in &v.deadlines {
        let html = format!(
            "<div class=\"moj-timeline__item\"><div class=\"moj-timeline__header\"><h3 class=\"moj-timeline__title\">Due: {}</h3>\n\
             <p class=\"moj-timeline__byline\">{}</p></div><p class=\"moj-timeline__date\"><time datetime=\"{}\">{}</time></p>\
             <div class=\"moj-timeline__description\">{}</div></div>",
            esc(x.step),
            esc(x.source),
            x.due,
            date(x.due),
            esc(&x.summary),
        );
        items.push((x.due, 1, html));
    }
    items.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let events: String = items.into_iter().map(|(_, _, html)| html).collect();
    h.push_str(&format!(
        "<h2>Timeline</h2><div class=\"moj-timeline\">{events}</div>"
    ));
    h
}
