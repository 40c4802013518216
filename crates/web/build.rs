//! Embeds GOV.UK Frontend and MoJ Frontend (copied into `assets/` from the versions
//! `package-lock.json` pins; see `assets/README.md`) into the binary, so building needs
//! no Node.js and a deployed sendscope needs no files beside it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let assets =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("assets");
    println!("cargo:rerun-if-changed={}", assets.display());
    let govuk = assets.join("govuk-frontend");
    let moj = assets.join("moj-frontend");
    let mut files: Vec<(String, PathBuf)> = vec![
        (
            "/assets/govuk-frontend.min.css".into(),
            govuk.join("govuk-frontend.min.css"),
        ),
        (
            "/assets/govuk-frontend.min.js".into(),
            govuk.join("govuk-frontend.min.js"),
        ),
        // MoJ Frontend's styles (the timeline on the case page); its icons sit beside
        // GOV.UK Frontend's under /assets/images, where its CSS looks for them.
        (
            "/assets/moj-frontend.min.css".into(),
            moj.join("moj-frontend.min.css"),
        ),
    ];
    for (_, path) in &files {
        if !path.exists() {
            panic!(
                "{} is missing: the front-end files are part of the repository \
                 (./scripts/vendor-frontend copies them from npm)",
                path.display()
            );
        }
    }
    for dir in ["fonts", "images"] {
        collect(&govuk.join(dir), &format!("/assets/{dir}"), &mut files);
    }
    collect(&moj.join("images"), "/assets/images", &mut files);
    // sendscope's own: starting GOV.UK Frontend without an inline script.
    collect(&assets.join("sendscope"), "/assets/sendscope", &mut files);
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
