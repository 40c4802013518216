//! A child's education outside a full-time place, on the child's own record so it is seen
//! beside their EHC case: missing education (s.436A Education Act 1996: reported, the
//! enquiries made, closed as found, traced to another area or removed, with the reason),
//! part-time timetables (attendance code C2: hours, agreed with the parent, a review
//! date within the area's maximum, reviewed, ended), alternative provision arranged under
//! s.19, and elective home education notified. Each episode is numbered on the record.

use crate::calendar::long_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// `case.missing_education_reported`: a child not known to be in education.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MissingEducationReported {
    /// Numbered 1, 2, 3… on the record.
    pub episode: u32,
    pub on: NaiveDate,
    /// Who told the council: "school", "health visitor", "neighbour".
    pub source: String,
    pub details: String,
}

/// `case.missing_education_enquiry`: one enquiry made to find the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MissingEducationEnquiry {
    pub episode: u32,
    pub on: NaiveDate,
    /// With whom: "home visit", "GP practice", "school admissions in Leeds".
    pub with_whom: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissingOutcome {
    /// Found and in education here.
    Found,
    /// Traced to another local authority, which now has the duty.
    TracedToAnotherArea,
    /// Removed from the register after the enquiries (for example, left the country).
    Removed,
}

impl MissingOutcome {
    pub fn label(self) -> &'static str {
        match self {
            MissingOutcome::Found => "found",
            MissingOutcome::TracedToAnotherArea => "traced to another area",
            MissingOutcome::Removed => "removed from the register",
        }
    }
}

/// `case.missing_education_closed`: off the register, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MissingEducationClosed {
    pub episode: u32,
    pub on: NaiveDate,
    pub outcome: MissingOutcome,
    pub reason: String,
}

/// `case.part_time_timetable_agreed`: a reduced timetable (attendance code C2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartTimeAgreed {
    /// Numbered 1, 2, 3… on the record.
    pub timetable: u32,
    pub on: NaiveDate,
    pub hours_a_week: u32,
    pub agreed_with_parent: bool,
    pub review_by: NaiveDate,
    pub reason: String,
}

/// `case.part_time_timetable_reviewed`: kept on, with its hours and next review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartTimeReviewed {
    pub timetable: u32,
    pub on: NaiveDate,
    pub hours_a_week: u32,
    pub review_by: NaiveDate,
}

/// `case.part_time_timetable_ended`: back to full time (or another arrangement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartTimeEnded {
    pub timetable: u32,
    pub on: NaiveDate,
}

/// `case.alternative_provision_arranged`: education arranged by the council under s.19.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AlternativeProvisionArranged {
    pub on: NaiveDate,
    pub provider: String,
    pub hours_a_week: u32,
}

/// `case.home_education_notified`: the parents have said they educate the child at home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HomeEducationNotified {
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingEpisode {
    pub reported: MissingEducationReported,
    #[serde(default)]
    pub enquiries: Vec<MissingEducationEnquiry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<MissingEducationClosed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timetable {
    pub agreed: PartTimeAgreed,
    /// As it stands after any review.
    pub hours_a_week: u32,
    pub review_by: NaiveDate,
    #[serde(default)]
    pub reviews: Vec<PartTimeReviewed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<NaiveDate>,
}

/// The child's education outside a full-time place.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EducationState {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<MissingEpisode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timetables: Vec<Timetable>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative: Vec<AlternativeProvisionArranged>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub home_education: Vec<HomeEducationNotified>,
}

pub enum EducationStep<'a> {
    Reported(&'a MissingEducationReported),
    Enquiry(&'a MissingEducationEnquiry),
    Closed(&'a MissingEducationClosed),
    Agreed(&'a PartTimeAgreed),
    Reviewed(&'a PartTimeReviewed),
    Ended(&'a PartTimeEnded),
    Alternative(&'a AlternativeProvisionArranged),
    Home(&'a HomeEducationNotified),
}

pub fn step_of(body: &crate::EventBody) -> Option<EducationStep<'_>> {
    use crate::EventBody as E;
    Some(match body {
        E::MissingEducationReported(x) => EducationStep::Reported(x),
        E::MissingEducationEnquiry(x) => EducationStep::Enquiry(x),
        E::MissingEducationClosed(x) => EducationStep::Closed(x),
        E::PartTimeAgreed(x) => EducationStep::Agreed(x),
        E::PartTimeReviewed(x) => EducationStep::Reviewed(x),
        E::PartTimeEnded(x) => EducationStep::Ended(x),
        E::AlternativeProvisionArranged(x) => EducationStep::Alternative(x),
        E::HomeEducationNotified(x) => EducationStep::Home(x),
        _ => return None,
    })
}

impl EducationState {
    pub fn apply(&mut self, step: EducationStep) {
        match step {
            EducationStep::Reported(x) => self.missing.push(MissingEpisode {
                reported: x.clone(),
                enquiries: Vec::new(),
                closed: None,
            }),
            EducationStep::Enquiry(x) => {
                if let Some(e) = self.missing_mut(x.episode) {
                    e.enquiries.push(x.clone());
                }
            }
            EducationStep::Closed(x) => {
                if let Some(e) = self.missing_mut(x.episode) {
                    e.closed = Some(x.clone());
                }
            }
            EducationStep::Agreed(x) => self.timetables.push(Timetable {
                agreed: x.clone(),
                hours_a_week: x.hours_a_week,
                review_by: x.review_by,
                reviews: Vec::new(),
                ended_on: None,
            }),
            EducationStep::Reviewed(x) => {
                if let Some(t) = self.timetable_mut(x.timetable) {
                    t.hours_a_week = x.hours_a_week;
                    t.review_by = x.review_by;
                    t.reviews.push(x.clone());
                }
            }
            EducationStep::Ended(x) => {
                if let Some(t) = self.timetable_mut(x.timetable) {
                    t.ended_on = Some(x.on);
                }
            }
            EducationStep::Alternative(x) => self.alternative.push(x.clone()),
            EducationStep::Home(x) => self.home_education.push(x.clone()),
        }
    }

    fn missing_mut(&mut self, n: u32) -> Option<&mut MissingEpisode> {
        self.missing.iter_mut().find(|e| e.reported.episode == n)
    }

    fn timetable_mut(&mut self, n: u32) -> Option<&mut Timetable> {
        self.timetables.iter_mut().find(|t| t.agreed.timetable == n)
    }

    /// Missing education now: an episode reported by `day` and not closed by then.
    pub fn missing_on(&self, day: NaiveDate) -> bool {
        self.missing
            .iter()
            .any(|e| e.reported.on <= day && e.closed.as_ref().is_none_or(|c| c.on > day))
    }

    /// On a part-time timetable on `day`.
    pub fn part_time_on(&self, day: NaiveDate) -> Option<&Timetable> {
        self.timetables
            .iter()
            .find(|t| t.agreed.on <= day && t.ended_on.is_none_or(|e| e > day))
    }

    /// Whether a step may be recorded; the refusal says what to do instead.
    pub fn check(&self, step: &EducationStep) -> Result<(), String> {
        let open_missing = |n: u32| -> Result<&MissingEpisode, String> {
            let e = self
                .missing
                .iter()
                .find(|e| e.reported.episode == n)
                .ok_or_else(|| {
                    format!("there is no missing-education episode {n} on this record")
                })?;
            match &e.closed {
                Some(c) => Err(format!(
                    "episode {n} was closed on {} ({}): report a new episode if the child is missing again",
                    long_date(c.on),
                    c.outcome.label()
                )),
                None => Ok(e),
            }
        };
        let open_timetable = |n: u32| -> Result<&Timetable, String> {
            let t = self
                .timetables
                .iter()
                .find(|t| t.agreed.timetable == n)
                .ok_or_else(|| format!("there is no part-time timetable {n} on this record"))?;
            match t.ended_on {
                Some(e) => Err(format!("timetable {n} ended on {}", long_date(e))),
                None => Ok(t),
            }
        };
        match step {
            EducationStep::Reported(x) => {
                if x.episode as usize != self.missing.len() + 1 {
                    return Err(format!(
                        "episodes are numbered in order: this one is episode {}",
                        self.missing.len() + 1
                    ));
                }
                if let Some(open) = self.missing.iter().find(|e| e.closed.is_none()) {
                    return Err(format!(
                        "episode {} is still open: record enquiries on it, or close it first",
                        open.reported.episode
                    ));
                }
                Ok(())
            }
            EducationStep::Enquiry(x) => {
                let e = open_missing(x.episode)?;
                if x.on < e.reported.on || x.with_whom.trim().is_empty() {
                    return Err("an enquiry is made after the child was reported, with someone: say with whom".into());
                }
                Ok(())
            }
            EducationStep::Closed(x) => {
                let e = open_missing(x.episode)?;
                if x.reason.trim().is_empty() {
                    return Err("say why the child leaves the register".into());
                }
                if x.on < e.reported.on {
                    return Err("an episode closes after it was reported".into());
                }
                Ok(())
            }
            EducationStep::Agreed(x) => {
                if x.timetable as usize != self.timetables.len() + 1 {
                    return Err(format!(
                        "timetables are numbered in order: this one is timetable {}",
                        self.timetables.len() + 1
                    ));
                }
                if let Some(t) = self.timetables.iter().find(|t| t.ended_on.is_none()) {
                    return Err(format!(
                        "timetable {} is still in place: review it or end it first",
                        t.agreed.timetable
                    ));
                }
                if x.review_by <= x.on {
                    return Err(
                        "a part-time timetable is reviewed after it starts: give the review date"
                            .into(),
                    );
                }
                if x.reason.trim().is_empty() {
                    return Err("say why the child is on a part-time timetable".into());
                }
                Ok(())
            }
            EducationStep::Reviewed(x) => {
                let t = open_timetable(x.timetable)?;
                if x.on < t.agreed.on || x.review_by <= x.on {
                    return Err("a review comes after the timetable started, and sets the next review after it".into());
                }
                Ok(())
            }
            EducationStep::Ended(x) => {
                let t = open_timetable(x.timetable)?;
                if x.on < t.agreed.on {
                    return Err("a timetable ends after it started".into());
                }
                Ok(())
            }
            EducationStep::Alternative(x) => {
                if x.provider.trim().is_empty() {
                    return Err("name the provider".into());
                }
                Ok(())
            }
            EducationStep::Home(_) => Ok(()),
        }
    }
}

/// `area.part_time_policy_adopted`: how long a part-time timetable may run before its
/// review, from a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartTimePolicy {
    pub from: NaiveDate,
    pub max_weeks: u32,
}

impl PartTimePolicy {
    /// Six weeks, where the area has adopted none.
    pub fn standard() -> PartTimePolicy {
        PartTimePolicy {
            from: NaiveDate::MIN,
            max_weeks: 6,
        }
    }

    /// Refuses a review date further off than the policy allows.
    pub fn check(&self, from: NaiveDate, review_by: NaiveDate) -> Result<(), String> {
        let latest = from + chrono::Days::new(7 * u64::from(self.max_weeks));
        if review_by > latest {
            return Err(format!(
                "a part-time timetable is reviewed within {} weeks by the area's policy: review it by {} at the latest",
                self.max_weeks,
                long_date(latest)
            ));
        }
        Ok(())
    }
}
