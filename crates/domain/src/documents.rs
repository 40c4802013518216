//! Documents on a child's record (advice reports, review paperwork, letters, evidence,
//! the family's views): which files are accepted, checked by their content and not only
//! their name. A file's content decides its type; a name that says otherwise, a type not
//! accepted, or a file too large is refused with what to do instead.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// The largest file accepted: 20 MB (a scanned report of some pages).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Pdf,
    Docx,
    Png,
    Jpeg,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF",
            MediaType::Docx => "Word document",
            MediaType::Png => "PNG image",
            MediaType::Jpeg => "JPEG image",
        }
    }

    /// The file-name endings that say this type.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Pdf => &["pdf"],
            MediaType::Docx => &["docx"],
            MediaType::Png => &["png"],
            MediaType::Jpeg => &["jpg", "jpeg"],
        }
    }

    /// The type the content is, by its first bytes (and, for a Word document, the part
    /// every one holds); `None` if it is none of those accepted.
    pub fn of_content(bytes: &[u8]) -> Option<MediaType> {
        if bytes.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if bytes.starts_with(b"PK\x03\x04")
            && bytes.windows(17).any(|w| w == b"word/document.xml")
        {
            Some(MediaType::Docx)
        } else {
            None
        }
    }
}

/// What a document is on the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Advice or a report for an assessment (education, health, social care, other).
    Advice,
    /// Annual review paperwork.
    Review,
    /// A letter, sent or received.
    Letter,
    /// The child's, young person's or family's views.
    Views,
    /// Evidence for a request, a decision or an appeal.
    Evidence,
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Advice,
        DocumentKind::Review,
        DocumentKind::Letter,
        DocumentKind::Views,
        DocumentKind::Evidence,
        DocumentKind::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Advice => "Advice or report for an assessment",
            DocumentKind::Review => "Annual review paperwork",
            DocumentKind::Letter => "Letter",
            DocumentKind::Views => "Views of the child, young person or family",
            DocumentKind::Evidence => "Evidence",
            DocumentKind::Other => "Other",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            DocumentKind::Advice => "advice",
            DocumentKind::Review => "review",
            DocumentKind::Letter => "letter",
            DocumentKind::Views => "views",
            DocumentKind::Evidence => "evidence",
            DocumentKind::Other => "other",
        }
    }

    pub fn from_slug(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.slug() == s)
    }
}

/// Checks an uploaded file: its size, that its content is a type accepted, and that its
/// name says the same type. Returns the type.
pub fn check(file_name: &str, bytes: &[u8]) -> Result<MediaType, DomainError> {
    let refuse = |m: String| Err(DomainError::Refused(m));
    if bytes.is_empty() {
        return refuse("the file is empty: choose the file again".into());
    }
    if bytes.len() > MAX_BYTES {
        return refuse(format!(
            "the file is {:.1} MB; the largest accepted is {} MB: make it smaller (for example, scan at a lower resolution) or split it",
            bytes.len() as f64 / 1_048_576.0,
            MAX_BYTES / 1_048_576
        ));
    }
    let Some(kind) = MediaType::of_content(bytes) else {
        return refuse(
            "the file is not a PDF, Word document (.docx), PNG or JPEG image: save it as one of those and try again".into(),
        );
    };
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return refuse(format!(
            "the file's name ends .{ext} but its content is a {}: check it is the right file, and give it a name ending .{}",
            kind.label(),
            kind.extensions()[0]
        ));
    }
    Ok(kind)
}

/// A file name safe to offer in a download: letters, digits, spaces, dots, hyphens and
/// underscores kept, anything else replaced, at most 100 characters.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '.' || c == ' ').to_string();
    if trimmed.is_empty() {
        "document".into()
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type_and_the_name_must_agree() {
        assert_eq!(check("report.pdf", b"%PDF-1.7 ..."), Ok(MediaType::Pdf));
        assert_eq!(
            check("Photo.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]),
            Ok(MediaType::Jpeg)
        );
        let html = b"<html><script>alert(1)</script></html>";
        let Err(DomainError::Refused(m)) = check("report.pdf", html) else {
            panic!("HTML named .pdf is refused");
        };
        assert!(m.contains("not a PDF"), "{m}");
        let Err(DomainError::Refused(m)) = check("report.png", b"%PDF-1.4") else {
            panic!("a PDF named .png is refused");
        };
        assert!(m.contains("ends .png") && m.contains(".pdf"), "{m}");
        let big = vec![b'%'; MAX_BYTES + 1];
        assert!(check("big.pdf", &big).is_err());
        assert!(check("empty.pdf", b"").is_err());
        assert!(check("a.docx", b"PK\x03\x04 no word part").is_err());
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_file_name("Report \"final\";.pdf"),
            "Report _final__.pdf"
        );
        assert_eq!(safe_file_name("..."), "document");
    }
}
