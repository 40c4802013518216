//! A return as XML, in the order the layout sets out, leaving out what the year does not
//! collect and every empty optional element.

use crate::layout::Year;
use crate::xml::Writer;
use crate::{ActivePlans, Assessment, NamedPlan, Person, Placement, Request, Return, Setting};

/// The return as the XML file for `year`.
pub fn write(r: &Return, year: Year) -> String {
    let mut w = Writer::new();
    let mut v = |w: &mut Writer, tag: &str, value: Option<&str>| {
        if year.collects(tag) {
            w.value(tag, value);
        }
    };
    w.open("Message");
    w.open("Header");
    w.open("CollectionDetails");
    v(&mut w, "Collection", Some("SEN2"));
    v(&mut w, "Year", Some(&r.header.year));
    v(&mut w, "ReferenceDate", Some(&r.header.reference_date));
    w.close("CollectionDetails");
    w.open("Source");
    let h = &r.header;
    for (tag, value) in [
        ("SourceLevel", Some("L")),
        ("LEA", Some(h.lea.as_str())),
        ("SoftwareCode", Some(h.software_code.as_str())),
        ("Release", Some(h.release.as_str())),
        ("SerialNo", Some(h.serial_no.as_str())),
        ("DateTime", Some(h.date_time.as_str())),
        ("DMO", Some(h.dmo.as_str())),
        ("DCO", Some(h.dco.as_str())),
        ("DSCO", h.dsco.as_deref()),
    ] {
        v(&mut w, tag, value);
    }
    w.close("Source");
    w.close("Header");
    w.open("Persons");
    for p in &r.persons {
        person(&mut w, &mut v, p);
    }
    w.close("Persons");
    w.close("Message");
    w.finish()
}

type Value<'a> = dyn FnMut(&mut Writer, &str, Option<&str>) + 'a;

fn person(w: &mut Writer, v: &mut Value<'_>, p: &Person) {
    w.open("Person");
    for (tag, value) in [
        ("Surname", Some(p.surname.as_str())),
        ("Forename", Some(p.forename.as_str())),
        ("PersonBirthDate", Some(p.birth_date.as_str())),
        ("Sex", Some(p.sex.as_str())),
        ("Ethnicity", Some(p.ethnicity.as_str())),
        ("PostCode", p.postcode.as_deref()),
        ("UPN", p.upn.as_deref()),
        ("UniqueLearnerNumber", p.uln.as_deref()),
        ("UPNunknown", p.upn_unknown.as_deref()),
    ] {
        v(w, tag, value);
    }
    for r in &p.requests {
        request(w, v, r);
    }
    w.close("Person");
}

fn request(w: &mut Writer, v: &mut Value<'_>, r: &Request) {
    w.open("Requests");
    for (tag, value) in [
        ("ReceivedDate", r.received_date.as_deref()),
        ("RequestSource", r.request_source.as_deref()),
        ("RYA", r.rya.as_deref()),
        ("RequestOutcomeDate", r.outcome_date.as_deref()),
        ("RequestOutcome", Some(r.outcome.as_str())),
        ("RequestMediation", r.mediation.as_deref()),
        ("RequestTribunal", r.tribunal.as_deref()),
        ("Exported", r.exported.as_deref()),
    ] {
        v(w, tag, value);
    }
    if let Some(a) = &r.assessment {
        assessment(w, v, a);
    }
    if let Some(a) = &r.active {
        active(w, v, a);
    }
    w.close("Requests");
}

fn assessment(w: &mut Writer, v: &mut Value<'_>, a: &Assessment) {
    w.open("Assessment");
    for (tag, value) in [
        ("AssessmentOutcome", Some(a.outcome.as_str())),
        ("AssessmentOutcomeDate", a.outcome_date.as_deref()),
        ("AssessmentMediation", a.mediation.as_deref()),
        ("AssessmentTribunal", a.tribunal.as_deref()),
        ("OtherMediation", a.other_mediation.as_deref()),
        ("OtherTribunal", a.other_tribunal.as_deref()),
        ("Week20", a.week20.as_deref()),
    ] {
        v(w, tag, value);
    }
    if let Some(n) = &a.named_plan {
        named_plan(w, v, n);
    }
    w.close("Assessment");
}

fn named_plan(w: &mut Writer, v: &mut Value<'_>, n: &NamedPlan) {
    w.open("NamedPlan");
    v(w, "StartDate", Some(&n.start_date));
    for s in &n.details {
        w.open("PlanDetail");
        setting(w, v, s);
        flags(w, v, s);
        w.close("PlanDetail");
    }
    for (tag, value) in [
        ("PlanRes", n.plan_res.as_deref()),
        ("PlanWBP", n.plan_wbp.as_deref()),
        ("PB", n.pb.as_deref()),
        ("OA", n.oa.as_deref()),
        ("DP", n.dp.as_deref()),
        ("CeaseDate", n.cease_date.as_deref()),
        ("CeaseReason", n.cease_reason.as_deref()),
    ] {
        v(w, tag, value);
    }
    w.close("NamedPlan");
}

fn setting(w: &mut Writer, v: &mut Value<'_>, s: &Setting) {
    for (tag, value) in [
        ("URN", s.urn.as_deref()),
        ("UKPRN", s.ukprn.as_deref()),
        ("SENsetting", s.sen_setting.as_deref()),
        ("SENSettingOther", s.sen_setting_other.as_deref()),
        ("PlacementRank", Some(s.rank.as_str())),
    ] {
        v(w, tag, value);
    }
}

fn flags(w: &mut Writer, v: &mut Value<'_>, s: &Setting) {
    v(w, "SENunitIndicator", Some(&s.sen_unit));
    v(
        w,
        "ResourcedProvisionIndicator",
        Some(&s.resourced_provision),
    );
}

fn active(w: &mut Writer, v: &mut Value<'_>, a: &ActivePlans) {
    w.open("ActivePlans");
    v(w, "TransferLA", a.transfer_la.as_deref());
    for p in &a.placements {
        placement(w, v, p);
    }
    for (t, rank) in &a.needs {
        w.open("SENneed");
        v(w, "SENtype", Some(t));
        v(w, "SENtypeRank", Some(rank));
        w.close("SENneed");
    }
    for (tag, value) in [
        ("ReviewMeeting", a.review_meeting.as_deref()),
        ("ReviewOutcome", a.review_outcome.as_deref()),
        ("ReviewDraft", a.review_draft.as_deref()),
        ("PhaseTransferDueDate", a.phase_transfer_due.as_deref()),
        ("PhaseTransferFinalDate", a.phase_transfer_final.as_deref()),
        ("LastReview", a.last_review.as_deref()),
    ] {
        v(w, tag, value);
    }
    w.close("ActivePlans");
}

fn placement(w: &mut Writer, v: &mut Value<'_>, p: &Placement) {
    w.open("PlacementDetail");
    setting(w, v, &p.setting);
    v(w, "EntryDate", Some(&p.entry_date));
    v(w, "LeavingDate", p.leaving_date.as_deref());
    flags(w, v, &p.setting);
    v(w, "Res", p.res.as_deref());
    v(w, "WBP", p.wbp.as_deref());
    w.close("PlacementDetail");
}
