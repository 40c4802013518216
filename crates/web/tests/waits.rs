//! Waiting lists and the children seen whole on the pages: the demo area's waits by
//! pathway with the children behind each figure for staff (a count that matches the
//! figures, records linked, the trust's unlinked children named for health alone), the
//! joined count's children, and the board's and the public's views with small counts
//! suppressed (every count from 1 to the area's threshold less one shown as "c").

#[macro_use]
mod support;
use support::*;

/// The numeric cells of the tables in `page` from `from` to the next level-2 heading.
fn numeric_cells(page: &str, from: &str) -> Vec<String> {
    let start = page.find(from).unwrap_or_else(|| panic!("{from}: {page}"));
    let rest = &page[start..];
    let end = rest[from.len()..]
        .find("<h2")
        .map(|i| i + from.len())
        .unwrap_or(rest.len());
    let mut out = Vec::new();
    let marker = "govuk-table__cell--numeric\">";
    let mut s = &rest[..end];
    while let Some(i) = s.find(marker) {
        s = &s[i + marker.len()..];
        let cell = &s[..s.find("</td>").expect("cell ends")];
        // A link's text, where the count links to its children.
        let text = match cell.find('>') {
            Some(j) if cell.starts_with('<') => &cell[j + 1..cell.rfind("</a>").expect("link")],
            _ => cell,
        };
        out.push(text.trim().replace(',', ""));
    }
    out
}

/// Whether a count as shown could give a small number away.
fn small(cell: &str, below: u64) -> bool {
    cell.parse::<u64>().is_ok_and(|v| v > 0 && v < below)
}

both!(staff_see_the_children_behind_the_waits_and_the_board_sees_counts_suppressed);
fn staff_see_the_children_behind_the_waits_and_the_board_sees_counts_suppressed(db: Db) {
    let site = Site::demo(db, 300);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, None).expect("area");
    let today = sendscope_domain::calendar::england_today();
    let report = sendscope_app::waits::report(store, area, today).expect("report");
    let asd = report
        .lines
        .iter()
        .find(|l| l.pathway == "asd" && l.priority == "all")
        .expect("autism line");
    assert!(asd.waiting > 0, "the demo has children waiting");

    // Staff: the figures, the criteria, and the children behind a figure.
    let manager = site.sign_in("manager");
    let (status, _, page) = site.http("GET", "/waits", &manager, "");
    assert_eq!(status, 200, "{page}");
    for says in [
        "Autism assessment",
        "The prioritisation criteria",
        "P1: urgent referral",
        "/waits/children?pathway=asd",
    ] {
        assert!(page.contains(says), "{says}: {page}");
    }
    let (status, _, list) = site.http("GET", "/waits/children?pathway=asd", &manager, "");
    assert_eq!(status, 200, "{list}");
    assert!(
        list.contains(&format!("{} children waiting", asd.waiting)),
        "the count matches the figure: {list}"
    );
    assert!(list.contains("href=\"/cases/"), "records linked: {list}");
    assert!(
        list.contains("A child not on the council's records"),
        "the trust's own children are not named for the council's staff"
    );
    let health = site.sign_in("health");
    let (status, _, named) = site.http("GET", "/waits/children?pathway=asd", &health, "");
    assert_eq!(status, 200);
    assert!(
        !named.contains("A child not on the council's records"),
        "named for health"
    );
    let (status, _, bad) = site.http("GET", "/waits/children?pathway=dentistry", &manager, "");
    assert_eq!(status, 400);
    assert!(bad.contains("There is no pathway"), "{bad}");
    let (status, _, bad) = site.http("GET", "/waits?week=last+tuesday", &manager, "");
    assert_eq!(status, 400);
    assert!(bad.contains("give it as 2026-03-01"), "{bad}");

    // The joined count on the dashboard, and the children behind one of its counts.
    let joined = sendscope_app::whole_child::joined(store, area, today).expect("joined");
    let (status, _, dashboard) = site.http("GET", "/dashboard", &manager, "");
    assert_eq!(status, 200);
    assert!(dashboard.contains("Children with a plan or request, seen whole"));
    assert!(dashboard.contains("Waiting for health assessments and therapies"));
    let staff_cells = numeric_cells(&dashboard, "Children with a plan or request, seen whole");
    assert!(
        staff_cells.iter().any(|c| small(c, 100)),
        "staff see exact small counts: {staff_cells:?}"
    );
    let (status, _, behind) = site.http(
        "GET",
        "/dashboard/whole-child?measure=any&group=all",
        &manager,
        "",
    );
    assert_eq!(status, 200, "{behind}");
    assert!(
        behind.contains(&format!("{} children", joined.total.any)),
        "{behind}"
    );
    let (status, _, _) = site.http("GET", "/dashboard/whole-child?measure=shoes", &manager, "");
    assert_eq!(status, 400);

    // The board: a threshold of 100, so every count below it is "c"; no children.
    store
        .append(&[sendscope_domain::NewEvent {
            stream: sendscope_domain::StreamRef::area(area),
            area,
            effective_date: today,
            body: sendscope_domain::EventBody::FiguresSettingsAdopted(
                sendscope_domain::benchmarks::FiguresSettings {
                    comparators: Vec::new(),
                    suppress_below: 100,
                },
            ),
            actor: sendscope_domain::Actor::parse("system:test").expect("actor"),
            reason: None,
            recorded_at: None,
        }])
        .expect("adopted");
    let board = site.sign_in("board");
    let (status, _, dashboard) = site.http("GET", "/dashboard", &board, "");
    assert_eq!(status, 200);
    let cells = numeric_cells(&dashboard, "Children with a plan or request, seen whole");
    assert!(cells.iter().any(|c| c == "c"), "{cells:?}");
    assert!(!cells.iter().any(|c| small(c, 100)), "{cells:?}");
    assert!(!dashboard.contains("/dashboard/whole-child"));
    assert!(!dashboard.contains("/waits/children"));
    let (status, _, waits) = site.http("GET", "/waits", &board, "");
    assert_eq!(status, 200);
    let trend = numeric_cells(
        &waits,
        "Waiting at the end of each of the eight weeks before",
    );
    assert!(
        !trend.is_empty() && !trend.iter().any(|c| small(c, 100)),
        "{trend:?}"
    );
    assert!(!waits.contains("/waits/children"));
    for path in [
        "/waits/children?pathway=asd",
        "/dashboard/whole-child?measure=any",
    ] {
        let (status, _, _) = site.http("GET", path, &board, "");
        assert_eq!(status, 403, "{path}");
    }
    // The public: the waits beside the EHC measures, suppressed the same way.
    let (status, _, public) = site.http("GET", "/figures/831", "", "");
    assert_eq!(status, 200);
    let cells = numeric_cells(&public, "Waiting for health assessments and therapies");
    assert!(cells.iter().any(|c| c == "c"), "{cells:?}");
    assert!(!public.contains("/waits/children"));
}

both!(a_possible_match_is_linked_by_a_person_with_how_they_checked);
fn a_possible_match_is_linked_by_a_person_with_how_they_checked(db: Db) {
    let site = Site::demo(db, 300);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, None).expect("area");
    let matches = sendscope_app::waits::possible_matches(store, area).expect("matches");
    assert!(
        !matches.is_empty(),
        "the demo's export has referrals without NHS numbers"
    );
    let manager = site.sign_in("manager");
    let (status, _, list) = site.http("GET", "/waits/matches", &manager, "");
    assert_eq!(status, 200, "{list}");
    // The manager's team's records only; link the first the manager may open.
    let first = list
        .split("href=\"/waits/matches/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a match to compare")
        .replace("&amp;", "&");
    let path = format!("/waits/matches/{first}");
    let (status, _, page) = site.http("GET", &path, &manager, "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("The trust's referral") && page.contains("The child's record"));
    let (referral, case) = first.split_once("?case=").expect("referral and case");
    let post = format!("/waits/matches/{referral}");
    let csrf = csrf_of(&page);
    let before = sendscope_app::waits::possible_matches(store, area)
        .expect("m")
        .len();
    // No reason: the form again, what to put right, nothing written.
    let (status, _, again) = site.http(
        "POST",
        &post,
        &manager,
        &format!("csrf={csrf}&case={case}&reason="),
    );
    assert_eq!(status, 400, "{again}");
    assert!(again.contains("There is a problem") && again.contains("Say how you checked"));
    assert_eq!(
        sendscope_app::waits::possible_matches(store, area)
            .expect("m")
            .len(),
        before
    );
    let (status, _, _) = site.http(
        "POST",
        &post,
        &manager,
        &format!("csrf={csrf}&case={case}&reason=The+mother+confirmed+the+address"),
    );
    assert_eq!(status, 303, "to the child's record");
    let linked = sendscope_app::waits::referrals(store, area)
        .expect("referrals")
        .into_iter()
        .find(|(id, _)| id.to_string() == referral)
        .and_then(|(_, s)| s.received?.case)
        .map(|c| c.to_string());
    assert_eq!(
        linked.as_deref(),
        Some(case),
        "linked to the record compared"
    );
    assert_eq!(
        sendscope_app::waits::possible_matches(store, area)
            .expect("m")
            .len(),
        before - 1
    );
    // The record shows the wait; a second link is refused (it is no longer a match).
    let (_, _, record) = site.http("GET", &format!("/cases/{case}"), &manager, "");
    assert!(
        record.contains("Waiting: ") || record.contains("referred "),
        "{record}"
    );
    let (status, _, _) = site.http(
        "POST",
        &post,
        &manager,
        &format!("csrf={csrf}&case={case}&reason=again"),
    );
    assert_eq!(status, 404);
    // Who cannot: a board member, a parent.
    for user in ["board", "parent"] {
        let who = site.sign_in(user);
        let (status, _, _) = site.http("GET", "/waits/matches", &who, "");
        assert_eq!(status, 403, "{user}");
    }
}
