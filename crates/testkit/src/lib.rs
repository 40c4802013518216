//! What sendscope's tests share, across crates: fresh databases (a SQLite file in a
//! temporary folder, a PostgreSQL database of its own, dropped afterwards), the demo area
//! built in one through the application layer, and finding things in it (the records
//! each demo account is linked to). For tests only: no product crate depends on it.

/// The day the tests' demo areas end on, so their figures do not move with the calendar.
pub const AS_OF: &str = "2026-01-15";

/// A database for one test.
pub struct Db {
    pub url: String,
    pub _dir: Option<tempfile::TempDir>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if self.url.starts_with("postgres") {
            sendscope_store::testing::drop_pg_database(&self.url);
        }
    }
}

pub fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    Db {
        url,
        _dir: Some(dir),
    }
}

pub fn pg_db() -> Db {
    Db {
        url: sendscope_store::testing::fresh_pg_database().expect("PostgreSQL must be reachable"),
        _dir: None,
    }
}

/// The links each demo account was made with, read from its account record.
pub fn account_links(
    s: &dyn sendscope_store::Store,
    name: &str,
) -> sendscope_domain::event::AccountLinks {
    let user = sendscope_domain::account::Username::parse(name).expect("name");
    let creds = s.credentials(&user).expect("read").expect("account");
    let p = s
        .projection(sendscope_domain::StreamRef::account(creds.account))
        .expect("read")
        .expect("account record");
    match p.state {
        sendscope_domain::projection::StreamState::Account(a) => a.created.expect("created").links,
        _ => panic!("not an account"),
    }
}

/// The demo's probe records for the access matrix, chosen from the data so that the
/// expected answers can be written out as data:
/// `other`: one of the caseworker's team linked to no other demo account (not the
/// parent's child, not the young person's own record, not placed at or consulted by the
/// school, no health advice); and each linked account's own record.
pub struct Probes {
    pub other: String,
    pub parent_child: String,
    pub young: String,
    pub school_child: String,
    pub health_case: String,
    pub setting: String,
}

impl Probes {
    /// The record a demo account is linked to (the school's pupil, the parent's child,
    /// the young person's own, health's case with health advice); for roles with no link
    /// of their own, the "other" record.
    pub fn own(&self, user: &str) -> String {
        match user {
            "school" => self.school_child.clone(),
            "parent" => self.parent_child.clone(),
            "young-person" => self.young.clone(),
            "health" => self.health_case.clone(),
            _ => self.other.clone(),
        }
    }
}

/// The text of a PDF as poppler's `pdftotext` reads it (reading order, not layout):
/// what a reader's software would extract. Installed by scripts/ensure-pdftotext.
pub fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext must be installed: run scripts/ensure-pdftotext");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

pub fn probes(url: &str) -> Probes {
    use sendscope_domain::sen::AdviceKind;
    let s = sendscope_store::open(url).expect("opens");
    let worker = account_links(s.as_ref(), "caseworker");
    let (parent, young, school) = (
        account_links(s.as_ref(), "parent").person,
        account_links(s.as_ref(), "young-person").case,
        account_links(s.as_ref(), "school").setting,
    );
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let all = all_cases(s.as_ref(), area);
    let linked = |c: &sendscope_domain::projection::CaseState| {
        (
            c.related.iter().any(|x| Some(x.person) == parent),
            c.current_placement().is_some_and(|p| {
                school.is_some_and(|s| p.setting == sendscope_domain::event::SettingRef::Setting(s))
            }) || c
                .requests
                .iter()
                .any(|q| q.consultations.iter().any(|k| Some(k.setting) == school)),
            c.requests
                .iter()
                .any(|q| q.advice.iter().any(|a| a.kind == AdviceKind::Health)),
        )
    };
    let find = |want: &dyn Fn(
        &sendscope_domain::ids::CaseId,
        &sendscope_domain::projection::CaseState,
    ) -> bool| {
        all.iter()
            .find(|(id, c)| want(id, c))
            .map(|(id, _)| id.to_string())
            .expect("a probe record")
    };
    let other = find(&|id, c| {
        let (p, sc, h) = linked(c);
        c.team == worker.team && Some(*id) != young && !p && !sc && !h
    });
    let parent_child = find(&|_, c| linked(c).0);
    let school_child = find(&|_, c| linked(c).1);
    let health_case = find(&|_, c| linked(c).2);
    let setting = s
        .area_projections(area, sendscope_domain::StreamKind::Setting)
        .expect("settings")
        .first()
        .expect("a setting")
        .stream
        .id
        .to_string();
    Probes {
        other,
        parent_child,
        young: young.expect("young person's case").to_string(),
        school_child,
        health_case,
        setting,
    }
}

pub fn all_cases(
    s: &dyn sendscope_store::Store,
    area: sendscope_domain::ids::AreaId,
) -> Vec<(
    sendscope_domain::ids::CaseId,
    sendscope_domain::projection::CaseState,
)> {
    let mut q = sendscope_store::CaseQuery {
        area: Some(area),
        limit: 500,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let page = s.list_cases(&q).expect("list");
        for r in &page.rows {
            let p = s
                .projection(sendscope_domain::StreamRef::case(r.case))
                .expect("read")
                .expect("case");
            out.push((r.case, p.case().expect("case state").clone()));
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => return out,
        }
    }
}

/// Builds the tests' demo (seed 5, as of [`AS_OF`]) with `plans` plans in the database
/// at `url`, through `app::demo::build`, as `sendscope demo` does.
pub fn demo(url: &str, plans: u32) -> sendscope_app::demo::Built {
    let store = sendscope_store::open(url).expect("the database opens");
    let spec = sendscope_demo::DemoSpec {
        plans,
        seed: 5,
        as_of: chrono::NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").expect("AS_OF"),
        batch_events: 5000,
    };
    sendscope_app::demo::build(store.as_ref(), &spec, &mut |_, _| ()).expect("the demo builds")
}

/// The demo area and one of its primary academies.
pub fn demo_primary_academy(url: &str) -> (sendscope_domain::ids::AreaId, uuid::Uuid) {
    use sendscope_domain::projection::StreamState;
    let s = sendscope_store::open(url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let academy = s
        .area_projections(area, sendscope_domain::StreamKind::Setting)
        .expect("settings")
        .into_iter()
        .find(|p| match &p.state {
            StreamState::Setting(x) => x.details.as_ref().is_some_and(|d| {
                d.setting_type == sendscope_domain::event::SettingType::MainstreamAcademy
                    && d.phase == sendscope_domain::event::Phase::Primary
            }),
            _ => false,
        })
        .expect("a primary academy")
        .stream
        .id;
    (area, academy)
}

/// A page request as a test makes it: (method, path, cookie, form) to (status, Set-Cookie
/// values as name=value, body).
pub type Http<'a> = &'a dyn Fn(&str, &str, &str, &str) -> (u16, Vec<String>, String);

/// Signs a demo account in (password `demo`) through `http(method, path, cookie, form)`,
/// which answers (status, Set-Cookie values as name=value, body): gets the form and its
/// CSRF cookie, posts it, and returns the session cookie.
pub fn sign_in_with(user: &str, http: Http<'_>) -> String {
    sign_in_with_password(user, "demo", http)
}

/// Signs `user` in with `password` through the sign-in form; their session cookie.
pub fn sign_in_with_password(user: &str, password: &str, http: Http<'_>) -> String {
    let (_, cookies, body) = http("GET", "/sign-in", "", "");
    let csrf_cookie = cookies
        .iter()
        .find(|c| c.starts_with("sendscope_csrf="))
        .expect("csrf cookie")
        .clone();
    let marker = "name=\"csrf\" value=\"";
    let at = body.find(marker).expect("csrf field") + marker.len();
    let csrf = body[at..].split('"').next().unwrap_or("");
    let (status, cookies, _) = http(
        "POST",
        "/sign-in",
        &csrf_cookie,
        &format!("username={user}&password={password}&csrf={csrf}"),
    );
    assert_eq!(status, 303, "{user} signs in");
    cookies
        .into_iter()
        .find(|c| c.starts_with("sendscope_session="))
        .expect("session")
}
