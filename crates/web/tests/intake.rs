//! A new child's request for assessment through the API, and finding children again:
//! duplicates caught by UPN and NHS number, possible matches offered, search by any part
//! of a name (accents ignored), UPN, NHS number, date of birth and a parent's name.

#[macro_use]
mod support;

use serde_json::{Value, json};
use support::*;

/// A valid UPN (check letter computed) and NHS number (check digit) for the tests.
const UPN: &str = "H801200001001";
const NHS: &str = "9434765919";

fn request(child: Value, extra: Value) -> String {
    let mut body = json!({
        "child": child,
        "parents": [{ "name": "Maryam Ó Briain", "relationship": "mother", "email": "maryam@example.com" }],
        "requested_by": "parent",
        "received_on": sendscope_domain::calendar::england_today().to_string(),
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body.to_string()
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).expect("JSON")
}

fn intake(db: Db) {
    let site = Site::demo(db, 40);
    assert!(
        sendscope_domain::codes::Upn::parse(UPN).is_ok()
            && sendscope_domain::codes::NhsNumber::parse(NHS).is_ok(),
        "the test's codes are valid"
    );
    let token = site.token("caseworker");
    let events = || site.store.headline().expect("headline").events;
    let zoe = json!({
        "given_names": "Zoë", "family_name": "Ó Briain", "birth_date": "2019-03-12",
        "sex": "female", "upn": UPN, "nhs_number": "943 476 5919",
    });

    // A new child: their record opened, the request on it, the decision clock running.
    let (status, body) = site.api_post("/api/v1/cases", &token, &request(zoe.clone(), json!({})));
    assert_eq!(status, 201, "{body}");
    let made = json_of(&body);
    assert_eq!(made["existing"], false);
    let case = made["case"].as_str().expect("case").to_string();
    assert!(
        made["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .any(|d| d["state"] == "upcoming"),
        "{body}"
    );

    // The same UPN is the same child: the second request goes on the same record.
    let before = events();
    let again = json!({ "given_names": "Zoe", "family_name": "OBrian", "birth_date": "2019-03-12", "upn": UPN });
    let (status, body) = site.api_post("/api/v1/cases", &token, &request(again, json!({})));
    // A request is already open on the record: refused, nothing written.
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("request"), "{body}");
    assert_eq!(events(), before);

    // A similar name with the same date of birth and no shared number: offered, not guessed.
    let similar =
        json!({ "given_names": "Zoe", "family_name": "O Brian", "birth_date": "2019-03-12" });
    let (status, body) = site.api_post(
        "/api/v1/cases",
        &token,
        &request(similar.clone(), json!({})),
    );
    assert_eq!(status, 409, "{body}");
    let offered = json_of(&body);
    let matches = offered["possible_matches"].as_array().expect("matches");
    assert_eq!(matches.len(), 1, "{body}");
    assert_eq!(matches[0]["case"], case.as_str());
    assert_eq!(
        events(),
        before,
        "nothing written while matches are offered"
    );
    // Told it is a different child, a new record is opened.
    let (status, body) = site.api_post(
        "/api/v1/cases",
        &token,
        &request(similar, json!({ "not_a_match": true })),
    );
    assert_eq!(status, 201, "{body}");
    let twin = json_of(&body)["case"].as_str().expect("case").to_string();
    assert_ne!(twin, case);

    // They were the same child after all: a team manager merges the second record into
    // the first, and she is one child in every list.
    let listed = |q: &str| -> usize {
        let (_, _, body) = site.api_get(&format!("/api/v1/cases?limit=100&name={q}"), &token);
        json_of(&body)["items"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    assert_eq!(listed("2019-03-12"), 2);
    let merge = |who: &str, body: Value| {
        site.api_post(
            &format!("/api/v1/cases/{case}/merge"),
            who,
            &body.to_string(),
        )
    };
    let (status, _) = merge(&token, json!({ "duplicate": twin, "reason": "same child" }));
    assert_eq!(status, 403, "a caseworker does not merge");
    let manager = site.token("manager");
    let (status, body) = merge(&manager, json!({ "duplicate": twin, "reason": "" }));
    assert_eq!(status, 422, "{body}");
    let plans_before = site.store.headline().expect("h").areas[0].clone();
    let (status, body) = merge(
        &manager,
        json!({ "duplicate": twin, "reason": "the same child: the school confirmed her UPN" }),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(listed("2019-03-12"), 1, "one child in the list");
    let (status, _, page) = site.api_get(&format!("/api/v1/cases/{twin}"), &manager);
    assert_eq!(
        status, 200,
        "the duplicate's history stays readable: {page}"
    );
    assert_eq!(json_of(&page)["stage"], "merged");
    let (status, _) = merge(&manager, json!({ "duplicate": twin, "reason": "again" }));
    assert_eq!(status, 422, "merged once");
    let after = site.store.headline().expect("h").areas[0].clone();
    assert_eq!(
        after.requests_in_progress + 1,
        plans_before.requests_in_progress,
        "the duplicate's request no longer counts"
    );

    // Bad answers are listed field by field, and nothing is written.
    let before = events();
    let tomorrow = sendscope_domain::calendar::england_today()
        .succ_opt()
        .expect("tomorrow");
    let bad = json!({ "given_names": "", "family_name": "Ali", "birth_date": "2019-03-12", "upn": "H80120000100" });
    let (status, body) = site.api_post(
        "/api/v1/cases",
        &token,
        &request(bad, json!({ "received_on": tomorrow.to_string() })),
    );
    assert_eq!(status, 400, "{body}");
    let problem = json_of(&body);
    let fields: Vec<&str> = problem["invalid-params"]
        .as_array()
        .expect("invalid-params")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(fields, ["given_names", "upn", "received_on"], "{body}");
    assert_eq!(events(), before);

    // Roles that do not record casework cannot open records.
    let (status, _) = site.api_post(
        "/api/v1/cases",
        &site.token("commissioner"),
        &request(zoe, json!({})),
    );
    assert_eq!(status, 403);

    // Search: any part of a name, accents ignored, a UPN, an NHS number written in groups,
    // a date of birth either way, a parent's name. Each query finds Zoë; none finds nobody.
    let found = |q: &str| -> Vec<String> {
        let (status, _, body) = site.api_get(
            &format!("/api/v1/cases?limit=100&name={}", urlencode(q)),
            &token,
        );
        assert_eq!(status, 200, "{q}: {body}");
        json_of(&body)["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect()
    };
    for q in [
        "zoe",
        "ZOË",
        "briain",
        "Ó Briain, Zoë",
        "bria",
        UPN,
        &UPN.to_lowercase(),
        "943 476 5919",
        NHS,
        "2019-03-12",
        "12/03/2019",
        "12/3/2019",
        "maryam",
        "Maryam O Briain",
    ] {
        assert!(found(q).contains(&case), "{q:?} finds Zoë");
    }
    assert!(found("zoe nobody-by-this-name").is_empty());
}
both!(intake);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The same on the pages: the form, its errors field by field with nothing written, the
/// possible matches with what was entered carried forward, and the new record.
#[test]
fn a_new_request_on_the_pages() {
    let site = Site::demo(sqlite_db(), 40);
    let cookie = site.sign_in("caseworker");
    let events = || site.store.headline().expect("headline").events;
    let (status, _, list) = site.http("GET", "/cases", &cookie, "");
    assert_eq!(status, 200);
    assert!(
        list.contains("href=\"/requests/new\""),
        "the list offers a new request"
    );
    let (status, _, form) = site.http("GET", "/requests/new", &cookie, "");
    assert_eq!(status, 200, "{form}");
    let csrf = csrf_of(&form);
    let today = sendscope_domain::calendar::england_today();
    let received = format!(
        "received_on-day={}&received_on-month={}&received_on-year={}",
        today.format("%-d"),
        today.format("%-m"),
        today.format("%Y")
    );
    let before = events();
    let (status, _, page) = site.http(
        "POST",
        "/requests/new",
        &cookie,
        &format!("csrf={csrf}&given_names=&family_name=Okafor&birth_date-day=31&birth_date-month=2&birth_date-year=2019&{received}&upn=H80120000100"),
    );
    assert_eq!(status, 400);
    for m in [
        "Choose who made the request",
        "Enter the child's given names",
        "The date of birth must be a real date",
        "UPN",
    ] {
        assert!(page.contains(m), "{m}: {page}");
    }
    assert_eq!(events(), before, "nothing written");
    let child = format!(
        "csrf={csrf}&requested_by=parent&{received}&given_names=Chidi&family_name=Okafor&birth_date-day=4&birth_date-month=5&birth_date-year=2018&sex=male&ethnicity=BAFR&parent_name=Ngozi+Okafor&parent_relationship=mother&parent_pr=yes&parent_letters=post"
    );
    let (status, headers, _) = site.http("POST", "/requests/new", &cookie, &child);
    assert_eq!(status, 303, "{headers:?}");
    let (_, _, found) = site.http("GET", "/cases?name=ngozi", &cookie, "");
    assert!(
        found.contains("Okafor, Chidi"),
        "found by the mother's name"
    );
    // The same name and date of birth again: offered as a possible match.
    let (status, _, page) = site.http("POST", "/requests/new", &cookie, &child);
    assert_eq!(status, 200);
    assert!(
        page.contains("Is this a child already known?")
            && page.contains("the same name and date of birth"),
        "{page}"
    );
    assert!(
        page.contains("name=\"given_names\" value=\"Chidi\""),
        "carried forward"
    );
    let (_, _, none) = site.http("GET", "/cases?name=zzzz+nobody", &cookie, "");
    assert!(none.contains("No children match"), "{none}");
    // A role that does not record casework is not offered the form.
    let (status, _, _) = site.http("GET", "/requests/new", &site.sign_in("commissioner"), "");
    assert_eq!(status, 403);
}

/// Caseloads: the team manager's queue names each child's caseworker, counts each
/// caseworker's children and overdue deadlines, filters, downloads as CSV, and moves
/// children between caseworkers with a reason (each move on the child's record).
fn caseloads(db: Db) {
    let site = Site::demo(db, 60);
    let manager = site.sign_in("manager");
    let (status, _, page) = site.http("GET", "/queue", &manager, "");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Caseloads") && page.contains("Deadlines overdue"),
        "{page}"
    );
    assert!(page.contains(">Caseworker</th>"), "a caseworker column");
    let (status, _, overdue) = site.http("GET", "/queue?when=overdue", &manager, "");
    assert_eq!(status, 200);
    assert!(
        overdue.contains("Due in the next 7 days (0)"),
        "only overdue deadlines"
    );
    let (status, _, csv) = site.http("GET", "/caseloads.csv", &manager, "");
    assert_eq!(status, 200);
    assert!(
        csv.starts_with("Caseworker,Children,Deadlines overdue"),
        "{csv}"
    );
    let (status, _, q) = site.http("GET", "/queue.csv", &manager, "");
    assert_eq!(status, 200);
    assert!(q.starts_with("Child,Caseworker,Step,Due"), "{q}");
    // Move a child ticked on the queue to another caseworker of the team.
    let first_case = page
        .split("name=\"cases\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a child to tick")
        .to_string();
    let options: Vec<(String, String)> = page
        .split("<select class=\"govuk-select\" id=\"to\" name=\"to\">")
        .nth(1)
        .and_then(|s| s.split("</select>").next())
        .expect("caseworkers to move to")
        .split("<option value=\"")
        .skip(2)
        .filter_map(|o| {
            let (v, rest) = o.split_once("\">")?;
            Some((v.to_string(), rest.split('<').next()?.to_string()))
        })
        .collect();
    assert!(options.len() >= 2, "{options:?}");
    let csrf = csrf_of(&page);
    let before = site.store.headline().expect("h").events;
    let (status, _, refused) = site.http(
        "POST",
        "/queue/reassign",
        &manager,
        &format!("csrf={csrf}&cases={first_case}&to={}&reason=", options[0].0),
    );
    assert_eq!(status, 400, "{refused}");
    assert!(refused.contains("Say why"), "{refused}");
    assert_eq!(
        site.store.headline().expect("h").events,
        before,
        "nothing written"
    );
    let case = sendscope_domain::ids::CaseId::parse(&first_case).expect("id");
    let holder = |s: &dyn sendscope_store::Store| {
        s.projection(sendscope_domain::StreamRef::case(case))
            .expect("read")
            .and_then(|p| p.case().and_then(|c| c.caseworker))
    };
    let (to, _) = options
        .iter()
        .find(|(v, _)| {
            Some(v.as_str())
                != holder(site.store.as_ref())
                    .map(|s| s.to_string())
                    .as_deref()
        })
        .expect("another caseworker");
    let (status, _, _) = site.http(
        "POST",
        "/queue/reassign",
        &manager,
        &format!("csrf={csrf}&cases={first_case}&to={to}&reason=caseloads+evened+out"),
    );
    assert_eq!(status, 303);
    assert_eq!(
        holder(site.store.as_ref())
            .map(|s| s.to_string())
            .as_deref(),
        Some(to.as_str())
    );
    // The move is on the record's timeline: a step with no form of its own, which may be
    // voided (with a reason) but not corrected there.
    let (_, _, record) = site.api_get(
        &format!("/api/v1/cases/{first_case}"),
        &site.token("manager"),
    );
    let seq = json_of(&record)["events"]
        .as_array()
        .expect("events")
        .iter()
        .rev()
        .find(|e| e["type"] == "case.caseworker_assigned")
        .and_then(|e| e["seq"].as_u64())
        .expect("the move");
    let (_, _, page) = site.http("GET", &format!("/cases/{first_case}"), &manager, "");
    assert!(
        page.contains(&format!("/events/{seq}/void\"")),
        "void offered"
    );
    assert!(
        !page.contains(&format!("/events/{seq}/correct\"")),
        "no form to correct it on"
    );
    let (status, _, page) = site.http(
        "GET",
        &format!("/cases/{first_case}/events/{seq}/void"),
        &manager,
        "",
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Void: Caseworker assigned"), "{page}");
    // A caseworker has a queue of their own children, no caseloads, and cannot move any.
    let worker = site.sign_in("caseworker");
    let (_, _, mine) = site.http("GET", "/queue", &worker, "");
    assert!(!mine.contains("Caseloads"), "{mine}");
    let (status, _, page) = site.http("GET", "/caseloads.csv", &worker, "");
    assert_eq!(status, 403);
    // Error pages keep the signed-in header: the name, the navigation, sign-out.
    assert!(
        page.contains("Sign out") && page.contains("href=\"/queue\""),
        "{page}"
    );
    let (status, _, page) = site.http(
        "GET",
        "/cases/00000000-0000-4000-8000-000000000000",
        &worker,
        "",
    );
    assert_eq!(status, 404);
    assert!(page.contains("Sign out"), "{page}");
}
both!(caseloads);

/// The child's details changed and a parent added on the record's pages, each with a
/// reason; a bad UPN is refused field by field with nothing written.
#[test]
fn the_child_and_the_people_around_them() {
    let site = Site::demo(sqlite_db(), 40);
    let case = probes(&site.db.url).other;
    let cookie = site.sign_in("caseworker");
    let events = || site.store.headline().expect("h").events;
    let (status, _, form) = site.http("GET", &format!("/cases/{case}/child"), &cookie, "");
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("name=\"family_name\""), "{form}");
    let csrf = csrf_of(&form);
    // The form comes filled with what is recorded: send it back with one change.
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" type=\"text\" value=\"");
        form.find(&marker)
            .map(|at| {
                form[at + marker.len()..]
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let (given, family) = (field("given_names"), field("family_name"));
    let born = ["birth_date-day", "birth_date-month", "birth_date-year"].map(|k| {
        let marker = format!("name=\"{k}\" type=\"text\" inputmode=\"numeric\" value=\"");
        let at = form.find(&marker).expect("a date part") + marker.len();
        form[at..].split('"').next().unwrap_or("").to_string()
    });
    let base = format!(
        "csrf={csrf}&given_names={given}&family_name={family}&birth_date-day={}&birth_date-month={}&birth_date-year={}&ethnicity=WBRI",
        born[0], born[1], born[2]
    );
    let before = events();
    let (status, _, page) = site.http(
        "POST",
        &format!("/cases/{case}/child"),
        &cookie,
        &format!("{base}&upn=H80120000100&reason=new+school"),
    );
    assert_eq!(status, 400);
    assert!(page.contains("UPN"), "{page}");
    assert_eq!(events(), before, "nothing written");
    let (status, _, page) = site.http(
        "POST",
        &format!("/cases/{case}/child"),
        &cookie,
        &format!("{base}&preferred_name=Sunny&home_language=Polish&interpreter=yes&reason="),
    );
    assert_eq!(status, 400);
    assert!(page.contains("Say why the record is changing"), "{page}");
    let (status, _, _) = site.http(
        "POST",
        &format!("/cases/{case}/child"),
        &cookie,
        &format!("{base}&preferred_name=Sunny&home_language=Polish&interpreter=yes&reason=the+family+told+us"),
    );
    assert_eq!(status, 303);
    assert_eq!(events(), before + 1);
    let (_, _, found) = site.http("GET", "/cases?name=sunny", &cookie, "");
    assert!(
        found.contains(&format!("/cases/{case}")),
        "found by the name they are known by"
    );
    let (status, _, _) = site.http(
        "POST",
        &format!("/cases/{case}/people/new"),
        &cookie,
        &format!("csrf={csrf}&parent_name=Piotr+Nowak&parent_relationship=father&parent_pr=yes&reason=father+now+involved"),
    );
    assert_eq!(status, 303);
    let (_, _, page) = site.http("GET", &format!("/cases/{case}"), &cookie, "");
    assert!(page.contains("Piotr Nowak"), "{page}");
    let (_, _, found) = site.http("GET", "/cases?name=piotr", &cookie, "");
    assert!(
        found.contains(&format!("/cases/{case}")),
        "found by the father's name"
    );
}
