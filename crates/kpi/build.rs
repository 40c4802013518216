//! The engine's fingerprint: a hash of the source of this crate and of the domain crate
//! (whose projections and deadline rules the rows are made from), so a KPI snapshot made
//! by another build is not read as this one's (its rows could follow other definitions).

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dirs = [root.join("src"), root.join("../domain/src")];
    let mut all = Vec::new();
    for d in &dirs {
        println!("cargo:rerun-if-changed={}", d.display());
        files(d, &mut all);
    }
    all.sort();
    // FNV-1a, 64 bits: enough to tell builds apart; no dependency needed to build.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &all {
        let name = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        for b in name.bytes().chain(std::fs::read(f).unwrap_or_default()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=SENDSCOPE_KPI_FINGERPRINT={h:016x}");
}
