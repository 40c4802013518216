//! What a child's record and the case list look like to a given user, built once and
//! rendered twice: as GOV.UK HTML by the pages and as JSON by the API. Redaction by role
//! happens here, so both faces show the same thing.

use sendscope_app::access::may_see;
use sendscope_domain::access::{
    Action, Audience, Principal, Reach, Resource, audience, authorise, reach,
};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::SettingRef;
use sendscope_domain::ids::{CaseId, SettingId, StaffId};
use sendscope_domain::projection::StreamState;
use sendscope_domain::sen::NeedType;
use sendscope_domain::{Projection, Stage, StreamRef};
use sendscope_store::{CaseQuery, CaseRow, Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;

/// One row of the case list.
#[derive(Debug, Serialize)]
pub struct CaseSummary {
    pub id: String,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub upn: Option<String>,
    pub stage: &'static str,
    pub stage_label: &'static str,
    pub primary_need: Option<&'static str>,
}

pub use crate::names::Named;

/// A case note or contact.
#[derive(Debug, Serialize)]
pub struct NoteView {
    pub on: chrono::NaiveDate,
    pub kind: &'static str,
    pub with_whom: String,
    pub summary: String,
    /// Who recorded it, as the event's actor.
    pub by: String,
}

/// A document on a record (download it from `/cases/{id}/documents/{sha256}`).
#[derive(Debug, Serialize)]
pub struct DocumentView {
    pub sha256: String,
    pub title: String,
    pub file_name: String,
    pub media_type: &'static str,
    #[serde(skip)]
    pub type_label: &'static str,
    pub kind: &'static str,
    #[serde(skip)]
    pub kind_label: &'static str,
    pub size: u64,
    pub on: chrono::NaiveDate,
    /// Who added it, as the event's actor.
    pub added_by: String,
}
use crate::names::Names;

#[derive(Debug, Serialize)]
pub struct ChildView {
    pub given_names: String,
    pub family_name: String,
    pub birth_date: chrono::NaiveDate,
    pub upn: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NeedView {
    pub code: &'static str,
    pub description: &'static str,
    pub rank: u8,
}

#[derive(Debug, Serialize)]
pub struct PlanView {
    pub issued: chrono::NaiveDate,
    pub needs: Vec<NeedView>,
    pub named_settings: Vec<Named>,
    pub last_review: Option<chrono::NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct PlacementView {
    pub setting: Named,
    pub start: chrono::NaiveDate,
    pub end: Option<chrono::NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct PersonView {
    pub name: String,
    pub relationship: String,
    pub parental_responsibility: bool,
}

/// One answer to "who can see this record?".
#[derive(Debug, Serialize)]
pub struct AudienceView {
    pub kind: &'static str,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct ViewEntry {
    pub at: String,
    pub username: String,
    pub role: String,
    pub via: String,
}

/// One quality audit of the plan.
#[derive(Debug, Serialize)]
pub struct AuditView {
    pub audit: u32,
    pub on: chrono::NaiveDate,
    pub service: sendscope_domain::qa::AuditService,
    pub grade: sendscope_domain::qa::QaGrade,
    pub grade_label: &'static str,
    pub rubric_id: String,
    pub scores: std::collections::BTreeMap<String, u8>,
}

/// A statutory deadline as shown: what, by when, and where it stands today.
#[derive(Debug, Serialize)]
pub struct DeadlineView {
    pub key: &'static str,
    pub step: String,
    pub source: &'static str,
    pub trigger: chrono::NaiveDate,
    pub due: chrono::NaiveDate,
    pub done: Option<chrono::NaiveDate>,
    /// upcoming, overdue, met_on_time, met_late, open or closed.
    pub state: &'static str,
    /// Days left (upcoming, open) or days late (overdue, met late); 0 otherwise.
    pub days: i64,
    /// Met on time: how many days before the due date it was done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_early: Option<i64>,
    /// Met late or overdue: how many days after the due date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_late: Option<i64>,
    /// Upcoming or open: days until the due date (0 on the day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// Plain English, e.g. "Overdue by 6 days".
    pub summary: String,
    /// The rule as data: how the limit is counted and the rule book it comes from.
    pub rule: RuleView,
    /// The request it belongs to, where it belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<u32>,
    /// Exceptions recorded against it: flags that never move the due date.
    pub exceptions: Vec<ExceptionView>,
}

#[derive(Debug, Serialize)]
pub struct RuleView {
    pub key: &'static str,
    pub source: &'static str,
    pub period: sendscope_domain::clocks::Period,
    /// duty (the council's) or window (the family's or a setting's time).
    pub kind: sendscope_domain::clocks::ClockKind,
    /// The date the rule book in force on the trigger took effect.
    pub in_force_from: chrono::NaiveDate,
}

#[derive(Debug, Serialize)]
pub struct ExceptionView {
    pub kind: String,
    pub evidence: String,
    pub recorded_by: String,
    pub recorded_on: Option<chrono::NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub seq: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub effective_date: chrono::NaiveDate,
    pub recorded_at: String,
    pub actor: String,
    pub recorded_later: bool,
    /// Why it was recorded (a correction's or a void's reason).
    pub reason: Option<String>,
    /// The step as it stands now, where it was corrected or voided.
    pub amended: Option<sendscope_app::corrections::Amended>,
    /// It may be corrected or voided (a step, not a letter or a correction).
    pub correctable: bool,
}

/// A child's record as one user may see it.
#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: String,
    pub stage: &'static str,
    pub stage_label: &'static str,
    pub child: Option<ChildView>,
    pub plan: Option<PlanView>,
    pub caseworker: Option<Named>,
    pub team: Option<Named>,
    pub placements: Vec<PlacementView>,
    pub people: Vec<PersonView>,
    /// Every statutory deadline, with its state today (domain::clocks).
    pub deadlines: Vec<DeadlineView>,
    /// Whether this user may record casework steps on the record.
    pub can_record_steps: bool,
    /// Whether this user may merge a duplicate record into it (a team manager).
    pub can_merge: bool,
    /// Letters to the family, as issued.
    pub letters: Vec<crate::letters::LetterView>,
    /// Quality audits of the plan, newest first: grades beside the timeliness above.
    pub audits: Vec<AuditView>,
    /// Whether this user may audit the plan's quality.
    pub can_audit: bool,
    /// Whether there is a plan to read (a draft served, or a plan): `/cases/{id}/plan`.
    pub has_plan_document: bool,
    /// Documents on the record, newest first.
    pub documents: Vec<DocumentView>,
    /// The kinds of document this user may add here (none: they may add none).
    pub can_add_documents: Vec<&'static str>,
    /// Case notes and contacts, newest first: for those who record casework only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<NoteView>>,
    /// For staff who record casework: the letters that can be written now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub letters_to_write: Vec<crate::letters::LetterChoice>,
    /// For parent carers and young people: every person and organisation that can open it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub who_can_see: Option<Vec<AudienceView>>,
    /// For team managers: every view of the record, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewed_by: Option<Vec<ViewEntry>>,
    pub events: Vec<EventView>,
}

/// Opens one child's record for a user, page or API alike: `Ok(None)` when there is no
/// such record or the user may not see it (both shown as "not found"); otherwise the
/// view is written to the access log first and the record returned. A view that cannot
/// be logged is an error, not a record.
pub fn open_case(
    store: &dyn Store,
    log: &crate::access_log::AccessLogger,
    username: &str,
    who: &Principal,
    id: &str,
    via: &str,
) -> Result<Option<CaseView>, String> {
    let Ok(case) = CaseId::parse(id) else {
        return Ok(None);
    };
    let Some(proj) = store
        .projection(StreamRef::case(case))
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    if !matches!(proj.state, StreamState::Case(_)) || !may_see(who, &proj) {
        return Ok(None);
    }
    log.log(sendscope_store::AccessEntry {
        at: sendscope_domain::Instant::now(),
        username: username.to_string(),
        role: who.role.as_str().to_string(),
        case,
        via: format!("{via}{case}"),
    })?;
    case_view(store, who, case, &proj)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// A problem with one query parameter: which, and how to put it right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub name: &'static str,
    pub message: &'static str,
}

/// How far a role's case list reaches.
pub enum ListScope {
    Query(CaseQuery),
    /// Commissioners and health professionals open records by reference; there is no list.
    ByReferenceOnly,
}

pub const MAX_PAGE: usize = 100;

/// Reads the case-list parameters (name, upn, case, stage, need, setting, caseworker,
/// after, limit) and scopes the query to the role's links. Rows are checked again one by
/// one in [`visible_rows`].
pub fn case_query(
    p: &Principal,
    params: &HashMap<String, String>,
    default_limit: usize,
) -> Result<ListScope, Vec<ParamError>> {
    let get = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut errors = Vec::new();
    let mut q = CaseQuery {
        area: Some(p.area),
        limit: default_limit,
        name: get("name"),
        upn: get("upn"),
        after: get("after"),
        ..Default::default()
    };
    if let Some(v) = get("limit") {
        match v.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => q.limit = n,
            _ => errors.push(ParamError {
                name: "limit",
                message: "Give a page size from 1 to 100",
            }),
        }
    }
    if let Some(v) = get("case") {
        match CaseId::parse(&v) {
            Ok(id) => q.case = Some(id),
            Err(_) => errors.push(ParamError {
                name: "case",
                message: "Enter a case reference as it appears on the case page",
            }),
        }
    }
    if let Some(v) = get("stage") {
        match Stage::parse(&v) {
            Some(s) => q.stage = Some(s),
            None => errors.push(ParamError {
                name: "stage",
                message: "Choose a stage from the list",
            }),
        }
    }
    if let Some(v) = get("need") {
        match NeedType::parse(&v) {
            Ok(n) => q.need = Some(n),
            Err(_) => errors.push(ParamError {
                name: "need",
                message: "Choose a need type from the list",
            }),
        }
    }
    if let Some(v) = get("setting") {
        match SettingId::parse(&v) {
            Ok(s) => q.setting = Some(s),
            Err(_) => errors.push(ParamError {
                name: "setting",
                message: "Choose a setting from the list",
            }),
        }
    }
    if let Some(v) = get("caseworker") {
        match StaffId::parse(&v) {
            Ok(s) => q.caseworker = Some(s),
            Err(_) => errors.push(ParamError {
                name: "caseworker",
                message: "Choose a caseworker from the list",
            }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match reach(p) {
        Reach::Team(team) => q.team = team,
        Reach::Setting(setting) => {
            // A school's list is its own children, whatever setting was asked for.
            if q.setting.is_some_and(|s| Some(s) != setting) {
                q.setting = None;
                q.limit = 0;
            } else {
                q.setting = setting;
            }
        }
        Reach::Person(person) => q.person = Some(person),
        Reach::OwnCase(case) => {
            if q.case.is_some_and(|c| c != case) {
                q.limit = 0;
            }
            q.case = Some(case);
        }
        Reach::ByReference if q.case.is_none() => return Ok(ListScope::ByReferenceOnly),
        Reach::ByReference => {}
    }
    Ok(ListScope::Query(q))
}

/// Whether a user's case list is a team's: they filter it by setting and caseworker.
pub fn lists_by_team(p: &Principal) -> bool {
    matches!(reach(p), Reach::Team(_))
}

/// Runs the query and keeps only the rows this user may open.
pub fn visible_rows(
    store: &dyn Store,
    who: &Principal,
    q: &CaseQuery,
) -> Result<(Vec<CaseRow>, Option<String>), StoreError> {
    if q.limit == 0 {
        return Ok((Vec::new(), None));
    }
    let page = store.list_cases(q)?;
    let refs: Vec<StreamRef> = page.rows.iter().map(|r| StreamRef::case(r.case)).collect();
    let projections = store.projections(&refs)?;
    let rows = page
        .rows
        .into_iter()
        .zip(projections)
        .filter(|(_, p)| p.as_ref().is_some_and(|p| may_see(who, p)))
        .map(|(r, _)| r)
        .collect();
    Ok((rows, page.next))
}

pub fn summary(r: &CaseRow) -> CaseSummary {
    CaseSummary {
        id: r.case.to_string(),
        family_name: r.family_name.clone(),
        given_names: r.given_names.clone(),
        birth_date: r.birth_date,
        upn: r.upn.clone(),
        stage: r.stage.as_str(),
        stage_label: r.stage.label(),
        primary_need: r.primary_need.map(|n| n.code()),
    }
}

/// Builds the record as `who` may see it. The caller has already checked `may_see`.
pub fn case_view(
    store: &dyn Store,
    who: &Principal,
    case: CaseId,
    proj: &Projection,
) -> Result<CaseView, StoreError> {
    let names = Names { store };
    let c = proj.case().cloned().unwrap_or_default();
    let stage = proj.case_index().map(|i| i.stage).unwrap_or(Stage::Opened);
    let (caseworker, org) = match c.caseworker {
        Some(id) => {
            let (name, org) = names.staff(id)?;
            (
                Some(Named {
                    id: Some(id.to_string()),
                    name,
                }),
                org,
            )
        }
        None => (None, None),
    };
    let team = match c.team {
        Some(t) => Some(Named {
            id: Some(t.to_string()),
            name: names.team(org, t)?,
        }),
        None => None,
    };
    let plan = match &c.plan {
        Some(plan) => Some(PlanView {
            issued: plan.start,
            needs: plan
                .needs
                .iter()
                .map(|n| NeedView {
                    code: n.need.code(),
                    description: n.need.description(),
                    rank: n.rank,
                })
                .collect(),
            named_settings: plan
                .named
                .iter()
                .map(|n| names.setting(&n.setting))
                .collect::<Result<_, _>>()?,
            last_review: plan.last_review,
        }),
        None => None,
    };
    let placements = c
        .placements
        .iter()
        .map(|p| {
            Ok(PlacementView {
                setting: names.setting(&p.setting)?,
                start: p.start,
                end: p.end,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let people = c
        .related
        .iter()
        .map(|r| PersonView {
            name: r.name.clone(),
            relationship: serde_json::to_value(r.relationship)
                .ok()
                .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                .unwrap_or_default(),
            parental_responsibility: r.parental_responsibility,
        })
        .collect();
    let role = who.role;
    let who_can_see = if role.is_family() {
        let mut list = Vec::new();
        for a in audience(proj, england_today()) {
            let (kind, name) = match a {
                Audience::Caseworker(id) => ("caseworker", names.staff(id)?.0),
                Audience::Team(t) => (
                    "team",
                    format!("{} (caseworkers and team manager)", names.team(org, t)?),
                ),
                Audience::Setting(s) => ("setting", names.setting(&SettingRef::Setting(s))?.name),
                Audience::AdviceService(k) => (
                    match k {
                        sendscope_domain::sen::AdviceKind::Health => "health",
                        sendscope_domain::sen::AdviceKind::SocialCare => "social_care",
                        _ => "educational_psychology",
                    },
                    match k {
                        sendscope_domain::sen::AdviceKind::Health => {
                            "NHS health professionals asked for advice about the child".to_string()
                        }
                        k => format!(
                            "The {} service, asked for advice about the child",
                            k.service().to_lowercase()
                        ),
                    },
                ),
                Audience::Person(p) => (
                    "person",
                    c.related
                        .iter()
                        .find(|r| r.person == p)
                        .map(|r| format!("{} (parental responsibility)", r.name))
                        .unwrap_or_default(),
                ),
                Audience::YoungPerson => (
                    "young_person",
                    c.child
                        .as_ref()
                        .map(|ch| {
                            format!("{} {} (the young person)", ch.given_names, ch.family_name)
                        })
                        .unwrap_or_default(),
                ),
            };
            list.push(AudienceView { kind, name });
        }
        Some(list)
    } else {
        None
    };
    let viewed_by =
        if authorise(who, Action::View, Resource::AccessLog { area: proj.area }).allowed() {
            Some(
                store
                    .accesses(case, 50)?
                    .into_iter()
                    .map(|a| ViewEntry {
                        at: a.at.to_string(),
                        username: a.username,
                        role: a.role,
                        via: a.via,
                    })
                    .collect(),
            )
        } else {
            None
        };
    let stored = store.stream_events(StreamRef::case(case))?;
    let mut amended = sendscope_app::corrections::amendments(&stored);
    let events = stored
        .iter()
        .map(|e| EventView {
            seq: e.seq,
            event_type: e.event_type.clone(),
            effective_date: e.effective_date,
            recorded_at: e.recorded_at.to_string(),
            actor: e.actor.clone(),
            recorded_later: e.backdated(),
            reason: e.reason.clone(),
            amended: amended.remove(&e.seq),
            correctable: sendscope_app::corrections::correctable(&e.event_type),
        })
        .collect();
    let deadlines = sendscope_domain::clocks::case_deadlines(&c, england_today())
        .map_err(StoreError::from)?
        .into_iter()
        .map(deadline_view)
        .collect();
    let can_record_steps = authorise(
        who,
        Action::Change,
        Resource::Case {
            projection: proj,
            today: england_today(),
        },
    )
    .allowed();
    let letters_to_write = if can_record_steps {
        crate::letters::can_write(proj)
    } else {
        Vec::new()
    };
    let can_audit = c.plan.is_some()
        && (can_record_steps
            || authorise(
                who,
                Action::AuditPlan(Some(sendscope_domain::qa::AuditService::Health)),
                Resource::Case {
                    projection: proj,
                    today: england_today(),
                },
            )
            .allowed());
    let audits = c
        .audits
        .iter()
        .rev()
        .map(|a| AuditView {
            audit: a.audit,
            on: a.on,
            service: a.service,
            grade: a.grade,
            grade_label: a.grade.label(),
            rubric_id: a.rubric_id.clone(),
            scores: a.scores.clone(),
        })
        .collect();
    Ok(CaseView {
        deadlines,
        can_record_steps,
        can_merge: authorise(
            who,
            Action::Approve,
            Resource::Case {
                projection: proj,
                today: england_today(),
            },
        )
        .allowed(),
        audits,
        can_audit,
        has_plan_document: c.plan.is_some()
            || !c.earlier_plans.is_empty()
            || c.requests.iter().any(|r| r.draft_served_on.is_some()),
        documents: c
            .documents
            .iter()
            .rev()
            .map(|d| {
                let x = &d.document;
                DocumentView {
                    sha256: x.sha256.clone(),
                    title: x.title.clone(),
                    file_name: x.file_name.clone(),
                    media_type: x.media_type.mime(),
                    type_label: x.media_type.label(),
                    kind: x.kind.slug(),
                    kind_label: x.kind.label(),
                    size: x.size,
                    on: x.on,
                    added_by: d.added_by.clone(),
                }
            })
            .collect(),
        can_add_documents: sendscope_app::documents::kinds_allowed(who, proj)
            .into_iter()
            .map(|k| k.slug())
            .collect(),
        notes: can_record_steps.then(|| {
            c.notes
                .iter()
                .rev()
                .map(|n| NoteView {
                    on: n.note.on,
                    kind: n.note.kind.label(),
                    with_whom: n.note.with_whom.clone(),
                    summary: n.note.summary.clone(),
                    by: n.by.clone(),
                })
                .collect()
        }),
        letters: crate::letters::letter_views(proj),
        letters_to_write,
        id: case.to_string(),
        stage: stage.as_str(),
        stage_label: stage.label(),
        child: c.child.as_ref().map(|ch| ChildView {
            given_names: ch.given_names.clone(),
            family_name: ch.family_name.clone(),
            birth_date: ch.birth_date,
            upn: ch.upn.as_ref().map(|u| u.to_string()),
        }),
        plan,
        caseworker,
        team,
        placements,
        people,
        who_can_see,
        viewed_by,
        events,
    })
}

pub fn deadline_view(x: sendscope_domain::clocks::Deadline) -> DeadlineView {
    use sendscope_domain::clocks::Status as S;
    let plural = |n: i64| if n == 1 { "day" } else { "days" };
    let (state, days, summary) = match x.status {
        S::Upcoming { days_left: 0 } => ("upcoming", 0, "Due today".to_string()),
        S::Upcoming { days_left } => (
            "upcoming",
            days_left,
            format!("{days_left} {} left", plural(days_left)),
        ),
        S::Overdue { days } => (
            "overdue",
            days,
            format!("Overdue by {days} {}", plural(days)),
        ),
        S::MetOnTime => {
            let early = x.done.map(|d| (x.due - d).num_days()).unwrap_or(0);
            let text = if early > 0 {
                format!("Done on time, {early} {} early", plural(early))
            } else {
                "Done on time".to_string()
            };
            ("met_on_time", 0, text)
        }
        S::MetLate { days } => (
            "met_late",
            days,
            format!("Done {days} {} late", plural(days)),
        ),
        S::Open { days_left } => (
            "open",
            days_left,
            format!("Open: {days_left} {} left", plural(days_left)),
        ),
        S::Closed => ("closed", 0, "Closed".to_string()),
    };
    let (days_early, days_late, days_left) = match x.status {
        S::MetOnTime => (x.done.map(|d| (x.due - d).num_days()), None, None),
        S::MetLate { days } | S::Overdue { days } => (None, Some(days), None),
        S::Upcoming { days_left } | S::Open { days_left } => (None, None, Some(days_left)),
        S::Closed => (None, None, None),
    };
    let rule = sendscope_domain::clocks::rule_in_force(x.key, x.trigger).ok();
    let book = sendscope_domain::clocks::book_in_force(x.trigger).map(|b| b.effective_from);
    DeadlineView {
        key: x.key,
        step: x.what(),
        source: x.source,
        trigger: x.trigger,
        due: x.due,
        done: x.done,
        state,
        days,
        days_early,
        days_late,
        days_left,
        summary,
        rule: RuleView {
            key: x.key,
            source: x.source,
            period: rule
                .map(|r| r.period)
                .unwrap_or(sendscope_domain::clocks::Period::Days { n: 0 }),
            kind: rule
                .map(|r| r.kind)
                .unwrap_or(sendscope_domain::clocks::ClockKind::Duty),
            in_force_from: book.unwrap_or(x.trigger),
        },
        request: x.request,
        exceptions: x
            .exceptions
            .iter()
            .map(|e| ExceptionView {
                kind: enum_text(&e.kind),
                evidence: e.evidence.clone(),
                recorded_by: e.recorded_by.clone(),
                recorded_on: e.recorded_on,
            })
            .collect(),
    }
}

pub(crate) fn enum_text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
