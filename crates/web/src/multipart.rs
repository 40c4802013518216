//! Forms sent as multipart (those with a file): the file and the text fields, read with
//! the size limit the route sets.

use axum::extract::Multipart;
use axum::response::{IntoResponse, Response};
use sendscope_domain::documents::MAX_BYTES;

/// A multipart form as read: its text fields and its one file.
#[derive(Default)]
pub(crate) struct Parts {
    fields: std::collections::HashMap<String, String>,
    pub(crate) file_name: String,
    pub(crate) bytes: Vec<u8>,
}

impl Parts {
    /// A text field's value, trimmed (empty if absent).
    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(|v| v.trim()).unwrap_or("")
    }
}

/// Reads a multipart form: the field `file` as the file, the rest as text.
pub(crate) async fn parts(mut m: Multipart) -> Result<Parts, String> {
    let mut out = Parts::default();
    while let Some(field) = m
        .next_field()
        .await
        .map_err(|e| format!("the upload could not be read ({e}): try again"))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            out.file_name = field.file_name().unwrap_or("").to_string();
            out.bytes = field
                .bytes()
                .await
                .map_err(|_| {
                    format!(
                        "the file could not be read: the largest accepted is {} MB",
                        MAX_BYTES / 1_048_576
                    )
                })?
                .to_vec();
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| format!("the form could not be read ({e})"))?;
            out.fields.insert(name, text);
        }
    }
    Ok(out)
}

/// A page's multipart form as read, checked against the session's CSRF token: the form,
/// or the answer to give instead (what could not be read, or the form expired).
pub(crate) fn for_session(form: Result<Parts, String>, csrf: &str) -> Result<Parts, Box<Response>> {
    let form =
        form.map_err(|m| Box::new(crate::Error::invalid(crate::ui::sentence(&m)).into_response()))?;
    if form.field("csrf") != csrf {
        return Err(Box::new(crate::form_expired()));
    }
    Ok(form)
}
