//! What a setting looks like to a given user (its provisions, places, costs, Ofsted and
//! the children placed there, as the role may see them), built once for the pages and
//! the API alike.

use crate::views::{CaseSummary, enum_text, summary};
use sendscope_app::access::may_see;
use sendscope_domain::access::Principal;
use sendscope_domain::calendar::england_today;
use sendscope_domain::ids::SettingId;
use sendscope_domain::projection::StreamState;
use sendscope_domain::{Projection, StreamRef};
use sendscope_store::{CaseQuery, Store, StoreError};
use serde::Serialize;

/// One row of the settings list.
#[derive(Debug, Serialize)]
pub struct SettingSummary {
    pub id: String,
    pub name: String,
    pub urn: Option<String>,
    pub setting_type: String,
    pub phase: String,
    pub trust: Option<String>,
    pub low_age: u8,
    pub high_age: u8,
}

#[derive(Debug, Serialize)]
pub struct ProvisionView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub designated_needs: Vec<&'static str>,
    pub academic_year: String,
    pub places: Option<u32>,
    pub financial_year: String,
    /// Total cost per place (place funding, top-up, health, social care), in pence.
    pub cost_per_place_pence: Option<i64>,
    /// Where its approval stands (significant change or prescribed alteration), in words.
    pub approval: String,
    /// Set when the school is below the Ofsted standard for new places and no
    /// viable-options evidence is recorded for this provision: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viable_options_evidence_required: Option<String>,
}

/// The setting's latest Ofsted inspection and whether it meets the standard for new places.
#[derive(Debug, Serialize)]
pub struct OfstedView {
    pub framework: sendscope_domain::event::InspectionFramework,
    pub inspection_start: chrono::NaiveDate,
    pub judgements: std::collections::BTreeMap<String, sendscope_domain::event::Judgement>,
    pub meets_standard_for_new_places: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub below_standard: Option<String>,
}

/// The children attending a setting: a count for everyone allowed, suppressed for
/// families when below 5, and named only where the user may open each record.
#[derive(Debug, Serialize)]
pub struct ChildrenPlaced {
    /// `None` when suppressed.
    pub count: Option<usize>,
    pub shown_as: String,
    pub records_you_can_open: Vec<CaseSummary>,
}

#[derive(Debug, Serialize)]
pub struct SettingView {
    #[serde(flatten)]
    pub summary: SettingSummary,
    pub establishment_type: String,
    pub provisions: Vec<ProvisionView>,
    pub ofsted: Option<OfstedView>,
    pub children_placed: ChildrenPlaced,
}

fn setting_summary(p: &Projection) -> Option<SettingSummary> {
    let StreamState::Setting(s) = &p.state else {
        return None;
    };
    let d = s.details.as_ref()?;
    Some(SettingSummary {
        id: p.stream.id.to_string(),
        name: d.name.clone(),
        urn: d.urn.map(|u| u.to_string()),
        setting_type: enum_text(&d.setting_type),
        phase: enum_text(&d.phase),
        trust: d.trust.clone(),
        low_age: d.low_age,
        high_age: d.high_age,
    })
}

/// The area's settings, in the order they were recorded.
pub fn settings(store: &dyn Store, who: &Principal) -> Result<Vec<SettingSummary>, StoreError> {
    Ok(store
        .area_projections(who.area, sendscope_domain::StreamKind::Setting)?
        .iter()
        .filter_map(setting_summary)
        .collect())
}

/// One setting in the user's area, or `None` if there is no such setting there.
pub fn setting_view(
    store: &dyn Store,
    who: &Principal,
    id: SettingId,
) -> Result<Option<SettingView>, StoreError> {
    use sendscope_domain::codes::{AcademicYear, FinancialYear};
    let Some(p) = store.projection(StreamRef::setting(id))? else {
        return Ok(None);
    };
    if p.area != who.area {
        return Ok(None);
    }
    let Some(this) = setting_summary(&p) else {
        return Ok(None);
    };
    let establishment_type = match &p.state {
        StreamState::Setting(s) => s
            .details
            .as_ref()
            .map(|d| d.establishment_type.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let year = AcademicYear::containing(england_today());
    let fy = FinancialYear::containing(england_today());
    let rules = sendscope_app::compliance::rules_on(store, who.area, england_today())?;
    let mut provisions = Vec::new();
    for pp in store.area_projections(who.area, sendscope_domain::StreamKind::Provision)? {
        let StreamState::Provision(pr) = &pp.state else {
            continue;
        };
        let Some(o) = pr.opened.as_ref().filter(|o| o.setting == id) else {
            continue;
        };
        let approval = {
            let setting = match &p.state {
                StreamState::Setting(x) => Some(x),
                _ => None,
            };
            match rules.route(pr, setting) {
                None => "none needed".to_string(),
                Some(route) => sendscope_domain::compliance::approval_status(
                    pr,
                    route.label(),
                    england_today(),
                ),
            }
        };
        provisions.push(ProvisionView {
            approval,
            id: pp.stream.id.to_string(),
            name: o.name.clone(),
            kind: enum_text(&o.kind),
            kind_label: o.kind.label(),
            designated_needs: pr
                .need_types_on(england_today())
                .iter()
                .map(|n| n.code())
                .collect(),
            viable_options_evidence_required: crate::register::evidence_required(
                &rules,
                pr,
                match &p.state {
                    StreamState::Setting(x) => Some(x),
                    _ => None,
                },
                england_today(),
            ),
            academic_year: year.to_string(),
            places: pr.places.range(..=year).next_back().map(|(_, n)| *n),
            financial_year: fy.to_string(),
            cost_per_place_pence: pr.costs.range(..=fy).next_back().map(|(_, c)| c.total().0),
        });
    }
    let placed = store.list_cases(&CaseQuery {
        area: Some(who.area),
        setting: Some(id),
        limit: 500,
        ..Default::default()
    })?;
    let count = placed.rows.len();
    let refs: Vec<StreamRef> = placed
        .rows
        .iter()
        .map(|r| StreamRef::case(r.case))
        .collect();
    let visible = placed
        .rows
        .iter()
        .zip(store.projections(&refs)?)
        .filter(|(_, p)| p.as_ref().is_some_and(|p| may_see(who, p)))
        .map(|(r, _)| summary(r))
        .collect();
    let family = who.role.is_family();
    let suppressed = family && (1..crate::SUPPRESS_BELOW as usize).contains(&count);
    let ofsted = match &p.state {
        StreamState::Setting(x) => x.inspections.last().map(|i| {
            let below = rules.below_standard(x, england_today());
            OfstedView {
                framework: i.framework,
                inspection_start: i.inspection_start,
                judgements: i.judgements.clone(),
                meets_standard_for_new_places: below.is_none(),
                below_standard: below,
            }
        }),
        _ => None,
    };
    Ok(Some(SettingView {
        summary: this,
        establishment_type,
        provisions,
        ofsted,
        children_placed: ChildrenPlaced {
            count: (!suppressed).then_some(count),
            shown_as: if suppressed {
                "Fewer than 5".into()
            } else {
                count.to_string()
            },
            records_you_can_open: visible,
        },
    }))
}
