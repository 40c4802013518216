//! A plan's life after it is issued: annual reviews, amendments and phase transfers,
//! mediation and appeals, and how it ends.

use super::*;
use chrono::{Datelike, Days, Months, NaiveDate};
use sendscope_domain::Instant;
use sendscope_domain::codes::*;
use sendscope_domain::event::*;
use sendscope_domain::ids::*;
use sendscope_domain::sen::*;

impl Generator {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn plan_life(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        start: NaiveDate,
        end: NaiveDate,
        birth: NaiveDate,
        need: NeedType,
    ) {
        let mut due = start.checked_add_months(Months::new(12)).unwrap_or(start);
        while due < self.start {
            due = due.checked_add_months(Months::new(12)).unwrap_or(end);
        }
        loop {
            let late = if self.rng.unit() < 0.25 {
                self.rng.range(1, 120)
            } else {
                0
            };
            let meeting = (due - Days::new(self.rng.range(0, 30))) + Days::new(late);
            if meeting >= end {
                break;
            }
            self.push(
                st,
                a.id,
                actor,
                meeting,
                EventBody::ReviewMeetingHeld(DatedOnly { on: meeting }),
                None,
            );
            // The review report: within 2 weeks for most, up to 4 weeks for some (a
            // spread taken from the date, so the random draws stay as they were).
            let report = meeting + Days::new(7 + u64::from(meeting.ordinal() % 20));
            if report <= end {
                self.push(
                    st,
                    a.id,
                    actor,
                    report,
                    EventBody::ReviewReportSent(ReviewStep {
                        meeting_on: meeting,
                        on: report,
                    }),
                    None,
                );
            }
            let gap = if self.rng.unit() < figures::REVIEW_DECISION_WITHIN_4_WEEKS {
                self.rng.range(3, 29)
            } else {
                self.rng.range(29, 90)
            };
            let decided = meeting + Days::new(gap);
            if decided > end {
                break;
            }
            let i = self
                .rng
                .weighted(figures::REVIEW_OUTCOMES.iter().map(|(_, w)| *w));
            let decision = match figures::REVIEW_OUTCOMES[i].0 {
                "maintain" => ReviewDecision::Maintain,
                "cease" => ReviewDecision::Maintain, // a cessation is modelled at the plan's end
                _ => ReviewDecision::Amend,
            };
            self.push(
                st,
                a.id,
                actor,
                decided,
                EventBody::ReviewDecided(ReviewDecided {
                    meeting_on: meeting,
                    decision,
                    on: decided,
                }),
                None,
            );
            // Not every proposed amendment reaches a final amended plan within the history.
            if decision == ReviewDecision::Amend && self.rng.unit() < 0.3 {
                let amend_on = decided + Days::new(self.rng.range(14, 70));
                if amend_on <= end {
                    let place = self.placement_for(a, age_at(birth, amend_on), need);
                    self.amend(a, st, actor, (amend_on, need, place), false);
                }
            }
            due = meeting.checked_add_months(Months::new(12)).unwrap_or(end);
        }
        self.phase_transfers(a, st, actor, (start, end), birth, need);
    }

    /// The phase transfers the child's date of birth gives (reg 18; the service works
    /// them out the same way): starting school, Year 7 and Year 12, for a plan in place
    /// the September before. The plan is amended to name the new setting before 15
    /// February (31 March for post-16) of the year of the move, most of them in time,
    /// and the child starts there in September.
    fn phase_transfers(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        (start, end): (NaiveDate, NaiveDate),
        birth: NaiveDate,
        need: NeedType,
    ) {
        for (year, kind) in PhaseTransferKind::by_birth(birth) {
            let due = match kind {
                PhaseTransferKind::SecondaryToPost16 => (3, 30),
                _ => (2, 14),
            };
            let (Some(year_before), Some(deadline), Some(move_on)) = (
                NaiveDate::from_ymd_opt(year - 1, 9, 1),
                NaiveDate::from_ymd_opt(year, due.0, due.1),
                NaiveDate::from_ymd_opt(year, 9, 3),
            ) else {
                continue;
            };
            // A plan in place the September before, still in place a week later.
            if start >= year_before || deadline < self.start || year_before + Days::new(7) >= end {
                continue;
            }
            // Some caseworkers record the move's own date at the start of the year: it
            // takes the place of the one worked out.
            if self.rng.unit() < 0.1 {
                let on = year_before + Days::new(7);
                self.push(
                    st,
                    a.id,
                    actor,
                    on,
                    EventBody::PhaseTransferPlanned(PhaseTransferPlanned {
                        transfer_on: move_on,
                        kind,
                    }),
                    None,
                );
            }
            let window = (deadline - year_before).num_days().max(31) as u64;
            let amend_on = if self.rng.unit() < 0.75 {
                year_before + Days::new(30 + self.rng.range(0, window - 30))
            } else {
                deadline + Days::new(self.rng.range(1, 100))
            };
            if amend_on >= end {
                continue;
            }
            let place = self.placement_for(a, age_at(birth, move_on), need);
            self.amend(a, st, actor, (amend_on, need, place), true);
            let (setting, provision, sen_unit, rp) = place;
            if move_on <= end {
                self.push(
                    st,
                    a.id,
                    actor,
                    move_on,
                    EventBody::PlacementStarted(PlacementStarted {
                        setting,
                        provision,
                        on: move_on,
                        sen_unit,
                        resourced_provision: rp,
                    }),
                    None,
                );
            }
        }
    }

    /// The plan amended on `on`, naming `place` first.
    fn amend(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        (on, need, place): (
            NaiveDate,
            NeedType,
            (SettingRef, Option<ProvisionId>, bool, bool),
        ),
        phase_transfer: bool,
    ) {
        self.push(
            st,
            a.id,
            actor,
            on,
            EventBody::PlanAmended(PlanAmended {
                on,
                needs: vec![Need { need, rank: 1 }],
                named: named_first(place),
                phase_transfer,
                sections: None,
            }),
            None,
        );
    }

    pub(crate) fn end_plan(
        &mut self,
        a: &AreaCtx,
        st: StreamRef,
        actor: &str,
        (start, end): (NaiveDate, NaiveDate),
        birth: NaiveDate,
    ) {
        let i = self
            .rng
            .weighted(figures::CEASE_REASONS.iter().map(|(_, w)| *w));
        let age = age_at(birth, end);
        let code = figures::CEASE_REASONS[i].0;
        let adult_only = matches!(
            code,
            "max_age" | "higher_education" | "paid_employment" | "no_longer_wishes_to_engage"
        );
        // Reasons that only fit young adults are redrawn for a younger child.
        let code = if adult_only && age < 16 {
            match self.rng.unit() {
                u if u < 0.30 => "transferred_to_another_la",
                u if u < 0.70 => "needs_met",
                u if u < 0.80 => "moved_outside_england",
                _ => "other",
            }
        } else {
            code
        };
        // A plan that must end within about 10 weeks of being made (it began just before
        // the history ends) cannot keep the 2 months a family has to appeal a cessation:
        // it ends by a transfer to another council, which has no such window.
        let cessation_fits = end
            .checked_sub_months(Months::new(2))
            .and_then(|d| d.checked_sub_days(Days::new(7)))
            .is_some_and(|d| d >= start);
        let code = if code != "deceased" && !cessation_fits {
            "transferred_to_another_la"
        } else {
            code
        };
        if code == "transferred_to_another_la" {
            let other = LaCode::parse(&format!("{}", 800 + self.rng.range(0, 140))).unwrap_or(a.la);
            self.push(
                st,
                a.id,
                actor,
                end,
                EventBody::TransferredOut(Transfer {
                    other_la: other,
                    on: end,
                }),
                None,
            );
            return;
        }
        let reason = match code {
            "max_age" => CeaseReason::MaxAge,
            "needs_met" => CeaseReason::NeedsMet,
            "higher_education" => CeaseReason::HigherEducation,
            "paid_employment" => CeaseReason::PaidEmployment,
            "no_longer_wishes_to_engage" => CeaseReason::NoLongerWishesToEngage,
            "moved_outside_england" => CeaseReason::MovedOutsideEngland,
            "deceased" => CeaseReason::Deceased,
            _ => CeaseReason::Other,
        };
        // Ceasing is a decision the family can appeal (s.45 CFA): it is made about two
        // months before the plan ends, and the plan is kept until the time to appeal
        // (2 months) has passed.
        if reason != CeaseReason::Deceased {
            let decided = end
                .checked_sub_months(Months::new(2))
                .and_then(|d| d.checked_sub_days(Days::new(7)))
                .unwrap_or(start);
            self.push(
                st,
                a.id,
                actor,
                decided,
                EventBody::CessationDecided(CessationDecided {
                    on: decided,
                    reason,
                    explanation: format!("The plan is no longer needed: {}.", reason.label()),
                }),
                None,
            );
            // 2 months and 7 days before the end, so the window (2 months) has passed.
            let window_end = decided
                .checked_add_months(Months::new(2))
                .unwrap_or(decided);
            debug_assert!(window_end < end);
        }
        self.push(
            st,
            a.id,
            actor,
            end,
            EventBody::PlanCeased(PlanCeased {
                on: end,
                reason,
                source: None,
            }),
            None,
        );
    }

    /// An appeal registered 20-60 days after `after`, decided `decide_days` later with the
    /// first outcome at probability `outcomes.0`, else the second.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn appeal(
        &mut self,
        st: StreamRef,
        area: AreaId,
        actor: &str,
        after: NaiveDate,
        subject: DisputeSubject,
        decide_days: (u64, u64),
        outcomes: (f64, AppealOutcome, AppealOutcome),
    ) {
        let on = after + Days::new(self.rng.range(20, 60));
        // Most families are offered mediation first: two in three take it up, the rest
        // decline and take a certificate (the day follows from the decision's, so the
        // random draws stay as they were).
        if after.ordinal() % 3 != 2 && on <= self.as_of {
            self.mediation(
                st,
                area,
                actor,
                after + Days::new(14),
                subject,
                after.ordinal().is_multiple_of(3),
            );
        }
        if !self.step(
            st,
            area,
            actor,
            on,
            EventBody::AppealRegistered(AppealRegistered { on, subject }),
        ) {
            return;
        }
        let out = on + Days::new(self.rng.range(decide_days.0, decide_days.1));
        let outcome = if self.rng.unit() < outcomes.0 {
            outcomes.1
        } else {
            outcomes.2
        };
        self.step(
            st,
            area,
            actor,
            out,
            EventBody::AppealDecided(AppealDecided {
                on: out,
                outcome,
                order: None,
            }),
        );
    }

    /// Mediation (held, or declined) about a decision, recorded without a random draw.
    pub(crate) fn mediation(
        &mut self,
        st: StreamRef,
        area: AreaId,
        actor: &str,
        on: NaiveDate,
        subject: DisputeSubject,
        took_place: bool,
    ) {
        if on > self.as_of {
            return;
        }
        let at = Some(Instant::england_at(on, 10, 0));
        self.push(
            st,
            area,
            actor,
            on,
            EventBody::MediationRecorded(MediationRecorded {
                on,
                subject,
                took_place,
            }),
            at,
        );
    }
}
