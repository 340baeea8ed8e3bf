//! What the tests share: reading a whole file's items, and rendering segments with any
//! delimiters and line breaks, as different senders would.

#![allow(dead_code, reason = "each test binary uses its own part")]

use x12::Error;
use x12::remittance::{Item, Remittances};

/// Every item of an 835 file, or the error that ended the reading.
pub fn read_835(bytes: &[u8]) -> Result<Vec<Item>, Error> {
    let mut reader = Remittances::new(std::io::BufReader::with_capacity(64, bytes));
    let mut items = Vec::new();
    while let Some(item) = reader.next() {
        items.push(item?);
    }
    Ok(items)
}

/// The segments of a file written with `*`, `:`, `^`, `~` (the samples), each a list of
/// elements with its id first.
pub fn segments_of(text: &str) -> Vec<Vec<String>> {
    text.split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.split('*').map(|e| e.replace(':', "\u{1}").replace('^', "\u{2}")).collect())
        .collect()
}

/// How a sender lays out its segments.
#[derive(Clone, Copy, Debug)]
pub enum Layout {
    /// All on one line.
    OneLine,
    /// A line feed after each terminator.
    Lines,
    /// CR LF after each terminator.
    CrLf,
    /// Lines wrapped at 80 columns, whatever they cut.
    Wrapped,
}

/// Renders segments from [`segments_of`] with these delimiters: `\u{1}` marks a component
/// separator, `\u{2}` a repetition separator. A terminator of `\n` ignores the layout.
pub fn render(
    segments: &[Vec<String>],
    element: u8,
    component: u8,
    repetition: u8,
    terminator: u8,
    layout: Layout,
) -> Vec<u8> {
    let mut out = Vec::new();
    for segment in segments {
        let mut fields: Vec<String> = segment.clone();
        if fields[0] == "ISA" {
            fields[11] = (repetition as char).to_string();
            fields[16] = (component as char).to_string();
        }
        let line = fields.join(&(element as char).to_string());
        let line =
            line.replace('\u{1}', &(component as char).to_string()).replace('\u{2}', &(repetition as char).to_string());
        out.extend_from_slice(line.as_bytes());
        out.push(terminator);
        if terminator != b'\n' {
            match layout {
                Layout::Lines => out.push(b'\n'),
                Layout::CrLf => out.extend_from_slice(b"\r\n"),
                Layout::OneLine | Layout::Wrapped => {}
            }
        }
    }
    if matches!(layout, Layout::Wrapped) && terminator != b'\n' {
        let mut wrapped = Vec::with_capacity(out.len() + out.len() / 40);
        for chunk in out.chunks(80) {
            wrapped.extend_from_slice(chunk);
            wrapped.extend_from_slice(b"\r\n");
        }
        return wrapped;
    }
    out
}
