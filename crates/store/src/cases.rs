//! The case list: search and filters over the case index, one page at a time in name
//! order (keyset pagination, so page 1,000 costs what page 1 does). The SQL is built
//! once here for both backends.

use crate::{Result, StoreError};
use chrono::NaiveDate;
use sendscope_domain::Stage;
use sendscope_domain::ids::{AreaId, CaseId, PersonId, SettingId, StaffId, TeamId};
use sendscope_domain::sen::NeedType;
use uuid::Uuid;

/// What to list. Every filter narrows; `area` is required (every list is one area's).
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub area: Option<AreaId>,
    /// Any part of the child's or a parent's name, a UPN, an NHS number or a date of
    /// birth: every word of it must be found (see `projection::search_words`).
    pub name: Option<String>,
    pub upn: Option<String>,
    pub case: Option<CaseId>,
    pub stage: Option<Stage>,
    pub need: Option<NeedType>,
    pub setting: Option<SettingId>,
    pub caseworker: Option<StaffId>,
    pub team: Option<TeamId>,
    /// Only the children this person holds recorded parental responsibility for.
    pub person: Option<PersonId>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    pub limit: usize,
}

/// One row of the case list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub case: CaseId,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: Option<NaiveDate>,
    pub upn: Option<String>,
    pub stage: Stage,
    pub primary_need: Option<NeedType>,
    pub setting: Option<SettingId>,
    pub caseworker: Option<StaffId>,
    pub team: Option<TeamId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePage {
    pub rows: Vec<CaseRow>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<String>,
}

/// A typed SQL parameter, bound by each backend in its own way.
pub(crate) enum Value {
    Text(String),
    Uuid(Uuid),
    Int(i64),
}

pub(crate) const MAX_PAGE: usize = 500;

/// The columns every backend selects, in this order.
pub(crate) const COLUMNS: &str = "s.stream_id, c.family_name, c.given_names, c.birth_date, c.upn, c.stage, c.primary_need, \
     c.setting_id, c.caseworker_id, c.team_id, c.sort_key, c.stream_no";

fn cursor(sort: &str, no: i64) -> String {
    format!("{}.{no}", hex::encode(sort.as_bytes()))
}

fn parse_cursor(s: &str) -> Result<(String, i64)> {
    let bad = || {
        StoreError::BadQuery(format!(
            "the page cursor {s:?} is not one this service made; start again from the first page"
        ))
    };
    let (h, n) = s.split_once('.').ok_or_else(bad)?;
    let key = String::from_utf8(hex::decode(h).map_err(|_| bad())?).map_err(|_| bad())?;
    Ok((key, n.parse().map_err(|_| bad())?))
}

/// The WHERE/ORDER/LIMIT part of the query with `$n` placeholders, and its values.
/// `uuid_as_text` makes identifier columns compare as text (SQLite stores them so).
pub(crate) fn build(q: &CaseQuery) -> Result<(String, Vec<Value>)> {
    let area = q.area.ok_or_else(|| {
        StoreError::BadQuery("a case list is always one area's: give the area".into())
    })?;
    if q.limit == 0 || q.limit > MAX_PAGE {
        return Err(StoreError::BadQuery(format!(
            "a page holds 1 to {MAX_PAGE} cases"
        )));
    }
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    let mut add = |clause: &str, v: Value, values: &mut Vec<Value>| {
        values.push(v);
        clauses.push(clause.replace("$?", &format!("${}", values.len())));
    };
    add("c.area_id = $?", Value::Uuid(area.0), &mut values);
    if let Some(name) = q.name.as_deref() {
        // Every word asked for, somewhere in the record's search text: any part of the
        // child's or a parent's name, ignoring case and accents; a UPN, an NHS number, a
        // date of birth.
        for word in sendscope_domain::projection::search_words(name) {
            let escaped = word
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            add(
                "c.search_text LIKE $? ESCAPE '\\'",
                Value::Text(format!("%{escaped}%")),
                &mut values,
            );
        }
    }
    if let Some(upn) = q.upn.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        add(
            "c.upn = $?",
            Value::Text(upn.to_ascii_uppercase()),
            &mut values,
        );
    }
    if let Some(case) = q.case {
        add("s.stream_id = $?", Value::Uuid(case.0), &mut values);
    }
    match q.stage {
        Some(stage) => add(
            "c.stage = $?",
            Value::Text(stage.as_str().into()),
            &mut values,
        ),
        // A record merged into another is the same child: listed only when asked for.
        None => add(
            "c.stage <> $?",
            Value::Text(Stage::Merged.as_str().into()),
            &mut values,
        ),
    }
    if let Some(need) = q.need {
        add(
            "c.primary_need = $?",
            Value::Text(need.code().into()),
            &mut values,
        );
    }
    if let Some(s) = q.setting {
        add("c.setting_id = $?", Value::Uuid(s.0), &mut values);
    }
    if let Some(s) = q.caseworker {
        add("c.caseworker_id = $?", Value::Uuid(s.0), &mut values);
    }
    if let Some(t) = q.team {
        add("c.team_id = $?", Value::Uuid(t.0), &mut values);
    }
    if let Some(p) = q.person {
        add(
            "c.stream_no IN (SELECT stream_no FROM case_people WHERE person_id = $?)",
            Value::Uuid(p.0),
            &mut values,
        );
    }
    if let Some(after) = &q.after {
        let (key, no) = parse_cursor(after)?;
        values.push(Value::Text(key));
        values.push(Value::Int(no));
        let n = values.len();
        clauses.push(format!("(c.sort_key, c.stream_no) > (${}, ${n})", n - 1));
    }
    // One more row than the page, to know whether a next page exists.
    values.push(Value::Int(q.limit as i64 + 1));
    let sql = format!(
        "FROM case_index c JOIN streams s USING (stream_no) WHERE {} ORDER BY c.sort_key, c.stream_no LIMIT ${}",
        clauses.join(" AND "),
        values.len()
    );
    Ok((sql, values))
}

/// Turns the rows read (one more than the page at most) into a page.
pub(crate) fn page(mut rows: Vec<(CaseRow, String, i64)>, limit: usize) -> CasePage {
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|(_, k, n)| cursor(k, *n))
    } else {
        None
    };
    CasePage {
        rows: rows.into_iter().map(|(r, _, _)| r).collect(),
        next,
    }
}

/// Parses the text columns both backends return into a row.
#[allow(clippy::too_many_arguments)]
pub(crate) fn row(
    id: &str,
    family_name: String,
    given_names: String,
    birth_date: Option<String>,
    upn: Option<String>,
    stage: &str,
    need: Option<String>,
    setting: Option<String>,
    caseworker: Option<String>,
    team: Option<String>,
) -> Result<CaseRow> {
    let corrupt = |what: &str| {
        StoreError::Corrupt(format!(
            "case {id} has an unreadable {what} in the case index"
        ))
    };
    let uuid = |v: Option<String>, what: &str| -> Result<Option<Uuid>> {
        v.map(|s| Uuid::parse_str(&s).map_err(|_| corrupt(what)))
            .transpose()
    };
    Ok(CaseRow {
        case: CaseId(Uuid::parse_str(id).map_err(|_| corrupt("identifier"))?),
        family_name,
        given_names,
        birth_date: birth_date
            .map(|d| sendscope_domain::calendar::parse_date(&d).map_err(|_| corrupt("birth date")))
            .transpose()?,
        upn,
        stage: Stage::parse(stage).ok_or_else(|| corrupt("stage"))?,
        primary_need: need
            .map(|n| NeedType::parse(&n).map_err(|_| corrupt("need")))
            .transpose()?,
        setting: uuid(setting, "setting")?.map(SettingId),
        caseworker: uuid(caseworker, "caseworker")?.map(StaffId),
        team: uuid(team, "team")?.map(TeamId),
    })
}
