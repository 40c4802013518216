//! Documents on a child's record, as pages and through the API: added on
//! `/cases/{id}/documents/new` (a form that works without JavaScript) or by
//! `POST /api/v1/cases/{id}/documents` (multipart: `file`, `title`, `kind`), downloaded
//! from `/cases/{id}/documents/{sha256}` (and the same under `/api/v1`). A download is
//! authorised like the record itself, logged like any view of it (`access_log`), and
//! always sent as an attachment that a browser will not run or sniff.

use crate::api::{Caller, step_problem, with_caller};
use crate::auth::{SignedIn, Visitor};
use crate::multipart::parts;
use crate::shell::{not_found, with_user};
use crate::{AppState, Error, ui};
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::documents::{Upload, add, kinds_allowed, read};
use sendscope_app::steps::StepError;
use sendscope_domain::access::Principal;
use sendscope_domain::documents::{DocumentKind, MAX_BYTES};
use sendscope_domain::ids::CaseId;
use sendscope_domain::{StreamRef, projection::Projection};
use sendscope_store::Store;

/// The largest request a document upload may be: the file and its few fields.
pub const UPLOAD_LIMIT: usize = MAX_BYTES + 64 * 1024;

fn open(store: &dyn Store, who: &Principal, id: &str) -> Option<Projection> {
    let case = CaseId::parse(id).ok()?;
    let p = store.projection(StreamRef::case(case)).ok()??;
    (p.case().is_some() && sendscope_app::access::may_see(who, &p)).then_some(p)
}

fn form_page(
    id: &str,
    who: &SignedIn,
    kinds: &[DocumentKind],
    title: &str,
    kind: &str,
    error: Option<(&str, &str)>,
) -> Markup {
    let options: Vec<(String, String)> = kinds
        .iter()
        .map(|k| (k.slug().to_string(), k.label().to_string()))
        .collect();
    let err = |field: &str| error.filter(|(f, _)| *f == field).map(|(_, m)| m);
    let file_q = ui::Question {
        hint: Some("A PDF, Word document (.docx), PNG or JPEG image, up to 20 MB"),
        error: err("file"),
        ..ui::Question::new("file", "Choose the file")
    };
    html! {
        a.govuk-back-link href={ "/cases/" (id) } { "Back to the record" }
        @if let Some((field, message)) = error { (ui::error_summary([(field, message)])) }
        h1.govuk-heading-l { "Add a document" }
        form method="post" action={ "/cases/" (id) "/documents" } enctype="multipart/form-data" novalidate {
            (ui::csrf(&who.session.csrf))
            div class=(file_q.group_class()) {
                label.govuk-label.govuk-label--s for="file" { (file_q.label) }
                div.govuk-hint id="file-hint" { (file_q.hint.unwrap_or_default()) }
                @if let Some(e) = file_q.error {
                    p.govuk-error-message id="file-error" { span.govuk-visually-hidden { "Error:" } " " (e) }
                }
                input class=(if file_q.error.is_some() { "govuk-file-upload govuk-file-upload--error" } else { "govuk-file-upload" })
                    id="file" name="file" type="file" accept=".pdf,.docx,.png,.jpg,.jpeg"
                    aria-describedby=(if file_q.error.is_some() { "file-hint file-error" } else { "file-hint" });
            }
            (ui::text_input(&ui::Question { error: err("title"), hint: Some("For example, Speech and language therapy advice"), ..ui::Question::new("title", "What is it?") }, "", ui::Width::Half, title))
            (ui::radios(&ui::Question { error: err("kind"), ..ui::Question::new("kind", "What kind of document is it?") }, &options, kind, None))
            (ui::submit("Add the document"))
        }
    }
}

/// GET /cases/{id}/documents/new
pub async fn new(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    axum::extract::Query(given): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let Some(p) = open(store, &who.principal, &id) else {
            return not_found();
        };
        let kinds = kinds_allowed(&who.principal, &p);
        if kinds.is_empty() {
            return Error::forbidden("Your role cannot add documents to this record.")
                .into_response();
        }
        // A link may choose the kind ("Send the review paperwork").
        let kind = given
            .get("kind")
            .and_then(|k| DocumentKind::from_slug(k))
            .filter(|k| kinds.contains(k))
            .map_or("", |k| k.slug());
        Html(ui::page(
            "Add a document",
            form_page(&id, &who, &kinds, "", kind, None),
        ))
        .into_response()
    })
    .await
}

/// POST /cases/{id}/documents
pub async fn upload(
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
        let Some(p) = open(store, &who.principal, &id) else {
            return not_found();
        };
        let kinds = kinds_allowed(&who.principal, &p);
        let again = |field: &str, message: &str| {
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                Html(ui::page(
                    "Add a document",
                    form_page(
                        &id,
                        &who,
                        &kinds,
                        form.field("title"),
                        form.field("kind"),
                        Some((field, message)),
                    ),
                )),
            )
                .into_response()
        };
        let Some(kind) = DocumentKind::from_slug(form.field("kind")).filter(|k| kinds.contains(k))
        else {
            return again("kind", "Select what kind of document it is");
        };
        if form.bytes.is_empty() {
            return again("file", "Choose the file to add");
        }
        let upload = Upload {
            file_name: form.file_name.clone(),
            title: form.field("title").to_string(),
            kind,
            bytes: form.bytes.clone(),
        };
        match add(
            store,
            who.username.as_str(),
            &who.principal,
            CaseId(p.stream.id),
            upload,
        ) {
            Ok(_) => {
                Redirect::to(&format!("/cases/{id}?recorded=document#documents")).into_response()
            }
            Err(StepError::Invalid(m)) if m.starts_with("Say what") => again("title", &m),
            Err(StepError::Invalid(m) | StepError::Refused(m)) => {
                again("file", &crate::ui::sentence(&m))
            }
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Forbidden) => {
                Error::forbidden("Your role cannot add this kind of document to this record.")
                    .into_response()
            }
            Err(StepError::Internal(e)) => Error::internal(e).into_response(),
        }
    })
    .await
}

/// The document as a download: never shown inline, never sniffed, never cached.
pub(crate) fn download(
    doc: &sendscope_domain::projection::DocumentState,
    content: Vec<u8>,
) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                doc.document.media_type.mime().to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", doc.document.file_name),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_string(),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        content,
    )
        .into_response()
}

/// GET /cases/{id}/documents/{sha256}
pub async fn get(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let Ok(case) = CaseId::parse(&id) else {
            return not_found();
        };
        match read(store, &who.principal, case, &sha) {
            Ok(Some((doc, content))) => download(&doc, content),
            Ok(None) => not_found(),
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}

/// The documents on a record, for its page: each with who added it and when.
pub fn list(
    v: &crate::views::CaseView,
    people: &std::collections::HashMap<String, String>,
) -> Markup {
    let id = &v.id;
    html! {
        @if !v.documents.is_empty() || !v.can_add_documents.is_empty() {
            h2.govuk-heading-m id="documents" { "Documents" }
            @if v.documents.is_empty() {
                p.govuk-body { "There are no documents on this record yet." }
            } @else {
                ul.govuk-list {
                    @for d in &v.documents {
                        li {
                            a.govuk-link href={ "/cases/" (id) "/documents/" (d.sha256) } download {
                                (d.title) " (" (d.type_label) ", " (format!("{:.0} KB", (d.size as f64 / 1024.0).ceil())) ")"
                            }
                            br;
                            span.govuk-hint {
                                (d.kind_label) ". Added " (sendscope_domain::calendar::long_date(d.on))
                                " by " (people.get(&d.added_by).cloned().unwrap_or_else(|| "sendscope".into())) "."
                            }
                        }
                    }
                }
            }
            @if !v.can_add_documents.is_empty() {
                p.govuk-body { (ui::link(&format!("/cases/{id}/documents/new"), "Add a document")) }
            }
        }
    }
}

/// POST /api/v1/cases/{id}/documents: multipart with `file`, `title` and `kind`.
pub async fn api_add(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let form = parts(multipart).await;
    with_caller(&app, visitor, move |store, c: Caller| {
        let form = form.map_err(|m| Error::invalid(crate::ui::sentence(&m)))?;
        let case = CaseId::parse(&id).map_err(|_| Error::not_found(NOT_FOUND))?;
        let kind = DocumentKind::from_slug(form.field("kind")).ok_or_else(|| {
            Error::invalid(format!(
                "kind must be one of: {}",
                DocumentKind::ALL.map(|k| k.slug()).join(", ")
            ))
        })?;
        if form.bytes.is_empty() {
            return Err(Error::invalid(
                "Send the document as the multipart field file",
            ));
        }
        let upload = Upload {
            file_name: form.file_name.clone(),
            title: form.field("title").to_string(),
            kind,
            bytes: form.bytes,
        };
        let doc = add(store, &c.username, &c.principal, case, upload).map_err(|e| {
            step_problem(
                e,
                NOT_FOUND,
                "Your role cannot add this kind of document to this record",
            )
        })?;
        let body = serde_json::to_vec(&doc).map_err(Error::internal)?;
        Ok((
            axum::http::StatusCode::CREATED,
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::LOCATION,
                    format!("/api/v1/cases/{id}/documents/{}", doc.document.sha256),
                ),
            ],
            body,
        )
            .into_response())
    })
    .await
}

const NOT_FOUND: &str = "There is no child's record with that reference that you can see";

/// GET /api/v1/cases/{id}/documents/{sha256}
pub async fn api_get(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    with_caller(&app, visitor, move |store, c: Caller| {
        let case = CaseId::parse(&id).map_err(|_| Error::not_found(NOT_FOUND))?;
        match read(store, &c.principal, case, &sha).map_err(Error::internal)? {
            Some((doc, content)) => Ok(download(&doc, content)),
            None => Err(Error::not_found(
                "There is no such document on a record you can see",
            )),
        }
    })
    .await
}
