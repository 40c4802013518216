//! A real local area from an empty database, by command: the area (its LA code checked
//! against England's local authorities), a team, staff, and their accounts, each named as
//! a person names them. Refusals say what to put right and write nothing.

use crate::support::*;

fn setup_from_empty(db: Db) {
    let url = db.url.as_str();
    let cmd = |args: &[&str]| {
        let mut all = vec!["--database-url", url];
        all.extend_from_slice(args);
        run(&all)
    };
    let user = |args: &[&str]| {
        let mut all = vec!["--database-url", url, "user", "add"];
        all.extend_from_slice(args);
        run_with_stdin(&all, "three random words\n")
    };
    // Nothing can be set up before the area.
    let (code, _, err) = cmd(&["team", "add", "--name", "SEND Team North"]);
    assert_eq!(code, 2);
    assert!(err.contains("sendscope area add --la-code"), "{err}");
    let (code, _, err) = cmd(&["area", "add", "--la-code", "999"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("999 is not the LA code of an English local authority"),
        "{err}"
    );
    assert_eq!(events_in(url), 0, "nothing written");

    let (code, out, err) = cmd(&["area", "add", "--la-code", "831"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Local area Derby (831) added"), "{out}");
    let (code, _, err) = cmd(&["area", "add", "--la-code", "831"]);
    assert_eq!(code, 2);
    assert!(err.contains("already set up"), "{err}");
    let (_, list, _) = cmd(&["area", "list"]);
    assert!(list.starts_with("831\tDerby\t"), "{list}");

    assert_eq!(
        cmd(&["team", "add", "--area", "831", "--name", "SEND Team North"]).0,
        0
    );
    let (code, _, err) = cmd(&["team", "add", "--name", "send team north"]);
    assert_eq!(code, 2, "a second team of the same name");
    assert!(err.contains("already has a team"), "{err}");
    let before = events_in(url);
    let (code, _, err) = cmd(&[
        "staff",
        "add",
        "--team",
        "SEND Team South",
        "--name",
        "Zara Ali",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("its teams are: SEND Team North"), "{err}");
    assert_eq!(events_in(url), before, "nothing written");
    for (name, job) in [("Zara Ali", "caseworker"), ("Sam Hill", "team_manager")] {
        let (code, _, err) = cmd(&[
            "staff",
            "add",
            "--area",
            "831",
            "--team",
            "SEND Team North",
            "--name",
            name,
            "--job",
            job,
        ]);
        assert_eq!(code, 0, "{err}");
    }

    // The NHS and other organisations, by name; schools come from GIAS.
    let (code, _, err) = cmd(&[
        "organisation",
        "add",
        "--kind",
        "integrated_care_board",
        "--name",
        "NHS Derby and Derbyshire ICB",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cmd(&[
        "organisation",
        "add",
        "--kind",
        "school",
        "--name",
        "St Mary's",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("GIAS"), "{err}");
    let (code, out, _) = cmd(&["organisation", "list"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("NHS Derby and Derbyshire ICB\tintegrated_care_board"),
        "{out}"
    );

    // Staff move team and leave, by name; each an event.
    assert_eq!(cmd(&["team", "add", "--name", "SEND Team South"]).0, 0);
    assert_eq!(
        cmd(&[
            "staff",
            "add",
            "--team",
            "SEND Team North",
            "--name",
            "Lee Park"
        ])
        .0,
        0
    );
    let (code, out, err) = cmd(&[
        "staff",
        "move",
        "--name",
        "lee park",
        "--team",
        "SEND Team South",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("moved"), "{out}");
    let (code, _, err) = cmd(&[
        "staff",
        "move",
        "--name",
        "Lee Park",
        "--team",
        "SEND Team South",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("already in that team"), "{err}");
    let in_post = || {
        sendscope_store::open(url)
            .expect("opens")
            .headline()
            .expect("headline")
            .areas[0]
            .staff
    };
    let before = in_post();
    assert_eq!(cmd(&["staff", "leave", "--name", "Lee Park"]).0, 0);
    assert_eq!(in_post(), before - 1, "a leaver is not counted as staff");
    let (code, _, err) = cmd(&["staff", "leave", "--name", "Lee Park"]);
    assert_eq!(code, 2, "no one in post by that name now");
    assert!(err.contains("no member of staff called"), "{err}");

    // Accounts by name: a caseworker's team is their own.
    let (code, out, err) = user(&[
        "--username",
        "zali",
        "--role",
        "caseworker",
        "--staff",
        "Zara Ali",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Account zali (caseworker) created"), "{out}");
    let (code, _, err) = user(&[
        "--username",
        "shill",
        "--role",
        "team_manager",
        "--team",
        "send team north",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = user(&[
        "--username",
        "nobody",
        "--role",
        "caseworker",
        "--staff",
        "Ann Other",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no member of staff called \"Ann Other\""),
        "{err}"
    );
    assert_eq!(user(&["--username", "admin", "--role", "admin"]).0, 0);

    let s = sendscope_store::open(url).expect("opens");
    let zali = account_links(s.as_ref(), "zali");
    let shill = account_links(s.as_ref(), "shill");
    assert!(zali.staff.is_some());
    assert_eq!(
        zali.team, shill.team,
        "the caseworker is in the manager's team"
    );
    let h = s.headline().expect("headline");
    // Staff in post: Zara Ali and Sam Hill (Lee Park has left: his record is kept, with
    // its history, but he is no longer counted).
    assert_eq!((h.areas.len(), h.areas[0].staff), (1, 2));
    drop(s);

    // The accounts listed; a password reset (checked for strength) and a disabled
    // account, each an event on the account's record.
    let (_, list, _) = cmd(&["user", "list"]);
    assert_eq!(
        list.lines().collect::<Vec<_>>(),
        vec![
            "admin\tadmin\tactive",
            "shill\tteam_manager\tactive",
            "zali\tcaseworker\tactive"
        ]
    );
    let reset = |pw: &str| {
        run_with_stdin(
            &[
                "--database-url",
                url,
                "user",
                "reset-password",
                "--username",
                "zali",
            ],
            pw,
        )
    };
    let (code, _, err) = reset("short\n");
    assert_eq!(code, 2, "a weak password is refused");
    assert!(!err.is_empty());
    let before = events_in(url);
    let (code, out, err) = reset("another long passphrase\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("new password set"), "{out}");
    assert_eq!(events_in(url), before + 1, "account.password_set recorded");
    let s = sendscope_store::open(url).expect("opens");
    let creds = s
        .credentials(&sendscope_domain::account::Username::parse("zali").expect("name"))
        .expect("read")
        .expect("account");
    assert!(sendscope_domain::account::verify_password(
        "another long passphrase",
        &creds.password_hash
    ));
    drop(s);
    let (code, _, err) = cmd(&["user", "disable", "--username", "shill"]);
    assert_eq!(code, 0, "{err}");
    let (_, list, _) = cmd(&["user", "list"]);
    assert!(list.contains("shill\tteam_manager\tdisabled "), "{list}");
    let (code, _, err) = cmd(&["user", "disable", "--username", "nobody"]);
    assert_eq!(code, 2);
    assert!(err.contains("no account \"nobody\""), "{err}");
    let s = sendscope_store::open(url).expect("opens");
    let shill = sendscope_domain::account::Username::parse("shill").expect("name");
    assert!(
        sendscope_app::access::principal_of(s.as_ref(), &shill).is_none(),
        "a disabled account is no one"
    );
    drop(s);

    // A mover: zali becomes a team manager of the same team (an event); a role without
    // the links it needs is refused and changes nothing.
    let before = events_in(url);
    let (code, _, err) = cmd(&["user", "role", "--username", "zali", "--role", "school"]);
    assert_eq!(code, 2);
    assert!(err.contains("--setting"), "{err}");
    assert_eq!(events_in(url), before);
    let (code, out, err) = cmd(&[
        "user",
        "role",
        "--username",
        "zali",
        "--role",
        "team_manager",
        "--staff",
        "Zara Ali",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("zali is now team_manager"), "{out}");
    assert_eq!(events_in(url), before + 1, "account.role_changed recorded");
    let (_, list, _) = cmd(&["user", "list"]);
    assert!(list.contains("zali\tteam_manager\tactive"), "{list}");

    // The area's sign-in policy; a bad idle limit is refused.
    let (code, _, err) = cmd(&[
        "area",
        "sign-in-policy",
        "--two-factor-for-staff",
        "yes",
        "--idle-minutes",
        "2",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("5 to 480"), "{err}");
    let (code, out, err) = cmd(&[
        "area",
        "sign-in-policy",
        "--two-factor-for-staff",
        "yes",
        "--idle-minutes",
        "20",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("two factors for staff required"), "{out}");
    let s = sendscope_store::open(url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let policy = sendscope_app::accounts::sign_in_policy(s.as_ref(), area).expect("policy");
    assert!(policy.two_factor_for_staff && policy.idle_minutes == 20);
    drop(s);

    // Tokens expire; the list says when.
    let (code, _, err) = cmd(&[
        "token",
        "create",
        "--user",
        "zali",
        "--expires-in-days",
        "0",
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = cmd(&[
        "token",
        "create",
        "--user",
        "zali",
        "--expires-in-days",
        "30",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, tokens, _) = cmd(&["token", "list"]);
    assert!(tokens.contains("\tactive until "), "{tokens}");
    // A two-factor reset is an event; the sign-in log is read out.
    let before = events_in(url);
    let (code, _, err) = cmd(&["user", "reset-two-factor", "--username", "zali"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(events_in(url), before + 1);
    let (code, _, err) = cmd(&["user", "sign-ins"]);
    assert_eq!(code, 0, "{err}");
}

both!(area_team_staff_and_accounts_from_an_empty_database => setup_from_empty);
