//! The GIAS "all establishment data" CSV (domain.md §6), read by column name.

use crate::{Encoding, FileError, Header, Rejection, decode};
use chrono::NaiveDate;
use sendscope_domain::codes::{LaCode, Postcode, Ukprn, Urn};
use sendscope_domain::event::{Location, Phase, SettingDetails, SettingType};
use std::collections::HashMap;

/// Columns a GIAS file must have.
pub const KEY_COLUMNS: &[&str] = &[
    "URN",
    "EstablishmentName",
    "LA (code)",
    "TypeOfEstablishment (name)",
    "PhaseOfEducation (name)",
];

/// Columns read when present.
const OPTIONAL: &[&str] = &[
    "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (name)",
    "StatutoryLowAge",
    "StatutoryHighAge",
    "SchoolCapacity",
    "Trusts (name)",
    "UKPRN",
    "Postcode",
    "Easting",
    "Northing",
    "OpenDate",
    "CloseDate",
    "ResourcedProvisionCapacity",
    "SenUnitCapacity",
];

/// One establishment as GIAS describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Establishment {
    pub row: u64,
    pub details: SettingDetails,
    pub open: bool,
    pub opened_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub resourced_provision_capacity: Option<u32>,
    pub sen_unit_capacity: Option<u32>,
}

/// What a file gave: the establishments to import, the rows rejected, and the rows
/// skipped because they are not schools, colleges or early years settings.
#[derive(Debug, Default)]
pub struct Parsed {
    pub establishments: Vec<Establishment>,
    pub rejected: Vec<Rejection>,
    pub skipped: u64,
    pub rows: u64,
}

/// The sendscope setting type for a GIAS type of establishment; `None` for kinds that
/// are not schools, colleges or early years settings (children's centres, higher
/// education, Welsh or overseas establishments, and so on).
pub fn setting_type(establishment_type: &str, group: &str) -> Option<SettingType> {
    use SettingType::*;
    let t = establishment_type.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "community school"
        | "voluntary aided school"
        | "voluntary controlled school"
        | "foundation school"
        | "local authority nursery school" => MainstreamLaMaintained,
        "academy converter"
        | "academy sponsor led"
        | "university technical college"
        | "studio schools"
        | "city technology college" => MainstreamAcademy,
        "free schools" | "free schools 16 to 19" => MainstreamFreeSchool,
        "other independent school" => MainstreamIndependent,
        "community special school" | "foundation special school" => SpecialLaMaintained,
        "academy special converter" | "academy special sponsor led" | "free schools special" => {
            SpecialAcademy
        }
        "other independent special school" => SpecialIndependent,
        "non-maintained special school" => SpecialNonMaintained,
        "pupil referral unit"
        | "academy alternative provision converter"
        | "academy alternative provision sponsor led"
        | "free schools alternative provision" => AlternativeProvision,
        "further education"
        | "sixth form centres"
        | "academy 16-19 converter"
        | "academy 16 to 19 sponsor led" => FurtherEducation,
        "special post 16 institution" => SpecialistPost16,
        _ => match group.trim().to_ascii_lowercase().as_str() {
            "local authority maintained schools" => MainstreamLaMaintained,
            "academies" => MainstreamAcademy,
            "free schools" => MainstreamFreeSchool,
            "independent schools" => MainstreamIndependent,
            "special schools" => SpecialLaMaintained,
            "colleges" => FurtherEducation,
            _ => return None,
        },
    })
}

fn phase(name: &str) -> Option<Phase> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "nursery" => Phase::Nursery,
        "primary" => Phase::Primary,
        "middle deemed primary" => Phase::MiddleDeemedPrimary,
        "secondary" => Phase::Secondary,
        "middle deemed secondary" => Phase::MiddleDeemedSecondary,
        "16 plus" => Phase::SixteenPlus,
        "all-through" | "all through" => Phase::AllThrough,
        "not applicable" | "" => Phase::NotApplicable,
        _ => return None,
    })
}

/// A GIAS date (DD-MM-YYYY); blank is none.
pub fn gias_date(s: &str) -> Result<Option<NaiveDate>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%d-%m-%Y")
        .map(Some)
        .map_err(|_| "not a date as GIAS writes them: use DD-MM-YYYY, e.g. 01-09-2015".to_string())
}

/// Reads a whole GIAS file. `Err` only when the file cannot be read as a whole.
pub fn parse(bytes: &[u8]) -> Result<Parsed, FileError> {
    let (mut rdr, header, encoding) = crate::open(bytes, KEY_COLUMNS)?;
    let mut out = Parsed::default();
    let mut seen: HashMap<Urn, u64> = HashMap::new();
    let (rows, fatal) = crate::each_row(&mut rdr, |row, record| {
        match row_of(&header, record, encoding, row) {
            Ok(None) => out.skipped += 1,
            Ok(Some(e)) => {
                let urn = e.details.urn.expect("rows are read with their URN");
                if let Some(first) = seen.get(&urn) {
                    out.rejected.push(Rejection {
                        row,
                        column: "URN".into(),
                        value: urn.to_string(),
                        reason: format!(
                            "URN {urn} is already on row {first}: each establishment appears once"
                        ),
                    });
                } else {
                    seen.insert(urn, row);
                    out.establishments.push(e);
                }
            }
            Err(r) => out.rejected.push(r),
        }
    });
    out.rows = rows;
    out.rejected.extend(fatal);
    Ok(out)
}

fn row_of(
    header: &Header,
    record: &csv::ByteRecord,
    encoding: Encoding,
    row: u64,
) -> Result<Option<Establishment>, Rejection> {
    let reject = |column: &str, value: &str, reason: String| Rejection {
        row,
        column: column.to_string(),
        value: value.to_string(),
        reason,
    };
    if record.len() < header.len() {
        return Err(reject(
            "",
            "",
            format!(
                "the row has {} of the header's {} columns: the file may be cut short",
                record.len(),
                header.len()
            ),
        ));
    }
    let get = |name: &str| -> Result<String, Rejection> {
        match header.find(name) {
            None => Ok(String::new()),
            Some(i) => {
                let bytes = record.get(i).unwrap_or_default();
                decode(bytes, encoding)
                    .map(|s| s.trim().to_string())
                    .map_err(|e| reject(name, &String::from_utf8_lossy(bytes), e))
            }
        }
    };
    for c in KEY_COLUMNS.iter().chain(OPTIONAL) {
        get(c)?;
    }
    let text = |name: &str| get(name).unwrap_or_default();
    let number = |name: &str| -> Result<Option<u32>, Rejection> {
        let v = text(name);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<u32>()
            .map(Some)
            .map_err(|_| reject(name, &v, "not a whole number".into()))
    };
    let urn_text = text("URN");
    if urn_text.is_empty() {
        return Err(reject(
            "URN",
            "",
            "the URN is missing: every establishment has one".into(),
        ));
    }
    let urn = Urn::parse(&urn_text).map_err(|e| reject("URN", &urn_text, e.to_string()))?;
    let kind = text("TypeOfEstablishment (name)");
    let Some(setting_type) = setting_type(&kind, &text("EstablishmentTypeGroup (name)")) else {
        return Ok(None);
    };
    let name = text("EstablishmentName");
    if name.is_empty() {
        return Err(reject(
            "EstablishmentName",
            "",
            "the name is missing".into(),
        ));
    }
    let la_text = text("LA (code)");
    let la_code =
        LaCode::parse(&la_text).map_err(|e| reject("LA (code)", &la_text, e.to_string()))?;
    let phase_text = text("PhaseOfEducation (name)");
    let phase = phase(&phase_text).ok_or_else(|| {
        reject(
            "PhaseOfEducation (name)",
            &phase_text,
            "not a phase GIAS uses (Nursery, Primary, Middle deemed primary, Secondary, Middle deemed secondary, 16 plus, All-through, Not applicable)".into(),
        )
    })?;
    let age = |name: &str| -> Result<u8, Rejection> {
        let v = text(name);
        v.parse::<u8>()
            .ok()
            .filter(|a| *a <= 25)
            .ok_or_else(|| reject(name, &v, "an age from 0 to 25 is needed".into()))
    };
    let (low_age, high_age) = (age("StatutoryLowAge")?, age("StatutoryHighAge")?);
    if low_age > high_age {
        return Err(reject(
            "StatutoryHighAge",
            &high_age.to_string(),
            format!("the high age is below the low age ({low_age})"),
        ));
    }
    let optional = |name: &str,
                    parse: &dyn Fn(&str) -> Result<(), String>|
     -> Result<Option<String>, Rejection> {
        let v = text(name);
        if v.is_empty() {
            return Ok(None);
        }
        parse(&v).map_err(|e| reject(name, &v, e))?;
        Ok(Some(v))
    };
    let ukprn = optional("UKPRN", &|v| {
        Ukprn::parse(v).map(|_| ()).map_err(|e| e.to_string())
    })?
    .and_then(|v| Ukprn::parse(&v).ok());
    let postcode = optional("Postcode", &|v| {
        Postcode::parse(v).map(|_| ()).map_err(|e| e.to_string())
    })?
    .and_then(|v| Postcode::parse(&v).ok());
    let location = match (number("Easting")?, number("Northing")?) {
        (Some(easting), Some(northing)) => Some(Location::Grid { easting, northing }),
        _ => None,
    };
    let date = |name: &str| gias_date(&text(name)).map_err(|e| reject(name, &text(name), e));
    let opened_on = date("OpenDate")?;
    let closed_on = date("CloseDate")?;
    let trust = Some(text("Trusts (name)")).filter(|t| !t.is_empty());
    let status = text("EstablishmentStatus (name)").to_ascii_lowercase();
    Ok(Some(Establishment {
        row,
        details: SettingDetails {
            name,
            setting_type,
            establishment_type: kind,
            phase,
            low_age,
            high_age,
            la_code,
            trust,
            urn: Some(urn),
            ukprn,
            postcode,
            location,
            capacity: number("SchoolCapacity")?,
        },
        open: !status.starts_with("closed"),
        opened_on,
        closed_on,
        resourced_provision_capacity: number("ResourcedProvisionCapacity")?,
        sen_unit_capacity: number("SenUnitCapacity")?,
    }))
}

/// The header of a GIAS file in its published column order (the columns this importer
/// reads, among others it ignores), for generated test and benchmark files.
pub const SAMPLE_HEADER: &str = "URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (name),EstablishmentTypeGroup (name),EstablishmentStatus (name),OpenDate,CloseDate,PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,SchoolCapacity,NumberOfPupils,Trusts (name),UKPRN,Street,Town,Postcode,Easting,Northing,TypeOfResourcedProvision (name),ResourcedProvisionOnRoll,ResourcedProvisionCapacity,SenUnitOnRoll,SenUnitCapacity,SEN1 (name)";

#[cfg(test)]
mod tests {
    use super::*;

    fn row(urn: &str, name: &str, capacity: &str, open: &str) -> String {
        format!(
            "{urn},831,Derby,2001,{name},Academy converter,Academies,Open,{open},,Primary,4,11,{capacity},300,Harmony Trust,10012345,1 Road,Derby,DE1 1AA,435000,336000,,,,,,\n"
        )
    }

    fn file(rows: &[String]) -> Vec<u8> {
        let mut s = format!("{SAMPLE_HEADER}\n");
        for r in rows {
            s.push_str(r);
        }
        s.into_bytes()
    }

    #[test]
    fn good_rows_are_read_by_column_name() {
        let p = parse(&file(&[row("112233", "Ash Primary", "420", "01-09-2015")])).expect("reads");
        assert!(p.rejected.is_empty(), "{:?}", p.rejected);
        let e = &p.establishments[0];
        assert_eq!(e.details.name, "Ash Primary");
        assert_eq!(e.details.setting_type, SettingType::MainstreamAcademy);
        assert_eq!(e.details.capacity, Some(420));
        assert_eq!(e.opened_on, NaiveDate::from_ymd_opt(2015, 9, 1));
        assert_eq!(e.details.trust.as_deref(), Some("Harmony Trust"));
    }

    /// Every kind of bad row is reported with its row, column, value and reason, and the
    /// good rows are kept.
    #[test]
    fn bad_rows_are_reported_and_good_rows_kept() {
        let mut bytes = file(&[
            row("112233", "Ash Primary", "420", "01-09-2015"),
            row("", "No URN Primary", "100", ""),
            row("112233", "Ash Again", "420", ""),
            row("112234", "Birch Primary", "lots", ""),
            row("112235", "Cedar Primary", "300", "2015-09-01"),
            row("112236", "Damaged \u{1} Primary", "300", ""),
            row("112237", "Elm Primary", "300", ""),
        ]);
        // An undecodable byte (0x81 is undefined in Windows-1252; 0xE9 makes the file
        // Windows-1252), and a truncated last line.
        let at = bytes.windows(7).position(|w| w == b"Damaged").expect("row");
        bytes[at + 8] = 0x81;
        let at = bytes.windows(5).position(|w| w == b"Cedar").expect("row");
        bytes[at + 1] = 0xE9; // "Cédar"
        bytes.extend_from_slice(b"112238,831,Derby,2001,Fir Prim");
        let p = parse(&bytes).expect("the file as a whole is readable");
        let got: Vec<(u64, &str)> = p
            .rejected
            .iter()
            .map(|r| (r.row, r.column.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "URN"),
                (4, "URN"),
                (5, "SchoolCapacity"),
                (6, "OpenDate"),
                (7, "EstablishmentName"),
                (9, ""),
            ],
            "{:#?}",
            p.rejected
        );
        assert!(p.rejected[1].reason.contains("already on row 2"));
        assert!(p.rejected[2].reason.contains("whole number") && p.rejected[2].value == "lots");
        assert!(p.rejected[3].reason.contains("DD-MM-YYYY"));
        assert!(p.rejected[4].reason.contains("0x81"));
        assert!(p.rejected[5].reason.contains("cut short"));
        let kept: Vec<&str> = p
            .establishments
            .iter()
            .map(|e| e.details.name.as_str())
            .collect();
        assert_eq!(kept, ["Ash Primary", "Elm Primary"]);
    }

    #[test]
    fn unreadable_files_are_refused_whole() {
        assert_eq!(parse(b"").unwrap_err(), FileError::Empty);
        assert_eq!(parse(b"\xEF\xBB\xBF \n").unwrap_err(), FileError::Empty);
        assert_eq!(
            parse(b"PK\x03\x04\x00\x00binary").unwrap_err(),
            FileError::Binary
        );
        assert!(matches!(
            parse(b"name,age\nAsh,4\n").unwrap_err(),
            FileError::MissingColumns(c) if c.contains(&"URN")
        ));
    }

    #[test]
    fn utf8_with_a_bom_and_windows_1252_both_read() {
        let mut utf8 = b"\xEF\xBB\xBF".to_vec();
        utf8.extend(file(&[row("112233", "Caf\u{e9} Primary", "1", "")]));
        assert_eq!(
            parse(&utf8).expect("utf8").establishments[0].details.name,
            "Caf\u{e9} Primary"
        );
        let mut cp = file(&[row("112233", "CafX Primary", "1", "")]);
        let at = cp.windows(4).position(|w| w == b"CafX").expect("row");
        cp[at + 3] = 0xE9;
        assert_eq!(
            parse(&cp).expect("cp1252").establishments[0].details.name,
            "Caf\u{e9} Primary"
        );
        // Not schools: skipped, not rejected.
        let p = parse(&file(&[row("112233", "A", "1", "").replace(
            "Academy converter,Academies",
            "Higher education institutions,Universities",
        )]))
        .expect("reads");
        assert_eq!(
            (p.skipped, p.rejected.len(), p.establishments.len()),
            (1, 0, 0)
        );
    }
}
