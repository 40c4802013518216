//! The demo's registers: schools and other settings, their SEN units and resourced
//! provisions with places, costs and the approval history each kind needs.

use super::*;
use chrono::{Datelike, Days, NaiveDate};
use sendscope_domain::codes::*;
use sendscope_domain::event::*;
use sendscope_domain::ids::*;
use sendscope_domain::sen::*;
use sendscope_domain::{Instant, NewEvent};

impl Generator {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn setting<E>(
        &mut self,
        a: &AreaCtx,
        name: String,
        setting_type: SettingType,
        establishment_type: &str,
        phase: Phase,
        ages: (u8, u8),
        kind: ProvisionKind,
        places: u32,
        cost: CostPerPlace,
        spread: u32,
        s: &mut DemoSummary,
        sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
    ) -> Result<SettingInfo, E> {
        let id = SettingId::from_random_bits(self.next_bits());
        self.counter += 1;
        let urn = Urn::parse(&format!("{}", 900_000 + (self.counter % 99_999))).ok();
        let ukprn = Ukprn::parse(&format!("{}", 19_000_000 + (self.counter % 999_999))).ok();
        let details = SettingDetails {
            name: name.clone(),
            setting_type,
            establishment_type: establishment_type.to_string(),
            phase,
            low_age: ages.0,
            high_age: ages.1,
            la_code: a.la,
            trust: setting_type.is_academy().then(|| {
                format!(
                    "{} Learning Trust",
                    names::TRUSTS[(self.counter % 4) as usize]
                )
            }),
            urn,
            ukprn,
            postcode: self.postcode(),
            location: Some(self.location(a.centre, spread)),
            capacity: Some(match phase {
                Phase::Primary => 420,
                Phase::Secondary => 1_200,
                Phase::SixteenPlus => 3_000,
                _ => places.max(60),
            }),
        };
        let on = self.start - Days::new(365 * 10);
        let at = Some(Instant::england_at(self.start, 8, 0));
        let converts =
            setting_type == SettingType::MainstreamLaMaintained && self.rng.unit() < 0.15;
        let mut converted = details.clone();
        self.push(
            StreamRef::setting(id),
            a.id,
            "import:gias",
            on,
            EventBody::SettingRegistered(details),
            at,
        );
        if converts {
            // An academy conversion during the history: a new URN (and UKPRN), the same
            // setting identity, as the GIAS links file records it.
            let days = (self.as_of - self.start).num_days().max(1) as u64;
            let on = NaiveDate::from_ymd_opt(self.start.year() + 1, 9, 1).unwrap_or(self.start)
                + Days::new(self.rng.below(days / 2));
            let urn = Urn::parse(&format!("{}", 800_000 + (self.counter % 99_999))).ok();
            let ukprn = Ukprn::parse(&format!("{}", 18_000_000 + (self.counter % 999_999))).ok();
            self.push(
                StreamRef::setting(id),
                a.id,
                "import:gias",
                on,
                EventBody::SettingIdentifierChanged(SettingIdentifierChanged {
                    urn,
                    ukprn,
                    on,
                    cause: "academy conversion".into(),
                }),
                None,
            );
            converted.setting_type = SettingType::MainstreamAcademy;
            converted.establishment_type = "Academy converter".into();
            converted.trust = Some(format!(
                "{} Learning Trust",
                names::TRUSTS[(self.counter % 4) as usize]
            ));
            converted.urn = urn;
            converted.ukprn = ukprn;
            self.push(
                StreamRef::setting(id),
                a.id,
                "import:gias",
                on,
                EventBody::SettingDetailsChanged(converted),
                None,
            );
        }
        let org = OrganisationId::from_random_bits(self.next_bits());
        self.push(
            StreamRef::organisation(org),
            a.id,
            "system:demo",
            self.start,
            EventBody::OrganisationRegistered(OrganisationRegistered {
                kind: OrganisationKind::School,
                name: name.clone(),
                setting: Some(id),
            }),
            at,
        );
        let provision = self.provision(a, id, &name, kind, places, ages, cost);
        if matches!(
            kind,
            ProvisionKind::SenUnit | ProvisionKind::ResourcedProvision
        ) {
            self.approval_history(a, provision, setting_type.is_academy());
        }
        s.settings += 1;
        self.maybe_flush(s, sink)?;
        let sen_unit = kind == ProvisionKind::SenUnit;
        let rp = kind == ProvisionKind::ResourcedProvision;
        Ok(SettingInfo {
            id,
            academy: setting_type.is_academy(),
            provision,
            kind,
            phase,
            sen_unit,
            rp,
        })
    }

    /// SEN units and resourced provisions were approved before the history began
    /// (significant change at academies, a prescribed alteration at maintained schools):
    /// recorded as the history they are, with their real dates.
    pub(crate) fn approval_history(&mut self, a: &AreaCtx, provision: ProvisionId, academy: bool) {
        let route = if academy {
            ApprovalRoute::SignificantChange
        } else {
            ApprovalRoute::PrescribedAlteration
        };
        let at = Some(Instant::england_at(self.start, 8, 30));
        // Long-established: approved years before any placement the history holds.
        let effective = self.start - Days::new(365 * 20);
        let submitted = effective - Days::new(365);
        let decided = effective - Days::new(180);
        self.push(
            StreamRef::provision(provision),
            a.id,
            "system:demo",
            submitted,
            EventBody::ApprovalApplied(ApprovalApplied {
                route,
                submitted_on: submitted,
                advisory_board_on: None,
            }),
            at,
        );
        self.push(
            StreamRef::provision(provision),
            a.id,
            "system:demo",
            decided,
            EventBody::ApprovalDecided(ApprovalDecided {
                route,
                approved: true,
                decided_on: decided,
                effective_from: Some(effective),
                places: None,
                need_types: None,
                deferred_pending: None,
            }),
            at,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn provision(
        &mut self,
        a: &AreaCtx,
        setting: SettingId,
        name: &str,
        kind: ProvisionKind,
        places: u32,
        ages: (u8, u8),
        cost: CostPerPlace,
    ) -> ProvisionId {
        let id = ProvisionId::from_random_bits(self.next_bits());
        let at = Some(Instant::england_at(self.start, 8, 30));
        let need_types = match kind {
            ProvisionKind::ResourcedProvision | ProvisionKind::SenUnit => {
                let codes: &[&str] = if self.rng.unit() < 0.5 {
                    &["ASD", "SLCN"]
                } else {
                    &["SEMH"]
                };
                codes
                    .iter()
                    .filter_map(|c| NeedType::parse(c).ok())
                    .collect()
            }
            ProvisionKind::Mainstream
            | ProvisionKind::Post16
            | ProvisionKind::AlternativeProvision => Vec::new(),
            _ => ["ASD", "SLD", "PMLD", "SEMH", "MLD"]
                .iter()
                .filter_map(|c| NeedType::parse(c).ok())
                .collect(),
        };
        let label = format!("{name} ({})", kind.label());
        self.push(
            StreamRef::provision(id),
            a.id,
            "system:demo",
            self.start,
            EventBody::ProvisionOpened(ProvisionOpened {
                setting,
                kind,
                name: label,
                need_types,
                low_age: ages.0,
                high_age: ages.1,
                opens_on: None,
            }),
            at,
        );
        let first = AcademicYear::containing(self.start).start_year();
        let last = AcademicYear::containing(self.as_of).start_year();
        for y in first..=last {
            // Special schools grow 5% a year (within the significant-change threshold);
            // SEN units and resourced provisions keep the places they were approved for.
            let growth = match kind {
                ProvisionKind::SenUnit | ProvisionKind::ResourcedProvision => 0.0,
                _ => 0.05,
            };
            let grown = (f64::from(places) * (1.0 + growth * f64::from(y - first))).round() as u32;
            let on = NaiveDate::from_ymd_opt(y, 9, 1)
                .unwrap_or(self.start)
                .max(self.start);
            self.push(
                StreamRef::provision(id),
                a.id,
                "user:commissioner",
                on,
                EventBody::ProvisionPlacesSet(ProvisionPlacesSet {
                    academic_year: AcademicYear::starting(y),
                    places: grown,
                }),
                None,
            );
        }
        let f_first = FinancialYear::containing(self.start).start_year();
        let f_last = FinancialYear::containing(self.as_of).start_year();
        for y in f_first..=f_last {
            // Costs rise 3% a year towards the 2024-25 figures.
            let factor = 1.03f64.powi(y - 2024);
            let scale = |p: Pence| Pence((p.0 as f64 * factor).round() as i64);
            let on = NaiveDate::from_ymd_opt(y, 4, 1)
                .unwrap_or(self.start)
                .max(self.start);
            let c = CostPerPlace {
                place_funding: scale(cost.place_funding),
                top_up: scale(cost.top_up),
                health: scale(cost.health),
                social_care: scale(cost.social_care),
            };
            self.push(
                StreamRef::provision(id),
                a.id,
                "user:commissioner",
                on,
                EventBody::ProvisionCostsSet(ProvisionCostsSet {
                    financial_year: FinancialYear::starting(y),
                    cost: c,
                }),
                None,
            );
        }
        id
    }
}
