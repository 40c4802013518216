//! What the end-to-end tests share: fresh databases (SQLite files, PostgreSQL databases
//! of their own), running the binary, serving it, a small HTTP client, signing in, and
//! finding things in the demo area.

pub use std::io::{BufRead, BufReader, Read, Write};
pub use std::process::{Child, Command, Stdio};
pub use std::sync::mpsc;
pub use std::time::{Duration, Instant};

pub use sendscope_testkit::*;

pub const BIN: &str = env!("CARGO_BIN_EXE_sendscope");

pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

pub fn demo_args<'a>(url: &'a str, plans: &'a str, batch: &'a str) -> Vec<&'a str> {
    vec![
        "--database-url",
        url,
        "demo",
        "--plans",
        plans,
        "--seed",
        "5",
        "--as-of",
        AS_OF,
        "--batch-events",
        batch,
    ]
}

pub fn dump(url: &str) -> Vec<String> {
    let s = sendscope_store::open(url).expect("opens");
    let mut v = Vec::new();
    s.dump_projections(&mut |l| {
        v.push(l);
        Ok(())
    })
    .expect("dump");
    v
}

/// The database opens, its chain verifies, it holds at least `committed` events (and no
/// half-written batch), and its projections equal a rebuild from its events.
pub fn assert_consistent(url: &str, committed: u64) -> u64 {
    if url.starts_with("postgres") {
        // The killed client's server session may still be finishing a COMMIT it sent.
        sendscope_store::testing::wait_until_no_other_sessions(url).expect("sessions end");
    }
    let s = sendscope_store::open(url).expect("a killed database still opens");
    let r = sendscope_store::verify(s.as_ref()).expect("verify runs");
    assert_eq!(r.first_break, None, "chain broken after a kill");
    assert!(
        r.events >= committed,
        "{} events stored but {committed} were reported committed",
        r.events
    );
    let before = dump(url);
    s.rebuild().expect("rebuild");
    assert_eq!(
        before,
        dump(url),
        "projections differ from a rebuild after a kill"
    );
    r.events
}

/// Starts the binary and forwards each stderr line to a channel.
pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> (Child, mpsc::Receiver<String>) {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawns");
    let err = child.stderr.take().expect("stderr piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

pub fn committed_in(line: &str) -> Option<u64> {
    line.strip_prefix("committed through event ")
        .and_then(|n| n.trim().parse().ok())
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

pub fn run_with_stdin(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Serves a database on a free port and waits until it answers. Keep the receiver: it
/// holds the server's stderr open.
pub fn serve(url: &str) -> (Child, u16, mpsc::Receiver<String>) {
    let port = free_port();
    let port_s = port.to_string();
    let (server, rx) = spawn(&["--database-url", url, "serve", "--port", &port_s], &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, port, rx)
}

/// A minimal HTTP/1.1 client for the served pages: (status, Set-Cookie values, body).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: &str,
    form: &str,
) -> (u16, Vec<String>, String) {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            form.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(form);
    let (status, head, body) = exchange(port, &req);
    let cookies = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .collect();
    (status, cookies, body.to_string())
}

pub fn sign_in(port: u16, user: &str) -> String {
    sign_in_with(user, &|method, path, cookie, form| {
        http(port, method, path, cookie, form)
    })
}

/// Sends one raw HTTP/1.1 request and reads the whole answer: (status, head, body).
pub fn exchange(port: u16, request: &str) -> (u16, String, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(request.as_bytes()).expect("sends");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// GET with a bearer token: (status, content type, body).
pub fn api_get(port: u16, path: &str, token: &str) -> (u16, String, String) {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if !token.is_empty() {
        req.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    req.push_str("\r\n");
    let (status, head, body) = exchange(port, &req);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    (status, content_type, body)
}

/// A new API token for a demo account, made by the real command.
pub fn token_for(url: &str, user: &str) -> String {
    let (code, out, err) = run(&[
        "--database-url",
        url,
        "token",
        "create",
        "--user",
        user,
        "--label",
        "test",
    ]);
    assert_eq!(code, 0, "{err}");
    out.trim().to_string()
}

/// POST with a bearer token and a JSON body: (status, body).
pub fn api_post(port: u16, path: &str, token: &str, body: &str) -> (u16, String) {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, _, answer) = exchange(port, &req);
    if status == 201 && path.ends_with("/steps") {
        check_step_payload(body);
    }
    (status, answer)
}

/// A step the service recorded has a payload the OpenAPI document's schema for its type
/// (generated from the Rust payload type) accepts.
pub fn check_step_payload(body: &str) {
    let doc = sendscope_web::api::openapi();
    let step: serde_json::Value = serde_json::from_str(body).expect("a JSON step");
    let t = step["type"].as_str().expect("a step type");
    let alternatives = doc["components"]["schemas"]["StepRequest"]["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            doc["paths"]["/api/v1/provisions/{id}/steps"]["post"]["requestBody"]["content"]
                ["application/json"]["schema"]["oneOf"]
                .as_array()
                .into_iter()
                .flatten(),
        );
    let schema = alternatives
        .into_iter()
        .find(|a| a["properties"]["type"]["const"] == t)
        .map(|a| a["properties"]["payload"].clone())
        .unwrap_or_else(|| panic!("the document has no payload schema for {t}"));
    check_schema(doc, &schema, &step["payload"], &format!("{t} payload"));
}

/// The total number of events, and one case's version: what a refused step must leave alone.
pub fn event_counts(url: &str, case: &str) -> (u64, u32) {
    let s = sendscope_store::open(url).expect("opens");
    let id = sendscope_domain::ids::CaseId::parse(case).expect("id");
    let v = s
        .projection(sendscope_domain::StreamRef::case(id))
        .expect("read")
        .expect("case")
        .version;
    (s.headline().expect("headline").events, v)
}

/// Casework steps through the API and through the GOV.UK forms: recorded when the rules
/// allow, refused with what must happen first (422) and nothing written when they do not.
/// A case on the demo caseworker's team with a plan in place and no decision to cease.
pub fn team_case_with_plan(url: &str) -> String {
    let s = sendscope_store::open(url).expect("opens");
    let worker = account_links(s.as_ref(), "caseworker");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    all_cases(s.as_ref(), area)
        .into_iter()
        .find(|(_, c)| {
            c.team == worker.team
                && c.plan
                    .as_ref()
                    .is_some_and(|p| p.ceased.is_none() && p.cessation.is_none())
                && c.transferred_out.is_none()
        })
        .map(|(id, _)| id.to_string())
        .expect("a team case with a plan in place")
}

pub fn events_in(url: &str) -> u64 {
    sendscope_store::open(url)
        .expect("opens")
        .headline()
        .expect("headline")
        .events
}

/// Checks a JSON value against a schema from the OpenAPI document: types (with null),
/// required properties, declared properties only, items, enums, $ref, oneOf and allOf.
pub fn check_schema(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return check_schema(doc, &doc["components"]["schemas"][name], v, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check_schema_open(doc, s, v, at);
        }
        let mut declared: Vec<String> = Vec::new();
        for s in all {
            let s = match s["$ref"].as_str() {
                Some(r) => {
                    &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")]
                }
                None => s,
            };
            if let Some(p) = s["properties"].as_object() {
                declared.extend(p.keys().cloned());
            }
        }
        if let Some(o) = v.as_object() {
            for k in o.keys() {
                assert!(declared.contains(k), "{at}: {k} is not in the schema");
            }
        }
        return;
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let ok = one.iter().any(|s| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_schema(doc, s, v, at)))
                .is_ok()
        });
        assert!(ok, "{at}: matches none of oneOf");
        return;
    }
    check_schema_open(doc, schema, v, at);
    if let (Some(props), Some(o)) = (schema["properties"].as_object(), v.as_object()) {
        for k in o.keys() {
            assert!(props.contains_key(k), "{at}: {k} is not in the schema");
        }
    }
}

pub fn check_schema_open(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
) {
    use serde_json::Value;
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return check_schema_open(doc, &doc["components"]["schemas"][name], v, at);
    }
    if schema.get("allOf").is_some() || schema.get("oneOf").is_some() {
        return check_schema(doc, schema, v, at);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert!(
        types.is_empty() || types.contains(&kind),
        "{at}: {kind} where the schema says {types:?}"
    );
    if let Some(e) = schema["enum"].as_array() {
        assert!(e.contains(v), "{at}: {v} is not one of {e:?}");
    }
    if let Some(o) = v.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap_or("");
            assert!(o.contains_key(r), "{at}: required {r} is missing");
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, sub) in props {
                if let Some(x) = o.get(k) {
                    check_schema(doc, sub, x, &format!("{at}.{k}"));
                }
            }
        }
    }
    if let (Some(items), Some(a)) = (schema.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            check_schema(doc, items, x, &format!("{at}[{i}]"));
        }
    }
}

/// The whole event history as `sendscope export events --format jsonl` writes it.
pub fn export_jsonl(url: &str) -> String {
    let (code, out, err) = run(&[
        "--database-url",
        url,
        "export",
        "events",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    out
}
