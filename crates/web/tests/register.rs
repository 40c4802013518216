//! The provisions register as pages, through the router itself.

#[macro_use]
mod support;

use support::*;

both!(provisions_register_pages);

/// The provisions register as pages: a commissioner opens a provision at a school and
/// records its places, application, decision, capital and spend through GOV.UK forms;
/// bad fields get field errors and steps out of order the rules' refusal, with nothing
/// written; the viable-options search is recorded as evidence; a caseworker cannot.
fn provisions_register_pages(db: Db) {
    use sendscope_domain::projection::StreamState;
    let site = Site::demo(db, 60);
    let (area, academy) = demo_primary_academy(&site.db.url);
    let s = sendscope_store::open(&site.db.url).expect("opens");
    let cookie = site.sign_in("commissioner");
    let csrf_of = |page: &str| {
        let at =
            page.find("name=\"csrf\" value=\"").expect("csrf") + "name=\"csrf\" value=\"".len();
        page[at..].split('"').next().unwrap_or("").to_string()
    };
    let (status, _, setting) = site.http("GET", &format!("/settings/{academy}"), &cookie, "");
    assert_eq!(status, 200);
    assert!(
        setting.contains(&format!("/settings/{academy}/provisions/new")),
        "add link"
    );
    let new_url = format!("/settings/{academy}/provisions/new");
    let (status, _, form) = site.http("GET", &new_url, &cookie, "");
    assert_eq!(status, 200, "{form}");
    let csrf = csrf_of(&form);
    // Missing fields: each named, nothing written.
    let provisions = || {
        s.area_projections(area, sendscope_domain::StreamKind::Provision)
            .expect("provisions")
    };
    let before = provisions().len();
    let (status, _, page) = site.http(
        "POST",
        &new_url,
        &cookie,
        &format!("csrf={csrf}&kind=resourced_provision&name=&low_age=four&high_age=11"),
    );
    assert_eq!(status, 400);
    assert!(
        page.contains("Enter name")
            && page.contains("The youngest age must be a whole number")
            && page.contains("Select at least one: types of need"),
        "{page}"
    );
    assert_eq!(provisions().len(), before, "nothing written");
    let (status, _, _) = site.http("POST",
        &new_url,
        &cookie,
        &format!(
            "csrf={csrf}&kind=resourced_provision&name=Form+ERP&need_types=ASD&need_types=SLCN&low_age=4&high_age=11"
        ),
    );
    assert_eq!(status, 303);
    let id = provisions()
        .into_iter()
        .find(|p| matches!(&p.state, StreamState::Provision(x) if x.opened.as_ref().is_some_and(|o| o.name == "Form ERP")))
        .expect("opened")
        .stream
        .id;
    let step = |slug: &str, fields: &str| {
        site.http(
            "POST",
            &format!("/provisions/{id}/steps/{slug}"),
            &cookie,
            &format!("csrf={csrf}&{fields}"),
        )
    };
    let date = |k: &str, d: &str| {
        let (y, rest) = d.split_once('-').expect("date");
        let (m, day) = rest.split_once('-').expect("date");
        format!("{k}-day={day}&{k}-month={m}&{k}-year={y}")
    };
    let (status, _, page) = step("places", "academic_year=2026-27&places=12");
    assert_eq!(status, 400);
    assert!(page.contains("like 2026/27"), "{page}");
    assert_eq!(step("places", "academic_year=2026%2F27&places=12").0, 303);
    // A decision with no application: refused by the rules, nothing written.
    let decided = format!(
        "route=significant_change&approved=yes&{}&{}&places=&",
        date("decided_on", "2026-06-01"),
        date("effective_from", "2026-09-01")
    );
    let (status, _, page) = step("approval-decided", &decided);
    assert_eq!(status, 422);
    assert!(page.contains("record the application first"), "{page}");
    assert_eq!(
        step("approval-applied", &date("submitted_on", "2026-01-10")).0,
        400,
        "no route chosen"
    );
    assert_eq!(
        step(
            "approval-applied",
            &format!(
                "route=significant_change&{}",
                date("submitted_on", "2026-01-10")
            )
        )
        .0,
        303
    );
    assert_eq!(step("approval-decided", &decided).0, 303);
    assert_eq!(
        step(
            "capital",
            &format!(
                "reference=CAP-7&amount=1%2C250%2C000&approving_body=Cabinet&{}&places=12",
                date("approved_on", "2026-02-01")
            )
        )
        .0,
        303
    );
    let (status, _, page) = step(
        "capital-spent",
        &format!(
            "reference=CAP-8&{}&spent_to_date=400000",
            date("on", "2026-06-30")
        ),
    );
    assert_eq!(status, 422, "no such project");
    assert!(page.contains("record the capital approved"), "{page}");
    assert_eq!(
        step(
            "capital-spent",
            &format!(
                "reference=CAP-7&{}&spent_to_date=400000",
                date("on", "2026-06-30")
            )
        )
        .0,
        303
    );
    assert_eq!(step("costs", "financial_year=2026-27&cost__place_funding=10000&cost__top_up=8%2C000&cost__health=0&cost__social_care=0").0, 303);
    let (status, _, page) = site.http("GET", &format!("/provisions/{id}"), &cookie, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("no service level agreement recorded"),
        "commissioning status"
    );
    for want in [
        "Form ERP",
        "in effect from 1 September 2026",
        "£1,250,000.00",
        "£400,000.00",
        "£850,000.00",
        "£18,000.00",
        "ASD, SLCN",
    ] {
        assert!(page.contains(want), "{want} on the provision page");
    }
    let p = s
        .projection(sendscope_domain::StreamRef::provision(
            sendscope_domain::ids::ProvisionId(id),
        ))
        .expect("read")
        .expect("provision");
    let StreamState::Provision(p) = p.state else {
        panic!("provision")
    };
    assert_eq!(p.places.values().copied().collect::<Vec<_>>(), vec![12]);
    assert_eq!(
        p.costs.values().next().map(|c| c.total().0),
        Some(1_800_000)
    );
    assert_eq!(p.spent_to_date("CAP-7").map(|x| x.0), Some(40_000_000));
    // The viable-options search, recorded as evidence.
    let (status, _, page) = site.http(
        "GET",
        &format!("/provisions/{id}/viable-options?km=12"),
        &cookie,
        "",
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("Viable options") && page.contains("within 12 km"),
        "{page}"
    );
    assert_eq!(
        site.http(
            "GET",
            &format!("/provisions/{id}/viable-options?km=far"),
            &cookie,
            ""
        )
        .0,
        400
    );
    assert_eq!(
        site.http(
            "POST",
            &format!("/provisions/{id}/viable-options"),
            &cookie,
            &format!("csrf={csrf}&km=12&note=None+nearer")
        )
        .0,
        303
    );
    let (_, _, page) = site.http("GET", &format!("/provisions/{id}"), &cookie, "");
    assert!(
        page.contains("Searched within 12 km") && page.contains("None nearer"),
        "{page}"
    );
    // A caseworker can read the register but not change it.
    let caseworker = site.sign_in("caseworker");
    assert_eq!(
        site.http(
            "GET",
            &format!("/provisions/{id}/steps/places"),
            &caseworker,
            ""
        )
        .0,
        403
    );
    assert_eq!(site.http("GET", &new_url, &caseworker, "").0, 403);
    // A stale form changes nothing.
    assert_eq!(step("closed", &date("on", "2026-08-31")).0, 303);
    let (status, _, _) = site.http(
        "POST",
        &format!("/provisions/{id}/steps/places"),
        &cookie,
        "csrf=stale&academic_year=2027%2F28&places=14",
    );
    assert_eq!(status, 403);
    let (status, _, page) = step("places", "academic_year=2027%2F28&places=14");
    assert_eq!(status, 422, "closed");
    assert!(page.contains("open a new provision"), "{page}");
}
