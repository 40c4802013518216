//! What placement needs from the records: children with plans, provisions with places,
//! costs, gates and children placed, schools, and the area's costing.

use chrono::NaiveDate;
use sendscope_domain::StreamKind;
use sendscope_domain::compliance::GateRules;
use sendscope_domain::event::StreamRef;
use sendscope_domain::ids::{AreaId, ProvisionId, SettingId};
use sendscope_domain::projection::StreamState;
use sendscope_placement::area::{
    Area, Child, Cohort, Comparison, Plan, Provision, Scenario, School, Settings,
};
use sendscope_store::{Store, StoreError};
use std::collections::{BTreeMap, HashMap};

/// The placement costing an area has in force on a day (its own, once adopted, else
/// sendscope's defaults).
pub fn settings_on(store: &dyn Store, area: AreaId, on: NaiveDate) -> Result<Settings, StoreError> {
    Ok(
        match store.projection(StreamRef::area(area))?.map(|p| p.state) {
            Some(StreamState::Area(a)) => a.placement_settings_on(on),
            _ => Settings::default(),
        },
    )
}

/// An area's placement data on a day: the children with a plan (and the case of each),
/// the provisions, the schools, and the gate rules.
pub struct AreaData {
    pub children: Vec<Child>,
    pub provisions: Vec<Provision>,
    pub schools: BTreeMap<SettingId, School>,
    pub rules: GateRules,
    /// The area's placement costing on the day.
    pub settings: Settings,
}

impl AreaData {
    /// Reads the area: every child with a plan in place, every provision with its places,
    /// cost, gate and children placed, every school.
    pub fn load(store: &dyn Store, area: AreaId, on: NaiveDate) -> Result<AreaData, StoreError> {
        let rules = crate::compliance::rules_on(store, area, on)?;
        let costing = settings_on(store, area, on)?;
        let mut settings = BTreeMap::new();
        for p in store.area_projections(area, StreamKind::Setting)? {
            if let StreamState::Setting(s) = p.state {
                settings.insert(SettingId(p.stream.id), s);
            }
        }
        let mut children = Vec::new();
        let mut placed: HashMap<ProvisionId, Vec<NaiveDate>> = HashMap::new();
        sendscope_store::for_each_case(store, area, &mut |id, c| {
            if let Some(p) = c.current_placement().and_then(|p| p.provision)
                && let Some(ch) = c.child.as_ref()
            {
                placed.entry(p).or_default().push(ch.birth_date);
            }
            if c.plan.as_ref().is_some_and(|p| p.ceased.is_none())
                && let Some(child) = Child::from_case(id, c)
            {
                children.push(child);
            }
        })?;
        children.sort_by_key(|c| c.case.to_string());
        let mut provisions = Vec::new();
        for p in store.area_projections(area, StreamKind::Provision)? {
            let StreamState::Provision(s) = &p.state else {
                continue;
            };
            let Some(o) = s.opened.as_ref() else { continue };
            let births = placed
                .get(&ProvisionId(p.stream.id))
                .cloned()
                .unwrap_or_default();
            let leaving = births
                .iter()
                .filter(|b| sendscope_domain::calendar::age_on(**b, on) > i32::from(o.high_age))
                .count() as u32;
            if let Some(x) = Provision::from_register(
                ProvisionId(p.stream.id),
                s,
                o.setting,
                settings.get(&o.setting),
                &rules,
                births.len() as u32,
                leaving,
                on,
            ) {
                provisions.push(x);
            }
        }
        provisions.sort_by_key(|p| p.id.to_string());
        let schools = settings
            .iter()
            .filter_map(|(id, s)| {
                let d = s.details.as_ref()?;
                Some((
                    *id,
                    School {
                        name: d.name.clone(),
                        location: d.location,
                        route: rules.change_route(Some(s)),
                    },
                ))
            })
            .collect();
        Ok(AreaData {
            children,
            provisions,
            schools,
            rules,
            settings: costing,
        })
    }

    /// The children of a cohort: those waiting for a place, or all.
    pub fn cohort(&self, cohort: Cohort) -> Vec<Child> {
        self.children
            .iter()
            .filter(|c| cohort == Cohort::All || c.placed_in.is_none())
            .cloned()
            .collect()
    }

    pub fn optimise(
        &self,
        on: NaiveDate,
        cohort: Cohort,
    ) -> Result<Plan, sendscope_placement::instance::InstanceError> {
        sendscope_placement::area::optimise(
            &self.cohort(cohort),
            &self.provisions,
            &self.settings,
            on,
            cohort,
        )
    }

    pub fn compare(
        &self,
        on: NaiveDate,
        cohort: Cohort,
        scenario: &Scenario,
    ) -> Result<Comparison, sendscope_placement::instance::InstanceError> {
        let children = self.cohort(cohort);
        sendscope_placement::area::compare(
            &Area {
                children: &children,
                provisions: &self.provisions,
                settings: self.settings,
                on,
                cohort,
                rules: &self.rules,
                schools: &self.schools,
            },
            scenario,
        )
    }
}
