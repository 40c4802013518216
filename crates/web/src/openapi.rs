//! The OpenAPI 3.1 document served at `/api/openapi.json`: every route, its parameters,
//! answers and problems, and every step's payload schema generated from the Rust payload
//! types.

use sendscope_domain::EventBody;
use sendscope_domain::access::Role;
use serde_json::{Value, json};

/// The roles, as the API names them.
fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

/// The OpenAPI 3.1 description of /api/v1. Kept beside the handlers; a test compares it
/// with the committed snapshot and checks real responses against its schemas.
/// Each step's payload schema, generated from the Rust payload types, added to the
/// document: the definitions under `payload.<Type>`, and on each step's request body a
/// `oneOf` pairing every step type with its payload.
fn add_payload_schemas(doc: &mut Value) {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    let mut generator = settings.into_generator();
    let payloads = EventBody::payload_schemas(&mut generator);
    // A request for assessment and the possible matches it may meet, from their types.
    generator.subschema_for::<sendscope_app::intake::NewRequest>();
    generator.subschema_for::<sendscope_app::intake::PossibleMatch>();
    let definitions = generator.take_definitions(true);
    // Generated names go under `payload.` so they cannot meet the document's own.
    fn prefixed(mut v: Value) -> Value {
        match &mut v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "$ref"
                        && let Some(r) = x.as_str()
                    {
                        *x = Value::String(r.replacen(
                            "#/components/schemas/",
                            "#/components/schemas/payload.",
                            1,
                        ));
                    } else {
                        *x = prefixed(std::mem::take(x));
                    }
                }
            }
            Value::Array(a) => {
                for x in a.iter_mut() {
                    *x = prefixed(std::mem::take(x));
                }
            }
            _ => {}
        }
        v
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for (name, schema) in definitions {
            schemas.insert(format!("payload.{name}"), prefixed(schema));
        }
        // An audit as it is asked for: sendscope fills in its number, rubric and grade
        // (from the scores, by the area's rubric in force), so they are not sent.
        if let Some(mut audit) = schemas.get("payload.PlanAudited").cloned() {
            let filled = ["audit", "rubric_id", "grade"];
            if let Some(r) = audit["required"].as_array_mut() {
                r.retain(|k| !filled.iter().any(|f| k == f));
            }
            for f in filled {
                if let Some(p) = audit["properties"].get_mut(f) {
                    p["readOnly"] = json!(true);
                }
            }
            audit["description"] = json!(
                "An audit as recorded through the API: audit, rubric_id and grade are filled in by sendscope (the grade from the scores, by the area's rubric in force on the audit's date); leave them out"
            );
            schemas.insert("payload.PlanAuditedRequest".into(), audit);
        }
    }
    let alternatives = |keep: &dyn Fn(&str) -> bool| -> Value {
        payloads
            .iter()
            .filter(|(t, _)| keep(t))
            .map(|(t, schema)| {
                let schema = if *t == "case.plan_audited" {
                    json!({ "$ref": "#/components/schemas/payload.PlanAuditedRequest" })
                } else {
                    prefixed(schema.as_value().clone())
                };
                json!({
                    "required": ["type", "payload"],
                    "properties": { "type": { "const": t }, "payload": schema }
                })
            })
            .collect::<Vec<_>>()
            .into()
    };
    doc["components"]["schemas"]["StepRequest"]["oneOf"] =
        alternatives(&|t| sendscope_app::steps::api_step_types().any(|s| s == t));
    doc["paths"]["/api/v1/provisions/{id}/steps"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["oneOf"] = alternatives(&|t| t.starts_with("provision."));
}

/// The OpenAPI 3.1 document, built once (its step payload schemas are generated from the
/// Rust types, which is not work for every request).
pub fn openapi() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(document)
}

fn document() -> Value {
    let nullable = |t: &str| json!({ "type": [t, "null"] });
    let date = json!({ "type": "string", "format": "date" });
    let named = json!({
        "type": "object", "required": ["id", "name"],
        "properties": { "id": nullable("string"), "name": { "type": "string" } }
    });
    let problem_ref = json!({ "$ref": "#/components/responses/Problem" });
    let page_of = |item: &str| {
        json!({
            "type": "object", "required": ["items", "next"],
            "properties": {
                "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
                "next": { "type": ["string", "null"], "description": "Pass as `after` for the next page; null on the last page." }
            }
        })
    };
    let ok = |schema: &str, description: &str| json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    let param = |name: &str, description: &str| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": description });
    let path_id = |description: &str| json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" }, "description": description });
    let errors = |codes: &[&str]| -> Value {
        codes
            .iter()
            .map(|c| (c.to_string(), problem_ref.clone()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let with = |mut ok: Value, codes: &[&str]| {
        if let (Some(o), Value::Object(e)) = (ok.as_object_mut(), errors(codes)) {
            o.extend(e);
        }
        ok
    };
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "sendscope API",
            "version": "1",
            "description": "Children's SEND records, settings and figures for one local area, with the same role-based access as the web pages. \
                Authenticate with `Authorization: Bearer <token>` (tokens from `sendscope token create --user NAME`). \
                Every view of a child's record is logged. A record you may not see is reported as not found. Errors are RFC 9457 problem details.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" }
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/me": { "get": {
                "operationId": "me", "summary": "The account the token acts as",
                "responses": with(json!({ "200": ok("Me", "The token's account") }), &["401"])
            }},
            "/api/v1/teams": { "post": {
                "operationId": "addTeam", "summary": "Add a team to the area's council (administrators)",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } } } } },
                "responses": with(json!({ "201": ok("SetUp", "Added") }), &["400", "401", "403", "422"])
            }},
            "/api/v1/staff": { "post": {
                "operationId": "addStaff", "summary": "Add a member of the council's staff to a team, by the team's name (administrators)",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["name", "team"],
                    "properties": { "name": { "type": "string" }, "team": { "type": "string", "description": "The team's name" },
                        "job": { "type": "string", "description": "caseworker (the default), team_manager, commissioner, health_professional, senco, educational_psychologist or administrator" } } } } } },
                "responses": with(json!({ "201": ok("SetUp", "Added") }), &["400", "401", "403", "422"])
            }},
            "/api/v1/accounts": { "post": {
                "operationId": "addAccount", "summary": "Create an account, linked as a person names things (administrators)",
                "description": "staff by name; team by name (a caseworker's is their own); setting by URN; child by the record's reference or UPN; person (a parent carer) by their name on the child's record.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["username", "role", "password"],
                    "properties": { "username": { "type": "string" }, "role": { "type": "string", "enum": role_names() },
                        "password": { "type": "string", "description": "At least 12 characters" },
                        "staff": { "type": "string" }, "team": { "type": "string" }, "setting": { "type": "string" },
                        "child": { "type": "string" }, "person": { "type": "string" } } } } } },
                "responses": with(json!({ "201": ok("SetUp", "Created") }), &["400", "401", "403", "422"])
            }},
            "/api/v1/figures": { "get": {
                "operationId": "figures", "summary": "Headline counts for your local area (aggregates only)",
                "responses": with(json!({ "200": ok("Figures", "Counts") }), &["401", "403"])
            }},
            "/api/v1/cases": { "post": {
                "operationId": "recordRequest",
                "summary": "Record a request for an EHC needs assessment, opening the child's record if they are new (caseworkers and team managers)",
                "description": "The child is found before anything is written: the same UPN or NHS number is the same child, and the request goes on their record (`existing`: true, `why` says how it was matched). \
                    A similar name with the same date of birth answers 409 with the possible matches and writes nothing: send the request again with `existing_case` set to the child's record, or `not_a_match`: true. \
                    A received date before today is a record made later, kept with its real date; a date after today is refused.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/payload.NewRequest" } } } },
                "responses": with(json!({
                    "201": ok("RequestRecorded", "Recorded, with the record's deadlines now"),
                    "409": ok("PossibleMatches", "Possible matches: nothing was written")
                }), &["400", "401", "403", "422"])
            }, "get": {
                "operationId": "listCases",
                "summary": "Children's records you may open, newest activity first",
                "description": "Caseworkers and team managers see their team's cases; schools the children placed with or consulting them; \
                    parent carers the children they hold recorded parental responsibility for; young people their own record. \
                    Commissioners and health professionals open records by reference: give `case`.",
                "parameters": [
                    param("name", "Any part of the child's or a parent's name (any case, accents ignored), a UPN, an NHS number or a date of birth (YYYY-MM-DD or DD/MM/YYYY); every word must match"),
                    param("upn", "Unique pupil number"),
                    param("case", "Case reference (a UUID)"),
                    param("stage", "One of the stage codes in CaseSummary.stage"),
                    param("need", "A SEN2 need type code, e.g. ASD"),
                    param("setting", "Setting attended (a UUID)"),
                    param("caseworker", "Assigned caseworker (a UUID)"),
                    param("limit", "Page size, 1 to 100 (default 25)"),
                    param("after", "The `next` cursor of the previous page")
                ],
                "responses": with(json!({ "200": ok("CasePage", "One page of records") }), &["400", "401", "403"])
            }},
            "/api/v1/cases/{id}": { "get": {
                "operationId": "getCase", "summary": "One child's record; the view is logged",
                "parameters": [path_id("Case reference")],
                "responses": with(json!({ "200": ok("Case", "The record as your role may see it") }), &["401", "404"])
            }},
            "/api/v1/cases/{id}/deadlines": { "get": {
                "operationId": "getCaseDeadlines", "summary": "Every statutory deadline on a record: rule, due date, state, days early or late; the view is logged",
                "parameters": [path_id("Case reference")],
                "responses": with(json!({ "200": ok("Deadlines", "The deadlines, worked out for today in England") }), &["401", "404"])
            }},
            "/api/v1/cases/{id}/plan": { "get": {
                "operationId": "getCasePlan", "summary": "The EHC plan as a document: every version (drafts, the issued plan, amendments) whole, section by section, and what changed in the one shown; the view is logged",
                "parameters": [path_id("Case reference"), { "name": "version", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1 }, "description": "Which version to show and compare with the one before (default: the latest)" }],
                "responses": with(json!({ "200": ok("PlanDocument", "The plan") }), &["400", "401", "404"])
            }},
            "/api/v1/cases/{id}/plan.pdf": { "get": {
                "operationId": "getCasePlanPdf", "summary": "The EHC plan as a tagged, accessible PDF (sent as a download); the view is logged",
                "parameters": [path_id("Case reference"), { "name": "version", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1 }, "description": "Which version (default: the latest)" }],
                "responses": with(json!({ "200": { "description": "The plan as PDF", "content": { "application/pdf": { "schema": { "type": "string", "format": "binary" } } } } }), &["400", "401", "404"])
            }},
            "/api/v1/advice-requests": { "get": {
                "operationId": "listAdviceRequests", "summary": "Advice asked of your service for assessments: open first, soonest due, then given; each child listed is a logged view",
                "responses": with(json!({ "200": ok("AdviceRequests", "What is asked of you") }), &["401"])
            }},
            "/api/v1/partnership": { "get": {
                "operationId": "getPartnership", "summary": "The area's partnership record: each improvement-plan action with its RAG worked out from its dates, milestones and trajectory (never typed in), the risks with their scores and escalation, and the minutes published",
                "responses": with(json!({ "200": { "description": "The partnership's record", "content": { "application/json": { "schema": { "type": "object" } } } } }), &["401", "403", "404"])
            }},
            "/api/v1/partnership/steps": { "post": {
                "operationId": "recordPartnershipStep", "summary": "Record a step on the area's partnership record (partnership.started first; priorities, actions, milestones, evidence, commentary, change requests and decisions, risks and reviews, board members, meetings, minutes drafted and approved). Minutes that identify a child are refused, saying where",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["type", "payload"],
                    "properties": { "type": { "type": "string", "description": "A partnership.… event type" }, "payload": { "type": "object" },
                        "board_report": { "type": "boolean", "description": "With partnership.meeting_held: keep the board report as it stands on the meeting's day as the meeting's paper, with its SHA-256" } } } } } },
                "responses": with(json!({ "201": { "description": "Recorded", "content": { "application/json": { "schema": { "type": "object" } } } } }), &["400", "401", "403", "422"])
            }},
            "/api/v1/capital-projects": { "get": {
                "operationId": "listCapitalProjects", "summary": "The area's capital projects: each one record with the provisions it funds (places and share), every decision with who made it and why (approved, refused, or deferred pending something such as viable-options evidence), and spend to date",
                "responses": with(json!({ "200": { "description": "The projects", "content": { "application/json": { "schema": { "type": "object" } } } } }), &["401", "403"])
            }},
            "/api/v1/capital-projects/steps": { "post": {
                "operationId": "recordCapitalProjectStep", "summary": "Record a step on a capital project (capital_project.proposed starts one and answers its identifier; then provision_funded, decided, spent). Commissioners and team managers; shares cannot come to more than the project; a deferral says what it waits for",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["type", "payload"],
                    "properties": { "project": { "type": "string", "format": "uuid", "description": "The project (leave out for capital_project.proposed)" },
                        "type": { "type": "string", "description": "A capital_project.… event type" }, "payload": { "type": "object" },
                        "reason": { "type": "string", "description": "A note for the record, kept beside the step" } } } } } },
                "responses": with(json!({ "201": { "description": "Recorded: the project's identifier", "content": { "application/json": { "schema": { "type": "object" } } } } }), &["400", "401", "403", "404", "422"])
            }},
            "/api/v1/complaints": { "get": {
                "operationId": "listComplaints", "summary": "The complaints register of the records you handle: open first, soonest due, then answered; the response due by the council's complaints policy; each child listed is a logged view",
                "parameters": [{ "name": "all", "in": "query", "required": false, "schema": { "type": "boolean" }, "description": "Include complaints already answered (default: only those waiting)" }],
                "responses": with(json!({ "200": ok("Complaints", "The register") }), &["401", "403"])
            }},
            "/api/v1/cases/{id}/advice": { "post": {
                "operationId": "giveAdvice", "summary": "Give the advice asked of your service: words, a report, or both; recorded as received today (the clock stops)",
                "parameters": [path_id("Case reference")],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": {
                    "type": "object", "required": ["request", "service"],
                    "properties": { "request": { "type": "integer" },
                        "service": { "type": "string", "enum": ["education", "educational_psychology", "health", "social_care"] },
                        "advice": { "type": "string", "description": "The advice in your words" },
                        "file": { "type": "string", "format": "binary", "description": "Your report: PDF, .docx, PNG or JPEG up to 20 MB" } } } } } },
                "responses": with(json!({ "201": { "description": "Given", "content": { "application/json": { "schema": { "type": "object" } } } } }), &["400", "401", "403", "404", "422"])
            }},
            "/api/v1/cases/{id}/documents": { "post": {
                "operationId": "addDocument", "summary": "Put a document on a child's record: a PDF, Word document (.docx), PNG or JPEG up to 20 MB",
                "description": "The file's content decides its type: a name that says another type, or content of a type not accepted, is refused and nothing is kept. \
                    Staff who record casework may add any kind; a health professional or school, advice (a school also review paperwork) for a child whose record they can see; \
                    a parent or young person, views and evidence on their own record.",
                "parameters": [path_id("Case reference")],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": {
                    "type": "object", "required": ["file", "title", "kind"],
                    "properties": { "file": { "type": "string", "format": "binary" },
                        "title": { "type": "string", "description": "What it is, in words" },
                        "kind": { "type": "string", "enum": ["advice", "review", "letter", "views", "evidence", "other"] } } } } } },
                "responses": with(json!({ "201": ok("DocumentAdded", "Added") }), &["400", "401", "403", "404", "422"])
            }},
            "/api/v1/cases/{id}/documents/{sha256}": { "get": {
                "operationId": "getDocument", "summary": "A document on a record, as a download (never inline); the view is logged",
                "parameters": [path_id("Case reference"), { "name": "sha256", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The document's SHA-256, from the record's documents" }],
                "responses": with(json!({ "200": { "description": "The document", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } } }), &["401", "404"])
            }},
            "/api/v1/cases/{id}/steps": { "post": {
                "operationId": "recordStep", "summary": "Record a casework step (caseworkers and team managers)",
                "description": "The step is checked against the law's order of events. A step that cannot be recorded yet answers 422                     with a problem whose detail says what must happen first, and nothing is written.",
                "parameters": [path_id("Case reference")],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/StepRequest" } } } },
                "responses": with(json!({ "201": ok("StepRecorded", "Recorded, with the record's deadlines now") }), &["400", "401", "403", "404", "422"])
            }},
            "/api/v1/cases/{id}/events/{seq}/correction": { "post": {
                "operationId": "correctStep", "summary": "Correct a recorded step: its whole payload as it should have been, and why",
                "description": "The step keeps its place in the history beside what it became, who corrected it and why; every clock and figure reads the corrected values. \
                    Letters cannot be corrected. A corrected date after today is refused.",
                "parameters": [path_id("Case reference"), { "name": "seq", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "The step's seq, from the record's events" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["payload", "reason"],
                    "properties": { "payload": { "type": "object", "description": "The step's fields as they should have been (the step type's payload)" },
                        "reason": { "type": "string", "description": "Why: kept with the correction and shown beside it" } } } } } },
                "responses": with(json!({ "201": ok("Amendment", "Corrected") }), &["400", "401", "403", "404", "422"])
            }},
            "/api/v1/cases/{id}/merge": { "post": {
                "operationId": "mergeCase", "summary": "Join a duplicate record of the same child into this one (team managers)",
                "description": "This record goes on; the duplicate keeps its history, linked to this one, and no longer counts in any list or figure. Nothing is copied across.",
                "parameters": [path_id("The record that goes on")],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["duplicate", "reason"],
                    "properties": { "duplicate": { "type": "string", "description": "The duplicate record's reference" },
                        "reason": { "type": "string", "description": "Why they are the same child" } } } } } },
                "responses": with(json!({ "201": { "description": "Merged", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["case", "merged"],
                    "properties": { "case": { "type": "string" }, "merged": { "type": "string" } } } } } } }), &["400", "401", "403", "404", "422"])
            }},
            "/api/v1/cases/{id}/events/{seq}/void": { "post": {
                "operationId": "voidStep", "summary": "Void a step recorded by mistake, saying why",
                "description": "The step stays in the history, marked void, and no longer counts in any clock or figure.",
                "parameters": [path_id("Case reference"), { "name": "seq", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "The step's seq, from the record's events" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["reason"],
                    "properties": { "reason": { "type": "string", "description": "Why: kept with the void and shown beside it" } } } } } },
                "responses": with(json!({ "201": ok("Amendment", "Voided") }), &["400", "401", "403", "404", "422"])
            }},
            "/api/v1/provisions/{id}/steps": { "post": {
                "operationId": "recordProvisionStep", "summary": "The provisions register (commissioners and team managers)",
                "description": "Open a provision (provision.opened, with an identifier you make), then record its places, costs, service level agreements, \
                    approval applications and decisions (significant change or prescribed alteration; a decision may approve a number of places or a set of need types), \
                    changes of need type (provision.need_types_changed), capital (with a project reference) and its spend to date (provision.capital_spent), \
                    viable-options evidence and closure. \
                    Steps out of order answer 422 and write nothing. Children cannot be named into a SEN unit or resourced provision before its approval takes effect.",
                "parameters": [path_id("Provision identifier")],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["type", "payload"],
                    "properties": { "type": { "type": "string" }, "payload": { "type": "object" }, "reason": { "type": "string" } } } } } },
                "responses": with(json!({ "201": { "description": "Recorded", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["seq", "provision", "type"],
                    "properties": { "seq": { "type": "integer" }, "provision": { "type": "string" }, "type": { "type": "string" } } } } } } }),
                    &["400", "401", "403", "404", "422"])
            }},
            "/api/v1/settings": { "get": {
                "operationId": "listSettings", "summary": "Schools and other settings in your local area",
                "parameters": [param("limit", "Page size, 1 to 100 (default 100)"), param("after", "The `next` cursor of the previous page")],
                "responses": with(json!({ "200": ok("SettingPage", "One page of settings") }), &["400", "401", "403"])
            }},
            "/api/v1/settings/{id}": { "get": {
                "operationId": "getSetting", "summary": "One setting: provisions, places, costs and children placed",
                "parameters": [path_id("Setting identifier")],
                "responses": with(json!({ "200": ok("Setting", "The setting") }), &["401", "403", "404"])
            }}
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "A token from `sendscope token create`" } },
            "responses": {
                "Problem": { "description": "An RFC 9457 problem", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
            },
            "schemas": {
                "Problem": {
                    "type": "object", "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
                        "detail": { "type": "string", "description": "What went wrong and how to put it right" },
                        "invalid-params": { "type": "array", "items": { "type": "object", "required": ["name", "reason"],
                            "properties": { "name": { "type": "string" }, "reason": { "type": "string" } } } }
                    }
                },
                "Me": {
                    "type": "object", "required": ["username", "role", "area_id"],
                    "properties": { "username": { "type": "string" }, "role": { "type": "string", "enum": role_names() }, "area_id": { "type": "string" } }
                },
                "Figures": {
                    "type": "object",
                    "required": ["area_id", "name", "la_code", "plans_in_place", "requests_in_progress", "plans_ceased", "settings", "staff", "suppress_below"],
                    "properties": {
                        "area_id": { "type": "string" }, "name": { "type": "string" }, "la_code": { "type": "string" },
                        "plans_in_place": { "type": "integer" }, "requests_in_progress": { "type": "integer" }, "plans_ceased": { "type": "integer" },
                        "settings": { "type": "integer" }, "staff": { "type": "integer" }, "suppress_below": { "type": "integer" }
                    }
                },
                "CaseSummary": {
                    "type": "object",
                    "required": ["id", "family_name", "given_names", "birth_date", "upn", "stage", "stage_label", "primary_need"],
                    "properties": {
                        "id": { "type": "string" }, "family_name": { "type": "string" }, "given_names": { "type": "string" },
                        "birth_date": { "type": ["string", "null"], "format": "date" }, "upn": nullable("string"),
                        "stage": { "type": "string", "enum": sendscope_domain::Stage::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>() },
                        "stage_label": { "type": "string" }, "primary_need": nullable("string")
                    }
                },
                "CasePage": page_of("CaseSummary"),
                "Named": named,
                "Case": {
                    "type": "object",
                    "required": ["id", "stage", "stage_label", "child", "plan", "caseworker", "team", "placements", "people", "deadlines", "can_record_steps", "letters", "audits", "can_audit", "has_plan_document", "documents", "can_add_documents", "events"],
                    "properties": {
                        "id": { "type": "string" }, "stage": { "type": "string" }, "stage_label": { "type": "string" },
                        "child": { "type": ["object", "null"], "required": ["given_names", "family_name", "birth_date", "upn"],
                            "properties": { "given_names": { "type": "string" }, "family_name": { "type": "string" }, "birth_date": date, "upn": nullable("string") } },
                        "plan": { "type": ["object", "null"], "required": ["issued", "needs", "named_settings", "last_review"],
                            "properties": {
                                "issued": date,
                                "needs": { "type": "array", "items": { "type": "object", "required": ["code", "description", "rank"],
                                    "properties": { "code": { "type": "string" }, "description": { "type": "string" }, "rank": { "type": "integer" } } } },
                                "named_settings": { "type": "array", "items": { "$ref": "#/components/schemas/Named" } },
                                "last_review": { "type": ["string", "null"], "format": "date" }
                            } },
                        "caseworker": { "oneOf": [{ "$ref": "#/components/schemas/Named" }, { "type": "null" }] },
                        "team": { "oneOf": [{ "$ref": "#/components/schemas/Named" }, { "type": "null" }] },
                        "placements": { "type": "array", "items": { "type": "object", "required": ["setting", "start", "end"],
                            "properties": { "setting": { "$ref": "#/components/schemas/Named" }, "start": date, "end": { "type": ["string", "null"], "format": "date" } } } },
                        "people": { "type": "array", "items": { "type": "object", "required": ["name", "relationship", "parental_responsibility"],
                            "properties": { "name": { "type": "string" }, "relationship": { "type": "string" }, "parental_responsibility": { "type": "boolean" } } } },
                        "deadlines": { "type": "array", "description": "Every statutory deadline with its state today; exceptions are flags and never move a due date",
                            "items": { "$ref": "#/components/schemas/Deadline" } },
                        "can_record_steps": { "type": "boolean", "description": "Whether you may record casework steps on this record" },
                        "can_merge": { "type": "boolean", "description": "Whether you may merge a duplicate record of the child into this one (team managers)" },
                        "letters": { "type": "array", "description": "Letters to the family, as issued; sent is null while a letter waits in the outbox",
                            "items": { "type": "object", "required": ["letter", "kind", "subject", "issued", "sent", "via"],
                                "properties": { "letter": { "type": "integer" }, "kind": { "type": "string" }, "subject": { "type": "string" }, "issued": date,
                                    "sent": { "type": ["string", "null"], "format": "date" }, "via": nullable("string") } } },
                        "audits": { "type": "array", "description": "Quality audits of the plan, newest first; the grade comes from the scores by the area's rubric",
                            "items": { "type": "object", "required": ["audit", "on", "service", "grade", "grade_label", "rubric_id", "scores"],
                                "properties": { "audit": { "type": "integer" }, "on": date,
                                    "service": { "type": "string", "enum": ["education", "health", "social_care"] },
                                    "grade": { "type": "string", "enum": ["outstanding", "good", "requires_improvement", "inadequate"] },
                                    "grade_label": { "type": "string" }, "rubric_id": { "type": "string" },
                                    "scores": { "type": "object", "additionalProperties": { "type": "integer" } } } } },
                        "can_audit": { "type": "boolean", "description": "Whether you may audit the plan's quality" },
                        "has_plan_document": { "type": "boolean", "description": "Whether there is a plan to read (a draft served, or a plan): GET /api/v1/cases/{id}/plan" },
                        "documents": { "type": "array", "description": "Documents on the record, newest first", "items": { "$ref": "#/components/schemas/Document" } },
                        "can_add_documents": { "type": "array", "items": { "type": "string" }, "description": "The kinds of document you may add here (none: you may add none)" },
                        "notes": { "type": "array", "description": "Case notes and contacts, newest first: only for those who record casework", "items": {
                            "type": "object", "required": ["on", "kind", "with_whom", "summary", "by"],
                            "properties": { "on": date, "kind": { "type": "string" }, "with_whom": { "type": "string" }, "summary": { "type": "string" }, "by": { "type": "string" } } } },
                        "letters_to_write": { "type": "array", "description": "Staff who record casework: the letters that can be written now",
                            "items": { "type": "object", "required": ["kind", "title"], "properties": { "kind": { "type": "string" }, "title": { "type": "string" } } } },
                        "who_can_see": { "type": "array", "description": "Parent carers and young people only: everyone else who can open the record",
                            "items": { "type": "object", "required": ["kind", "name"],
                                "properties": { "kind": { "type": "string", "enum": ["caseworker", "team", "setting", "health", "educational_psychology", "social_care", "person", "young_person"] }, "name": { "type": "string" } } } },
                        "viewed_by": { "type": "array", "description": "Team managers only: who viewed the record, newest first (at most 50)",
                            "items": { "type": "object", "required": ["at", "username", "role", "via"],
                                "properties": { "at": { "type": "string" }, "username": { "type": "string" }, "role": { "type": "string" }, "via": { "type": "string" } } } },
                        "events": { "type": "array", "items": { "type": "object",
                            "required": ["seq", "type", "effective_date", "recorded_at", "actor", "recorded_later"],
                            "properties": { "seq": { "type": "integer" }, "type": { "type": "string" }, "effective_date": date,
                                "recorded_at": { "type": "string" }, "actor": { "type": "string" }, "recorded_later": { "type": "boolean" },
                                "reason": { "type": ["string", "null"], "description": "Why it was recorded: a correction's or a void's reason" },
                                "correctable": { "type": "boolean", "description": "A step that may be corrected or voided" },
                                "amended": { "type": ["object", "null"], "description": "What became of the step: its corrections (event, reason) with its values now, or its void",
                                    "properties": { "corrections": { "type": "array" }, "now": {}, "voided": {} } } } } }
                    }
                },
                "Deadline": {
                    "type": "object",
                    "required": ["key", "step", "source", "trigger", "due", "done", "state", "days", "summary", "rule", "exceptions"],
                    "properties": {
                        "key": { "type": "string" }, "step": { "type": "string" }, "source": { "type": "string" },
                        "trigger": { "type": "string", "format": "date", "description": "Day 0 of the rule; for a rule counted back from an event (before 15 February, 2 weeks before a meeting) that event" },
                        "due": date, "done": { "type": ["string", "null"], "format": "date" },
                        "state": { "type": "string", "enum": ["upcoming", "overdue", "met_on_time", "met_late", "open", "closed"] },
                        "days": { "type": "integer", "description": "Days left (upcoming, open) or days late (overdue, met late)" },
                        "days_early": { "type": "integer", "description": "Met on time: days before the due date" },
                        "days_late": { "type": "integer", "description": "Met late or overdue: days after the due date" },
                        "days_left": { "type": "integer", "description": "Upcoming or open: days until the due date, 0 on the day" },
                        "summary": { "type": "string" },
                        "request": { "type": "integer", "description": "The request it belongs to" },
                        "rule": { "type": "object", "required": ["key", "source", "period", "kind", "in_force_from"],
                            "properties": {
                                "key": { "type": "string" }, "source": { "type": "string" },
                                "period": { "type": "object", "required": ["kind"], "description": "How the limit is counted: weeks, days, days_beginning_with, months, working_days, before (a fixed day), weeks_before, months_before",
                                    "properties": { "kind": { "type": "string" }, "n": { "type": "integer" }, "month": { "type": "integer" }, "day": { "type": "integer" } } },
                                "kind": { "type": "string", "enum": ["duty", "window"] },
                                "in_force_from": date
                            } },
                        "exceptions": { "type": "array", "items": { "type": "object", "required": ["kind", "evidence", "recorded_by", "recorded_on"],
                            "properties": { "kind": { "type": "string" }, "evidence": { "type": "string" }, "recorded_by": { "type": "string" },
                                "recorded_on": { "type": ["string", "null"], "format": "date" } } } }
                    }
                },
                "AdviceRequests": {
                    "type": "object", "required": ["advice_requests"],
                    "properties": { "advice_requests": { "type": "array", "items": {
                        "type": "object", "required": ["case", "child", "request", "service", "requested_on", "due", "received_on", "state", "days"],
                        "properties": { "case": { "type": "string" }, "child": { "type": "string" }, "request": { "type": "integer" },
                            "service": { "type": "string" }, "requested_on": date, "due": date,
                            "received_on": { "type": ["string", "null"], "format": "date" },
                            "state": { "type": "string", "enum": ["due", "overdue", "on_time", "late"] },
                            "days": { "type": "integer", "description": "Days left (due) or days late (overdue, late)" } } } } }
                },
                "Complaints": {
                    "type": "object", "required": ["complaints"],
                    "properties": { "complaints": { "type": "array", "items": {
                        "type": "object", "required": ["case", "child", "reference", "received_on", "about", "respond_by", "responded_on", "upheld", "state", "days"],
                        "properties": { "case": { "type": "string" }, "child": { "type": "string" }, "reference": { "type": "string" },
                            "received_on": date, "about": { "type": "string" }, "respond_by": date,
                            "responded_on": { "type": ["string", "null"], "format": "date" },
                            "upheld": { "type": ["boolean", "null"] },
                            "response": { "type": "string", "description": "The response as sent (absent until answered)" },
                            "state": { "type": "string", "enum": ["due", "overdue", "on_time", "late"] },
                            "days": { "type": "integer", "description": "Days left (due) or days late (overdue, late)" } } } } }
                },
                "Document": {
                    "type": "object", "required": ["sha256", "title", "file_name", "media_type", "kind", "size", "on", "added_by"],
                    "properties": { "sha256": { "type": "string" }, "title": { "type": "string" }, "file_name": { "type": "string" },
                        "media_type": { "type": "string" }, "kind": { "type": "string" }, "size": { "type": "integer" }, "on": date,
                        "added_by": { "type": "string", "description": "Who added it, as the event's actor" } }
                },
                "DocumentAdded": {
                    "type": "object", "required": ["sha256", "title", "file_name", "media_type", "kind", "size", "on", "added_by"],
                    "properties": { "sha256": { "type": "string" }, "title": { "type": "string" }, "file_name": { "type": "string" },
                        "media_type": { "type": "string", "enum": ["pdf", "docx", "png", "jpeg"] }, "kind": { "type": "string" }, "size": { "type": "integer" }, "on": date,
                        "added_by": { "type": "string" } }
                },
                "PlanDocument": {
                    "type": "object", "required": ["case", "child", "versions", "shown", "named", "changes", "appendices"],
                    "properties": {
                        "case": { "type": "string" }, "child": { "type": "string", "description": "The child's name" },
                        "versions": { "type": "array", "description": "Every version, oldest first", "items": {
                            "type": "object", "required": ["number", "kind", "on", "recorded_by", "sections", "named", "needs", "personal_budget"],
                            "properties": {
                                "number": { "type": "integer" },
                                "kind": { "type": "string", "enum": ["draft", "final", "amended", "recorded"] },
                                "on": date,
                                "recorded_by": { "type": "string", "description": "Who recorded it, as the event's actor" },
                                "sections": { "type": "object", "description": "Sections A-K as text, with E's outcomes and F's provision as lines (the payload's sections)" },
                                "named": { "type": "array", "items": { "type": "object" }, "description": "Section I: the settings named" },
                                "needs": { "type": "array", "items": { "type": "object" } },
                                "personal_budget": { "type": ["boolean", "null"] } } } },
                        "shown": { "type": "integer", "description": "The version shown" },
                        "named": { "type": "array", "items": { "type": "string" }, "description": "Section I of the version shown, by name" },
                        "appendices": { "type": "array", "items": { "type": "string" }, "description": "Section K: the advice received and the advice and reports on the record" },
                        "changes": { "type": "array", "description": "What changed from the version before the one shown, section by section", "items": {
                            "type": "object", "required": ["key", "heading", "removed", "added"],
                            "properties": { "key": { "type": "string" }, "heading": { "type": "string" },
                                "removed": { "type": "array", "items": { "type": "string" } },
                                "added": { "type": "array", "items": { "type": "string" } } } } } }
                },
                "Deadlines": {
                    "type": "object", "required": ["case", "today", "deadlines"],
                    "properties": { "case": { "type": "string" }, "today": date,
                        "deadlines": { "type": "array", "items": { "$ref": "#/components/schemas/Deadline" } } }
                },
                "StepRequest": {
                    "type": "object", "required": ["type", "payload"],
                    "properties": {
                        "type": { "type": "string", "enum": sendscope_app::steps::step_types().collect::<Vec<_>>() },
                        "payload": { "type": "object", "description": "The step's fields, as in the event catalogue (ARCHITECTURE.md); dates are YYYY-MM-DD" },
                        "reason": { "type": "string", "description": "An optional note kept with the event, e.g. why it is recorded late" },
                        "override_reason": { "type": "string", "description": "Team managers only: why a child must be named into (or placed in) a provision whose approval is not yet in effect. Recorded as case.gate_overridden beside the step and reported" }
                    }
                },
                "SetUp": { "type": "object", "description": "What was set up, by name" },
                "RequestRecorded": {
                    "type": "object", "required": ["case", "existing", "why", "deadlines"],
                    "properties": { "case": { "type": "string", "description": "The child's record (its reference)" },
                        "existing": { "type": "boolean", "description": "The request went on a record already held" },
                        "why": { "type": ["string", "null"], "description": "How an existing record was matched, e.g. the same UPN" },
                        "deadlines": { "type": "array", "items": { "$ref": "#/components/schemas/Deadline" } } }
                },
                "PossibleMatches": {
                    "type": "object", "required": ["detail", "possible_matches"],
                    "properties": { "detail": { "type": "string" },
                        "possible_matches": { "type": "array", "items": { "$ref": "#/components/schemas/payload.PossibleMatch" } } }
                },
                "Amendment": {
                    "type": "object", "required": ["seq", "case", "deadlines"],
                    "properties": { "seq": { "type": "integer", "description": "The correction's or void's own place in the log" }, "case": { "type": "string" },
                        "deadlines": { "type": "array", "items": { "$ref": "#/components/schemas/Deadline" } } }
                },
                "StepRecorded": {
                    "type": "object", "required": ["seq", "case", "type", "deadlines"],
                    "properties": { "seq": { "type": "integer" }, "case": { "type": "string" }, "type": { "type": "string" },
                        "deadlines": { "type": "array", "items": { "$ref": "#/components/schemas/Deadline" } } }
                },
                "SettingSummary": {
                    "type": "object", "required": ["id", "name", "urn", "setting_type", "phase", "trust", "low_age", "high_age"],
                    "properties": {
                        "id": { "type": "string" }, "name": { "type": "string" }, "urn": nullable("string"),
                        "setting_type": { "type": "string" }, "phase": { "type": "string" }, "trust": nullable("string"),
                        "low_age": { "type": "integer" }, "high_age": { "type": "integer" }
                    }
                },
                "SettingPage": page_of("SettingSummary"),
                "Setting": {
                    "allOf": [{ "$ref": "#/components/schemas/SettingSummary" }, {
                        "type": "object", "required": ["establishment_type", "provisions", "ofsted", "children_placed"],
                        "properties": {
                            "establishment_type": { "type": "string" },
                            "provisions": { "type": "array", "items": { "type": "object",
                                "required": ["id", "name", "kind", "kind_label", "designated_needs", "academic_year", "places", "financial_year", "cost_per_place_pence", "approval"],
                                "properties": {
                                    "id": { "type": "string" }, "name": { "type": "string" }, "kind": { "type": "string" }, "kind_label": { "type": "string" },
                                    "designated_needs": { "type": "array", "items": { "type": "string" } },
                                    "academic_year": { "type": "string" }, "places": nullable("integer"),
                                    "financial_year": { "type": "string" }, "cost_per_place_pence": nullable("integer"),
                                    "approval": { "type": "string", "description": "Where its significant change or prescribed alteration approval stands" },
                                    "viable_options_evidence_required": { "type": "string", "description": "Present when the school is below the Ofsted standard for new places and no viable-options evidence is recorded: why" }
                                } } },
                            "ofsted": { "type": ["object", "null"], "required": ["framework", "inspection_start", "judgements", "meets_standard_for_new_places"],
                                "properties": { "framework": { "type": "string", "enum": ["graded", "report_card"] }, "inspection_start": date,
                                    "judgements": { "type": "object", "additionalProperties": { "type": "object" } },
                                    "meets_standard_for_new_places": { "type": "boolean" }, "below_standard": { "type": "string" } } },
                            "children_placed": { "type": "object", "required": ["count", "shown_as", "records_you_can_open"],
                                "properties": {
                                    "count": { "type": ["integer", "null"], "description": "null when suppressed (families see counts below 5 as \"Fewer than 5\")" },
                                    "shown_as": { "type": "string" },
                                    "records_you_can_open": { "type": "array", "items": { "$ref": "#/components/schemas/CaseSummary" } }
                                } }
                        }
                    }]
                }
            }
        }
    });
    add_payload_schemas(&mut doc);
    doc
}
