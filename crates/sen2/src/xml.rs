//! XML as the return needs it, read safely: a tree of elements with their text, from a
//! file that is refused whole (one line saying why) if it is not UTF-8, holds a DOCTYPE
//! (so no entity is ever declared, let alone expanded or fetched), names an entity other
//! than XML's five, nests deeper than a return does, or is larger than the limit.

use quick_xml::events::Event;

/// The largest return read: a national return of 640,000 children is about 1.3 GB; a
/// local authority's (up to ~20,000) a few tens of MB.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;
/// A return nests six deep; a little room for software that wraps it.
const MAX_DEPTH: usize = 12;

/// An element: its tag as written, its text (trimmed; empty when it has none) and its
/// children in order. `line` is where it starts, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub tag: String,
    pub text: String,
    pub children: Vec<Element>,
    pub line: usize,
}

impl Element {
    /// Children whose tag is `tag`, letter case ignored (software differs on it).
    pub fn all<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.tag.eq_ignore_ascii_case(tag))
    }

    /// The first child `tag`.
    pub fn child(&self, tag: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.tag.eq_ignore_ascii_case(tag))
    }

    /// The text of the first child `tag`; an empty element counts as absent.
    pub fn text_of(&self, tag: &str) -> Option<String> {
        self.child(tag)
            .map(|c| c.text.clone())
            .filter(|t| !t.is_empty())
    }
}

/// Why a file is not read at all: what is wrong, in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAReturn(pub String);

fn refuse(msg: impl Into<String>) -> NotAReturn {
    NotAReturn(msg.into())
}

/// Parses `bytes` into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, NotAReturn> {
    if bytes.len() > MAX_BYTES {
        return Err(refuse(format!(
            "the file is {} MB, larger than a SEN2 return can be ({} MB): check it is the right file",
            bytes.len() / (1024 * 1024),
            MAX_BYTES / (1024 * 1024)
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        refuse(format!(
            "the file is not UTF-8 text (byte {} is not): a SEN2 return is UTF-8 XML",
            e.valid_up_to() + 1
        ))
    })?;
    // Text is trimmed when its element ends, not piece by piece: "x &amp; y" keeps its
    // spaces around the entity.
    let mut reader = quick_xml::Reader::from_str(text);
    // Lines counted as the reader moves on (counting from the start each time would be
    // quadratic in the file's size).
    let mut counted = (0usize, 1usize);
    let mut line_at = |pos: u64| {
        let pos = (pos as usize).min(text.len());
        if pos < counted.0 {
            counted = (0, 1);
        }
        counted.1 += text.as_bytes()[counted.0..pos]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted.0 = pos;
        counted.1
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            refuse(format!(
                "the file is not well-formed XML at line {}: {e}",
                line_at(reader.error_position())
            ))
        })?;
        match event {
            Event::DocType(_) => {
                return Err(refuse(format!(
                    "line {}: the file declares a DOCTYPE; a SEN2 return has none, and sendscope reads no declarations or entities",
                    line_at(pos)
                )));
            }
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                let _ = e;
                return Err(refuse(format!(
                    "line {}: there is more after the end of the document",
                    line_at(pos)
                )));
            }
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(refuse(format!(
                        "line {}: elements nest deeper than a SEN2 return's",
                        line_at(pos)
                    )));
                }
                stack.push(element(&e, line_at(pos))?);
            }
            Event::Empty(e) => {
                let el = element(&e, line_at(pos))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(mut done) = stack.pop() else {
                    return Err(refuse(format!(
                        "line {}: an end tag with no start",
                        line_at(pos)
                    )));
                };
                done.text = done.text.trim().to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| refuse(format!("line {}: {e}", line_at(pos))))?;
                push_text(&mut stack, &s);
            }
            Event::CData(t) => {
                let s = t
                    .decode()
                    .map_err(|e| refuse(format!("line {}: {e}", line_at(pos))))?;
                push_text(&mut stack, &s);
            }
            Event::GeneralRef(r) => {
                let name = r
                    .decode()
                    .map_err(|e| refuse(format!("line {}: {e}", line_at(pos))))?;
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_xml_entity(&name)
                        .map(str::to_string)
                        .ok_or_else(|| {
                            refuse(format!(
                                "line {}: the entity &{name}; is not one of XML's own; sendscope expands no other",
                                line_at(pos)
                            ))
                        })?,
                    Err(e) => return Err(refuse(format!("line {}: {e}", line_at(pos)))),
                };
                push_text(&mut stack, &ch);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if let Some(open) = stack.first() {
        return Err(refuse(format!(
            "the file ends before <{}> (line {}) is closed: it may have been cut short",
            open.tag, open.line
        )));
    }
    root.ok_or_else(|| refuse("the file holds no XML element"))
}

fn element(e: &quick_xml::events::BytesStart<'_>, line: usize) -> Result<Element, NotAReturn> {
    let tag = std::str::from_utf8(e.local_name().as_ref())
        .map_err(|_| refuse(format!("line {line}: a tag that is not UTF-8")))?
        .to_string();
    Ok(Element {
        tag,
        text: String::new(),
        children: Vec::new(),
        line,
    })
}

fn push_text(stack: &mut [Element], s: &str) {
    if let Some(top) = stack.last_mut() {
        top.text.push_str(s);
    }
}

/// Writes XML: elements in the order given, text escaped.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            depth: 0,
        }
    }

    pub fn open(&mut self, tag: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    pub fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    /// `<tag>value</tag>`, or nothing when there is no value.
    pub fn value(&mut self, tag: &str, value: Option<&str>) {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.indent();
            self.out.push('<');
            self.out.push_str(tag);
            self.out.push('>');
            self.out.push_str(&quick_xml::escape::escape(v));
            self.out.push_str("</");
            self.out.push_str(tag);
            self.out.push_str(">\n");
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_entities_and_empty_elements() {
        let e =
            parse(b"\xEF\xBB\xBF<?xml version=\"1.0\"?><A><B>x &amp; &#65;</B><C/><D>  </D></A>")
                .expect("parses");
        assert_eq!(e.text_of("b").as_deref(), Some("x & A"));
        assert_eq!(e.text_of("C"), None);
        assert_eq!(e.text_of("D"), None);
    }

    #[test]
    fn refuses_what_is_not_a_plain_document() {
        let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><Message>&lol2;</Message>";
        let external =
            b"<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Message>&x;</Message>";
        for (bytes, says) in [
            (&bomb[..], "DOCTYPE"),
            (&external[..], "DOCTYPE"),
            (b"<Message><Persons>", "cut short"),
            (b"<Message>&unknown;</Message>", "not one of XML's own"),
            (b"\x00\x01\xff\xfe binary", "not UTF-8"),
            (b"<A></B>", "not well-formed"),
            (b"<A/><B/>", "more after the end"),
            (b"", "no XML element"),
        ] {
            let e = parse(bytes).expect_err("refused");
            assert!(
                e.0.contains(says),
                "{}: {}",
                String::from_utf8_lossy(bytes),
                e.0
            );
            assert_eq!(e.0.lines().count(), 1, "one line: {}", e.0);
        }
        let deep = "<a>".repeat(20) + &"</a>".repeat(20);
        assert!(
            parse(deep.as_bytes())
                .expect_err("deep")
                .0
                .contains("deeper")
        );
    }

    #[test]
    fn writes_escaped_text_and_leaves_out_empty_values() {
        let mut w = Writer::new();
        w.open("A");
        w.value("B", Some("O'Neil & <Sons>"));
        w.value("C", None);
        w.value("D", Some(""));
        w.close("A");
        let out = w.finish();
        assert!(
            out.contains("<B>O&apos;Neil &amp; &lt;Sons&gt;</B>"),
            "{out}"
        );
        assert!(!out.contains("<C>") && !out.contains("<D>"));
        assert_eq!(
            parse(out.as_bytes())
                .expect("reads")
                .text_of("B")
                .as_deref(),
            Some("O'Neil & <Sons>")
        );
    }
}
