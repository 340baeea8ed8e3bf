//! What is wrong with an interchange, said by position: the segment's number in the file, its
//! id and the element. An error never carries a value from the file: what is read may be a
//! patient's data, and whoever sent it (a machine identity) may not read PHI back.

use std::fmt;

/// Where in the file: the segment's number (the ISA is 1, counting every segment of every
/// interchange of the file), its id when it has a valid one, and the element (`CLP04`,
/// `SVC01-2` for a component).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub segment: u64,
    pub id: Option<String>,
    pub element: Option<String>,
}

impl Position {
    pub fn segment(segment: u64, id: Option<&str>) -> Self {
        Position { segment, id: id.map(str::to_owned), element: None }
    }

    /// The same segment, at element `n` (1-based) of it.
    pub fn element(&self, n: usize) -> Self {
        let id = self.id.as_deref().unwrap_or("element");
        Position { element: Some(format!("{id}{n:02}")), ..self.clone() }
    }

    /// The same segment, at component `k` (1-based) of element `n`.
    pub fn component(&self, n: usize, k: usize) -> Self {
        let id = self.id.as_deref().unwrap_or("element");
        Position { element: Some(format!("{id}{n:02}-{k}")), ..self.clone() }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {}", self.segment)?;
        if let Some(id) = &self.id {
            write!(f, " ({id})")?;
        }
        if let Some(element) = &self.element {
            write!(f, ", element {element}")?;
        }
        Ok(())
    }
}

/// What is wrong, in words that quote nothing from the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the file could not be read")]
    Io,
    #[error("the file does not start with an ISA segment")]
    NoIsa,
    #[error("the ISA segment is cut short: it needs 16 elements, its component separator and its segment terminator")]
    ShortIsa,
    #[error("the ISA declares delimiters that collide, or a letter, digit or space as a delimiter")]
    BadDelimiters,
    #[error("the ISA declares a version other than 00501")]
    UnsupportedVersion,
    #[error("a segment is longer than {limit} bytes")]
    SegmentTooLong { limit: usize },
    #[error("a segment is empty")]
    EmptySegment,
    #[error("a byte outside the X12 character set")]
    BadByte,
    #[error("not a segment id")]
    BadSegmentId,
    #[error("the file ends inside a segment: its segment terminator is missing")]
    Unterminated,
    #[error("the file ends before the interchange's IEA")]
    MissingIea,
    #[error("the file ends before the transaction set's SE")]
    MissingSe,
    #[error("the file ends before the functional group's GE")]
    MissingGe,
    #[error("{found} where {expected} must come")]
    OutOfPlace { found: &'static str, expected: &'static str },
    #[error("the control number does not match the one that opened it")]
    ControlMismatch,
    #[error("the count does not match what it counts")]
    CountMismatch,
    #[error("a required element is missing")]
    Missing,
    #[error("not an amount (digits with an optional sign and at most two decimals)")]
    NotAnAmount,
    #[error("not a number")]
    NotANumber,
    #[error("not a date (CCYYMMDD)")]
    NotADate,
    #[error("not a code this element takes")]
    UnknownCode,
    #[error("too long for this element")]
    TooLong,
    #[error("this transaction set is not a {expected}")]
    WrongTransaction { expected: &'static str },
    #[error("{rule}")]
    Unbalanced { rule: &'static str },
    #[error("the same patient control number twice in one transaction set (a reversal and its correction excepted)")]
    DuplicateClaim,
    #[error("{what}")]
    Invalid { what: &'static str },
}

/// A problem at a position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {problem}")]
pub struct Error {
    pub position: Position,
    pub problem: Problem,
}

impl Error {
    pub fn at(position: Position, problem: Problem) -> Self {
        Error { position, problem }
    }

    /// Whether reading cannot go on after it: the segments that follow cannot be told apart
    /// (no delimiters, no terminator) or the file cannot be read. Any other problem spoils the
    /// transaction set it is in, and the next set is read as usual.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.problem,
            Problem::Io
                | Problem::NoIsa
                | Problem::ShortIsa
                | Problem::BadDelimiters
                | Problem::UnsupportedVersion
                | Problem::Unterminated
                | Problem::MissingIea
                | Problem::MissingGe
                | Problem::MissingSe
        )
    }
}
