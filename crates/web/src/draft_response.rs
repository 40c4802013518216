//! The family's response to a draft plan, on the plan's page: their views, the school or
//! setting they ask to be named, and a document of their views if they wish, by the last
//! day of their 15 days (`app::family`).

use crate::auth::Visitor;
use crate::multipart::parts;
use crate::shell::{not_found, with_user};
use crate::{AppState, Error, ui};
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::documents::Upload;
use sendscope_app::family::{DraftWaiting, Response as FamilyResponse, respond_to_draft};
use sendscope_app::steps::StepError;
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::documents::DocumentKind;
use sendscope_domain::ids::{CaseId, SettingId};

/// The panel on the plan's page: when to respond by, and the form.
pub(crate) fn panel(
    case: &str,
    w: DraftWaiting,
    csrf: &str,
    settings: &[(String, String)],
    responded_now: bool,
    family: bool,
) -> Markup {
    let late = england_today() > w.respond_by;
    let heading = if family {
        "Your response to the draft plan"
    } else {
        "The family's response to the draft plan: record it for them"
    };
    html! {
        @if responded_now {
            (ui::notification_banner("Your response is sent to the council", html! { p.govuk-body { "It is on your child's record. You can send another before the final plan is issued." } }, true))
        }
        div.govuk-inset-text {
            h2.govuk-heading-m { (heading) }
            @if late {
                p.govuk-body { "The 15 days to respond ended on " (long_date(w.respond_by)) ". The council may still take your views into account: send them as soon as you can." }
            } @else {
                p.govuk-body { "You have until " strong { (long_date(w.respond_by)) } " to tell the council what you think of the draft, and to ask for a school or other setting to be named in the plan. The final plan cannot be issued before then." }
            }
            @if w.responded { p.govuk-body { "Your response is recorded." } }
            p.govuk-body {
                "If you disagree with the final plan, you can ask for mediation and appeal to the SEND Tribunal: the letter with the final plan says how and by when. "
                a.govuk-link href="https://www.gov.uk/children-with-special-educational-needs/appeals" { "Read about mediation and appeals on GOV.UK" }
            }
            form method="post" action={ "/cases/" (case) "/plan/response" } enctype="multipart/form-data" novalidate {
                (ui::csrf(csrf))
                (ui::textarea(&ui::Question { hint: Some("What is right, what is missing or wrong, and what matters most to your child"), ..ui::Question::new("comments", "Your views on the draft plan") }, "", 6, ""))
                (ui::select_question(&ui::Question::new("requested_setting", "The school or setting you ask to be named (optional)"), settings, Some("I am not asking for one"), ""))
                div.govuk-form-group {
                    label.govuk-label.govuk-label--s for="file" { "A document of your views, for example \"all about me\" (optional)" }
                    div.govuk-hint id="file-hint" { "A PDF, Word document (.docx), PNG or JPEG image, up to 20 MB" }
                    input.govuk-file-upload id="file" name="file" type="file" accept=".pdf,.docx,.png,.jpg,.jpeg" aria-describedby="file-hint";
                }
                (ui::submit("Send my response"))
            }
        }
    }
}

/// POST /cases/{id}/plan/response
pub async fn respond(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let form = parts(multipart).await;
    with_user(&app, visitor, move |store, who| {
        let form = match crate::multipart::for_session(form, &who.session.csrf) {
            Ok(f) => f,
            Err(r) => return *r,
        };
        let Ok(case) = CaseId::parse(&id) else {
            return not_found();
        };
        let views = (!form.bytes.is_empty()).then(|| Upload {
            file_name: form.file_name.clone(),
            title: "The family's views on the draft plan".into(),
            kind: DocumentKind::Views,
            bytes: form.bytes.clone(),
        });
        let response = FamilyResponse {
            comments: form.field("comments").to_string(),
            requested_setting: SettingId::parse(form.field("requested_setting")).ok(),
            views,
        };
        match respond_to_draft(store, who.username.as_str(), &who.principal, case, response) {
            Ok(()) => Redirect::to(&format!("/cases/{id}/plan?responded=1")).into_response(),
            Err(StepError::Invalid(m) | StepError::Refused(m)) => Error::refused(ui::sentence(&m))
                .heading("Your response could not be sent")
                .into_response(),
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Forbidden) => {
                Error::forbidden("Only the family can respond to the draft plan here.")
                    .into_response()
            }
            Err(StepError::Internal(e)) => Error::internal(e).into_response(),
        }
    })
    .await
}
