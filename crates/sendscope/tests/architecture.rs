//! The crates' invariants (ARCHITECTURE.md), checked from their manifests: which
//! sendscope crates each may use, and which outside crates would break its promise
//! (domain: no IO; store: no rules; app: no HTTP or HTML; web: no SQL; the command line
//! never the web crate). A dependency added against them fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Outside crates that would break a crate's promise, in groups.
const SQL: &[&str] = &["rusqlite", "postgres", "sqlx", "tokio-postgres"];
const HTTP: &[&str] = &["axum", "axum-extra", "hyper", "http", "tower", "reqwest"];
const HTML: &[&str] = &["maud", "askama"];
/// Running anything: a runtime, mail.
const RUNTIME: &[&str] = &["tokio", "lettre"];

/// Each crate: the sendscope crates it may depend on, and the groups of outside crates it
/// must not.
type Rule = (
    &'static str,
    &'static [&'static str],
    &'static [&'static [&'static str]],
);
const RULES: &[Rule] = &[
    // Pure: no database, no HTTP, no runtime.
    ("domain", &[], &[SQL, HTTP, RUNTIME]),
    ("import", &["domain"], &[SQL, HTTP, RUNTIME]),
    ("kpi", &["domain"], &[SQL, HTTP, RUNTIME]),
    ("placement", &["domain"], &[SQL, HTTP, RUNTIME]),
    ("demo", &["domain"], &[SQL, HTTP, RUNTIME]),
    ("sen2", &["domain"], &[SQL, HTTP, RUNTIME]),
    // Documents as PDF: knows nothing of sendscope's records, only blocks of text.
    ("pdf", &[], &[SQL, HTTP, RUNTIME]),
    // The only crate that knows SQL; no rules of its own (the domain's, and the guards
    // it is given, run in its transactions), and nothing above it.
    ("store", &["domain"], &[HTTP, HTML]),
    // Commands and read models: no HTTP, no HTML.
    (
        "app",
        &[
            "domain",
            "store",
            "kpi",
            "placement",
            "import",
            "demo",
            "sen2",
        ],
        &[HTTP, HTML],
    ),
    // Pages and the API: no SQL.
    (
        "web",
        &[
            "domain",
            "store",
            "app",
            "kpi",
            "placement",
            "import",
            "sen2",
            "pdf",
        ],
        &[SQL],
    ),
    // The command line: the application layer, never the web crate; no SQL, no HTTP.
    (
        "cli",
        &[
            "domain",
            "store",
            "app",
            "demo",
            "import",
            "placement",
            "kpi",
            "sen2",
        ],
        &[SQL, HTTP, HTML],
    ),
    // What the tests share: databases and the demo in them, through the application
    // layer. No product crate depends on it.
    (
        "testkit",
        &["domain", "store", "app", "demo"],
        &[HTTP, HTML],
    ),
    // The binary joins the command line to the web service, and does nothing else.
    ("sendscope", &["cli", "web", "app", "store"], &[SQL]),
];

/// Every Rust source file under `dir`.
fn rust_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// A crate's normal dependencies (not its test-only ones), by name.
fn dependencies(dir: &str) -> BTreeSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(dir)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let manifest: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut deps = BTreeSet::new();
    for section in ["dependencies", "build-dependencies"] {
        if let Some(t) = manifest.get(section).and_then(|v| v.as_table()) {
            deps.extend(t.keys().cloned());
        }
    }
    deps
}

#[test]
fn every_crate_keeps_its_invariant() {
    let crates_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&crates_dir)
        .expect("the crates folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let ruled: BTreeSet<String> = RULES.iter().map(|(c, _, _)| c.to_string()).collect();
    assert_eq!(
        on_disk, ruled,
        "every crate has its rule here: add one for a new crate"
    );
    let mut broken = BTreeMap::new();
    for (name, may_use, must_not) in RULES {
        let deps = dependencies(name);
        let mut wrong = Vec::new();
        for d in &deps {
            if let Some(inner) = d.strip_prefix("sendscope-") {
                if !may_use.contains(&inner) {
                    wrong.push(format!("{d} (not among {may_use:?})"));
                }
            } else if d == "sendscope" {
                wrong.push("the binary".to_string());
            } else if must_not.iter().any(|group| group.contains(&d.as_str())) {
                wrong.push(format!("{d} (breaks the crate's invariant)"));
            }
        }
        if !wrong.is_empty() {
            broken.insert(*name, wrong);
        }
    }
    assert!(
        broken.is_empty(),
        "dependencies against ARCHITECTURE.md: {broken:#?}"
    );
}

/// The sendscope crates depend on one another in layers: no crate reaches itself.
#[test]
fn no_dependency_circles() {
    let graph: BTreeMap<&str, Vec<&str>> =
        RULES.iter().map(|(c, may, _)| (*c, may.to_vec())).collect();
    for start in graph.keys() {
        let mut stack: Vec<&str> = graph[start].clone();
        let mut seen = BTreeSet::new();
        while let Some(c) = stack.pop() {
            assert_ne!(c, *start, "{start} reaches itself");
            if seen.insert(c) {
                stack.extend(graph.get(c).into_iter().flatten());
            }
        }
    }
}

/// Within the domain and web crates, modules depend in layers too: shared plumbing and
/// value types sit below the modules that use them, so no module reaches itself through
/// `crate::module::` paths.
#[test]
fn no_module_circles_within_the_domain_and_web_crates() {
    for krate in ["domain", "web"] {
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(krate)
            .join("src");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for path in rust_files(&src) {
            // A module is its top-level file or folder under src.
            let rel = path.strip_prefix(&src).expect("under src");
            let module = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .unwrap_or("")
                .trim_end_matches(".rs")
                .to_string();
            if module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            let deps = graph.entry(module.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let rest = &text[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && rest[name.len()..].starts_with("::") && name != module {
                    deps.insert(name);
                }
            }
        }
        for start in graph.keys() {
            let mut seen = BTreeSet::new();
            let mut todo: Vec<&String> = graph[start].iter().collect();
            while let Some(m) = todo.pop() {
                assert_ne!(m, start, "{krate}: module {start} reaches itself");
                if seen.insert(m.clone()) {
                    todo.extend(graph.get(m).into_iter().flatten());
                }
            }
        }
    }
}

/// The web crate's pages are made by the template engine: no markup written by hand
/// into strings (`format!("<…"`, `push_str("<…"`), nothing spliced unescaped
/// (`PreEscaped`), no hand-written escaping helper.
#[test]
fn pages_are_made_by_the_template_engine() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/src");
    let files = rust_files(&src);
    for path in &files {
        let text = std::fs::read_to_string(path).expect("source");
        // Unit tests may hold markup to compare pages with.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for banned in [
            "format!(\"<",
            "push_str(\"<",
            "PreEscaped",
            "fn esc(",
            "govuk_classes",
        ] {
            assert!(
                !code.contains(banned),
                "{}: {banned} (make the markup with maud, in crate::ui's components)",
                path.display()
            );
        }
    }
    assert!(
        files.len() > 20,
        "the web crate's sources were read ({})",
        files.len()
    );
}
