//! The compliance report: every finding of the approval gates (domain::compliance), the
//! date it began, whether it is still open, and every override with who made it and why.
//! The pages and `sendscope compliance report` show the same report.

use chrono::NaiveDate;
use sendscope_domain::StreamKind;
use sendscope_domain::compliance::{FindingKind, GateRules, ProvisionRecord, findings};
use sendscope_domain::ids::{AreaId, CaseId, ProvisionId, SettingId};
use sendscope_domain::projection::{Naming, StreamState};
use sendscope_store::{Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize)]
pub struct FindingRow {
    pub kind: FindingKind,
    pub what: &'static str,
    pub began_on: NaiveDate,
    /// The school's identifier (for its page and the report's filter) and name.
    pub setting_id: SettingId,
    pub school: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provision_id: Option<ProvisionId>,
    pub provision: String,
    /// The child's case, for a link to their record (only with `case`).
    #[serde(skip)]
    pub case_id: Option<CaseId>,
    /// The child's name, for those who may see children's records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<String>,
    /// The child's case reference; left out for those who may not see children's records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    pub open: bool,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct OverrideRow {
    /// The day of the step the override let through.
    pub on: NaiveDate,
    /// The day the override was made (recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub made_on: Option<NaiveDate>,
    /// The step it let through, in words ("Final plan issued").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub setting_id: Option<SettingId>,
    pub school: String,
    pub provision_id: ProvisionId,
    pub provision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    #[serde(skip)]
    pub case_id: Option<CaseId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<String>,
    pub by: String,
    pub reason: String,
    pub finding: String,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub today: NaiveDate,
    pub findings: Vec<FindingRow>,
    pub overrides: Vec<OverrideRow>,
}

fn what(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::SlaBeforeApproval => "Service level agreement signed before approval",
        FindingKind::CapitalBeforeApproval => "Capital approved before approval",
        FindingKind::NamedBeforeApproval => "Child named before approval",
        FindingKind::PlacesWithoutViableOptions => {
            "New places at a school below the Ofsted standard without viable-options evidence"
        }
        FindingKind::PlacedBeforeApproval => "Child took up a place before approval",
        FindingKind::PlacesChangedBeforeApproval => "Places changed before approval",
        FindingKind::NeedTypesChangedBeforeApproval => "Types of need changed before approval",
        FindingKind::PlacesWithoutApproval => "Places with no approval in effect",
    }
}

/// The gate rules an area has in force on a day (its own, once adopted, else sendscope's).
pub fn rules_on(store: &dyn Store, area: AreaId, on: NaiveDate) -> Result<GateRules, StoreError> {
    let record = store.projection(sendscope_domain::StreamRef::area(area))?;
    Ok(sendscope_domain::projection::gate_rules_in_force(
        record.as_ref(),
        on,
    ))
}

/// The viable-options evidence for a provision: the other settings' provisions that
/// could take the places (domain::compliance::viable_options), nearest first.
pub fn viable_options_for(
    store: &dyn Store,
    area: AreaId,
    provision: ProvisionId,
    max_km: f64,
    today: NaiveDate,
) -> Result<Option<Vec<sendscope_domain::compliance::ViableOption>>, StoreError> {
    let Some(StreamState::Provision(target)) = store
        .projection(sendscope_domain::StreamRef::provision(provision))?
        .filter(|p| p.area == area)
        .map(|p| p.state)
    else {
        return Ok(None);
    };
    let Some(opened) = target.opened.as_ref() else {
        return Ok(None);
    };
    let mut settings = HashMap::new();
    for p in store.area_projections(area, StreamKind::Setting)? {
        if let StreamState::Setting(s) = p.state {
            settings.insert(SettingId(p.stream.id), s);
        }
    }
    let Some(proposed) = settings.get(&opened.setting) else {
        return Ok(None);
    };
    let mut placed: HashMap<ProvisionId, u32> = HashMap::new();
    sendscope_store::for_each_case(store, area, &mut |_, c| {
        if let Some(p) = c.current_placement().and_then(|p| p.provision) {
            *placed.entry(p).or_default() += 1;
        }
    })?;
    let mut by_setting: HashMap<
        SettingId,
        Vec<(ProvisionId, sendscope_domain::projection::ProvisionState)>,
    > = HashMap::new();
    for p in store.area_projections(area, StreamKind::Provision)? {
        if let StreamState::Provision(s) = p.state
            && let Some(o) = s.opened.as_ref()
        {
            by_setting
                .entry(o.setting)
                .or_default()
                .push((ProvisionId(p.stream.id), s));
        }
    }
    let candidates: Vec<sendscope_domain::compliance::Candidate> = settings
        .iter()
        .filter(|(id, _)| **id != opened.setting)
        .map(|(id, s)| sendscope_domain::compliance::Candidate {
            id: *id,
            setting: s,
            provisions: by_setting
                .get(id)
                .map(|v| {
                    v.iter()
                        .map(|(pid, ps)| (*pid, ps, placed.get(pid).copied().unwrap_or(0)))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Ok(Some(sendscope_domain::compliance::viable_options(
        &rules_on(store, area, today)?,
        proposed,
        &target,
        &candidates,
        max_km,
        today,
    )))
}

/// The report for an area on a day; `with_cases` adds case references.
pub fn report(
    store: &dyn Store,
    area: AreaId,
    today: NaiveDate,
    with_cases: bool,
) -> Result<Report, StoreError> {
    let mut settings = HashMap::new();
    for p in store.area_projections(area, StreamKind::Setting)? {
        if let StreamState::Setting(s) = p.state {
            settings.insert(SettingId(p.stream.id), s);
        }
    }
    let mut provisions = Vec::new();
    for p in store.area_projections(area, StreamKind::Provision)? {
        if let StreamState::Provision(s) = p.state {
            provisions.push((ProvisionId(p.stream.id), s));
        }
    }
    // Namings and overrides from every case in the area.
    let mut namings: HashMap<ProvisionId, Vec<(CaseId, Naming)>> = HashMap::new();
    let mut overrides = Vec::new();
    let mut children: HashMap<CaseId, String> = HashMap::new();
    sendscope_store::for_each_case(store, area, &mut |case, c| {
        if with_cases
            && (!c.namings.is_empty() || !c.overrides.is_empty())
            && let Some(ch) = &c.child
        {
            children.insert(case, format!("{} {}", ch.given_names, ch.family_name));
        }
        for n in &c.namings {
            namings.entry(n.provision).or_default().push((case, *n));
        }
        for o in &c.overrides {
            overrides.push((case, o.clone()));
        }
    })?;
    let funding = crate::capital::funding_by_provision(&crate::capital::projects(store, area)?);
    let records: Vec<ProvisionRecord> = provisions
        .iter()
        .filter_map(|(id, p)| {
            let setting_id = p.opened.as_ref()?.setting;
            Some(ProvisionRecord {
                id: *id,
                provision: p,
                setting_id,
                setting: settings.get(&setting_id),
                namings: namings.get(id).cloned().unwrap_or_default(),
                funding: funding
                    .get(id)
                    .map(|f| f.iter().map(|(_, f)| f.clone()).collect())
                    .unwrap_or_default(),
            })
        })
        .collect();
    let school = |id: &SettingId| {
        settings
            .get(id)
            .and_then(|s| s.details.as_ref())
            .map(|d| d.name.clone())
            .unwrap_or_default()
    };
    // A provision's name, its school's name and the school.
    let provision_name = |id: &ProvisionId| {
        provisions
            .iter()
            .find(|(p, _)| p == id)
            .and_then(|(_, s)| s.opened.as_ref())
            .map(|o| (o.name.clone(), school(&o.setting), Some(o.setting)))
            .unwrap_or_default()
    };
    let rows = findings(&rules_on(store, area, today)?, &records, today)
        .into_iter()
        .map(|f| FindingRow {
            kind: f.kind,
            what: what(f.kind),
            began_on: f.began_on,
            setting_id: f.setting,
            school: school(&f.setting),
            provision_id: f.provision,
            provision: f
                .provision
                .map(|p| provision_name(&p).0)
                .unwrap_or_default(),
            case_id: f.case.filter(|_| with_cases),
            child: f.case.and_then(|c| children.get(&c).cloned()),
            case: f.case.filter(|_| with_cases).map(|c| c.to_string()),
            open: f.open,
            detail: f.detail,
        })
        .collect();
    // People by their names, never the stored actor string.
    let people =
        crate::people::actors_as_people(store, overrides.iter().map(|(_, o)| o.by.as_str()));
    let mut overrides: Vec<OverrideRow> = overrides
        .into_iter()
        .map(|(case, o)| {
            let (provision, school, setting_id) = provision_name(&o.provision);
            OverrideRow {
                setting_id,
                provision_id: o.provision,
                case_id: with_cases.then_some(case),
                child: children.get(&case).cloned(),
                on: o.on,
                made_on: o.made_on,
                step: o.step.as_deref().map(step_label),
                school,
                provision,
                case: with_cases.then(|| case.to_string()),
                by: people.get(&o.by).cloned().unwrap_or(o.by),
                reason: o.reason,
                finding: o.finding,
            }
        })
        .collect();
    overrides.sort_by_key(|o| o.on);
    Ok(Report {
        today,
        findings: rows,
        overrides,
    })
}

/// CSV: one row per finding and per override (`record` says which).
pub fn csv(r: &Report) -> String {
    let header = [
        "record",
        "date",
        "what",
        "school",
        "provision",
        "case",
        "open",
        "by",
        "reason",
        "detail",
    ]
    .map(String::from)
    .to_vec();
    let findings = r.findings.iter().map(|f| {
        vec![
            "finding".to_string(),
            f.began_on.to_string(),
            f.what.to_string(),
            f.school.clone(),
            f.provision.clone(),
            f.case.clone().unwrap_or_default(),
            f.open.to_string(),
            String::new(),
            String::new(),
            f.detail.clone(),
        ]
    });
    let overrides = r.overrides.iter().map(|o| {
        vec![
            "override".to_string(),
            o.on.to_string(),
            "Approval gate overridden".to_string(),
            o.school.clone(),
            o.provision.clone(),
            o.case.clone().unwrap_or_default(),
            String::new(),
            o.by.clone(),
            o.reason.clone(),
            match (&o.step, o.made_on) {
                (Some(step), Some(made)) => {
                    format!("{step}, overridden on {made}: {}", o.finding)
                }
                _ => o.finding.clone(),
            },
        ]
    });
    crate::csv_text(std::iter::once(header).chain(findings).chain(overrides))
}

/// A step's event type in words: "case.final_plan_issued" reads "Final plan issued".
fn step_label(event_type: &str) -> String {
    let words = event_type
        .split_once('.')
        .map_or(event_type, |(_, w)| w)
        .replace('_', " ");
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
