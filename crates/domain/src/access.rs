//! Who may see and do what: one authorisation function, deny by default. Every role is
//! scoped to its local area. Pages and the API ask [`authorise`]; nothing else decides.

use crate::ids::{AreaId, CaseId, PersonId, SettingId, StaffId, TeamId};
use crate::projection::{CaseState, Projection, StreamState};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

pub use crate::event::Role;

/// Checks that an account of `role` carries the links its access is scoped by: a
/// caseworker their staff record and team, a manager their team, a school its setting, a
/// parent carer their person record, a young person their case.
pub fn check_links(
    role: Role,
    links: &crate::event::AccountLinks,
) -> Result<(), crate::DomainError> {
    let missing = match role {
        Role::Caseworker if links.staff.is_none() || links.team.is_none() => {
            Some("--staff and --team")
        }
        Role::TeamManager if links.team.is_none() => Some("--team"),
        Role::School if links.setting.is_none() => Some("--setting"),
        Role::ParentCarer if links.person.is_none() => Some("--person"),
        Role::YoungPerson if links.case.is_none() => Some("--case"),
        _ => None,
    };
    match missing {
        Some(what) => Err(crate::DomainError::Refused(format!(
            "a {} account is scoped by its links: give {what}",
            role.as_str().replace('_', " ")
        ))),
        None => Ok(()),
    }
}

/// A signed-in user as the authorisation function sees them: their role, their area,
/// and the link that scopes their access (a member of staff, a setting, a parent, a case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub role: Role,
    pub area: AreaId,
    pub staff: Option<StaffId>,
    pub team: Option<TeamId>,
    pub setting: Option<SettingId>,
    pub person: Option<PersonId>,
    pub case: Option<CaseId>,
}

/// Which children's records a role's lists and searches reach: what its links fix in a
/// search before each row is checked with [`authorise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A team's children: caseworkers and team managers (who search by setting and
    /// caseworker too).
    Team(Option<TeamId>),
    /// The children who attend a school: the school's own, whatever was asked for.
    Setting(Option<SettingId>),
    /// The children a parent carer holds recorded parental responsibility for.
    Person(PersonId),
    /// A young person's own record.
    OwnCase(CaseId),
    /// No list: a record is opened from the link given, or by its case reference.
    ByReference,
}

/// What a principal's lists reach.
pub fn reach(p: &Principal) -> Reach {
    match (p.role, p.person, p.case) {
        (Role::Caseworker | Role::TeamManager, _, _) => Reach::Team(p.team),
        (Role::School, _, _) => Reach::Setting(p.setting),
        (Role::ParentCarer, Some(person), _) => Reach::Person(person),
        (Role::YoungPerson, _, Some(case)) => Reach::OwnCase(case),
        _ => Reach::ByReference,
    }
}

/// Whose deadlines a work queue holds: a caseworker's own cases in their team, a team
/// manager's team's; `None` for a role without a queue.
pub fn queue_scope(p: &Principal) -> Option<(Option<TeamId>, Option<StaffId>)> {
    if !authorise(p, Action::View, Resource::Queue { area: p.area }).allowed() {
        return None;
    }
    let own = (p.role == Role::Caseworker).then_some(p.staff).flatten();
    Some((p.team, own))
}

/// What is being asked for.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// Headline and dashboard figures for an area (no names or identifiers).
    Figures { area: AreaId },
    /// The list of cases the principal may open (each row is then checked as a case).
    CaseList { area: AreaId },
    /// One child's whole record.
    Case {
        projection: &'a Projection,
        today: NaiveDate,
    },
    /// The part of a child's record needed to place them (needs, age, home, named setting).
    CasePlacement {
        projection: &'a Projection,
        today: NaiveDate,
    },
    /// Settings, provisions, places and costs.
    Settings { area: AreaId },
    /// User accounts and configuration.
    Accounts { area: AreaId },
    /// A work queue of statutory deadlines: the user's own cases or their team's.
    Queue { area: AreaId },
    /// The area's placement: the best allocation of places, and scenarios.
    Placement { area: AreaId },
    /// Which children's cases the compliance report's findings and overrides concern.
    FindingCases { area: AreaId },
    /// Who has viewed a child's record, from the access log.
    AccessLog { area: AreaId },
    /// The area's figures with small counts shown exactly, and by caseworker and team
    /// (a board member sees aggregates only, small counts suppressed).
    ExactFigures { area: AreaId },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Change,
    Approve,
    /// Take a step through an approval gate, with a written reason beside it: a team
    /// manager's decision, for their team's children.
    OverrideGate,
    /// Audit a child's plan for quality as the auditor of a service: whoever records
    /// casework on the record may; a health professional who may see it may, for health.
    AuditPlan(Option<crate::qa::AuditService>),
    /// Put a document of this kind on a child's record: staff who record casework, any
    /// kind; a health professional or a school, advice (a school also review paperwork)
    /// for a child whose record they may see; a parent or young person, their views and
    /// evidence on their own record.
    AddDocument(crate::documents::DocumentKind),
    /// Give the advice asked of a service for an assessment: staff who record casework,
    /// any service's; a health professional, an educational psychologist or a social
    /// worker, their own service's advice for a child whose record they may see.
    GiveAdvice(crate::sen::AdviceKind),
    /// Give the family's response to a draft plan (their views, and the setting they ask
    /// for): a parent with parental responsibility, the young person, or staff for them.
    RespondToDraft,
    /// Answer a consultation on naming a setting: the school or setting consulted (for
    /// its own consultation), or staff for it.
    AnswerConsultation,
}

/// The answer. A denied case is reported to the user as "not found", so nobody can
/// learn that a record they may not see exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(&'static str),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        *self == Decision::Allow
    }
}

/// Compulsory school age ends on the last Friday of June of the school year in which a
/// child turns 16; from then, the rights are the young person's own.
pub fn over_compulsory_school_age(birth: NaiveDate, today: NaiveDate) -> bool {
    // The school year in which they turn 16 ends in the summer of the year they turn 16
    // if born before 1 September, else the year after.
    let year = if birth.month() >= 9 {
        birth.year() + 17
    } else {
        birth.year() + 16
    };
    let Some(june_30) = NaiveDate::from_ymd_opt(year, 6, 30) else {
        return false;
    };
    let back = (june_30.weekday().num_days_from_monday() + 7
        - chrono::Weekday::Fri.num_days_from_monday())
        % 7;
    let last_friday = june_30 - chrono::Days::new(u64::from(back));
    today > last_friday
}

fn case_of(p: &Projection) -> Option<&CaseState> {
    match &p.state {
        StreamState::Case(c) => Some(c),
        _ => None,
    }
}

/// The one authorisation function. Deny unless a rule below allows.
pub fn authorise(who: &Principal, action: Action, what: Resource<'_>) -> Decision {
    use Role::*;
    let area = match what {
        Resource::Figures { area }
        | Resource::CaseList { area }
        | Resource::Settings { area }
        | Resource::Accounts { area }
        | Resource::Queue { area }
        | Resource::Placement { area }
        | Resource::FindingCases { area }
        | Resource::ExactFigures { area }
        | Resource::AccessLog { area } => area,
        Resource::Case { projection, .. } | Resource::CasePlacement { projection, .. } => {
            projection.area
        }
    };
    if area != who.area {
        return Decision::Deny("another local area's records");
    }
    match (what, who.role) {
        (Resource::Figures { .. }, Admin) => {
            Decision::Deny("administrators manage accounts, not case figures")
        }
        (Resource::Figures { .. }, _) if action == Action::View => Decision::Allow,
        (Resource::CaseList { .. }, BoardMember | Admin) => {
            Decision::Deny("no access to individual children's records")
        }
        (Resource::CaseList { .. }, _) if action == Action::View => Decision::Allow,
        // Changing the list: opening a record for a child new to the service.
        (Resource::CaseList { .. }, Caseworker | TeamManager) if action == Action::Change => {
            Decision::Allow
        }
        (Resource::Settings { .. }, Commissioner | TeamManager) => Decision::Allow,
        (
            Resource::Settings { .. },
            Caseworker
            | HealthProfessional
            | EducationalPsychologist
            | SocialWorker
            | School
            | ParentCarer
            | YoungPerson,
        ) if action == Action::View => Decision::Allow,
        (Resource::Accounts { .. }, Admin) => Decision::Allow,
        (Resource::Queue { .. }, Caseworker | TeamManager) if action == Action::View => {
            Decision::Allow
        }
        (Resource::Placement { .. }, Caseworker | TeamManager | Commissioner)
            if action == Action::View =>
        {
            Decision::Allow
        }
        (Resource::AccessLog { .. }, TeamManager) if action == Action::View => Decision::Allow,
        // Exact figures, small counts and each caseworker's and team's, are for staff who
        // work with the children; everyone else sees the area's figures as the public do.
        (
            Resource::ExactFigures { .. },
            BoardMember | Admin | ParentCarer | School | YoungPerson,
        ) => Decision::Deny("aggregates only, small counts suppressed"),
        (Resource::ExactFigures { .. }, _) if action == Action::View => Decision::Allow,
        (Resource::FindingCases { .. }, TeamManager | Commissioner) if action == Action::View => {
            Decision::Allow
        }
        (Resource::Case { projection, today }, role) => {
            case_access(who, role, action, projection, today, false)
        }
        (Resource::CasePlacement { projection, today }, role) => {
            case_access(who, role, action, projection, today, true)
        }
        _ => Decision::Deny("not permitted for this role"),
    }
}

fn case_access(
    who: &Principal,
    role: Role,
    action: Action,
    p: &Projection,
    today: NaiveDate,
    placement_only: bool,
) -> Decision {
    use Role::*;
    let Some(c) = case_of(p) else {
        return Decision::Deny("not a child's record");
    };
    let deny = Decision::Deny("not linked to this child");
    let view = action == Action::View;
    let adds = |kinds: &[crate::documents::DocumentKind]| matches!(action, Action::AddDocument(k) if kinds.contains(&k));
    use crate::documents::DocumentKind as D;
    match role {
        Caseworker => {
            let mine = who.staff.is_some() && c.caseworker == who.staff;
            let my_team = who.team.is_some() && c.team == who.team;
            if (mine || my_team) && !matches!(action, Action::Approve | Action::OverrideGate) {
                Decision::Allow
            } else {
                deny
            }
        }
        TeamManager => {
            if who.team.is_some() && c.team == who.team {
                Decision::Allow
            } else {
                deny
            }
        }
        Commissioner => {
            if placement_only && view {
                Decision::Allow
            } else {
                Decision::Deny("commissioners see only what placement needs")
            }
        }
        HealthProfessional | EducationalPsychologist | SocialWorker => {
            // The people of a service see the children their service's advice is asked
            // about; they give that advice, and audit plans for their own service.
            let Some(service) = role.advice_service() else {
                return deny;
            };
            let referred = c
                .requests
                .iter()
                .any(|r| r.advice.iter().any(|a| a.kind == service));
            let audit_service = match role {
                HealthProfessional => crate::qa::AuditService::Health,
                SocialWorker => crate::qa::AuditService::SocialCare,
                _ => crate::qa::AuditService::Education,
            };
            let audits = action == Action::AuditPlan(Some(audit_service));
            let advises = action == Action::GiveAdvice(service);
            if referred && (view || audits || advises || adds(&[D::Advice])) {
                Decision::Allow
            } else {
                deny
            }
        }
        School => {
            let Some(s) = who.setting else { return deny };
            let placed = c
                .current_placement()
                .is_some_and(|pl| pl.setting == crate::event::SettingRef::Setting(s));
            let consulted = c
                .requests
                .iter()
                .any(|r| r.consultations.iter().any(|k| k.setting == s));
            let answers = consulted && action == Action::AnswerConsultation;
            if (placed || consulted) && (view || answers || adds(&[D::Advice, D::Review])) {
                Decision::Allow
            } else {
                deny
            }
        }
        ParentCarer => {
            let Some(person) = who.person else {
                return deny;
            };
            let holds_pr = c
                .related
                .iter()
                .any(|r| r.person == person && r.parental_responsibility);
            let restricted = c
                .court_restriction
                .as_ref()
                .is_some_and(|r| r.restricted_persons.contains(&person));
            let family_act = adds(&[D::Views, D::Evidence]) || action == Action::RespondToDraft;
            if holds_pr && !restricted && (view || family_act) && !placement_only {
                Decision::Allow
            } else {
                deny
            }
        }
        YoungPerson => {
            let own = who.case.is_some_and(|id| id.0 == p.stream.id);
            let of_age = c
                .child
                .as_ref()
                .is_some_and(|ch| over_compulsory_school_age(ch.birth_date, today));
            let family_act = adds(&[D::Views, D::Evidence]) || action == Action::RespondToDraft;
            if own && of_age && (view || family_act) && !placement_only {
                Decision::Allow
            } else {
                deny
            }
        }
        BoardMember | Admin => Decision::Deny("no access to individual children's records"),
    }
}

/// Who, besides the council's administrators of figures, can open a child's record: the
/// answer families are given to "who can see this?". Each member is one link that
/// [`authorise`] accepts for this record; the test below checks both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Audience {
    /// The caseworker assigned to the child.
    Caseworker(StaffId),
    /// The caseworkers and team manager of the child's team.
    Team(TeamId),
    /// A setting the child attends or that was consulted about a place.
    Setting(SettingId),
    /// The people of a service (health, educational psychology, social care), because
    /// its advice was requested.
    AdviceService(crate::sen::AdviceKind),
    /// A person with parental responsibility not barred by a court restriction.
    Person(PersonId),
    /// The young person, over compulsory school age.
    YoungPerson,
}

pub fn audience(p: &Projection, today: NaiveDate) -> Vec<Audience> {
    let Some(c) = case_of(p) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    out.extend(c.caseworker.map(Audience::Caseworker));
    out.extend(c.team.map(Audience::Team));
    if let Some(pl) = c.current_placement()
        && let crate::event::SettingRef::Setting(s) = pl.setting
    {
        out.push(Audience::Setting(s));
    }
    for r in &c.requests {
        out.extend(r.consultations.iter().map(|k| Audience::Setting(k.setting)));
    }
    for role in Role::ALL {
        if let Some(service) = role.advice_service()
            && c.requests
                .iter()
                .any(|r| r.advice.iter().any(|a| a.kind == service))
        {
            out.push(Audience::AdviceService(service));
        }
    }
    let restricted = |person: &PersonId| {
        c.court_restriction
            .as_ref()
            .is_some_and(|r| r.restricted_persons.contains(person))
    };
    out.extend(
        c.related
            .iter()
            .filter(|r| r.parental_responsibility && !restricted(&r.person))
            .map(|r| Audience::Person(r.person)),
    );
    if c.child
        .as_ref()
        .is_some_and(|ch| over_compulsory_school_age(ch.birth_date, today))
    {
        out.push(Audience::YoungPerson);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| seen.insert(*a));
    out
}

/// Fields a role may never see even on a record it may open: a related person's
/// confidential address is never shown to anyone but the case's own staff.
pub fn may_see_confidential_addresses(role: Role) -> bool {
    matches!(role, Role::Caseworker | Role::TeamManager)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StreamRef;
    use crate::event::*;
    use crate::ids::*;
    use crate::qa::AuditService;
    use crate::sen::Sex;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    struct World {
        area: AreaId,
        case: Projection,
        staff: StaffId,
        team: TeamId,
        school: SettingId,
        parent: PersonId,
        restricted_parent: PersonId,
    }

    fn world(birth: NaiveDate) -> World {
        let area = AreaId::from_random_bits(1);
        let case_id = CaseId::from_random_bits(2);
        let staff = StaffId::from_random_bits(3);
        let team = TeamId::from_random_bits(4);
        let school = SettingId::from_random_bits(5);
        let parent = PersonId::from_random_bits(6);
        let restricted_parent = PersonId::from_random_bits(7);
        let mut p = Projection::empty(StreamRef::case(case_id), area);
        let person = |id, rel| RelatedPerson {
            person: id,
            name: "P".into(),
            relationship: rel,
            parental_responsibility: true,
            confidential_address: false,
            email: None,
            phone: None,
            letters_by_email: false,
        };
        let bodies = [
            EventBody::CaseOpened(CaseOpened {
                child: Child::named("A", "B", birth, Sex::Female, "WBRI"),
                people: vec![
                    person(parent, Relationship::Mother),
                    person(restricted_parent, Relationship::Father),
                ],
                caseworker: Some(CaseworkerAssigned { staff, team }),
            }),
            EventBody::CourtRestrictionRecorded(CourtRestriction {
                description: "order".into(),
                restricted_persons: vec![restricted_parent],
            }),
            EventBody::PlacementStarted(PlacementStarted {
                setting: SettingRef::Setting(school),
                provision: None,
                on: d(2024, 9, 4),
                sen_unit: false,
                resourced_provision: false,
            }),
        ];
        record(&mut p, &bodies);
        World {
            area,
            case: p,
            staff,
            team,
            school,
            parent,
            restricted_parent,
        }
    }

    /// Applies events to a projection as if recorded in turn.
    fn record(p: &mut Projection, bodies: &[EventBody]) {
        for b in bodies {
            p.apply_as_recorded(b, d(2025, 1, 1), "user:t");
        }
    }

    fn principal(w: &World, role: Role) -> Principal {
        Principal {
            role,
            area: w.area,
            staff: None,
            team: None,
            setting: None,
            person: None,
            case: None,
        }
    }

    /// Each partner service (health, educational psychology, social care) sees a child's
    /// record once its own advice is asked, gives that advice and no other, and changes
    /// nothing else.
    #[test]
    fn each_service_sees_the_children_its_advice_is_asked_about() {
        use crate::sen::AdviceKind as K;
        let today = d(2025, 6, 1);
        let roles = [
            (Role::HealthProfessional, K::Health),
            (Role::EducationalPsychologist, K::EducationalPsychology),
            (Role::SocialWorker, K::SocialCare),
        ];
        for (asked, asked_role) in [
            (K::EducationalPsychology, Role::EducationalPsychologist),
            (K::SocialCare, Role::SocialWorker),
        ] {
            let mut w = world(d(2015, 3, 1));
            record(
                &mut w.case,
                &[
                    EventBody::RequestReceived(RequestReceived {
                        request: RequestId(1),
                        received_on: d(2025, 2, 3),
                        requested_by: crate::sen::Requester::Parent,
                    }),
                    EventBody::AdviceRequested(AdviceRequested {
                        request: RequestId(1),
                        kinds: vec![asked],
                        on: d(2025, 2, 10),
                    }),
                ],
            );
            let case = Resource::Case {
                projection: &w.case,
                today,
            };
            for (role, service) in roles {
                let who = principal(&w, role);
                let may = |a: Action| authorise(&who, a, case).allowed();
                assert_eq!(
                    may(Action::View),
                    role == asked_role,
                    "{role:?} for {asked:?}"
                );
                assert_eq!(may(Action::GiveAdvice(service)), role == asked_role);
                for other in [
                    K::Education,
                    K::Health,
                    K::SocialCare,
                    K::EducationalPsychology,
                ] {
                    if other != service {
                        assert!(!may(Action::GiveAdvice(other)), "{role:?} gives {other:?}");
                    }
                }
                assert!(!may(Action::Change) && !may(Action::RespondToDraft));
            }
            assert!(audience(&w.case, today).contains(&Audience::AdviceService(asked)));
            assert!(!audience(&w.case, today).contains(&Audience::AdviceService(K::Health)));
        }
    }

    /// A health professional whose advice was asked for may see the record and audit its
    /// plan for health, and do nothing else with it.
    #[test]
    fn a_referred_health_professional_audits_for_health_only() {
        let today = d(2025, 6, 1);
        let mut w = world(d(2015, 3, 1));
        let steps = [
            EventBody::RequestReceived(RequestReceived {
                request: RequestId(1),
                received_on: d(2025, 2, 3),
                requested_by: crate::sen::Requester::Parent,
            }),
            EventBody::AdviceRequested(AdviceRequested {
                request: RequestId(1),
                kinds: vec![crate::sen::AdviceKind::Health],
                on: d(2025, 2, 10),
            }),
        ];
        record(&mut w.case, &steps);
        let health = principal(&w, Role::HealthProfessional);
        let case = Resource::Case {
            projection: &w.case,
            today,
        };
        let may = |a: Action| authorise(&health, a, case).allowed();
        assert!(may(Action::View));
        assert!(may(Action::AuditPlan(Some(AuditService::Health))));
        assert!(!may(Action::AuditPlan(Some(AuditService::Education))));
        assert!(!may(Action::AuditPlan(None)), "an audit names its service");
        assert!(!may(Action::Change));
        assert!(!may(Action::OverrideGate));
    }

    /// The expected answers, written out as data, independent of the rules above.
    #[test]
    fn case_access_matrix() {
        let today = d(2025, 6, 1);
        let w = world(d(2015, 3, 1));
        let case = Resource::Case {
            projection: &w.case,
            today,
        };
        let other_staff = StaffId::from_random_bits(99);
        let cases: Vec<(&str, Principal, bool)> = vec![
            (
                "own caseworker",
                Principal {
                    staff: Some(w.staff),
                    team: Some(w.team),
                    ..principal(&w, Role::Caseworker)
                },
                true,
            ),
            (
                "same-team caseworker",
                Principal {
                    staff: Some(other_staff),
                    team: Some(w.team),
                    ..principal(&w, Role::Caseworker)
                },
                true,
            ),
            (
                "other-team caseworker",
                Principal {
                    staff: Some(other_staff),
                    team: Some(TeamId::from_random_bits(98)),
                    ..principal(&w, Role::Caseworker)
                },
                false,
            ),
            (
                "team manager",
                Principal {
                    team: Some(w.team),
                    ..principal(&w, Role::TeamManager)
                },
                true,
            ),
            (
                "other team manager",
                Principal {
                    team: Some(TeamId::from_random_bits(98)),
                    ..principal(&w, Role::TeamManager)
                },
                false,
            ),
            (
                "commissioner, whole record",
                principal(&w, Role::Commissioner),
                false,
            ),
            (
                "health, not referred",
                principal(&w, Role::HealthProfessional),
                false,
            ),
            (
                "school where placed",
                Principal {
                    setting: Some(w.school),
                    ..principal(&w, Role::School)
                },
                true,
            ),
            (
                "another school",
                Principal {
                    setting: Some(SettingId::from_random_bits(97)),
                    ..principal(&w, Role::School)
                },
                false,
            ),
            (
                "parent with PR",
                Principal {
                    person: Some(w.parent),
                    ..principal(&w, Role::ParentCarer)
                },
                true,
            ),
            (
                "parent under a court restriction",
                Principal {
                    person: Some(w.restricted_parent),
                    ..principal(&w, Role::ParentCarer)
                },
                false,
            ),
            (
                "unlinked parent",
                Principal {
                    person: Some(PersonId::from_random_bits(96)),
                    ..principal(&w, Role::ParentCarer)
                },
                false,
            ),
            (
                "young person aged 10",
                Principal {
                    case: Some(CaseId(w.case.stream.id)),
                    ..principal(&w, Role::YoungPerson)
                },
                false,
            ),
            ("board member", principal(&w, Role::BoardMember), false),
            ("admin", principal(&w, Role::Admin), false),
            (
                "own caseworker, other area",
                Principal {
                    staff: Some(w.staff),
                    team: Some(w.team),
                    area: AreaId::from_random_bits(95),
                    ..principal(&w, Role::Caseworker)
                },
                false,
            ),
        ];
        // Who may override an approval gate, and audit a plan for education, beyond
        // viewing: everyone else in the table may do neither.
        let more: &[(&str, bool, bool)] = &[
            ("own caseworker", false, true),
            ("same-team caseworker", false, true),
            ("team manager", true, true),
        ];
        for (label, who, expected) in cases {
            assert_eq!(
                authorise(&who, Action::View, case).allowed(),
                expected,
                "{label}"
            );
            let (override_gate, audit) = more
                .iter()
                .find(|(l, _, _)| *l == label)
                .map(|(_, o, a)| (*o, *a))
                .unwrap_or((false, false));
            assert_eq!(
                authorise(&who, Action::OverrideGate, case).allowed(),
                override_gate,
                "{label} overriding a gate"
            );
            for service in [AuditService::Education, AuditService::Health] {
                assert_eq!(
                    authorise(&who, Action::AuditPlan(Some(service)), case).allowed(),
                    audit,
                    "{label} auditing for {service:?}"
                );
            }
        }
        let commissioner = principal(&w, Role::Commissioner);
        assert!(
            authorise(
                &commissioner,
                Action::View,
                Resource::CasePlacement {
                    projection: &w.case,
                    today
                }
            )
            .allowed()
        );
        let board = principal(&w, Role::BoardMember);
        assert!(authorise(&board, Action::View, Resource::Figures { area: w.area }).allowed());
        assert!(!authorise(&board, Action::View, Resource::CaseList { area: w.area }).allowed());
        let admin = principal(&w, Role::Admin);
        assert!(authorise(&admin, Action::Change, Resource::Accounts { area: w.area }).allowed());
        assert!(!authorise(&board, Action::View, Resource::Accounts { area: w.area }).allowed());
        // The area-wide pages: who has a queue, who places children, who sees which
        // cases the compliance findings concern, who sees small counts exactly.
        let area = w.area;
        for role in Role::ALL {
            let who = principal(&w, role);
            let may = |r: Resource<'_>| authorise(&who, Action::View, r).allowed();
            use Role::*;
            assert_eq!(
                may(Resource::Queue { area }),
                matches!(role, Caseworker | TeamManager),
                "{role:?} queue"
            );
            assert_eq!(
                authorise(&who, Action::Change, Resource::CaseList { area }).allowed(),
                matches!(role, Caseworker | TeamManager),
                "{role:?} opens a record for a child new to the service"
            );
            assert_eq!(
                may(Resource::Placement { area }),
                matches!(role, Caseworker | TeamManager | Commissioner),
                "{role:?} placement"
            );
            assert_eq!(
                may(Resource::FindingCases { area }),
                matches!(role, TeamManager | Commissioner),
                "{role:?} the cases behind compliance findings"
            );
            assert_eq!(
                queue_scope(&who),
                match role {
                    Caseworker => Some((who.team, who.staff)),
                    TeamManager => Some((who.team, None)),
                    _ => None,
                },
                "{role:?} queue scope"
            );
            let expected = match role {
                Caseworker | TeamManager => Reach::Team(who.team),
                School => Reach::Setting(who.setting),
                ParentCarer => who.person.map_or(Reach::ByReference, Reach::Person),
                YoungPerson => who.case.map_or(Reach::ByReference, Reach::OwnCase),
                _ => Reach::ByReference,
            };
            assert_eq!(reach(&who), expected, "{role:?} reach");
            assert_eq!(role.is_family(), matches!(role, ParentCarer | YoungPerson));
            assert_eq!(
                may(Resource::AccessLog { area }),
                role == TeamManager,
                "{role:?} who viewed a record"
            );
            assert_eq!(
                may(Resource::ExactFigures { area }),
                matches!(
                    role,
                    Caseworker
                        | TeamManager
                        | Commissioner
                        | HealthProfessional
                        | EducationalPsychologist
                        | SocialWorker
                ),
                "{role:?} exact figures"
            );
        }
    }

    /// "Who can see this?" names exactly the links `authorise` lets in: each audience
    /// member, made into a principal, may open the record; and the expected list for the
    /// fixture is written out here.
    #[test]
    fn audience_is_exactly_who_authorise_lets_in() {
        let today = d(2025, 6, 1);
        for birth in [d(2015, 3, 1), d(2007, 3, 1)] {
            let w = world(birth);
            let got = audience(&w.case, today);
            let mut expected = vec![
                Audience::Caseworker(w.staff),
                Audience::Team(w.team),
                Audience::Setting(w.school),
                Audience::Person(w.parent),
            ];
            if birth.year() < 2010 {
                expected.push(Audience::YoungPerson);
            }
            assert_eq!(
                got, expected,
                "restricted parent {:?} left out",
                w.restricted_parent
            );
            let case = Resource::Case {
                projection: &w.case,
                today,
            };
            for a in got {
                let who = match a {
                    Audience::Caseworker(s) => Principal {
                        staff: Some(s),
                        ..principal(&w, Role::Caseworker)
                    },
                    Audience::Team(t) => Principal {
                        team: Some(t),
                        ..principal(&w, Role::TeamManager)
                    },
                    Audience::Setting(s) => Principal {
                        setting: Some(s),
                        ..principal(&w, Role::School)
                    },
                    Audience::AdviceService(k) => principal(
                        &w,
                        Role::ALL
                            .into_iter()
                            .find(|r| r.advice_service() == Some(k))
                            .expect("a role gives this advice"),
                    ),
                    Audience::Person(p) => Principal {
                        person: Some(p),
                        ..principal(&w, Role::ParentCarer)
                    },
                    Audience::YoungPerson => Principal {
                        case: Some(CaseId(w.case.stream.id)),
                        ..principal(&w, Role::YoungPerson)
                    },
                };
                assert!(authorise(&who, Action::View, case).allowed(), "{a:?}");
            }
        }
    }

    #[test]
    fn a_young_person_holds_the_rights_after_compulsory_school_age() {
        let w = world(d(2008, 3, 1));
        let who = Principal {
            case: Some(CaseId(w.case.stream.id)),
            ..principal(&w, Role::YoungPerson)
        };
        // Born March 2008: turns 16 in March 2024; compulsory school age ends on the last
        // Friday of June 2024 (28 June).
        let on = |day| {
            authorise(
                &who,
                Action::View,
                Resource::Case {
                    projection: &w.case,
                    today: day,
                },
            )
            .allowed()
        };
        assert!(!on(d(2024, 6, 28)));
        assert!(on(d(2024, 6, 29)));
        // Born in September: the school year ends the summer after they turn 16.
        assert!(!over_compulsory_school_age(d(2008, 9, 15), d(2024, 12, 1)));
        assert!(over_compulsory_school_age(d(2008, 9, 15), d(2025, 6, 28)));
    }
}
