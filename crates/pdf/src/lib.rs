//! Documents as tagged PDF: a list of blocks (headings, paragraphs, lists, tables) laid
//! out on A4 pages and tagged so that assistive technology reads them in order, with
//! headings as headings and the text extractable. The fonts (DejaVu Sans, with its
//! licence beside it in `fonts/`) are built in, so a PDF looks the same on any server.
//!
//! ```
//! let doc = sendscope_pdf::Doc {
//!     title: "Education, health and care plan".into(),
//!     blocks: vec![
//!         sendscope_pdf::Block::Heading(1, "Section A".into()),
//!         sendscope_pdf::Block::Paragraph("All about me.".into()),
//!     ],
//! };
//! let bytes = sendscope_pdf::render(&doc).expect("a PDF");
//! assert!(bytes.starts_with(b"%PDF-"));
//! ```

use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, SpanTag, Tag, TagGroup, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use std::num::NonZeroU16;

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY: f32 = 10.5;
const CELL_PAD: f32 = 4.0;

/// One piece of a document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading, level 1 to 3.
    Heading(u8, String),
    /// A paragraph; line breaks in the text are kept.
    Paragraph(String),
    /// A bulleted list.
    Bullets(Vec<String>),
    /// A table with a header row; columns share the width by the weights given.
    Table {
        header: Vec<String>,
        weights: Vec<f32>,
        rows: Vec<Vec<String>>,
    },
}

/// A whole document.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF could not be made: {0}")]
    Render(String),
}

/// A font with its metrics for line breaking.
struct Face {
    font: Font,
    face: ttf_parser::Face<'static>,
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Face, PdfError> {
        let font = Font::new(data.to_vec().into(), 0)
            .ok_or_else(|| PdfError::Render("the built-in font cannot be read".into()))?;
        let face = ttf_parser::Face::parse(data, 0)
            .map_err(|e| PdfError::Render(format!("the built-in font cannot be read: {e}")))?;
        Ok(Face { font, face })
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let per_unit = size / f32::from(self.face.units_per_em());
        text.chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .map_or(f32::from(self.face.units_per_em()) * 0.5, f32::from)
            })
            .sum::<f32>()
            * per_unit
    }

    /// The text broken into lines no wider than `max`: at spaces where it can, inside a
    /// word only when the word alone is too wide. Line breaks in the text are kept.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ') {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the line on its own is split.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.width(&piece, size) > max && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }
}

/// Where the writing has got to.
struct Cursor<'d> {
    doc: &'d mut Document,
    regular: Face,
    bold: Face,
    pages: usize,
    y: f32,
    /// The page being drawn, as a list of draw operations kept until the page ends
    /// (krilla's page borrows the document, so each page is drawn in one go).
    ops: Vec<Op>,
}

enum Op {
    Text {
        x: f32,
        y: f32,
        bold: bool,
        size: f32,
        text: String,
        /// The tag group the text belongs to (its index in `groups`), or an artifact.
        group: Option<usize>,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
    },
}

impl Cursor<'_> {
    fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }

    fn room(&mut self, height: f32, groups: &mut [TagGroup]) {
        if self.y + height > PAGE_H - MARGIN {
            self.flush(groups);
            self.y = MARGIN;
        }
    }

    /// Draws the page's operations, tagging each piece of text into its group.
    fn flush(&mut self, groups: &mut [TagGroup]) {
        self.pages += 1;
        let ops = std::mem::take(&mut self.ops);
        let Some(settings) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
            return;
        };
        let (regular, bold) = (self.regular.font.clone(), self.bold.font.clone());
        let footer = format!("Page {}", self.pages);
        let footer_x = PAGE_W - MARGIN - self.regular.width(&footer, 9.0);
        let mut page = self.doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    bold: b,
                    size,
                    text,
                    group,
                } => {
                    let font = if b { bold.clone() } else { regular.clone() };
                    let id = draw(&mut surface, x, y, font, size, &text, group.is_some());
                    if let (Some(g), Some(id)) = (group, id) {
                        groups[g].push(id);
                    }
                }
                Op::Line { from, to } => {
                    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                        ArtifactType::Other,
                    )));
                    let mut pb = PathBuilder::new();
                    pb.move_to(from.0, from.1);
                    pb.line_to(to.0, to.1);
                    if let Some(path) = pb.finish() {
                        surface.set_stroke(Some(Stroke {
                            width: 0.6,
                            ..Default::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                    surface.end_tagged();
                }
            }
        }
        draw(
            &mut surface,
            footer_x,
            PAGE_H - MARGIN / 2.0,
            regular,
            9.0,
            &footer,
            false,
        );
        surface.finish();
        page.finish();
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, text: String, group: usize) {
        self.ops.push(Op::Text {
            x,
            y: self.y + size,
            bold,
            size,
            text,
            group: Some(group),
        });
    }
}

/// Draws one line of text: tagged as a span of its group, or as an artifact (the page
/// footer). Returns the span's identifier.
fn draw(
    surface: &mut Surface<'_>,
    x: f32,
    y: f32,
    font: Font,
    size: f32,
    text: &str,
    tagged: bool,
) -> Option<Identifier> {
    let id = if tagged {
        Some(surface.start_tagged(ContentTag::Span(SpanTag::empty())))
    } else {
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
            ArtifactType::Footer,
        )));
        None
    };
    surface.draw_text(
        Point::from_xy(x, y),
        font,
        size,
        text,
        false,
        TextDirection::Auto,
    );
    surface.end_tagged();
    id
}

/// Lays the document out and writes it as tagged PDF.
pub fn render(doc: &Doc) -> Result<Vec<u8>, PdfError> {
    let settings = SerializeSettings {
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let mut groups: Vec<TagGroup> = Vec::new();
    // Which groups are children of which: a table's cells belong to rows, rows to the
    // table; everything else is top level.
    let mut parents: Vec<Option<usize>> = Vec::new();
    let mut cursor = Cursor {
        doc: &mut document,
        regular: Face::load(REGULAR)?,
        bold: Face::load(BOLD)?,
        pages: 0,
        y: MARGIN,
        ops: Vec::new(),
    };
    let width = PAGE_W - 2.0 * MARGIN;
    let mut new_group = |groups: &mut Vec<TagGroup>, tag: TagGroup, parent: Option<usize>| {
        groups.push(tag);
        parents.push(parent);
        groups.len() - 1
    };
    for block in &doc.blocks {
        match block {
            Block::Heading(level, text) => {
                let size = match level {
                    1 => 18.0,
                    2 => 14.0,
                    _ => 12.0,
                };
                let level =
                    NonZeroU16::new(u16::from((*level).clamp(1, 6))).unwrap_or(NonZeroU16::MIN);
                let g = new_group(
                    &mut groups,
                    TagGroup::new(Tag::Hn(level, Some(text.clone()))),
                    None,
                );
                let lines = cursor.face(true).wrap(text, size, width);
                cursor.room(size * 1.3 * lines.len() as f32 + size * 2.5, &mut groups);
                cursor.y += size * 0.6;
                for line in lines {
                    cursor.text(MARGIN, size, true, line, g);
                    cursor.y += size * 1.3;
                }
                cursor.y += size * 0.3;
            }
            Block::Paragraph(text) => {
                let g = new_group(&mut groups, TagGroup::new(Tag::P), None);
                for line in cursor.face(false).wrap(text, BODY, width) {
                    cursor.room(BODY * 1.45, &mut groups);
                    cursor.text(MARGIN, BODY, false, line, g);
                    cursor.y += BODY * 1.45;
                }
                cursor.y += BODY * 0.7;
            }
            Block::Bullets(items) => {
                let list = new_group(
                    &mut groups,
                    TagGroup::new(Tag::L(krilla::tagging::ListNumbering::Circle)),
                    None,
                );
                for item in items {
                    let li = new_group(&mut groups, TagGroup::new(Tag::LI), Some(list));
                    let label = new_group(&mut groups, TagGroup::new(Tag::Lbl), Some(li));
                    let body = new_group(&mut groups, TagGroup::new(Tag::LBody), Some(li));
                    let indent = MARGIN + 14.0;
                    for (n, line) in cursor
                        .face(false)
                        .wrap(item, BODY, width - 14.0)
                        .into_iter()
                        .enumerate()
                    {
                        cursor.room(BODY * 1.45, &mut groups);
                        if n == 0 {
                            cursor.text(MARGIN + 2.0, BODY, false, "•".into(), label);
                        }
                        cursor.text(indent, BODY, false, line, body);
                        cursor.y += BODY * 1.45;
                    }
                    cursor.y += BODY * 0.3;
                }
                cursor.y += BODY * 0.5;
            }
            Block::Table {
                header,
                weights,
                rows,
            } => {
                let table = new_group(&mut groups, TagGroup::new(Tag::Table), None);
                let total: f32 = weights.iter().sum::<f32>().max(f32::EPSILON);
                let cols: Vec<f32> = (0..header.len())
                    .map(|i| width * weights.get(i).copied().unwrap_or(1.0) / total)
                    .collect();
                let mut draw_row = |cursor: &mut Cursor<'_>,
                                    groups: &mut Vec<TagGroup>,
                                    cells: &[String],
                                    is_header: bool| {
                    let wrapped: Vec<Vec<String>> = cells
                        .iter()
                        .zip(&cols)
                        .map(|(c, w)| cursor.face(is_header).wrap(c, BODY, w - 2.0 * CELL_PAD))
                        .collect();
                    let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
                    let height = lines as f32 * BODY * 1.35 + 2.0 * CELL_PAD;
                    cursor.room(height, groups);
                    let tr = new_group(groups, TagGroup::new(Tag::TR), Some(table));
                    let top = cursor.y;
                    let mut x = MARGIN;
                    for (cell, w) in wrapped.into_iter().zip(&cols) {
                        let tag = if is_header {
                            TagGroup::new(Tag::TH(krilla::tagging::TableHeaderScope::Column))
                        } else {
                            TagGroup::new(Tag::TD)
                        };
                        let td = new_group(groups, tag, Some(tr));
                        cursor.y = top + CELL_PAD;
                        for line in cell {
                            cursor.text(x + CELL_PAD, BODY, is_header, line, td);
                            cursor.y += BODY * 1.35;
                        }
                        x += w;
                    }
                    cursor.y = top + height;
                    cursor.ops.push(Op::Line {
                        from: (MARGIN, cursor.y),
                        to: (MARGIN + width, cursor.y),
                    });
                };
                draw_row(&mut cursor, &mut groups, header, true);
                for row in rows {
                    draw_row(&mut cursor, &mut groups, row, false);
                }
                cursor.y += BODY;
            }
        }
    }
    cursor.flush(&mut groups);
    drop(cursor);
    // Nest the groups (children after parents, so fold from the end), dropping any left
    // empty (a group must have a child).
    let mut tree = TagTree::new();
    let mut slots: Vec<Option<TagGroup>> = groups.into_iter().map(Some).collect();
    let mut top: Vec<TagGroup> = Vec::new();
    for i in (0..slots.len()).rev() {
        let Some(g) = slots[i].take() else { continue };
        if g.children.is_empty() {
            continue;
        }
        match parents[i] {
            Some(p) => {
                if let Some(parent) = slots[p].as_mut() {
                    parent.children.insert(0, g.into());
                }
            }
            None => top.push(g),
        }
    }
    for g in top.into_iter().rev() {
        tree.push(g);
    }
    document.set_tag_tree(tree);
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("en-GB".into())
            .creator("sendscope".into()),
    );
    document
        .finish()
        .map_err(|e| PdfError::Render(format!("{e:?}")))
}
