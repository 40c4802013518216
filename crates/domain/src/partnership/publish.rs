//! What may be published: a check for anything in a text that identifies a child.

use crate::calendar::long_date;
use chrono::NaiveDate;
use serde::Serialize;

/// Something in a text that could identify a child: where it is and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// 1-based line and column (in characters).
    pub line: usize,
    pub column: usize,
    pub found: String,
    pub what: &'static str,
}

/// The area's children as a published text is checked against them.
pub struct Children<'a> {
    /// Each child's name as "given family".
    pub names: &'a [String],
    pub birth_dates: &'a [NaiveDate],
}

fn is_case_reference(w: &str) -> bool {
    let hex_dashes = w.len() == 36
        && w.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let send = w.len() == 17
        && w[..5].eq_ignore_ascii_case("SEND-")
        && w[5..].chars().all(|c| c.is_ascii_hexdigit());
    hex_dashes || send
}

fn is_upn(w: &str) -> bool {
    let c: Vec<char> = w.chars().collect();
    c.len() == 13
        && c[0].is_ascii_alphabetic()
        && c[1..12].iter().all(char::is_ascii_digit)
        && (c[12].is_ascii_digit() || c[12].is_ascii_alphabetic())
}

/// Everything in `text` that identifies a child: a child's name, a child's date of birth
/// (as "4 May 2018", "04/05/2018" or "2018-05-04"), a UPN, or a case reference. Names and
/// dates are matched whole-word, case ignored.
pub fn identifying(text: &str, children: &Children<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut patterns: Vec<(String, &'static str)> = children
        .names
        .iter()
        .filter(|n| n.split_whitespace().count() >= 2)
        .map(|n| (n.to_lowercase(), "a child's name"))
        .collect();
    for d in children.birth_dates {
        for f in [
            long_date(*d),
            d.format("%d/%m/%Y").to_string(),
            d.to_string(),
        ] {
            patterns.push((f.to_lowercase(), "a child's date of birth"));
        }
    }
    for (i, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        let boundary = |s: &str, at: usize, len: usize| {
            let before = s[..at].chars().next_back();
            let after = s[at + len..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        };
        for (p, what) in &patterns {
            let mut from = 0;
            while let Some(at) = lower[from..].find(p.as_str()).map(|x| x + from) {
                if boundary(&lower, at, p.len()) {
                    out.push(Finding {
                        line: i + 1,
                        column: lower[..at].chars().count() + 1,
                        found: line.get(at..at + p.len()).unwrap_or(p).to_string(),
                        what,
                    });
                }
                from = at + p.len().max(1);
            }
        }
        let mut start = None;
        for (column, (j, ch)) in line.char_indices().chain([(line.len(), ' ')]).enumerate() {
            let part = ch.is_alphanumeric() || ch == '-';
            match (part, start) {
                (true, None) => start = Some((j, column)),
                (false, Some((s, col))) => {
                    let w = line[s..j].trim_matches('-');
                    let what = if is_upn(w) {
                        Some("a UPN")
                    } else if is_case_reference(w) {
                        Some("a case reference")
                    } else {
                        None
                    };
                    if let Some(what) = what {
                        out.push(Finding {
                            line: i + 1,
                            column: col + 1,
                            found: w.to_string(),
                            what,
                        });
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|f| (f.line, f.column));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn identifying_details_are_found_where_they_are() {
        let names = ["Chidi Okafor".to_string()];
        let dobs = [d(2018, 5, 4)];
        let children = Children {
            names: &names,
            birth_dates: &dobs,
        };
        let text = "The board heard about waits.\nCHIDI OKAFOR (born 04/05/2018) waited; UPN A123456789012.\nSee SEND-0A1B2C3D4E5F and 3b49a048-cc89-4dbe-9ac9-4099ae1cc3f0.\nChidi Okaforson is not a match; nor is 2018-05-05.";
        let found: Vec<(usize, usize, &str)> = identifying(text, &children)
            .iter()
            .map(|f| (f.line, f.column, f.what))
            .collect();
        assert_eq!(
            found,
            [
                (2, 1, "a child's name"),
                (2, 20, "a child's date of birth"),
                (2, 44, "a UPN"),
                (3, 5, "a case reference"),
                (3, 27, "a case reference"),
            ]
        );
        assert!(identifying("Nothing about any child.", &children).is_empty());
    }
}
