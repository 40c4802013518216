//! Embeds GOV.UK Frontend (installed by npm from the committed package-lock.json) into
//! the binary, so a deployed sendscope needs no files beside it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../node_modules/govuk-frontend/dist/govuk");
    println!("cargo:rerun-if-changed={}", root.display());
    if !root.join("govuk-frontend.min.css").exists() {
        panic!(
            "GOV.UK Frontend is not installed at {}: run `npm ci` in the repository's root first \
             (./scripts/serve-demo and ./scripts/test do this)",
            root.display()
        );
    }
    let mut files: Vec<(String, PathBuf)> = vec![
        (
            "/assets/govuk-frontend.min.css".into(),
            root.join("govuk-frontend.min.css"),
        ),
        (
            "/assets/govuk-frontend.min.js".into(),
            root.join("govuk-frontend.min.js"),
        ),
    ];
    for dir in ["fonts", "images"] {
        collect(
            &root.join("assets").join(dir),
            &format!("/assets/{dir}"),
            &mut files,
        );
    }
    // MoJ Frontend's styles (the timeline on the case page); its icons sit beside
    // GOV.UK Frontend's under /assets/images, where its CSS looks for them.
    let moj = root.join("../../../@ministryofjustice/frontend/moj");
    println!("cargo:rerun-if-changed={}", moj.display());
    if !moj.join("moj-frontend.min.css").exists() {
        panic!(
            "MoJ Frontend is not installed at {}: run `npm ci` in the repository's root first",
            moj.display()
        );
    }
    files.push((
        "/assets/moj-frontend.min.css".into(),
        moj.join("moj-frontend.min.css"),
    ));
    collect(&moj.join("assets/images"), "/assets/images", &mut files);
    files.sort();
    let mut out = String::from(
        "/// Embedded GOV.UK Frontend files: (path, content type, bytes).\npub static ASSETS: &[(&str, &str, &[u8])] = &[\n",
    );
    for (url, path) in &files {
        let mime = match path.extension().and_then(|e| e.to_str()) {
            Some("css") => "text/css; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("woff2") => "font/woff2",
            Some("woff") => "font/woff",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            Some("ico") => "image/x-icon",
            _ => "application/octet-stream",
        };
        let _ = writeln!(
            out,
            "    ({url:?}, {mime:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("assets.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}

fn collect(dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_file()
            && let Some(name) = p.file_name().and_then(|n| n.to_str())
        {
            files.push((format!("{prefix}/{name}"), p.clone()));
        }
    }
}
