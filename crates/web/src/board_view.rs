//! `/board`: a board member's first screen (their home page leads here). The few headline
//! measures against their trajectories, each chart as wide as the page; the improvement
//! plan's RAG and its red actions; the top risks; and the detail one click away. Figures
//! are the board's: small counts suppressed.

use crate::auth::Visitor;
use crate::{AppState, ui};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::partnership::{actions, behind, find};
use sendscope_app::trajectories::progress_all;
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::partnership::Rag;
use sendscope_kpi::trajectory::Progress;

fn measures(list: &[Progress], suppress: u64) -> Markup {
    let late = behind(list);
    html! {
        h2.govuk-heading-m { "Headline measures against their trajectories" }
        @if list.is_empty() { p.govuk-body { "No trajectory is defined yet." } }
        @for (n, p) in list.iter().enumerate() {
            @let is_late = late.get(&p.trajectory.trajectory).copied().unwrap_or(false);
            h3.govuk-heading-s { (p.trajectory.name) }
            p.govuk-body {
                "Target " (format!("{:.1}", p.trajectory.target)) " by " (p.trajectory.deadline.format("%B %Y")) "; latest "
                (p.current.map_or("no figure yet".to_string(), |v| format!("{v:.1}"))) ". "
                @if p.met { (ui::tag("Met", Some("green"))) }
                @else if is_late { (ui::tag("Behind", Some("red"))) }
                @else { (ui::tag("On track", Some("green"))) }
            }
            (crate::trajectories::chart_sized(p, n, suppress, true))
        }
        p.govuk-body { a.govuk-link href="/trajectories" { "Every trajectory month by month, with its figures" } }
    }
}

fn plan(
    area: sendscope_domain::ids::AreaId,
    store: &dyn sendscope_store::Store,
    list: &[Progress],
) -> Result<Markup, sendscope_store::StoreError> {
    let Some((_, s)) = find(store, area)? else {
        return Ok(html! { p.govuk-body { "The partnership's record is not started yet." } });
    };
    let views = actions(&s, england_today(), &behind(list));
    let count = |r: Rag| views.iter().filter(|a| a.rag == r).count();
    let mut risks: Vec<&sendscope_domain::partnership::RiskState> = s.risks.iter().collect();
    risks.sort_by_key(|r| std::cmp::Reverse(r.residual.value()));
    let escalated: Vec<u32> = s.escalated().iter().map(|r| r.added.risk).collect();
    Ok(html! {
        h2.govuk-heading-m { "The improvement plan" }
        p.govuk-body {
            @for r in [Rag::Red, Rag::Amber, Rag::Green, Rag::Complete] {
                (ui::tag(r.label(), Some(match r { Rag::Red => "red", Rag::Amber => "orange", Rag::Green => "green", Rag::Complete => "blue" }))) " " (count(r)) " "
            }
        }
        @let red: Vec<_> = views.iter().filter(|a| a.rag == Rag::Red).collect();
        @if !red.is_empty() {
            h3.govuk-heading-s { "Red actions" }
            ul.govuk-list.govuk-list--bullet {
                @for a in red { li { strong { (a.title) } br; (a.owner) ". " (a.why) } }
            }
        }
        p.govuk-body { a.govuk-link href="/partnership" { "The whole plan, risk register and meetings" } }
        h2.govuk-heading-m { "Top risks" }
        @if risks.is_empty() { p.govuk-body { "No risks are on the register." } }
        @else {
            ul.govuk-list.govuk-list--bullet {
                @for r in risks.iter().take(3) {
                    li {
                        (r.added.title) ": residual " (r.residual.value()) " (target " (r.added.target.value()) ")"
                        @if escalated.contains(&r.added.risk) { " " (ui::tag("Escalated", Some("red"))) }
                        @if r.review_by < england_today() { " review overdue since " (long_date(r.review_by)) }
                    }
                }
            }
        }
    })
}

/// GET /board
pub async fn show(State(app): State<AppState>, visitor: Visitor) -> Response {
    use sendscope_domain::access::{Action, Resource, Role, authorise};
    let kpi = app.kpi.clone();
    crate::shell::with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        // The plan's detail and the risks are the partnership's own, not yet published.
        if !matches!(
            p.role,
            Role::TeamManager | Role::Commissioner | Role::BoardMember
        ) {
            return crate::Error::forbidden(
                "The board's view is for the partnership's board and the council's managers.",
            )
            .into_response();
        }
        let area = p.area;
        let board = !authorise(p, Action::View, Resource::ExactFigures { area }).allowed();
        match kpi.with(store, |e| view(store, e, area, board)) {
            Ok(Ok(body)) => Html(ui::page("The board's view", body)).into_response(),
            Ok(Err(e)) | Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}

fn view(
    store: &dyn sendscope_store::Store,
    e: &sendscope_kpi::Engine,
    area: sendscope_domain::ids::AreaId,
    board: bool,
) -> Result<Markup, sendscope_store::StoreError> {
    {
        let suppress = if board {
            sendscope_app::figures::publishing(store, area)?
                .1
                .suppress_below
        } else {
            0
        };
        let list = progress_all(store, e, area, england_today())?;
        let name = match store.projection(sendscope_domain::StreamRef::area(area))? {
            Some(p) => p.display_name(),
            None => String::new(),
        };
        let plan = plan(area, store, &list)?;
        let la = match store
            .projection(sendscope_domain::StreamRef::area(area))?
            .map(|p| p.state)
        {
            Some(sendscope_domain::projection::StreamState::Area(a)) => {
                a.la_code.map(|c| c.to_string()).unwrap_or_default()
            }
            _ => String::new(),
        };
        Ok(html! {
            h1.govuk-heading-l { (name) " SEND partnership: the board's view" }
            p.govuk-body { "As of " (long_date(england_today())) ". Every figure comes from the records; small numbers are shown as c." }
            div.govuk-grid-row {
                div.govuk-grid-column-two-thirds { (measures(&list, suppress)) }
                div.govuk-grid-column-one-third { (plan) }
            }
            h2.govuk-heading-m { "The detail" }
            ul.govuk-list {
                li { a.govuk-link href="/dashboard" { "The dashboard: every measure, by year and month" } }
                li { a.govuk-link href="/board-report" { "The board report, with numerators and denominators" } }
                li { a.govuk-link href="/partnership/stocktake" { "The stocktake pack" } }
                li { a.govuk-link href={ "/figures/" (la) "/board" } { "The published minutes and papers" } }
            }
        })
    }
}
