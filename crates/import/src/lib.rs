//! Reading the national registers as they are published (domain.md §6). Pure: bytes in,
//! checked rows and a report of every rejected row out; the command applies them.
//!
//! A file is read whole or refused whole ([`FileError`]: empty, binary, not CSV, key
//! columns missing). Within a readable file each row stands alone: a bad row is
//! reported (row number, column, value, reason) and the others are kept.
//!
//! Encodings: UTF-8 (with or without a byte-order mark) or Windows-1252, as GIAS
//! publishes. A file with a BOM, or valid UTF-8 throughout, is read as UTF-8; any other
//! file as Windows-1252, where the five bytes that code page leaves undefined make
//! their row undecodable.

pub mod dfe_stats;
pub mod gias;
pub mod links;
pub mod ofsted;

use std::fmt;

/// Why a whole file cannot be read. Nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    Empty,
    Binary,
    NotCsv(String),
    MissingColumns(Vec<&'static str>),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Empty => write!(f, "the file is empty: give the CSV file as published"),
            FileError::Binary => write!(
                f,
                "the file is not text (it holds NUL bytes): give the CSV file as published, not a spreadsheet or archive"
            ),
            FileError::NotCsv(e) => write!(f, "the file cannot be read as CSV: {e}"),
            FileError::MissingColumns(c) => write!(
                f,
                "the header has no column {}: check this is the right file (columns are matched by name)",
                c.iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// One rejected row: where, what, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The line's row number in the file, counting the header as row 1.
    pub row: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}, column {:?}, value {:?}: {}",
            self.row, self.column, self.value, self.reason
        )
    }
}

/// How the file's text was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

/// Windows-1252's bytes 0x80-0x9F (the rest is Latin-1); `None` where it defines none.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('\u{20AC}'),
    None,
    Some('\u{201A}'),
    Some('\u{0192}'),
    Some('\u{201E}'),
    Some('\u{2026}'),
    Some('\u{2020}'),
    Some('\u{2021}'),
    Some('\u{02C6}'),
    Some('\u{2030}'),
    Some('\u{0160}'),
    Some('\u{2039}'),
    Some('\u{0152}'),
    None,
    Some('\u{017D}'),
    None,
    None,
    Some('\u{2018}'),
    Some('\u{2019}'),
    Some('\u{201C}'),
    Some('\u{201D}'),
    Some('\u{2022}'),
    Some('\u{2013}'),
    Some('\u{2014}'),
    Some('\u{02DC}'),
    Some('\u{2122}'),
    Some('\u{0161}'),
    Some('\u{203A}'),
    Some('\u{0153}'),
    None,
    Some('\u{017E}'),
    Some('\u{0178}'),
];

/// Decodes one field, or says which byte could not be read.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<String, String> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
            format!(
                "byte {} is not UTF-8 (the file is read as UTF-8): save the file as UTF-8 or Windows-1252 throughout",
                e.valid_up_to() + 1
            )
        }),
        Encoding::Windows1252 => bytes
            .iter()
            .enumerate()
            .map(|(i, &b)| match b {
                0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)].ok_or_else(|| {
                    format!(
                        "byte {} (0x{b:02X}) is not a character in Windows-1252 or UTF-8: the text is damaged; correct it in the source",
                        i + 1
                    )
                }),
                _ => Ok(char::from(b)),
            })
            .collect(),
    }
}

/// Checks the file as a whole and works out its encoding; returns the bytes without
/// any byte-order mark.
pub fn prepare(bytes: &[u8]) -> Result<(&[u8], Encoding), FileError> {
    let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FileError::Empty);
    }
    if body.contains(&0) {
        return Err(FileError::Binary);
    }
    let encoding = if bom || std::str::from_utf8(body).is_ok() {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    };
    Ok((body, encoding))
}

/// A CSV file's header, decoded, with columns found by name (trimmed, any case).
pub struct Header {
    names: Vec<String>,
}

impl Header {
    pub fn read(record: &csv::ByteRecord, encoding: Encoding) -> Result<Header, FileError> {
        let names = record
            .iter()
            .map(|b| decode(b, encoding).map(|s| s.trim().to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| FileError::NotCsv(format!("the header cannot be read: {e}")))?;
        Ok(Header { names })
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.eq_ignore_ascii_case(name))
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// A CSV reader over bytes: headers as published, rows of any length (a short row is
/// reported, not fatal), quotes as RFC 4180.
pub fn reader(body: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(body)
}

/// Opens a file as CSV: checks it as a whole, reads its header and makes sure the key
/// columns are there.
pub fn open<'a>(
    bytes: &'a [u8],
    key_columns: &[&'static str],
) -> Result<(csv::Reader<&'a [u8]>, Header, Encoding), FileError> {
    let (body, encoding) = prepare(bytes)?;
    let mut rdr = reader(body);
    let header = Header::read(
        rdr.byte_headers()
            .map_err(|e| FileError::NotCsv(e.to_string()))?,
        encoding,
    )?;
    let missing: Vec<&'static str> = key_columns
        .iter()
        .copied()
        .filter(|c| header.find(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing));
    }
    Ok((rdr, header, encoding))
}

/// Calls `f` with every data row and its row number (the header is row 1). A row the
/// CSV reader cannot get past (an unterminated quote at a cut-off end) ends the file:
/// it comes back as a rejection, the rows before it stand. Returns the rows seen.
pub fn each_row(
    rdr: &mut csv::Reader<&[u8]>,
    mut f: impl FnMut(u64, &csv::ByteRecord),
) -> (u64, Option<Rejection>) {
    let mut record = csv::ByteRecord::new();
    let mut row = 1u64;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => return (row - 1, None),
            Ok(true) => {
                row += 1;
                f(row, &record);
            }
            Err(e) => {
                row += 1;
                let r = Rejection {
                    row,
                    column: String::new(),
                    value: String::new(),
                    reason: format!(
                        "the CSV cannot be read from here: {e}; the file may be cut short"
                    ),
                };
                return (row - 1, Some(r));
            }
        }
    }
}
