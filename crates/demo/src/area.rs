//! One demo local area: its council, teams and staff, settings, and its children's cases
//! in the numbers the DfE published.

use super::*;
use sendscope_domain::codes::*;
use sendscope_domain::event::*;
use sendscope_domain::ids::*;
use sendscope_domain::{Instant, NewEvent};

impl Generator {
    pub(crate) fn area<E: From<Refused>>(
        &mut self,
        index: u32,
        plans: u32,
        s: &mut DemoSummary,
        sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
    ) -> Result<(), E> {
        let id = AreaId::from_random_bits(self.next_bits());
        // A real LA code, as `sendscope area add` requires: the first area is Derby's
        // code (831), the rest England's other authorities in order. The names stay
        // fictional: the children are.
        let la_code = demo_la_code(index);
        let (created, council_registered) = sendscope_domain::setup::new_area(
            &la_code,
            Some(&names::area_name(index)),
            self.set_up.iter().map(|(c, n)| (c.as_str(), n.as_str())),
        )
        .map_err(|e| E::from(Refused(format!("area {la_code}: {e}"))))?;
        let la = created.la_code;
        let name = created.name.clone();
        self.set_up.push((la.to_string(), name.clone()));
        let at = Some(Instant::england_at(self.start, 7, 0));
        self.push(
            StreamRef::area(id),
            id,
            "system:demo",
            self.start,
            EventBody::AreaCreated(created),
            at,
        );
        // A designated medical and clinical officer in post; no designated social care
        // officer (a newer role many areas have not yet filled).
        self.push(
            StreamRef::area(id),
            id,
            "system:demo",
            self.start,
            EventBody::DesignatedOfficersRecorded(DesignatedOfficers {
                from: self.start,
                medical: true,
                clinical: true,
                social_care: Some(false),
            }),
            at,
        );
        let centre = (
            380_000 + (index % 12) * 20_000,
            150_000 + (index / 12) * 40_000,
        );
        let mut ctx = AreaCtx {
            id,
            la,
            centre,
            teams: Vec::new(),
            primaries: Vec::new(),
            secondaries: Vec::new(),
            erps_primary: Vec::new(),
            erps_secondary: Vec::new(),
            specials: Vec::new(),
            independents: Vec::new(),
            ap: Vec::new(),
            fe: Vec::new(),
            post16: Vec::new(),
        };

        // The council, the ICB and a community paediatrics service; SEND teams.
        let council = OrganisationId::from_random_bits(self.next_bits());
        self.push(
            StreamRef::organisation(council),
            id,
            "system:demo",
            self.start,
            EventBody::OrganisationRegistered(council_registered),
            at,
        );
        let mut organisations: Vec<String> = Vec::new();
        for (kind, label) in [
            (
                OrganisationKind::IntegratedCareBoard,
                "Integrated Care Board",
            ),
            (OrganisationKind::HealthService, "Community Paediatrics"),
        ] {
            let registered = sendscope_domain::setup::new_organisation(
                kind,
                &format!("{name} {label}"),
                organisations.iter().map(String::as_str),
            )
            .map_err(|e| E::from(Refused(e.to_string())))?;
            organisations.push(registered.name.clone());
            let org = OrganisationId::from_random_bits(self.next_bits());
            self.push(
                StreamRef::organisation(org),
                id,
                "system:demo",
                self.start,
                EventBody::OrganisationRegistered(registered),
                at,
            );
        }
        let caseworkers = (plans / 180).max(2);
        let teams = caseworkers.div_ceil(6).max(1);
        let prefix = if index == 0 {
            String::new()
        } else {
            format!("a{index}-")
        };
        let mut added: Vec<TeamAdded> = Vec::new();
        for t in 0..teams {
            let team = TeamId::from_random_bits(self.next_bits());
            let n = names::TEAM_NAMES.len();
            let team_name = match t as usize / n {
                0 => format!("SEND Team {}", names::TEAM_NAMES[t as usize % n]),
                k => format!("SEND Team {} {}", names::TEAM_NAMES[t as usize % n], k + 1),
            };
            let new = sendscope_domain::setup::new_team(&added, &team_name, team)
                .map_err(|e| E::from(Refused(e.to_string())))?;
            added.push(new.clone());
            self.push(
                StreamRef::organisation(council),
                id,
                "system:demo",
                self.start,
                EventBody::TeamAdded(new),
                at,
            );
            let mut members = Vec::new();
            self.staff_member(id, council, Some(team), StaffJob::TeamManager, at)
                .map_err(E::from)?;
            let in_team = if t + 1 == teams {
                caseworkers - 6 * (teams - 1)
            } else {
                6
            };
            for k in 0..in_team {
                let n = t * 6 + k;
                let login = if n == 0 {
                    format!("{prefix}caseworker")
                } else {
                    format!("{prefix}caseworker-{n}")
                };
                let staff = self
                    .staff_member(id, council, Some(team), StaffJob::Caseworker, at)
                    .map_err(E::from)?;
                members.push((staff, login));
            }
            ctx.teams.push((team, members));
        }
        for (job, count) in [
            (StaffJob::Commissioner, 1),
            (StaffJob::HealthProfessional, 1),
            (StaffJob::Administrator, 1),
        ] {
            for _ in 0..count {
                self.staff_member(id, council, None, job, at)
                    .map_err(E::from)?;
            }
        }
        self.flush(s, sink)?;

        // Settings, sized to the area (Derby: ~100 schools for 3,735 plans).
        let p = |pounds: i64| Pence::from_pounds(pounds);
        let mainstream_cost = CostPerPlace {
            place_funding: p(6_000),
            top_up: p(7_500),
            health: p(0),
            social_care: p(0),
        };
        let erp_cost = CostPerPlace {
            place_funding: p(10_000),
            top_up: p(figures::COST_ERP_POUNDS - 10_000),
            health: p(0),
            social_care: p(0),
        };
        let special_cost = CostPerPlace {
            place_funding: p(10_000),
            top_up: p(figures::COST_SPECIAL_POUNDS - 11_500),
            health: p(1_000),
            social_care: p(500),
        };
        let indep_cost = CostPerPlace {
            place_funding: p(0),
            top_up: p(figures::COST_INDEPENDENT_SPECIAL_POUNDS - 9_000),
            health: p(5_000),
            social_care: p(4_000),
        };
        let ap_cost = CostPerPlace {
            place_funding: p(10_000),
            top_up: p(9_000),
            health: p(0),
            social_care: p(0),
        };
        let fe_cost = CostPerPlace {
            place_funding: p(6_000),
            top_up: p(5_500),
            health: p(0),
            social_care: p(0),
        };
        let post16_cost = CostPerPlace {
            place_funding: p(10_000),
            top_up: p(32_000),
            health: p(2_000),
            social_care: p(1_000),
        };

        let primaries = (plans / 50).max(4);
        let secondaries = (plans / 250).max(2);
        let erps = (plans / 400).max(1);
        let specials = (plans / 500).max(2);
        let independents = (plans / 600).max(1);
        for i in 0..primaries {
            let academy = self.rng.unit() < 0.45;
            let (st, et) = if academy {
                (SettingType::MainstreamAcademy, "Academy converter")
            } else {
                (SettingType::MainstreamLaMaintained, "Community school")
            };
            let nm = format!(
                "{} Primary School",
                names::place(self.counter + u64::from(i))
            );
            let info = self.setting(
                &ctx,
                nm,
                st,
                et,
                Phase::Primary,
                (4, 11),
                ProvisionKind::Mainstream,
                40,
                mainstream_cost,
                9_000,
                s,
                sink,
            )?;
            ctx.primaries.push(info);
        }
        for i in 0..secondaries {
            let nm = format!("{} Academy", names::place(self.counter * 7 + u64::from(i)));
            let info = self.setting(
                &ctx,
                nm,
                SettingType::MainstreamAcademy,
                "Academy converter",
                Phase::Secondary,
                (11, 18),
                ProvisionKind::Mainstream,
                80,
                mainstream_cost,
                9_000,
                s,
                sink,
            )?;
            ctx.secondaries.push(info);
        }
        for i in 0..erps {
            // Resourced provisions sit beside a mainstream school's own provision.
            let (list, phase) = if i % 3 == 2 {
                (&ctx.secondaries, Phase::Secondary)
            } else {
                (&ctx.primaries, Phase::Primary)
            };
            let host = &list[(i as usize * 3) % list.len()];
            let (host_id, host_phase, academy) = (host.id, host.phase, host.academy);
            let ages = if phase == Phase::Primary {
                (4, 11)
            } else {
                (11, 16)
            };
            let prov = self.provision(
                &ctx,
                host_id,
                &format!("ERP {}", i + 1),
                ProvisionKind::ResourcedProvision,
                12,
                ages,
                erp_cost,
            );
            self.approval_history(&ctx, prov, academy);
            let info = SettingInfo {
                id: host_id,
                academy,
                provision: prov,
                kind: ProvisionKind::ResourcedProvision,
                phase: host_phase,
                sen_unit: false,
                rp: true,
            };
            if phase == Phase::Primary {
                ctx.erps_primary.push(info);
            } else {
                ctx.erps_secondary.push(info);
            }
        }
        if ctx.erps_secondary.is_empty() {
            let (host, academy) = (ctx.secondaries[0].id, ctx.secondaries[0].academy);
            let prov = self.provision(
                &ctx,
                host,
                "ERP secondary",
                ProvisionKind::ResourcedProvision,
                12,
                (11, 16),
                erp_cost,
            );
            self.approval_history(&ctx, prov, academy);
            ctx.erps_secondary.push(SettingInfo {
                id: host,
                academy,
                provision: prov,
                kind: ProvisionKind::ResourcedProvision,
                phase: Phase::Secondary,
                sen_unit: false,
                rp: true,
            });
        }
        for i in 0..specials {
            let nm = format!("{} School", names::place(self.counter * 13 + u64::from(i)));
            let st = if i % 4 == 0 {
                SettingType::SpecialLaMaintained
            } else {
                SettingType::SpecialAcademy
            };
            let info = self.setting(
                &ctx,
                nm,
                st,
                "Academy special converter",
                Phase::AllThrough,
                (2, 19),
                ProvisionKind::Special,
                140,
                special_cost,
                12_000,
                s,
                sink,
            )?;
            ctx.specials.push(info);
        }
        for i in 0..independents {
            let nm = format!(
                "{} House School",
                names::place(self.counter * 17 + u64::from(i))
            );
            let info = self.setting(
                &ctx,
                nm,
                SettingType::SpecialIndependent,
                "Other independent special school",
                Phase::AllThrough,
                (5, 19),
                ProvisionKind::IndependentSpecial,
                60,
                indep_cost,
                40_000,
                s,
                sink,
            )?;
            ctx.independents.push(info);
        }
        let nm = format!("{} Learning Centre", names::place(self.counter * 19));
        let info = self.setting(
            &ctx,
            nm,
            SettingType::AlternativeProvision,
            "Pupil referral unit",
            Phase::NotApplicable,
            (5, 16),
            ProvisionKind::AlternativeProvision,
            40,
            ap_cost,
            8_000,
            s,
            sink,
        )?;
        ctx.ap.push(info);
        let colleges = (plans / 2_000).max(1);
        for i in 0..colleges {
            let nm = format!("{} College", names::place(self.counter * 23 + u64::from(i)));
            let info = self.setting(
                &ctx,
                nm,
                SettingType::FurtherEducation,
                "Further education",
                Phase::SixteenPlus,
                (16, 25),
                ProvisionKind::Post16,
                300,
                fe_cost,
                10_000,
                s,
                sink,
            )?;
            ctx.fe.push(info);
        }
        let nm = format!("{} Specialist College", names::place(self.counter * 29));
        let info = self.setting(
            &ctx,
            nm,
            SettingType::SpecialistPost16,
            "Special post 16 institution",
            Phase::SixteenPlus,
            (16, 25),
            ProvisionKind::Post16,
            40,
            post16_cost,
            30_000,
            s,
            sink,
        )?;
        ctx.post16.push(info);
        self.flush(s, sink)?;

        self.cases(&ctx, plans, s, sink)
    }

    pub(crate) fn cases<E: From<Refused>>(
        &mut self,
        a: &AreaCtx,
        plans: u32,
        s: &mut DemoSummary,
        sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), E>,
    ) -> Result<(), E> {
        let n = f64::from(plans);
        let k = (1.0 + figures::ENGLAND_GROWTH_PER_YEAR).ln();
        let c = figures::CEASE_RATE_PER_YEAR;
        let span = f64::from(HISTORY_YEARS);
        let stock_at_start = n * (-k * span).exp();
        let legacy_survivors = (stock_at_start * (-c * span).exp()).round() as u32;
        let legacy_survivors = legacy_survivors.min(plans);
        let new_in_place = plans - legacy_survivors;
        let legacy_ended = (stock_at_start * (1.0 - (-c * span).exp())).round() as u32;
        let new_total = (k + c) * n * (1.0 - (-k * span).exp()) / k;
        let new_ended = (new_total - f64::from(new_in_place)).max(0.0).round() as u32;
        let no_plan = (new_total * (figures::REQUESTS_PER_NEW_PLAN - 1.0)).round() as u32;
        let in_progress = (n * 0.12).round() as u32;

        let mut paths: Vec<Path> = Vec::new();
        paths.extend(std::iter::repeat_n(
            Path::LegacyInPlace,
            legacy_survivors as usize,
        ));
        paths.extend(std::iter::repeat_n(Path::NewInPlace, new_in_place as usize));
        paths.extend(std::iter::repeat_n(
            Path::Ended { legacy: true },
            legacy_ended as usize,
        ));
        paths.extend(std::iter::repeat_n(
            Path::Ended { legacy: false },
            new_ended as usize,
        ));
        paths.extend(std::iter::repeat_n(Path::NoPlan, no_plan as usize));
        paths.extend(std::iter::repeat_n(Path::InProgress, in_progress as usize));
        self.rng.shuffle(&mut paths);
        for path in paths {
            let kept = self.case(a, path).map_err(E::from)?;
            s.cases += u64::from(kept.opened);
            s.plans_in_place += u64::from(kept.plan && !kept.ended);
            self.maybe_flush(s, sink)?;
        }
        Ok(())
    }
}

/// The LA code of the demo's `index`th area: Derby's (831) first, then England's other
/// authorities in their list's order, round again for more than there are.
fn demo_la_code(index: u32) -> String {
    let all = sendscope_domain::local_authorities::all();
    let derby = all.iter().position(|a| a.la_code.to_string() == "831");
    let order: Vec<usize> = derby
        .into_iter()
        .chain((0..all.len()).filter(|i| Some(*i) != derby))
        .collect();
    order
        .get(index as usize % order.len().max(1))
        .and_then(|i| all.get(*i))
        .map(|a| a.la_code.to_string())
        .unwrap_or_else(|| "831".into())
}
