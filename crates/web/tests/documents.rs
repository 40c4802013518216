//! Documents on a child's record: added on the record's page and through the API, with
//! their content checked; downloaded only by those who may see the record, always as an
//! attachment, every download in the access log; each role's reach tried.

#[macro_use]
mod support;
use serde_json::Value;
use support::*;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn documents_on(site: &Site, case: &str) -> usize {
    let id = sendscope_domain::ids::CaseId::parse(case).expect("id");
    site.store
        .projection(sendscope_domain::StreamRef::case(id))
        .expect("read")
        .and_then(|p| p.case().map(|c| c.documents.len()))
        .unwrap_or(0)
}

both!(documents_are_added_checked_and_downloaded);
fn documents_are_added_checked_and_downloaded(db: Db) {
    let site = Site::demo(db, 60);
    let pr = probes(&site.db.url);
    let case = pr.other.clone();
    let session = site.sign_in("caseworker");
    let (status, _, form) = site.http("GET", &format!("/cases/{case}/documents/new"), &session, "");
    assert_eq!(status, 200);
    assert!(form.contains("enctype=\"multipart/form-data\""));
    let csrf = csrf_of(&form);
    let path = format!("/cases/{case}/documents");
    let f = [
        ("csrf", csrf.as_str()),
        ("title", "Educational psychology advice"),
        ("kind", "advice"),
    ];

    // Refused, each with what to do, and nothing kept.
    let html = b"<html><script>alert('x')</script></html>";
    let big = vec![b'%'; 20 * 1024 * 1024 + 1];
    for (name, bytes, says) in [
        ("advice.pdf", &html[..], "not a PDF"),
        (
            "advice.pdf",
            PNG,
            "ends .pdf but its content is a PNG image",
        ),
        ("advice.exe", b"MZ\x90\0", "not a PDF"),
        ("advice.pdf", &big[..], "largest accepted is 20 MB"),
    ] {
        let (status, body) = site.post_multipart(&path, &session, "", &f, Some((name, bytes)));
        assert_eq!(status, 422, "{name}: {}", &body[..body.len().min(300)]);
        assert!(body.contains(says), "{name}: says {says:?}");
        assert!(
            body.contains("govuk-error-summary"),
            "{name}: the form again with the problem"
        );
    }
    assert_eq!(documents_on(&site, &case), 0, "nothing refused was kept");
    let (status, _) = site.post_multipart(
        &path,
        &session,
        "",
        &[("csrf", "wrong"), ("title", "x"), ("kind", "advice")],
        Some(("a.pdf", PDF)),
    );
    assert_ne!(status, 303, "a form without its CSRF token is refused");

    // Added: listed on the record, downloaded as an attachment only.
    let (status, _) = site.post_multipart(&path, &session, "", &f, Some(("EP advice.pdf", PDF)));
    assert_eq!(status, 303);
    let (_, _, page) = site.http("GET", &format!("/cases/{case}"), &session, "");
    assert!(page.contains("Educational psychology advice") && page.contains("Documents"));
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(PDF));
    let (status, headers, bytes) =
        site.get_bytes(&format!("/cases/{case}/documents/{sha}"), &session, "");
    assert_eq!(status, 200);
    assert_eq!(bytes, PDF);
    let header = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"EP advice.pdf\""
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-security-policy").contains("sandbox"));
    assert_eq!(header("content-type"), "application/pdf");
    // The same file again is refused: it is on the record already.
    let (status, body) = site.post_multipart(&path, &session, "", &f, Some(("copy.pdf", PDF)));
    assert_eq!(status, 422, "{body}");
    // Another record's document cannot be fetched through this record's address.
    assert_eq!(
        site.get_bytes(
            &format!("/cases/{}/documents/{sha}", pr.parent_child),
            &session,
            ""
        )
        .0,
        404
    );

    // Every download is in the access log.
    let id = sendscope_domain::ids::CaseId::parse(&case).expect("id");
    let views = site.store.accesses(id, 100).expect("log");
    assert!(
        views
            .iter()
            .any(|v| v.via == "page /cases/{id}/documents/{id}" && v.username == "caseworker"),
        "{views:?}"
    );
}

both!(each_role_adds_and_reads_only_what_it_may);
fn each_role_adds_and_reads_only_what_it_may(db: Db) {
    let site = Site::demo(db, 60);
    let pr = probes(&site.db.url);
    // (user, kind they try on their own record, expected; then on the other record)
    #[rustfmt::skip]
    let tries: &[(&str, &str, u16, u16)] = &[
        ("caseworker",   "other",    201, 201),
        ("manager",      "evidence", 201, 201),
        ("health",       "advice",   201, 404),
        ("health",       "views",    403, 404),
        ("school",       "review",   201, 404),
        ("school",       "letter",   403, 404),
        ("parent",       "views",    201, 404),
        ("parent",       "advice",   403, 404),
        ("young-person", "evidence", 201, 404),
        ("commissioner", "advice",   404, 404),
        ("board",        "advice",   404, 404),
    ];
    for (n, (user, kind, own_want, other_want)) in tries.iter().enumerate() {
        let token = site.token(user);
        // A different file each time (content-addressed: the same file twice is one document).
        let mut pdf = PDF.to_vec();
        pdf.extend_from_slice(format!("% {n}\n").as_bytes());
        let own = pr.own(user);
        let (status, body) = site.post_multipart(
            &format!("/api/v1/cases/{own}/documents"),
            "",
            &token,
            &[("title", "Views"), ("kind", kind)],
            Some(("v.pdf", &pdf)),
        );
        assert_eq!(
            status, *own_want,
            "{user} {kind} on their own record: {body}"
        );
        if status == 201 {
            let v: Value = serde_json::from_str(&body).expect("json");
            assert_schema("DocumentAdded", &v);
            let sha = v["sha256"].as_str().expect("sha");
            let (status, _, bytes) =
                site.get_bytes(&format!("/api/v1/cases/{own}/documents/{sha}"), "", &token);
            assert_eq!(
                (status, bytes),
                (200, pdf.clone()),
                "{user} reads back what they added"
            );
            // Nobody outside the record reads it.
            let outsider = site.token("commissioner");
            assert_eq!(
                site.get_bytes(
                    &format!("/api/v1/cases/{own}/documents/{sha}"),
                    "",
                    &outsider
                )
                .0,
                404
            );
        }
        if *user != "caseworker" && *user != "manager" {
            let (status, body) = site.post_multipart(
                &format!("/api/v1/cases/{}/documents", pr.other),
                "",
                &token,
                &[("title", "x"), ("kind", kind)],
                Some(("v.pdf", &pdf)),
            );
            assert_eq!(status, *other_want, "{user} on another record: {body}");
        }
    }
}

both!(an_erased_record_takes_its_documents_with_it);
/// Erasing a child's record deletes the content of its documents, except one another
/// record still holds (the same file on two records is kept once).
fn an_erased_record_takes_its_documents_with_it(db: Db) {
    use sha2::Digest;
    let site = Site::demo(db, 20);
    let token = site.token("caseworker");
    let child = |given: &str, family: &str, born: &str| serde_json::json!({ "given_names": given, "family_name": family, "birth_date": born, "sex": "female", "ethnicity": "WBRI" });
    let a = site.new_request(
        &token,
        child("Ada", "Erased", "2016-01-01"),
        "Ann Erased",
        10,
    );
    let b = site.new_request(&token, child("Bea", "Kept", "2014-06-30"), "Bel Kept", 10);
    let add = |case: &str, bytes: &[u8]| {
        let (status, body) = site.post_multipart(
            &format!("/api/v1/cases/{case}/documents"),
            "",
            &token,
            &[("title", "Evidence"), ("kind", "evidence")],
            Some(("evidence.pdf", bytes)),
        );
        assert_eq!(status, 201, "{body}");
    };
    let only_a: &[u8] = b"%PDF-1.4 only on Ada's record";
    let shared: &[u8] = b"%PDF-1.4 on both records";
    add(&a, only_a);
    add(&a, shared);
    add(&b, shared);
    let held = |bytes: &[u8]| {
        let sha: [u8; 32] = sha2::Sha256::digest(bytes).into();
        site.store.document(&sha).expect("read").is_some()
    };
    assert!(held(only_a) && held(shared));
    let case = sendscope_domain::ids::CaseId::parse(&a).expect("id");
    let today = sendscope_domain::calendar::england_today();
    sendscope_app::retention::request(
        site.store.as_ref(),
        case,
        today,
        "Ann Erased, by email",
        "user:manager",
    )
    .expect("request");
    let erased = sendscope_app::retention::decide(
        site.store.as_ref(),
        case,
        today,
        true,
        "No plan was made; the family asked for the record to go",
        "user:manager",
    )
    .expect("decided");
    assert!(erased > 0);
    assert!(!held(only_a), "the erased record's own document is gone");
    assert!(held(shared), "a document another record holds stays");
    let (status, _, _) = site.get_bytes(
        &format!(
            "/api/v1/cases/{b}/documents/{}",
            hex::encode(sha2::Sha256::digest(shared))
        ),
        "",
        &token,
    );
    assert_eq!(status, 200);
}
