//! The rules of setting up a local area, with no store: a new area (its LA code checked
//! against England's local authorities), an organisation, a team of the council, a member
//! of staff. `sendscope_app::setup` finds what is already there and writes what these
//! give; the demo generator sets up its areas with the same rules.

use crate::codes::LaCode;
use crate::event::{
    AreaCreated, OrganisationKind, OrganisationRegistered, StaffAdded, StaffJob, TeamAdded,
};
use crate::ids::{OrganisationId, TeamId};

/// Why a set-up step cannot be taken: what is wrong and how to put it right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupProblem {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    AlreadyThere(String),
}

/// Names are matched as people write them: spaces trimmed, case ignored.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// A new local area and its council. `la_code` must be an English local authority's and
/// not one of `set_up` (the areas already here, with their names); the area takes the
/// authority's name unless given one.
pub fn new_area<'a>(
    la_code: &str,
    name: Option<&str>,
    set_up: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(AreaCreated, OrganisationRegistered), SetupProblem> {
    let code = LaCode::parse(la_code).map_err(|e| SetupProblem::Invalid(e.to_string()))?;
    let la = crate::local_authorities::find(code).ok_or_else(|| {
        SetupProblem::Invalid(format!(
            "{code} is not the LA code of an English local authority (Derby is 831, Derbyshire 830): check it against the DfE's list"
        ))
    })?;
    if let Some((_, there)) = set_up.into_iter().find(|(c, _)| *c == code.to_string()) {
        return Err(SetupProblem::AlreadyThere(format!(
            "the local area {there} ({code}) is already set up here"
        )));
    }
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(la.name)
        .to_string();
    Ok((
        AreaCreated {
            la_code: code,
            name: name.clone(),
        },
        OrganisationRegistered {
            kind: OrganisationKind::Council,
            name: format!("{name} council"),
            setting: None,
        },
    ))
}

/// A new organisation working with the area's children (not the council, which comes
/// with the area, nor a school, which comes from GIAS); its name new among `existing`.
pub fn new_organisation<'a>(
    kind: OrganisationKind,
    name: &str,
    existing: impl IntoIterator<Item = &'a str>,
) -> Result<OrganisationRegistered, SetupProblem> {
    let name = name.trim();
    if name.is_empty() {
        return Err(SetupProblem::Invalid("give the organisation's name".into()));
    }
    if matches!(kind, OrganisationKind::Council | OrganisationKind::School) {
        return Err(SetupProblem::Invalid(
            "the council is registered with the area, and schools come from GIAS (`sendscope import gias`)".into(),
        ));
    }
    if existing.into_iter().any(|n| same_name(n, name)) {
        return Err(SetupProblem::AlreadyThere(format!(
            "the area already has an organisation called {name:?}"
        )));
    }
    Ok(OrganisationRegistered {
        kind,
        name: name.to_string(),
        setting: None,
    })
}

/// A new team of the council; its name new among the council's `teams`.
pub fn new_team(teams: &[TeamAdded], name: &str, team: TeamId) -> Result<TeamAdded, SetupProblem> {
    let name = name.trim();
    if name.is_empty() {
        return Err(SetupProblem::Invalid("give the team a name".into()));
    }
    if teams.iter().any(|t| same_name(&t.name, name)) {
        return Err(SetupProblem::AlreadyThere(format!(
            "the council already has a team called {name:?}"
        )));
    }
    Ok(TeamAdded {
        team,
        name: name.to_string(),
    })
}

/// A new member of the council's staff, in a team where they have one.
pub fn new_staff(
    name: &str,
    council: OrganisationId,
    team: Option<TeamId>,
    job: StaffJob,
) -> Result<StaffAdded, SetupProblem> {
    let name = name.trim();
    if name.is_empty() {
        return Err(SetupProblem::Invalid(
            "give the member of staff's name".into(),
        ));
    }
    Ok(StaffAdded {
        name: name.to_string(),
        organisation: council,
        team,
        job,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_area_is_an_english_authority_set_up_once() {
        let (area, council) = new_area("831", None, []).expect("Derby");
        assert_eq!(
            (area.name.as_str(), council.name.as_str()),
            ("Derby", "Derby council")
        );
        let (area, _) = new_area(" 831", Some("Derby City"), []).expect("named");
        assert_eq!(area.name, "Derby City");
        assert!(
            matches!(new_area("999", None, []), Err(SetupProblem::Invalid(m)) if m.contains("not the LA code"))
        );
        assert!(matches!(
            new_area("83x", None, []),
            Err(SetupProblem::Invalid(_))
        ));
        assert!(matches!(
            new_area("831", None, [("831", "Derby")]),
            Err(SetupProblem::AlreadyThere(m)) if m.contains("Derby (831) is already set up")
        ));
    }

    #[test]
    fn teams_staff_and_organisations_need_names_new_where_they_must_be() {
        let north = new_team(&[], "SEND Team North", TeamId::new_random()).expect("team");
        assert!(matches!(
            new_team(&[north], " send team north ", TeamId::new_random()),
            Err(SetupProblem::AlreadyThere(_))
        ));
        assert!(new_team(&[], "  ", TeamId::new_random()).is_err());
        let org = OrganisationId::new_random();
        assert!(new_staff(" ", org, None, StaffJob::Caseworker).is_err());
        assert_eq!(
            new_staff(" Zara Ali ", org, None, StaffJob::Caseworker)
                .expect("staff")
                .name,
            "Zara Ali"
        );
        assert!(
            new_organisation(OrganisationKind::School, "Ashby Primary", []).is_err(),
            "schools come from GIAS"
        );
        assert!(matches!(
            new_organisation(
                OrganisationKind::IntegratedCareBoard,
                "Derby ICB",
                ["derby icb"]
            ),
            Err(SetupProblem::AlreadyThere(_))
        ));
    }
}
