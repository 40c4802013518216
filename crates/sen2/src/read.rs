//! A return read from its XML: tags matched whatever their letter case, the names other
//! software uses for the same element accepted, empty elements taken as absent. A file
//! that is not a SEN2 return at all is refused in one line; what is wrong inside one is
//! left to the validation rules, item by item.

use crate::xml::{Element, NotAReturn, parse};
use crate::{
    ActivePlans, Assessment, Header, NamedPlan, Person, Placement, Request, Return, Setting,
};

/// Reads a return.
pub fn read(bytes: &[u8]) -> Result<Return, NotAReturn> {
    let root = parse(bytes)?;
    if !root.tag.eq_ignore_ascii_case("Message") {
        return Err(NotAReturn(format!(
            "the file's root element is <{}>, not <Message>: it is not a SEN2 return",
            root.tag
        )));
    }
    let details = root
        .child("Header")
        .and_then(|h| h.child("CollectionDetails"));
    let collection = details.and_then(|d| d.text_of("Collection"));
    if collection.as_deref() != Some("SEN2") {
        return Err(NotAReturn(format!(
            "the file's Header/CollectionDetails/Collection is {}, not SEN2: it is not a SEN2 return",
            collection.map_or("missing".to_string(), |c| format!("{c:?}"))
        )));
    }
    let source = root.child("Header").and_then(|h| h.child("Source"));
    let s = |tag: &str| source.and_then(|x| x.text_of(tag)).unwrap_or_default();
    let header = Header {
        year: details.and_then(|d| d.text_of("Year")).unwrap_or_default(),
        reference_date: details
            .and_then(|d| d.text_of("ReferenceDate"))
            .unwrap_or_default(),
        lea: s("LEA"),
        software_code: s("SoftwareCode"),
        release: s("Release"),
        serial_no: s("SerialNo"),
        date_time: s("DateTime"),
        dmo: s("DMO"),
        dco: s("DCO"),
        dsco: source.and_then(|x| x.text_of("DSCO")),
    };
    let persons = root
        .child("Persons")
        .map(|ps| ps.all("Person").map(person).collect())
        .unwrap_or_default();
    Ok(Return { header, persons })
}

/// The text of the first of `tags` present (an element's other names, oldest last).
fn any(e: &Element, tags: &[&str]) -> Option<String> {
    tags.iter().find_map(|t| e.text_of(t))
}

fn person(e: &Element) -> Person {
    let t = |tag: &str| e.text_of(tag).unwrap_or_default();
    // The 2023 return's GenderCurrent (CBDS: 1 male, 2 female, 0 or 9 not known).
    let sex = e
        .text_of("Sex")
        .unwrap_or_else(|| match e.text_of("GenderCurrent").as_deref() {
            Some("1") => "M".into(),
            Some("2") => "F".into(),
            Some(_) => "U".into(),
            None => String::new(),
        });
    Person {
        surname: t("Surname"),
        forename: t("Forename"),
        birth_date: t("PersonBirthDate"),
        sex,
        ethnicity: t("Ethnicity"),
        postcode: e.text_of("PostCode"),
        upn: e.text_of("UPN"),
        uln: any(e, &["UniqueLearnerNumber", "ULN"]),
        upn_unknown: e.text_of("UPNunknown"),
        requests: e.all("Requests").map(request).collect(),
        line: e.line,
    }
}

fn request(e: &Element) -> Request {
    Request {
        received_date: e.text_of("ReceivedDate"),
        request_source: e.text_of("RequestSource"),
        rya: e.text_of("RYA"),
        outcome_date: e.text_of("RequestOutcomeDate"),
        outcome: e.text_of("RequestOutcome").unwrap_or_default(),
        mediation: e.text_of("RequestMediation"),
        tribunal: e.text_of("RequestTribunal"),
        exported: e.text_of("Exported"),
        assessment: e.child("Assessment").map(assessment),
        active: e.child("ActivePlans").map(active),
    }
}

fn assessment(e: &Element) -> Assessment {
    Assessment {
        outcome: e.text_of("AssessmentOutcome").unwrap_or_default(),
        outcome_date: e.text_of("AssessmentOutcomeDate"),
        mediation: e.text_of("AssessmentMediation"),
        tribunal: e.text_of("AssessmentTribunal"),
        other_mediation: e.text_of("OtherMediation"),
        other_tribunal: e.text_of("OtherTribunal"),
        week20: e.text_of("Week20"),
        named_plan: e.child("NamedPlan").map(named_plan),
    }
}

fn named_plan(e: &Element) -> NamedPlan {
    NamedPlan {
        start_date: e.text_of("StartDate").unwrap_or_default(),
        details: e.all("PlanDetail").map(setting).collect(),
        plan_res: e.text_of("PlanRes"),
        plan_wbp: any(e, &["PlanWBP", "PlanWPB"]),
        pb: e.text_of("PB"),
        oa: e.text_of("OA"),
        dp: e.text_of("DP"),
        cease_date: e.text_of("CeaseDate"),
        cease_reason: e.text_of("CeaseReason"),
    }
}

fn setting(e: &Element) -> Setting {
    Setting {
        urn: e.text_of("URN"),
        ukprn: e.text_of("UKPRN"),
        sen_setting: e.text_of("SENsetting"),
        sen_setting_other: e.text_of("SENSettingOther"),
        rank: e.text_of("PlacementRank").unwrap_or_default(),
        sen_unit: e.text_of("SENunitIndicator").unwrap_or_default(),
        resourced_provision: e.text_of("ResourcedProvisionIndicator").unwrap_or_default(),
    }
}

fn active(e: &Element) -> ActivePlans {
    ActivePlans {
        transfer_la: e.text_of("TransferLA"),
        placements: e
            .all("PlacementDetail")
            .map(|p| Placement {
                setting: setting(p),
                entry_date: p.text_of("EntryDate").unwrap_or_default(),
                leaving_date: p.text_of("LeavingDate"),
                res: p.text_of("Res"),
                wbp: p.text_of("WBP"),
            })
            .collect(),
        needs: e
            .all("SENneed")
            .map(|n| {
                (
                    n.text_of("SENtype").unwrap_or_default(),
                    n.text_of("SENtypeRank").unwrap_or_default(),
                )
            })
            .collect(),
        review_meeting: e.text_of("ReviewMeeting"),
        review_outcome: e.text_of("ReviewOutcome"),
        review_draft: e.text_of("ReviewDraft"),
        phase_transfer_due: e.text_of("PhaseTransferDueDate"),
        phase_transfer_final: e.text_of("PhaseTransferFinalDate"),
        last_review: e.text_of("LastReview"),
    }
}
