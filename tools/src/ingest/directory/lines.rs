//! Reading NDJSON a line at a time without ever holding more than one line: a line longer
//! than [`MAX_LINE_BYTES`] is skipped to its end unread and reported by number. Lines end at
//! `\n` (a `\r` before it is dropped); blank lines are not records but keep their numbers. A
//! UTF-8 byte order mark before the first line (as Windows tools write one) is dropped.

use super::records::MAX_LINE_BYTES;
use std::io::{BufRead, Read};

/// One line of the file.
#[derive(Debug, PartialEq, Eq)]
pub enum Raw {
    Text { number: u64, bytes: Vec<u8> },
    TooLong { number: u64 },
}

pub struct Lines<R> {
    reader: R,
    number: u64,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Lines { reader, number: 0 }
    }

    /// The next line that is not blank, or `None` at the end of the file.
    pub fn next_line(&mut self) -> std::io::Result<Option<Raw>> {
        loop {
            let mut bytes = Vec::new();
            let limit = MAX_LINE_BYTES as u64 + 1;
            let n = (&mut self.reader).take(limit).read_until(b'\n', &mut bytes)?;
            if n == 0 {
                return Ok(None);
            }
            self.number += 1;
            let ended = bytes.last() == Some(&b'\n');
            if !ended && bytes.len() > MAX_LINE_BYTES {
                self.skip_rest()?;
                return Ok(Some(Raw::TooLong { number: self.number }));
            }
            if ended {
                bytes.pop();
            }
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
            if self.number == 1 && bytes.starts_with(b"\xef\xbb\xbf") {
                bytes.drain(..3);
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(Raw::Text { number: self.number, bytes }));
        }
    }

    /// Drops what is left of the current line, a buffer at a time.
    fn skip_rest(&mut self) -> std::io::Result<()> {
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(());
            }
            if let Some(end) = available.iter().position(|b| *b == b'\n') {
                self.reader.consume(end + 1);
                return Ok(());
            }
            let all = available.len();
            self.reader.consume(all);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn all(input: &[u8]) -> Vec<Raw> {
        let mut lines = Lines::new(std::io::BufReader::with_capacity(16, input));
        std::iter::from_fn(|| lines.next_line().unwrap()).collect()
    }

    #[test]
    fn blank_lines_keep_their_numbers_and_crlf_is_one_break() {
        let read = all(b"\xef\xbb\xbf{\"a\":1}\r\n\n  \r\n{\"b\":2}");
        assert_eq!(
            read,
            vec![
                Raw::Text { number: 1, bytes: b"{\"a\":1}".to_vec() },
                Raw::Text { number: 4, bytes: b"{\"b\":2}".to_vec() },
            ]
        );
    }

    #[test]
    fn a_line_too_long_is_skipped_whole_and_named() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\n{\"c\":3}\n");
        let read = all(&input);
        assert_eq!(read, vec![Raw::TooLong { number: 1 }, Raw::Text { number: 2, bytes: b"{\"c\":3}".to_vec() }]);
        let exact = [vec![b'y'; MAX_LINE_BYTES], b"\n".to_vec()].concat();
        assert!(matches!(&all(&exact)[..], [Raw::Text { number: 1, bytes }] if bytes.len() == MAX_LINE_BYTES));
    }
}
