//! The first stage: bytes to segments. Each interchange declares its own delimiters in its
//! ISA (the element separator is its fourth byte, the component separator its sixteenth
//! element, the repetition separator its eleventh, and the segment terminator the byte after
//! the component separator), so they are read afresh at every ISA of the file.
//!
//! What real senders do and this stage takes: a line break after each terminator (`~\n`,
//! `~\r\n`), none at all, a line feed as the terminator itself, lines wrapped at 80 columns
//! (when the terminator is not a line break, line breaks are never data and are dropped), a
//! byte-order mark, blank lines between interchanges. What it refuses: any byte outside the
//! X12 character set (printable ASCII and the declared delimiters), an empty segment, a
//! segment longer than [`MAX_SEGMENT_BYTES`] (read no further than that: memory stays
//! bounded whatever the file holds), a file that ends inside a segment.

use crate::error::{Error, Position, Problem};
use std::io::BufRead;

/// The longest segment read: far above any 005010 segment (an HI with twelve diagnoses is
/// under 200 bytes), and a bound on what one segment can cost.
pub const MAX_SEGMENT_BYTES: usize = 4096;

/// The ISA is 106 bytes; senders that do not pad its fields make it shorter, none longer.
const MAX_ISA_BYTES: usize = 256;

/// The four delimiters an ISA declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delimiters {
    pub element: u8,
    pub component: u8,
    pub repetition: u8,
    pub segment: u8,
}

impl Delimiters {
    /// Distinct, and none a letter, a digit or a space (each would split data).
    fn are_usable(&self) -> bool {
        let all = [self.element, self.component, self.repetition, self.segment];
        let distinct = (0..4).all(|i| (i + 1..4).all(|j| all[i] != all[j]));
        distinct && all.iter().all(|b| !b.is_ascii_alphanumeric() && *b != b' ' && *b < 0x80)
    }

    fn is_line_break(&self) -> bool {
        matches!(self.segment, b'\n' | b'\r')
    }
}

/// One segment: its number in the file, its id and its elements (element 1 is the first
/// after the id). Its text is all X12 characters, so it is held as `String`s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub number: u64,
    pub id: String,
    elements: Vec<String>,
    delimiters: Delimiters,
}

impl Segment {
    /// Element `n` (1-based), empty when the sender left it out.
    pub fn element(&self, n: usize) -> &str {
        n.checked_sub(1).and_then(|i| self.elements.get(i)).map_or("", String::as_str)
    }

    /// How many elements it has (trailing empty ones included, as sent).
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Component `k` (1-based) of element `n`, empty when absent.
    pub fn component(&self, n: usize, k: usize) -> &str {
        let component = self.delimiters.component as char;
        k.checked_sub(1).and_then(|i| self.element(n).split(component).nth(i)).unwrap_or("")
    }

    /// The repetitions of element `n`.
    pub fn repetitions(&self, n: usize) -> impl Iterator<Item = &str> {
        self.element(n).split(self.delimiters.repetition as char).filter(|r| !r.is_empty())
    }

    pub fn position(&self) -> Position {
        Position::segment(self.number, Some(&self.id))
    }

    /// The position of element `n`.
    pub fn at(&self, n: usize) -> Position {
        self.position().element(n)
    }

    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }
}

/// The segments of a file, read as a stream.
pub struct Segments<R> {
    input: R,
    /// The current interchange's delimiters; none between interchanges.
    delimiters: Option<Delimiters>,
    number: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> Segments<R> {
    pub fn new(input: R) -> Self {
        Segments { input, delimiters: None, number: 0, buf: Vec::with_capacity(256), done: false }
    }

    /// The number of the last segment read.
    pub fn number(&self) -> u64 {
        self.number
    }

    fn io(number: u64) -> Error {
        Error::at(Position::segment(number + 1, None), Problem::Io)
    }

    /// The next byte, without taking it.
    fn peek(&mut self) -> Result<Option<u8>, Error> {
        let chunk = {
            let number = self.number;
            self.input.fill_buf().map_err(|_| Self::io(number))?
        };
        Ok(chunk.first().copied())
    }

    fn take(&mut self) -> Result<Option<u8>, Error> {
        let byte = self.peek()?;
        if byte.is_some() {
            self.input.consume(1);
        }
        Ok(byte)
    }

    /// Skips what may come before an interchange: a byte-order mark, line breaks, spaces,
    /// and the NUL and Ctrl-Z of old transfers. False at the end of the file.
    fn skip_to_interchange(&mut self) -> Result<bool, Error> {
        if self.number == 0 {
            let chunk = {
                let number = self.number;
                self.input.fill_buf().map_err(|_| Self::io(number))?
            };
            if chunk.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.input.consume(3);
            }
        }
        while let Some(byte) = self.peek()? {
            if !matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | 0 | 0x1A) {
                return Ok(true);
            }
            self.input.consume(1);
        }
        Ok(false)
    }

    /// Reads an ISA and the delimiters it declares. Line breaks inside it are a wrapped
    /// file's, and dropped.
    fn read_isa(&mut self) -> Result<Segment, Error> {
        let at = Position::segment(self.number + 1, Some("ISA"));
        let short = || Error::at(at.clone(), Problem::ShortIsa);
        let mut text = Vec::with_capacity(110);
        let mut wrapped = false;
        let mut separators = 0;
        let mut element = 0;
        // Up to and including the component separator (the byte after the 16th separator).
        loop {
            let byte = self.take()?.ok_or_else(short)?;
            if text.len() >= MAX_ISA_BYTES {
                return Err(short());
            }
            if matches!(byte, b'\r' | b'\n') {
                wrapped = true;
                continue;
            }
            let component_next = separators == 16;
            text.push(byte);
            if component_next {
                if byte == element {
                    return Err(Error::at(at.element(16), Problem::BadDelimiters));
                }
                break;
            }
            match text.len() {
                1..=3 if text[..] != b"ISA"[..text.len()] => return Err(Error::at(at.clone(), Problem::NoIsa)),
                4 => {
                    element = byte;
                    separators = 1;
                }
                _ if text.len() > 4 && byte == element => separators += 1,
                _ => {}
            }
        }
        let component = text.last().copied().unwrap_or_default();
        let mut segment = self.take()?.ok_or_else(short)?;
        if matches!(segment, b'\r' | b'\n') {
            if wrapped {
                // A wrapped file's line breaks are not data: one cannot also end segments.
                return Err(Error::at(at, Problem::BadDelimiters));
            }
            if segment == b'\r' && self.peek()? == Some(b'\n') {
                self.input.consume(1);
                segment = b'\n';
            }
        }
        let fields: Vec<&[u8]> = text.split(|b| *b == element).collect();
        let repetition = match fields.get(11) {
            Some([one]) => *one,
            _ => return Err(Error::at(at.element(11), Problem::BadDelimiters)),
        };
        let delimiters = Delimiters { element, component, repetition, segment };
        if !delimiters.are_usable() {
            return Err(Error::at(at, Problem::BadDelimiters));
        }
        if fields.get(12).copied() != Some(&b"00501"[..]) {
            return Err(Error::at(at.element(12), Problem::UnsupportedVersion));
        }
        if text.iter().any(|b| !is_x12_byte(*b, &delimiters)) {
            return Err(Error::at(at, Problem::BadByte));
        }
        self.number += 1;
        self.delimiters = Some(delimiters);
        let elements = fields[1..].iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
        Ok(Segment { number: self.number, id: "ISA".into(), elements, delimiters })
    }

    /// Reads up to the next terminator into `buf`: true when one was found, with whether the
    /// segment was longer than the bound (the rest of it read and dropped).
    fn read_segment(&mut self, delimiters: Delimiters) -> Result<(bool, bool), Error> {
        self.buf.clear();
        let mut too_long = false;
        loop {
            let chunk = {
                let number = self.number;
                self.input.fill_buf().map_err(|_| Self::io(number))?
            };
            if chunk.is_empty() {
                return Ok((false, too_long));
            }
            let mut used = 0;
            let mut ended = false;
            for &byte in chunk {
                used += 1;
                if byte == delimiters.segment {
                    ended = true;
                    break;
                }
                let line_break = byte == b'\n' || byte == b'\r';
                if line_break && (!delimiters.is_line_break() || byte == b'\r') {
                    continue;
                }
                if self.buf.len() < MAX_SEGMENT_BYTES {
                    self.buf.push(byte);
                } else {
                    too_long = true;
                }
            }
            self.input.consume(used);
            if ended {
                return Ok((true, too_long));
            }
        }
    }

    fn next_segment(&mut self) -> Option<Result<Segment, Error>> {
        let Some(delimiters) = self.delimiters else {
            return match self.skip_to_interchange() {
                Ok(true) => Some(self.read_isa()),
                Ok(false) if self.number == 0 => Some(Err(Error::at(Position::segment(1, None), Problem::NoIsa))),
                Ok(false) => None,
                Err(err) => Some(Err(err)),
            };
        };
        let (ended, too_long) = match self.read_segment(delimiters) {
            Ok(read) => read,
            Err(err) => return Some(Err(err)),
        };
        if !ended {
            if self.buf.iter().all(|b| matches!(b, b' ' | b'\t' | 0 | 0x1A)) {
                return None;
            }
            return Some(Err(Error::at(Position::segment(self.number + 1, None), Problem::Unterminated)));
        }
        self.number += 1;
        Some(self.parse(delimiters, too_long))
    }

    fn parse(&mut self, delimiters: Delimiters, too_long: bool) -> Result<Segment, Error> {
        let number = self.number;
        let mut fields = self.buf.split(|b| *b == delimiters.element);
        let id = fields.next().unwrap_or_default();
        let id_ok = (2..=3).contains(&id.len())
            && id[0].is_ascii_uppercase()
            && id.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if self.buf.is_empty() {
            return Err(Error::at(Position::segment(number, None), Problem::EmptySegment));
        }
        if !id_ok {
            return Err(Error::at(Position::segment(number, None), Problem::BadSegmentId));
        }
        let id = String::from_utf8_lossy(id).into_owned();
        let at = Position::segment(number, Some(&id));
        if too_long {
            return Err(Error::at(at, Problem::SegmentTooLong { limit: MAX_SEGMENT_BYTES }));
        }
        if self.buf.iter().any(|b| !is_x12_byte(*b, &delimiters)) {
            return Err(Error::at(at, Problem::BadByte));
        }
        let elements = fields.map(|f| String::from_utf8_lossy(f).trim_end().to_owned()).collect();
        if id == "IEA" {
            // The next interchange declares its own delimiters.
            self.delimiters = None;
        }
        Ok(Segment { number, id, elements, delimiters })
    }
}

/// Printable ASCII, or one of the interchange's delimiters (which may be control characters).
fn is_x12_byte(byte: u8, delimiters: &Delimiters) -> bool {
    (0x20..0x7F).contains(&byte)
        || byte == delimiters.element
        || byte == delimiters.component
        || byte == delimiters.repetition
}

impl<R: BufRead> Iterator for Segments<R> {
    type Item = Result<Segment, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.next_segment();
        if matches!(&next, Some(Err(err)) if err.is_fatal()) || next.is_none() {
            self.done = true;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260316*0930*^*00501*000000001*0*T*:";

    fn read(bytes: &[u8]) -> Vec<Result<Segment, Error>> {
        Segments::new(std::io::BufReader::with_capacity(7, bytes)).collect()
    }

    #[test]
    fn segments_split_by_the_declared_delimiters_with_or_without_line_breaks() {
        for file in [
            format!("{ISA}~GS*HP*A:1^2~IEA*0*000000001~"),
            format!("{ISA}~\r\nGS*HP*A:1^2~\r\nIEA*0*000000001~\r\n"),
            format!("{ISA}\nGS*HP*A:1^2\nIEA*0*000000001\n").replace('~', ""),
            format!("{ISA}~GS*HP*A:1^2  ~IEA*0*000000001~").replace("  ~", "~"),
        ] {
            let segments: Vec<Segment> = read(file.as_bytes()).into_iter().map(Result::unwrap).collect();
            let ids: Vec<&str> = segments.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(ids, ["ISA", "GS", "IEA"], "{file:?}");
            let gs = &segments[1];
            assert_eq!((gs.number, gs.element(1), gs.component(2, 2), gs.element(9)), (2, "HP", "1^2", ""));
            assert_eq!(gs.repetitions(2).collect::<Vec<_>>(), ["A:1", "2"]);
            assert_eq!(segments[0].element(16), ":");
        }
    }

    #[test]
    fn a_wrapped_file_reads_as_if_it_were_not() {
        let file = format!("{ISA}~GS*HP*ABCDEFGHIJ~IEA*0*000000001~");
        let wrapped: Vec<u8> = file.as_bytes().chunks(80).flat_map(|c| [c, b"\r\n"].concat()).collect();
        let plain: Vec<_> = read(file.as_bytes()).into_iter().map(Result::unwrap).collect();
        let read: Vec<_> = read(&wrapped).into_iter().map(Result::unwrap).collect();
        assert_eq!(read, plain);
    }

    #[test]
    fn a_bad_segment_is_reported_and_reading_goes_on() {
        let file = format!("{ISA}~~G\u{e9}*1~gs*1~GS*HP~IEA*0*000000001~");
        let problems: Vec<_> =
            read(file.as_bytes()).into_iter().map(|r| r.map(|s| s.id).map_err(|e| e.problem)).collect();
        assert_eq!(
            problems,
            [
                Ok("ISA".into()),
                Err(Problem::EmptySegment),
                Err(Problem::BadSegmentId),
                Err(Problem::BadSegmentId),
                Ok("GS".into()),
                Ok("IEA".into())
            ]
        );
    }
}
