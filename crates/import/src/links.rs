//! The GIAS links extract (`URN, LinkURN, LinkName, LinkType, LinkEstablishedDate`): when
//! a school becomes an academy it gets a new URN; the link says which old URN the new one
//! follows, so one setting keeps its identity (and its history and children) across it.

use crate::gias::gias_date;
use crate::{FileError, Rejection, decode};
use chrono::NaiveDate;
use sendscope_domain::codes::Urn;
use std::collections::HashSet;

pub const KEY_COLUMNS: &[&str] = &["URN", "LinkURN", "LinkType"];

/// An old URN followed by a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Succession {
    pub row: u64,
    pub old: Urn,
    pub new: Urn,
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub successions: Vec<Succession>,
    pub rejected: Vec<Rejection>,
    /// Links of other kinds (mergers, amalgamations, splits, sixth-form links) and the
    /// second sighting of a succession (GIAS lists each from both ends).
    pub skipped: u64,
    pub rows: u64,
}

/// Reads a links file: "Successor" rows (URN → LinkURN) and "Predecessor" rows
/// (LinkURN → URN) are successions; other link types are skipped.
pub fn parse(bytes: &[u8]) -> Result<Parsed, FileError> {
    let (mut rdr, header, encoding) = crate::open(bytes, KEY_COLUMNS)?;
    let mut out = Parsed::default();
    let mut seen: HashSet<(Urn, Urn)> = HashSet::new();
    let (rows, fatal) = crate::each_row(&mut rdr, |row, record| {
        let reject = |column: &str, value: &str, reason: String| Rejection {
            row,
            column: column.into(),
            value: value.into(),
            reason,
        };
        let get = |name: &str| -> Result<String, Rejection> {
            let Some(i) = header.find(name) else {
                return Ok(String::new());
            };
            let Some(bytes) = record.get(i) else {
                return Err(reject(
                    name,
                    "",
                    format!(
                        "the row has {} of the header's {} columns: the file may be cut short",
                        record.len(),
                        header.len()
                    ),
                ));
            };
            decode(bytes, encoding)
                .map(|s| s.trim().to_string())
                .map_err(|e| reject(name, &String::from_utf8_lossy(bytes), e))
        };
        let parsed = (|| -> Result<Option<Succession>, Rejection> {
            let kind = get("LinkType")?;
            let forwards = match kind.to_ascii_lowercase().as_str() {
                "successor" => true,
                "predecessor" => false,
                _ => return Ok(None),
            };
            let urn = |name: &str| -> Result<Urn, Rejection> {
                let v = get(name)?;
                Urn::parse(&v).map_err(|e| reject(name, &v, e.to_string()))
            };
            let (a, b) = (urn("URN")?, urn("LinkURN")?);
            let date = get("LinkEstablishedDate")?;
            let on = gias_date(&date).map_err(|e| reject("LinkEstablishedDate", &date, e))?;
            let (old, new) = if forwards { (a, b) } else { (b, a) };
            if old == new {
                return Err(reject(
                    "LinkURN",
                    &b.to_string(),
                    "a URN cannot follow itself".into(),
                ));
            }
            Ok(Some(Succession { row, old, new, on }))
        })();
        match parsed {
            Ok(Some(s)) if seen.insert((s.old, s.new)) => out.successions.push(s),
            Ok(_) => out.skipped += 1,
            Err(r) => out.rejected.push(r),
        }
    });
    out.rows = rows;
    out.rejected.extend(fatal);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successions_are_read_from_either_end_once() {
        let p = parse(
            b"URN,LinkURN,LinkName,LinkType,LinkEstablishedDate\n\
              112734,145982,Cottons Farm Primary Academy,Successor,30-06-2018\n\
              145982,112734,Cottons Farm Primary School,Predecessor,30-06-2018\n\
              112735,112738,Lakeside,Successor - merged,\n\
              112736,abc,Bad,Successor,\n\
              112737,112739,Bad date,Successor,2018-06-30\n",
        )
        .expect("reads");
        assert_eq!(p.successions.len(), 1);
        assert_eq!(p.successions[0].old.to_string(), "112734");
        assert_eq!(p.successions[0].new.to_string(), "145982");
        assert_eq!(p.skipped, 2);
        let bad: Vec<(u64, &str)> = p
            .rejected
            .iter()
            .map(|r| (r.row, r.column.as_str()))
            .collect();
        assert_eq!(bad, vec![(5, "LinkURN"), (6, "LinkEstablishedDate")]);
    }
}
