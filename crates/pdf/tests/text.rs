//! The PDF's text, as `pdftotext` (poppler-utils, installed by scripts/ensure-pdftotext)
//! extracts it, holds every heading and cell in reading order, even across pages.

use sendscope_pdf::{Block, Doc, render};
use sendscope_testkit::pdftotext;

#[test]
fn text_comes_out_in_order_and_headings_are_tagged() {
    let mut blocks = vec![Block::Heading(1, "Education, health and care plan".into())];
    for s in ["A", "B", "C"] {
        blocks.push(Block::Heading(2, format!("Section {s}: heading")));
        blocks.push(Block::Paragraph(format!(
            "Words of section {s}. {}",
            "A sentence long enough to wrap onto a second line of the page. ".repeat(30)
        )));
    }
    blocks.push(Block::Table {
        header: vec!["What".into(), "How often".into(), "By whom".into()],
        weights: vec![3.0, 1.0, 1.0],
        rows: vec![vec![
            "Speech and language therapy, one to one".into(),
            "2 x 30 minutes a week".into(),
            "NHS speech and language therapist".into(),
        ]],
    });
    blocks.push(Block::Bullets(vec![
        "First advice".into(),
        "Second advice".into(),
    ]));
    let pdf = render(&Doc {
        title: "Test plan".into(),
        blocks,
    })
    .expect("renders");
    let text = pdftotext(&pdf);
    let mut at = 0;
    for want in [
        "Education, health and care plan",
        "Section A: heading",
        "Words of section A.",
        "Section B: heading",
        "Section C: heading",
        "How often",
        "Speech and language therapy",
        "2 x 30 minutes",
        "Second advice",
    ] {
        let found = text[at..]
            .find(want)
            .unwrap_or_else(|| panic!("{want:?} not found in order in:\n{text}"));
        at += found + want.len();
    }
    assert!(text.contains("Page 2"), "the text runs onto a second page");
    // Tagged: the structure tree and its headings are in the file.
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("/StructTreeRoot") && raw.contains("/MarkInfo"),
        "tagged"
    );
    assert!(raw.contains("/Lang"), "language set");
}
