//! A letter as it is posted: the print page has the sender, the addressee and their
//! address, the date, the case reference and the caseworker, and no site navigation;
//! the same as a PDF.

#[macro_use]
mod support;
use serde_json::json;
use support::*;

both!(a_letter_can_be_printed_and_posted);
fn a_letter_can_be_printed_and_posted(db: Db) {
    let site = Site::demo(db, 20);
    let token = site.token("caseworker");
    let day =
        |n: u64| (sendscope_domain::calendar::england_today() - chrono::Days::new(n)).to_string();
    let case = site.new_request(&token, json!({ "given_names": "Tom", "family_name": "Lettered", "birth_date": "2016-03-03", "sex": "male", "ethnicity": "WBRI", "address": "12 Station Road, Derby", "postcode": "DE1 1AA" }), "Jo Lettered", 30);
    let (status, body) = site.api_post(
        &format!("/api/v1/cases/{case}/steps"),
        &token,
        &json!({ "type": "case.assessment_decided", "payload": { "request": 1, "decision": "assess", "on": day(2), "reasons": null } }).to_string(),
    );
    assert_eq!(status, 201, "{body}");
    // The administrator records the caseworker's contact details: nonsense refused.
    let id = sendscope_domain::ids::CaseId::parse(&case).expect("id");
    let staff = site
        .store
        .projection(sendscope_domain::StreamRef::case(id))
        .expect("read")
        .and_then(|p| p.case().and_then(|c| c.caseworker))
        .expect("allocated")
        .to_string();
    let admin = site.sign_in("admin");
    let (_, _, page) = site.http("GET", "/admin", &admin, "");
    let csrf = csrf_of(&page);
    let (status, _, page) = site.http(
        "POST",
        "/admin/staff/contact",
        &admin,
        &format!("csrf={csrf}&contact_staff={staff}&contact_email=not+an+address&contact_phone="),
    );
    assert_eq!(status, 400);
    assert!(page.contains("is not an email address"));
    let (status, _, _) = site.http(
        "POST",
        "/admin/staff/contact",
        &admin,
        &format!("csrf={csrf}&contact_staff={staff}&contact_email=sam.case%40derby.gov.uk&contact_phone=01332+640000"),
    );
    assert_eq!(status, 303);
    let session = site.sign_in("caseworker");
    let (status, _, preview) = site.http(
        "GET",
        &format!("/cases/{case}/letters/new/decision-to-assess"),
        &session,
        "",
    );
    assert_eq!(status, 200, "{preview}");
    assert!(
        preview.contains("name=\"section-0\""),
        "the words can be changed: {preview}"
    );
    let path = format!("/cases/{case}/letters/new/decision-to-assess");
    let csrf = csrf_of(&preview);
    // A section emptied is refused, and nothing is issued.
    let (status, _, page) = site.http(
        "POST",
        &path,
        &session,
        &format!("csrf={csrf}&section-0=+%0D%0A+"),
    );
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("is empty"), "{page}");
    // Changed before issue: the letter has the new words, the draft's are kept beside it.
    let (status, _, _) = site.http(
        "POST",
        &path,
        &session,
        &format!(
            "csrf={csrf}&section-0=We+will+assess+Tom.%0D%0A%0D%0AWe+will+ring+you+on+Monday."
        ),
    );
    assert_eq!(status, 303);
    let (_, _, letter) = site.http("GET", &format!("/cases/{case}/letters/1"), &session, "");
    assert!(
        letter.contains("We will ring you on Monday.") && letter.contains("the words as drafted"),
        "{letter}"
    );
    let (status, _, print) = site.http(
        "GET",
        &format!("/cases/{case}/letters/1/print"),
        &session,
        "",
    );
    assert_eq!(status, 200);
    for want in [
        "Our reference",
        "SEND-",
        "Jo Lettered",
        "12 Station Road",
        "DE1 1AA",
        "Your caseworker",
        "sam.case@derby.gov.uk, 01332 640000",
        "We will ring you on Monday.",
        "Yours sincerely",
    ] {
        assert!(print.contains(want), "{want:?} on the print page:\n{print}");
    }
    assert!(
        !print.contains("govuk-header") && !print.contains("govuk-service-navigation"),
        "no site header or navigation"
    );
    let (status, headers, pdf) =
        site.get_bytes(&format!("/cases/{case}/letters/1.pdf"), &session, "");
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/pdf")
    );
    let text = pdftotext(&pdf);
    assert!(
        text.contains("Our reference: SEND-") && text.contains("12 Station Road"),
        "{text}"
    );
    // Nobody outside the record reads it.
    assert_eq!(
        site.http(
            "GET",
            &format!("/cases/{case}/letters/1/print"),
            &site.sign_in("parent"),
            ""
        )
        .0,
        404
    );
    assert_eq!(
        site.get_bytes(
            &format!("/cases/{case}/letters/1.pdf"),
            &site.sign_in("health"),
            ""
        )
        .0,
        404
    );
    assert_eq!(
        site.http("GET", &format!("/cases/{case}/letters/x.pdf"), &session, "")
            .0,
        404
    );
}
