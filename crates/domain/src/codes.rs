//! Validated identifiers and quantities: URN, UKPRN, UPN, ULN, NHS number, postcode,
//! LA code, money in pence, financial and academic years. Built only through `parse`.

use crate::DomainError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

fn invalid(what: &'static str, value: &str, how: &str) -> DomainError {
    DomainError::Invalid {
        what,
        value: value.to_string(),
        how: how.to_string(),
    }
}

/// Serialise through `Display`, deserialise through `parse`, so stored payloads can
/// never hold an invalid value.
macro_rules! string_serde {
    ($t:ty, $description:literal) => {
        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "description": $description })
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Unique Reference Number of an establishment in GIAS (six digits, 100000-999999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Urn(u32);

impl Urn {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        match t.parse::<u32>() {
            Ok(n) if (100_000..=999_999).contains(&n) && t.len() == 6 => Ok(Urn(n)),
            _ => Err(invalid("URN", s, "a URN is six digits, 100000 to 999999")),
        }
    }
    pub fn get(self) -> u32 {
        self.0
    }
}
impl fmt::Display for Urn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
string_serde!(
    Urn,
    "A GIAS Unique Reference Number: six digits, 100000 to 999999"
);

/// UK Provider Reference Number (eight digits beginning with 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ukprn(u32);

impl Ukprn {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        match t.parse::<u32>() {
            Ok(n) if (10_000_000..=19_999_999).contains(&n) && t.len() == 8 => Ok(Ukprn(n)),
            _ => Err(invalid(
                "UKPRN",
                s,
                "a UKPRN is eight digits beginning with 1",
            )),
        }
    }
}
impl fmt::Display for Ukprn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
string_serde!(
    Ukprn,
    "A UK Provider Reference Number: eight digits beginning with 1"
);

const UPN_CHECK_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// Unique Pupil Number: a check letter followed by 12 characters (DfE algorithm:
/// weights 2..13 on characters 2-13, sum mod 23 picks the check letter). A temporary
/// UPN ends in a letter instead of a digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Upn(String);

impl Upn {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        let how = "a UPN is 13 characters: a check letter, 11 digits, then a digit or letter";
        if b.len() != 13 || !b[1..12].iter().all(u8::is_ascii_digit) {
            return Err(invalid("UPN", s, how));
        }
        let last = b[12];
        let last_value = if last.is_ascii_digit() {
            u32::from(last - b'0')
        } else if let Some(i) = UPN_CHECK_LETTERS.iter().position(|&c| c == last) {
            i as u32
        } else {
            return Err(invalid("UPN", s, how));
        };
        let mut sum = 0u32;
        for (i, &c) in b[1..12].iter().enumerate() {
            sum += u32::from(c - b'0') * (i as u32 + 2);
        }
        sum += last_value * 13;
        let expected = UPN_CHECK_LETTERS[(sum % 23) as usize];
        if b[0] != expected {
            return Err(invalid(
                "UPN",
                s,
                "the check letter does not match the other 12 characters; copy the UPN again from the school's record",
            ));
        }
        Ok(Upn(t))
    }

    /// Builds a permanent UPN from its 12 digits (LA code, establishment, year, serial).
    pub fn from_digits(digits: u64) -> Result<Self, DomainError> {
        let d = format!("{digits:012}");
        if d.len() != 12 {
            return Err(invalid("UPN", &d, "12 digits are needed"));
        }
        let sum: u32 = d
            .bytes()
            .enumerate()
            .map(|(i, c)| u32::from(c - b'0') * (i as u32 + 2))
            .sum();
        let letter = UPN_CHECK_LETTERS[(sum % 23) as usize] as char;
        Upn::parse(&format!("{letter}{d}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_serde!(
    Upn,
    "A Unique Pupil Number: 13 characters, a check letter, 11 digits, then a digit or letter"
);

/// Unique Learner Number: ten digits, the last a check digit (weights 10..2, 10 - sum mod 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uln(u64);

impl Uln {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let how = "a ULN is ten digits, the last a check digit";
        if t.len() != 10 || !t.bytes().all(|c| c.is_ascii_digit()) || t.starts_with('0') {
            return Err(invalid("ULN", s, how));
        }
        let d: Vec<u32> = t.bytes().map(|c| u32::from(c - b'0')).collect();
        let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(a, w)| a * w).sum();
        let check = 10 - (sum % 11);
        if check > 9 || check != d[9] {
            return Err(invalid(
                "ULN",
                s,
                "the check digit does not match; copy the ULN again",
            ));
        }
        // The string was checked to be ten digits above.
        Ok(Uln(t.parse().map_err(|_| invalid("ULN", s, how))?))
    }
}
impl Uln {
    /// The ULN for nine leading digits (the first not zero), if a check digit exists.
    pub fn with_check_digit(first_nine: u64) -> Option<Self> {
        let d = format!("{first_nine:09}");
        let sum: u32 = d
            .bytes()
            .zip((2..=10).rev())
            .map(|(c, w)| u32::from(c - b'0') * w)
            .sum();
        let check = 10 - (sum % 11);
        (check < 10 && d.len() == 9 && !d.starts_with('0'))
            .then(|| Uln(first_nine * 10 + u64::from(check)))
    }
}
impl fmt::Display for Uln {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
string_serde!(
    Uln,
    "A Unique Learner Number: ten digits, the last a check digit"
);

/// NHS number: ten digits with a modulus 11 check digit; shown as 3-3-4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NhsNumber(u64);

impl NhsNumber {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let how = "an NHS number is ten digits, the last a check digit";
        if t.len() != 10 || !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(invalid("NHS number", s, how));
        }
        let d: Vec<u32> = t.bytes().map(|c| u32::from(c - b'0')).collect();
        let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(a, w)| a * w).sum();
        let check = (11 - (sum % 11)) % 11;
        if check == 10 || check != d[9] {
            return Err(invalid(
                "NHS number",
                s,
                "the check digit does not match; copy the NHS number again",
            ));
        }
        Ok(NhsNumber(
            t.parse().map_err(|_| invalid("NHS number", s, how))?,
        ))
    }

    /// The check digit for nine leading digits, if one exists.
    pub fn with_check_digit(first_nine: u64) -> Option<Self> {
        let d = format!("{first_nine:09}");
        let sum: u32 = d
            .bytes()
            .zip((2..=10).rev())
            .map(|(c, w)| u32::from(c - b'0') * w)
            .sum();
        let check = (11 - (sum % 11)) % 11;
        (check < 10).then(|| NhsNumber(first_nine * 10 + u64::from(check)))
    }
}
impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:010}", self.0);
        write!(f, "{} {} {}", &s[..3], &s[3..6], &s[6..])
    }
}
string_serde!(
    NhsNumber,
    "An NHS number: ten digits, the last a check digit"
);

/// A UK postcode, normalised to upper case with one space before the inward code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Postcode(String);

impl Postcode {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let how =
            "a postcode looks like DE1 2AB: an outward code, a space, a digit and two letters";
        let n = compact.len();
        if !(5..=7).contains(&n) || !compact.is_ascii() {
            return Err(invalid("postcode", s, how));
        }
        let (out, inward) = compact.split_at(n - 3);
        let ib = inward.as_bytes();
        let ob = out.as_bytes();
        let inward_ok =
            ib[0].is_ascii_digit() && ib[1].is_ascii_alphabetic() && ib[2].is_ascii_alphabetic();
        let outward_ok = ob[0].is_ascii_alphabetic()
            && ob.iter().all(u8::is_ascii_alphanumeric)
            && ob.iter().any(u8::is_ascii_digit);
        if !inward_ok || !outward_ok {
            return Err(invalid("postcode", s, how));
        }
        Ok(Postcode(format!("{out} {inward}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_serde!(Postcode, "A UK postcode, e.g. DE1 2AB");

/// The DfE's three-digit (old) local authority code, e.g. 831 Derby.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LaCode(u16);

impl LaCode {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        match t.parse::<u16>() {
            Ok(n) if (100..=999).contains(&n) && t.len() == 3 => Ok(LaCode(n)),
            _ => Err(invalid(
                "LA code",
                s,
                "an LA code is three digits, e.g. 831",
            )),
        }
    }
    pub fn get(self) -> u16 {
        self.0
    }
}
impl fmt::Display for LaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
string_serde!(LaCode, "A local authority's three-digit code, e.g. 831");

/// A whole number with commas between thousands: 1234567 → "1,234,567".
pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Money as whole pence. Never a float.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Pence(pub i64);

impl Pence {
    pub fn from_pounds(pounds: i64) -> Self {
        Pence(pounds * 100)
    }
    /// Parses "£18,000", "18000.50" or "18000": pounds with at most two decimal places.
    pub fn parse_pounds(s: &str) -> Result<Self, DomainError> {
        let how = "write an amount in pounds, e.g. 18000 or 18,000.50";
        let t: String = s
            .trim()
            .trim_start_matches('£')
            .chars()
            .filter(|c| *c != ',')
            .collect();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest.to_string()),
            None => (false, t),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        if whole.is_empty()
            || !whole.bytes().all(|c| c.is_ascii_digit())
            || frac.len() > 2
            || !frac.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(invalid("amount", s, how));
        }
        let w: i64 = whole.parse().map_err(|_| invalid("amount", s, how))?;
        let f: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<2}")
                .parse()
                .map_err(|_| invalid("amount", s, how))?
        };
        let p = w
            .checked_mul(100)
            .and_then(|x| x.checked_add(f))
            .ok_or_else(|| invalid("amount", s, how))?;
        Ok(Pence(if neg { -p } else { p }))
    }
}
impl fmt::Display for Pence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let grouped = group_thousands(a / 100);
        write!(f, "{sign}£{grouped}.{:02}", a % 100)
    }
}

/// A financial year, April to March, named by the calendar year it starts in ("2024-25").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinancialYear(i32);

impl FinancialYear {
    pub fn starting(year: i32) -> Self {
        FinancialYear(year)
    }
    pub fn containing(d: NaiveDate) -> Self {
        FinancialYear(if d.month() >= 4 {
            d.year()
        } else {
            d.year() - 1
        })
    }
    pub fn start_year(self) -> i32 {
        self.0
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let how = "a financial year is written 2024-25";
        let (a, b) = s
            .trim()
            .split_once('-')
            .ok_or_else(|| invalid("financial year", s, how))?;
        let y: i32 = a.parse().map_err(|_| invalid("financial year", s, how))?;
        let e: i32 = b.parse().map_err(|_| invalid("financial year", s, how))?;
        if a.len() != 4 || b.len() != 2 || (y + 1) % 100 != e {
            return Err(invalid("financial year", s, how));
        }
        Ok(FinancialYear(y))
    }
}
impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.0, (self.0 + 1) % 100)
    }
}
string_serde!(FinancialYear, "A financial year, written 2024-25");

/// An academic year, 1 September to 31 August, written "2024/25".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AcademicYear(i32);

impl AcademicYear {
    pub fn starting(year: i32) -> Self {
        AcademicYear(year)
    }
    pub fn containing(d: NaiveDate) -> Self {
        AcademicYear(if d.month() >= 9 {
            d.year()
        } else {
            d.year() - 1
        })
    }
    pub fn start_year(self) -> i32 {
        self.0
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let how = "an academic year is written 2024/25";
        let (a, b) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| invalid("academic year", s, how))?;
        let y: i32 = a.parse().map_err(|_| invalid("academic year", s, how))?;
        let e: i32 = b.parse().map_err(|_| invalid("academic year", s, how))?;
        if a.len() != 4 || b.len() != 2 || (y + 1) % 100 != e {
            return Err(invalid("academic year", s, how));
        }
        Ok(AcademicYear(y))
    }
}
impl fmt::Display for AcademicYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1) % 100)
    }
}
string_serde!(AcademicYear, "An academic year, written 2024/25");

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: fmt::Display>(parsed: Result<T, DomainError>, expected: Option<&str>) {
        match (parsed, expected) {
            (Ok(v), Some(e)) => assert_eq!(v.to_string(), e),
            (Err(_), None) => {}
            (Ok(v), None) => panic!("expected an error, got {v}"),
            (Err(e), Some(x)) => panic!("expected {x}, got error {e}"),
        }
    }

    #[test]
    fn identifiers() {
        check(Urn::parse("112977"), Some("112977"));
        check(Urn::parse("12977"), None);
        check(Urn::parse("abc123"), None);
        check(Ukprn::parse("10012345"), Some("10012345"));
        check(Ukprn::parse("20012345"), None);
        check(LaCode::parse("831"), Some("831"));
        check(LaCode::parse("83"), None);
        check(Postcode::parse("de1 2ab"), Some("DE1 2AB"));
        check(Postcode::parse("SW1A1AA"), Some("SW1A 1AA"));
        check(Postcode::parse("DE1"), None);
        check(Postcode::parse("123 4AB"), None);
    }

    #[test]
    fn upn_check_letter() {
        let u = Upn::from_digits(831_200_024_001).expect("valid digits");
        check(Upn::parse(u.as_str()), Some(u.as_str()));
        let mut wrong = u.as_str().to_string();
        let first = if wrong.starts_with('A') { "B" } else { "A" };
        wrong.replace_range(0..1, first);
        check(Upn::parse(&wrong), None);
        check(Upn::parse("A12345"), None);
    }

    #[test]
    fn nhs_number_check_digit() {
        // 943 476 5919 is the NHS's published example of a valid number.
        check(NhsNumber::parse("943 476 5919"), Some("943 476 5919"));
        check(NhsNumber::parse("9434765918"), None);
        let n = NhsNumber::with_check_digit(999_000_001).map(|n| n.to_string());
        assert!(n.is_none() || NhsNumber::parse(n.as_deref().unwrap_or("")).is_ok());
    }

    #[test]
    fn uln_check_digit() {
        // 1×10 + 4×2 = 18; 18 mod 11 = 7; check digit 10 - 7 = 3.
        check(Uln::parse("1000000043"), Some("1000000043"));
        check(Uln::parse("1000000042"), None);
        let u = Uln::with_check_digit(123_456_789).map(|u| u.to_string());
        if let Some(u) = u {
            check(Uln::parse(&u), Some(&u));
        }
    }

    #[test]
    fn money_and_years() {
        check(Pence::parse_pounds("£18,000"), Some("£18,000.00"));
        check(Pence::parse_pounds("86000.5"), Some("£86,000.50"));
        check(Pence::parse_pounds("1.234"), None);
        check(Pence::parse_pounds("ten"), None);
        let d = NaiveDate::from_ymd_opt(2025, 3, 31).expect("date");
        assert_eq!(FinancialYear::containing(d).to_string(), "2024-25");
        assert_eq!(AcademicYear::containing(d).to_string(), "2024/25");
        check(FinancialYear::parse("2024-25"), Some("2024-25"));
        check(FinancialYear::parse("2024-26"), None);
        check(AcademicYear::parse("2025/26"), Some("2025/26"));
    }
}
