//! The contacts file that goes with a return brought in (`sendscope sen2 import --contacts`):
//! what SEN2 does not carry (the child's address and home language, their parents and
//! carers), one row per parent or carer, in a CSV with a header row. The layout is
//! `docs/sen2-import.md`; this reads it, as text, for the app to check and match.

/// The columns, as the header names them (any order, any case; unknown columns are
/// refused so a misspelt one is not silently lost).
pub const COLUMNS: &[&str] = &[
    "upn",
    "surname",
    "forename",
    "birth_date",
    "postcode",
    "address",
    "home_language",
    "parent_name",
    "relationship",
    "parental_responsibility",
    "email",
    "phone",
    "letters_by_email",
    "confidential_address",
];

/// One row as written (empty cells are `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub upn: Option<String>,
    pub surname: Option<String>,
    pub forename: Option<String>,
    pub birth_date: Option<String>,
    pub postcode: Option<String>,
    pub address: Option<String>,
    pub home_language: Option<String>,
    pub parent_name: Option<String>,
    pub relationship: Option<String>,
    pub parental_responsibility: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub letters_by_email: Option<String>,
    pub confidential_address: Option<String>,
}

/// Why a contacts file cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContactsError {
    #[error("the contacts file is not UTF-8 text")]
    NotText,
    #[error("the contacts file has no header row")]
    NoHeader,
    #[error(
        "the contacts file's header has a column \"{0}\" this layout does not have (the columns are: {columns})",
        columns = COLUMNS.join(", ")
    )]
    UnknownColumn(String),
    #[error("the contacts file's header has no \"{0}\" column, which every file needs")]
    MissingColumn(&'static str),
    #[error("line {line} of the contacts file cannot be read: {why}")]
    Unreadable { line: usize, why: String },
}

/// Reads the file: every row, or why the file as a whole cannot be read.
pub fn read(bytes: &[u8]) -> Result<Vec<ContactRow>, ContactsError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ContactsError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = r.headers().map_err(|e| ContactsError::Unreadable {
        line: 1,
        why: e.to_string(),
    })?;
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(ContactsError::NoHeader);
    }
    let mut at = Vec::new();
    for h in header {
        let name = h.trim().to_ascii_lowercase();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(i) => at.push(i),
            None => return Err(ContactsError::UnknownColumn(h.trim().to_string())),
        }
    }
    for needed in ["surname", "forename", "birth_date"] {
        if !at.iter().any(|i| COLUMNS[*i] == needed) {
            return Err(ContactsError::MissingColumn(needed));
        }
    }
    let mut out = Vec::new();
    for (n, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| ContactsError::Unreadable {
            line: e.position().map(|p| p.line() as usize).unwrap_or(n + 2),
            why: e.to_string(),
        })?;
        let mut row = ContactRow {
            line: rec.position().map(|p| p.line() as usize).unwrap_or(n + 2),
            ..Default::default()
        };
        for (cell, i) in rec.iter().zip(&at) {
            let v = cell.trim();
            let v = (!v.is_empty()).then(|| v.to_string());
            let slot = match COLUMNS[*i] {
                "upn" => &mut row.upn,
                "surname" => &mut row.surname,
                "forename" => &mut row.forename,
                "birth_date" => &mut row.birth_date,
                "postcode" => &mut row.postcode,
                "address" => &mut row.address,
                "home_language" => &mut row.home_language,
                "parent_name" => &mut row.parent_name,
                "relationship" => &mut row.relationship,
                "parental_responsibility" => &mut row.parental_responsibility,
                "email" => &mut row.email,
                "phone" => &mut row.phone,
                "letters_by_email" => &mut row.letters_by_email,
                _ => &mut row.confidential_address,
            };
            *slot = v;
        }
        out.push(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_by_its_header_names_in_any_order_and_case() {
        let rows = read(
            b"\xef\xbb\xbfForename,Surname,Birth_Date,parent_name,relationship\nAmy,Hart,2015-03-02,Jo Hart,mother\nAmy,Hart,2015-03-02,,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].surname.as_deref(), Some("Hart"));
        assert_eq!(rows[0].parent_name.as_deref(), Some("Jo Hart"));
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].parent_name, None);
    }

    #[test]
    fn a_file_it_cannot_trust_is_refused_whole() {
        assert_eq!(read(b"\xff\xfe"), Err(ContactsError::NotText));
        assert_eq!(
            read(b"surname,forename,birthdate\n"),
            Err(ContactsError::UnknownColumn("birthdate".into()))
        );
        assert_eq!(
            read(b"surname,forename\n"),
            Err(ContactsError::MissingColumn("birth_date"))
        );
        assert!(matches!(
            read(b"surname,forename,birth_date\na,b\n"),
            Err(ContactsError::Unreadable { line: 2, .. })
        ));
    }
}
