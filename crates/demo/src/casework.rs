//! A child's case from the request to the plan: who asks, the decision, advice,
//! exceptions, the draft, consultations and the final plan, and where the child is placed.

use super::*;
use crate::rng::Rng;
use chrono::{Datelike, Days, Months, NaiveDate};
use sendscope_domain::Instant;
use sendscope_domain::codes::*;
use sendscope_domain::event::*;
use sendscope_domain::ids::*;
use sendscope_domain::intake::{
    ChildDetails, ParentDetails, Problems, check_new_request, new_record,
};
use sendscope_domain::sen::*;

impl Generator {
    /// A school-age-appropriate placement for a child of `age` with `need`.
    pub(crate) fn placement_for(
        &mut self,
        a: &AreaCtx,
        age: u32,
        need: NeedType,
    ) -> (SettingRef, Option<ProvisionId>, bool, bool) {
        let pick = |rng: &mut Rng,
                    list: &[SettingInfo]|
         -> (SettingRef, Option<ProvisionId>, bool, bool) {
            let s = &list[rng.below(list.len() as u64) as usize];
            let _ = s.kind;
            (
                SettingRef::Setting(s.id),
                Some(s.provision),
                s.sen_unit,
                s.rp,
            )
        };
        if age < 4 {
            return if self.rng.unit() < 0.5 {
                (SettingRef::Code(SettingCode::Eyp), None, false, false)
            } else {
                pick(&mut self.rng, &a.specials)
            };
        }
        if age >= 16 {
            let u = self.rng.unit();
            return if u < 0.55 {
                pick(&mut self.rng, &a.fe)
            } else if u < 0.68 {
                pick(&mut self.rng, &a.post16)
            } else if u < 0.88 && age < 19 {
                pick(&mut self.rng, &a.specials)
            } else if u < 0.95 {
                (SettingRef::Code(SettingCode::Neet), None, false, false)
            } else {
                pick(&mut self.rng, &a.fe)
            };
        }
        let severe = matches!(need.code(), "SLD" | "PMLD" | "MSI");
        let i = self
            .rng
            .weighted(figures::PLACEMENT_MIX.iter().map(|(_, w)| *w));
        let kind = if severe {
            "special"
        } else {
            figures::PLACEMENT_MIX[i].0
        };
        let primary = age < 11;
        match kind {
            "mainstream" => pick(
                &mut self.rng,
                if primary {
                    &a.primaries
                } else {
                    &a.secondaries
                },
            ),
            "resourced_provision" => pick(
                &mut self.rng,
                if primary {
                    &a.erps_primary
                } else {
                    &a.erps_secondary
                },
            ),
            "independent_special" => pick(&mut self.rng, &a.independents),
            "alternative_provision" => pick(&mut self.rng, &a.ap),
            _ => pick(&mut self.rng, &a.specials),
        }
    }

    /// Generates one case; returns whether it ends with a plan in place.
    /// One child's case along `path`; what of it the cut kept.
    pub(crate) fn case(&mut self, a: &AreaCtx, path: Path) -> Result<Kept, Refused> {
        self.kept = Kept::default();
        self.story.clear();
        self.case_story(a, path)?;
        self.end_story();
        Ok(self.kept)
    }

    fn case_story(&mut self, a: &AreaCtx, path: Path) -> Result<(), Refused> {
        let case = CaseId::from_random_bits(self.next_bits());
        let st = StreamRef::case(case);
        let (team, members) = &a.teams[self.rng.below(a.teams.len() as u64) as usize];
        let (worker, login) = members[self.rng.below(members.len() as u64) as usize].clone();
        let team = *team;
        let actor = format!("user:{login}");

        // When the story starts and how old the child is then.
        let need = self.pick_need();
        let (first_day, mut birth) = match path {
            Path::LegacyInPlace | Path::Ended { legacy: true } => {
                let age_now = u32::from(
                    figures::AGE_MIX[self.rng.weighted(figures::AGE_MIX.iter().map(|(_, w)| *w))].0,
                )
                .max(9);
                let birth =
                    self.as_of - Days::new(u64::from(age_now) * 365 + self.rng.range(0, 365));
                let earliest = birth + Days::new(2 * 365);
                let latest = self.start - Days::new(30);
                let plan_start = if earliest >= latest {
                    latest
                } else {
                    earliest
                        + Days::new(
                            self.rng
                                .range(0, (latest - earliest).num_days().max(1) as u64),
                        )
                };
                (plan_start, birth)
            }
            _ => {
                let back = self.growth_weighted_years_back();
                let age_at_request = match self.rng.unit() {
                    u if u < 0.35 => self.rng.range(2, 5),
                    u if u < 0.75 => self.rng.range(5, 11),
                    u if u < 0.92 => self.rng.range(11, 16),
                    u if u < 0.99 => self.rng.range(16, 20),
                    _ => self.rng.range(20, 25),
                };
                let when = self.years_before_end(back);
                let birth = when - Days::new(age_at_request * 365 + self.rng.range(0, 365));
                (when, birth)
            }
        };
        let given = names::GIVEN[self.rng.below(names::GIVEN.len() as u64) as usize];
        let family = names::FAMILY[self.rng.below(names::FAMILY.len() as u64) as usize];
        self.counter += 1;
        let school_year = AcademicYear::containing(birth).start_year() + 5;
        let upn = Upn::from_digits(
            u64::from(a.la.get()) * 1_000_000_000
                // Establishment and serial from the counter: unique for 9 million
                // children of a school year in an area (the SEN2 checks found the old
                // formula repeating every 9,000).
                + ((self.counter / 1_000) % 9_000 + 1_000) * 100_000
                + ((school_year % 100) as u64) * 1_000
                + self.counter % 1_000,
        )
        .ok();
        let nhs = (0..10).find_map(|i| {
            NhsNumber::with_check_digit(999_000_000 + (self.counter * 10 + i) % 1_000_000)
        });
        let age_now = (self.as_of - birth).num_days() / 365;
        let uln = if age_now >= 14 {
            (0..10).find_map(|i| {
                Uln::with_check_digit(400_000_000 + (self.counter * 10 + i) % 500_000_000)
            })
        } else {
            None
        };
        let ethnicity =
            names::ETHNICITY[self.rng.weighted(names::ETHNICITY.iter().map(|(_, w)| *w))].0;
        let sex = if self.rng.unit() < 0.71 {
            Sex::Male
        } else {
            Sex::Female
        };
        // The child as a caseworker would enter them, checked by the same rules.
        let details = ChildDetails {
            given_names: given.to_string(),
            family_name: family.to_string(),
            birth_date: Some(birth),
            sex: Some(sex),
            ethnicity: Some(ethnicity.to_string()),
            postcode: self.postcode().map(|p| p.to_string()),
            upn: upn.map(|u| u.to_string()),
            uln: uln.map(|u| u.to_string()),
            nhs_number: nhs.map(|n| n.to_string()),
            ..ChildDetails::default()
        };
        // Where they live on the map (a real area has it from the postcode's grid
        // reference), for journeys to school.
        let home = Some(self.location(a.centre, 9_000));

        let legacy = matches!(path, Path::LegacyInPlace | Path::Ended { legacy: true });
        let go_live = Some(Instant::england_at(
            self.start + Days::new(self.rng.range(0, 45)),
            10,
            0,
        ));
        let mut parents = vec![ParentDetails {
            name: format!(
                "{} {family}",
                names::GIVEN[self.rng.below(names::GIVEN.len() as u64) as usize]
            ),
            relationship: Relationship::Mother,
            parental_responsibility: true,
            confidential_address: self.rng.unit() < 0.02,
            email: None,
            phone: None,
            letters_by_email: false,
        }];
        let mut father_barred = false;
        if self.rng.unit() < 0.55 {
            let name = format!(
                "{} {family}",
                names::GIVEN[self.rng.below(names::GIVEN.len() as u64) as usize]
            );
            parents.push(ParentDetails {
                name,
                relationship: Relationship::Father,
                parental_responsibility: true,
                confidential_address: false,
                email: None,
                phone: None,
                letters_by_email: false,
            });
            father_barred = self.rng.unit() < 0.02;
        }
        let opening = Opening {
            details,
            home,
            parents,
            father_barred,
            caseworker: CaseworkerAssigned {
                staff: worker,
                team,
            },
        };

        let plan_start;
        if legacy {
            // Brought in from the council's old system at go-live.
            let go_live_day = go_live.map(|i| i.england_date()).unwrap_or(self.start);
            self.open(
                a,
                st,
                "import:legacy-cms",
                (self.start, go_live_day, go_live),
                &opening,
                None,
            )?;
            let (setting, provision, sen_unit, rp) =
                self.placement_for(a, age_at(birth, first_day), need);
            let named = named_first((setting, provision, sen_unit, rp));
            let last_review = {
                let mut d = first_day;
                while d
                    .checked_add_months(Months::new(12))
                    .is_some_and(|n| n < self.start)
                {
                    d = d.checked_add_months(Months::new(12)).unwrap_or(d);
                }
                (d > first_day).then_some(d)
            };
            let sections = self.sections(given, need);
            let personal_budget = self.rng.unit() < 0.05;
            self.push(
                st,
                a.id,
                "import:legacy-cms",
                first_day,
                EventBody::PlanRecorded(PlanRecorded {
                    plan_start: first_day,
                    request: None,
                    transferred_from: None,
                    last_review,
                    sections,
                    needs: vec![Need { need, rank: 1 }],
                    named,
                    personal_budget,
                    source: "legacy case management system".into(),
                }),
                go_live,
            );
            self.push(
                st,
                a.id,
                "import:legacy-cms",
                first_day,
                EventBody::PlacementStarted(PlacementStarted {
                    setting,
                    provision,
                    on: first_day,
                    sen_unit,
                    resourced_provision: rp,
                }),
                go_live,
            );
            plan_start = Some(first_day);
        } else {
            let outcome = match path {
                Path::NoPlan => {
                    let u = self.rng.unit();
                    if u < figures::NO_PLAN_SHARE_REFUSED {
                        Outcome::NotAssessed
                    } else if u < 0.93 {
                        Outcome::NoPlan
                    } else {
                        Outcome::Withdrawn
                    }
                }
                Path::InProgress => Outcome::Unfinished,
                _ => Outcome::Plan,
            };
            let made =
                self.assessment(a, st, &actor, (first_day, &opening), given, need, outcome)?;
            if let Some((_, b)) = made {
                birth = b;
            }
            plan_start = made.map(|(on, _)| on);
        }

        let Some(start) = plan_start else {
            return Ok(());
        };
        // The plan's life: reviews each year, phase transfers, disputes, and for ended
        // plans a cessation or transfer out.
        let end = match path {
            Path::Ended { .. } => {
                let back = self.growth_weighted_years_back();
                let e = self.years_before_end(back);
                if e <= start + Days::new(60) {
                    (start + Days::new(60 + self.rng.range(0, 300))).min(self.as_of)
                } else {
                    e
                }
            }
            _ => self.as_of,
        };
        self.plan_life(a, st, &actor, start, end, birth, need);
        if let Path::Ended { .. } = path {
            self.end_plan(a, st, &actor, (start, end), birth);
        }
        Ok(())
    }

    /// Opens the child's record as `actor` on `on` (recorded `today`, at `at`): through
    /// the intake rules, with the request received that day when there is one, and the
    /// court order barring the father where there is one.
    fn open(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        (on, today, at): (NaiveDate, NaiveDate, Option<Instant>),
        o: &Opening,
        request: Option<Requester>,
    ) -> Result<(), Refused> {
        let refused = |p: Problems| {
            let said: Vec<String> = p.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            Refused(format!("a child's record: {}", said.join("; ")))
        };
        let mut child = check_new_request(&o.details, &o.parents, on, today).map_err(refused)?;
        // One instant for the record and its request, as one command writes them.
        let at = at.or_else(|| Some(self.recorded(on)));
        child.home = o.home;
        let [opened, received] = new_record(
            child,
            &o.parents,
            o.caseworker.clone(),
            (on, request.unwrap_or(Requester::Parent)),
            &mut || PersonId::from_random_bits(self.next_bits()),
        );
        let father = match &opened {
            EventBody::CaseOpened(c) => c
                .people
                .iter()
                .find(|p| p.relationship == Relationship::Father)
                .map(|p| p.person),
            _ => None,
        };
        self.push(st, a.id, actor, on, opened, at);
        if request.is_some() {
            self.push(st, a.id, actor, on, received, at);
        }
        if let Some(father) = father.filter(|_| o.father_barred) {
            let description =
                "Prohibited steps order: no information to be shared with this parent.".to_string();
            self.push(
                st,
                a.id,
                actor,
                on,
                EventBody::CourtRestrictionRecorded(CourtRestriction {
                    description,
                    restricted_persons: vec![father],
                }),
                at,
            );
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assessment(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        (first, opening): (NaiveDate, &Opening),
        given: &str,
        need: NeedType,
        outcome: Outcome,
    ) -> Result<Option<(NaiveDate, NaiveDate)>, Refused> {
        let received = first;
        let birth = opening.details.birth_date.unwrap_or(first);
        let request = RequestId(1);
        let by = match self.rng.unit() {
            u if u < 0.45 => Requester::School,
            u if u < 0.85 => Requester::Parent,
            u if u < 0.93 => Requester::Health,
            u if u < 0.97 => Requester::YoungPerson,
            _ => Requester::SocialCare,
        };
        // For a plan that must be in place by the end, work back from a final date no later than the end.
        let year = received.year();
        let on_time_share = figures::WITHIN_20_WEEKS_BY_YEAR
            .iter()
            .find(|(y, _)| *y == year)
            .map(|(_, s)| *s)
            .unwrap_or(0.20);
        let total_days = if self.rng.unit() < on_time_share {
            self.rng.range(98, 141)
        } else if self.rng.unit() < figures::LATE_SHARE_OVER_A_YEAR {
            self.rng.range(366, 560)
        } else {
            self.rng.range(141, 366)
        };
        let mut received = received;
        if outcome == Outcome::Plan && received + Days::new(total_days) > self.as_of {
            // A plan in place by the end came from a request early enough for its final
            // plan to be issued by then: spread over the year before, not all issued on
            // the last day (which made a burst of plans on the as-of date).
            let latest = self.as_of - Days::new(total_days);
            let span = (latest - self.start).num_days().clamp(1, 365) as u64;
            received = latest - Days::new(self.rng.range(0, span));
        }
        if outcome == Outcome::Unfinished {
            received = self.as_of - Days::new(self.rng.range(1, total_days.max(2)));
        }
        // The child keeps the age they were to be at the request, moved or not.
        let birth = birth + (received - first);
        let opening = Opening {
            details: ChildDetails {
                birth_date: Some(birth),
                ..opening.details.clone()
            },
            ..opening.clone()
        };
        // The record opened and the request recorded, as a caseworker does for a child
        // not yet known.
        self.open(a, st, actor, (received, received, None), &opening, Some(by))?;
        // Where the child is when the request comes: recorded with it, as the SEN2
        // return reports every placement of a child with a plan in the period.
        let (setting, provision, sen_unit, rp) =
            self.placement_for(a, age_at(birth, received), need);
        self.push(
            st,
            a.id,
            actor,
            received,
            EventBody::PlacementStarted(PlacementStarted {
                setting,
                provision,
                on: received,
                sen_unit,
                resourced_provision: rp,
            }),
            None,
        );
        if outcome == Outcome::Withdrawn {
            let on = received + Days::new(self.rng.range(5, 40));
            self.step(
                st,
                a.id,
                actor,
                on,
                EventBody::RequestWithdrawn(RequestStep { request, on }),
            );
            return Ok(None);
        }
        let decision_days = if self.rng.unit() < figures::SHARE_DECIDED_WITHIN_6_WEEKS {
            self.rng.range(20, 43)
        } else {
            self.rng.range(43, 110)
        };
        let decided =
            received + Days::new(decision_days.min(total_days.saturating_sub(60).max(20)));
        if outcome == Outcome::NotAssessed {
            self.step(
                st,
                a.id,
                actor,
                decided,
                EventBody::AssessmentDecided(AssessmentDecided {
                    request,
                    decision: AssessDecision::DoNotAssess,
                    on: decided,
                    reasons: Some(
                        "Needs can be met from resources ordinarily available to the school."
                            .into(),
                    ),
                }),
            );
            let u = self.rng.unit();
            if (0.10..0.13).contains(&u) {
                // Settled at mediation: no appeal follows.
                let on = decided + Days::new(30);
                self.mediation(st, a.id, actor, on, DisputeSubject::RefusalToAssess, true);
            }
            if u < 0.10 {
                let outcomes = (0.6, AppealOutcome::Upheld, AppealOutcome::Dismissed);
                self.appeal(
                    st,
                    a.id,
                    actor,
                    decided,
                    DisputeSubject::RefusalToAssess,
                    (120, 240),
                    outcomes,
                );
            }
            return Ok(None);
        }
        if !self.step(
            st,
            a.id,
            actor,
            decided,
            EventBody::AssessmentDecided(AssessmentDecided {
                request,
                decision: AssessDecision::Assess,
                on: decided,
                reasons: None,
            }),
        ) {
            return Ok(None);
        }
        let final_on = received + Days::new(total_days);
        let advice_on = decided + Days::new(self.rng.range(1, 8));
        let draft_on = final_on - Days::new(self.rng.range(16, 30));
        // Educational advice here includes the educational psychologist's (Reg 6(1)(b), (d)).
        let kinds = [
            AdviceKind::Education,
            AdviceKind::Health,
            AdviceKind::SocialCare,
        ];
        self.step(
            st,
            a.id,
            actor,
            advice_on,
            EventBody::AdviceRequested(AdviceRequested {
                request,
                kinds: kinds.to_vec(),
                on: advice_on,
            }),
        );
        // Exceptions are recorded where a plan runs late: in Derby's 2024 figures every
        // plan within 20 weeks was also within 20 weeks without the exception cases
        // (62 of 442, 62 of 377), so the 65 exception cases were all late.
        let u = self.rng.unit();
        if total_days > 140 && u < figures::SHARE_WITH_EXCEPTION / figures::SHARE_LATE_2024 {
            let exception = match self.rng.unit() {
                u if u < 0.5 => ExceptionKind::ExceptionalPersonalCircumstances,
                u if u < 0.8 => ExceptionKind::SchoolClosure,
                _ => ExceptionKind::AbsentFromArea,
            };
            self.step(
                st,
                a.id,
                actor,
                advice_on,
                EventBody::ExceptionRecorded(ExceptionRecorded {
                    request,
                    exception,
                    evidence: "Recorded by the caseworker with the family's agreement.".into(),
                }),
            );
        }
        let span = (draft_on - advice_on).num_days().max(2) as u64;
        for kind in kinds {
            let on = advice_on + Days::new(self.rng.range(1, span.min(120)));
            if !self.step(
                st,
                a.id,
                actor,
                on.min(draft_on),
                EventBody::AdviceReceived(AdviceStep {
                    request,
                    kind,
                    on: on.min(draft_on),
                    advice: None,
                    document: None,
                }),
            ) {
                return Ok(None);
            }
        }
        if outcome == Outcome::NoPlan {
            self.step(
                st,
                a.id,
                actor,
                draft_on,
                EventBody::PlanNotIssued(RequestStep {
                    request,
                    on: draft_on,
                }),
            );
            return Ok(None);
        }
        let draft_sections = self.sections(given, need);
        if !self.step(
            st,
            a.id,
            actor,
            draft_on,
            EventBody::DraftPlanServed(DraftPlanServed {
                request,
                on: draft_on,
                sections: draft_sections,
            }),
        ) {
            return Ok(None);
        }
        let age = age_at(birth, final_on);
        let (setting, provision, sen_unit, rp) = self.placement_for(a, age, need);
        let consult_on = draft_on + Days::new(self.rng.range(1, 5));
        if let SettingRef::Setting(sid) = setting {
            self.step(
                st,
                a.id,
                actor,
                consult_on,
                EventBody::SettingConsulted(SettingConsulted {
                    setting: sid,
                    on: consult_on,
                }),
            );
            let reply = consult_on + Days::new(self.rng.range(5, 30));
            self.step(
                st,
                a.id,
                actor,
                reply.min(final_on),
                EventBody::ConsultationResponse(ConsultationResponse {
                    setting: sid,
                    on: reply.min(final_on),
                    can_meet_needs: true,
                    reasons: String::new(),
                    annual_cost_pence: None,
                }),
            );
        }
        let named = named_first((setting, provision, sen_unit, rp));
        let needs = vec![Need { need, rank: 1 }];
        let sections = self.sections(given, need);
        let personal_budget = self.rng.unit() < 0.05;
        if !self.step(
            st,
            a.id,
            actor,
            final_on,
            EventBody::FinalPlanIssued(FinalPlanIssued {
                request,
                on: final_on,
                sections,
                needs,
                named,
                personal_budget,
            }),
        ) {
            return Ok(None);
        }
        let entry = final_on + Days::new(self.rng.range(0, 30));
        if entry <= self.as_of {
            self.step(
                st,
                a.id,
                actor,
                entry,
                EventBody::PlacementStarted(PlacementStarted {
                    setting,
                    provision,
                    on: entry,
                    sen_unit,
                    resourced_provision: rp,
                }),
            );
        }
        // A multi-agency quality audit of about one new plan in six, a few weeks after it
        // is issued: each section scored around the plan's overall quality.
        if self.rng.unit() < figures::SHARE_OF_NEW_PLANS_AUDITED {
            let on = final_on + Days::new(self.rng.range(14, 60));
            let quality = 1.6 + 2.2 * self.rng.unit();
            let rubric = sendscope_domain::qa::Rubric::standard();
            let scores: std::collections::BTreeMap<String, u8> = rubric
                .sections
                .iter()
                .map(|s| {
                    let v = (quality + self.rng.unit() - 0.5).round().clamp(1.0, 4.0) as u8;
                    (s.key.clone(), v)
                })
                .collect();
            let service = match self.rng.below(3) {
                0 => sendscope_domain::qa::AuditService::Education,
                1 => sendscope_domain::qa::AuditService::Health,
                _ => sendscope_domain::qa::AuditService::SocialCare,
            };
            if let Ok(grade) = rubric.grade(&scores) {
                self.step(
                    st,
                    a.id,
                    actor,
                    on,
                    EventBody::PlanAudited(PlanAudited {
                        audit: 1,
                        on,
                        service,
                        rubric_id: rubric.id.clone(),
                        scores,
                        grade,
                        comments: String::new(),
                    }),
                );
            }
        }
        if self.rng.unit() < 0.04 {
            let outcomes = (0.5, AppealOutcome::Conceded, AppealOutcome::Upheld);
            self.appeal(
                st,
                a.id,
                actor,
                final_on,
                DisputeSubject::NamedSetting,
                (150, 300),
                outcomes,
            );
        }
        Ok(Some((final_on, birth)))
    }
}

/// A child's record as it will be opened: the details a caseworker enters, the parents,
/// and the caseworker it is allocated to.
#[derive(Clone)]
pub(crate) struct Opening {
    details: ChildDetails,
    home: Option<Location>,
    parents: Vec<ParentDetails>,
    /// A court order bars the father from the child's information.
    father_barred: bool,
    caseworker: CaseworkerAssigned,
}
