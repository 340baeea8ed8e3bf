//! The second stage: segments to transaction sets. An interchange (ISA..IEA) holds functional
//! groups (GS..GE), each holding transaction sets (ST..SE). This stage checks what binds them:
//! each closing segment repeats its opening control number (IEA02 = ISA13, GE02 = GS06,
//! SE02 = ST02) and counts what it closes (IEA01 the groups, GE01 the sets, SE01 the set's
//! segments from ST to SE inclusive), and nothing opens where something else must close.
//!
//! A problem inside a transaction set spoils that set alone: its other segments are read and
//! dropped, and the set is reported refused ([`Event::Refused`]); the next set is read as
//! usual. A problem with the envelope itself (an ISA, GS, GE or IEA out of place or not
//! matching, a set that never ends) leaves nothing to trust, and ends the reading with an
//! error.

use crate::error::{Error, Position, Problem};
use crate::segments::{Segment, Segments};
use std::io::BufRead;

/// The interchange a set came in: who sent it, and whether it is test data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interchange {
    pub control: String,
    pub sender: String,
    pub receiver: String,
    /// ISA15: `P` production, `T` test.
    pub usage: String,
}

/// The functional group a set came in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// GS01: `HP` for 835s, `HC` for 837s.
    pub functional_id: String,
    pub control: String,
    /// GS08: the implementation guide, e.g. `005010X221A1`.
    pub version: String,
}

/// What the envelope reads.
#[derive(Debug)]
pub enum Event {
    /// A transaction set opens (its ST).
    Start { st: Segment, interchange: Interchange, group: Group },
    /// A segment of the open set.
    Segment(Segment),
    /// The set closed, counted and matched (its SE).
    End { se: Segment },
    /// The set opened at segment `st` was refused for `error`; none of it is to be used.
    Refused { control: String, st: u64, error: Error },
}

struct OpenSet {
    st: Segment,
    segments: u64,
}

/// Transaction sets from a stream of segments.
pub struct Envelope<R> {
    segments: Segments<R>,
    interchange: Option<(Interchange, u64)>,
    group: Option<(Group, u64)>,
    set: Option<OpenSet>,
    done: bool,
}

fn out_of_place(segment: &Segment, expected: &'static str) -> Error {
    let found = match segment.id.as_str() {
        "ISA" => "an ISA",
        "IEA" => "an IEA",
        "GS" => "a GS",
        "GE" => "a GE",
        "ST" => "an ST",
        "SE" => "an SE",
        _ => "another segment",
    };
    Error::at(segment.position(), Problem::OutOfPlace { found, expected })
}

/// A count element that must equal `expected`.
fn check_count(segment: &Segment, n: usize, expected: u64) -> Result<(), Error> {
    match segment.element(n).parse::<u64>() {
        Ok(count) if count == expected => Ok(()),
        Ok(_) => Err(Error::at(segment.at(n), Problem::CountMismatch)),
        Err(_) => Err(Error::at(segment.at(n), Problem::NotANumber)),
    }
}

fn check_control(segment: &Segment, n: usize, opened: &str) -> Result<(), Error> {
    if segment.element(n) == opened { Ok(()) } else { Err(Error::at(segment.at(n), Problem::ControlMismatch)) }
}

fn required(segment: &Segment, n: usize) -> Result<&str, Error> {
    let value = segment.element(n).trim();
    if value.is_empty() { Err(Error::at(segment.at(n), Problem::Missing)) } else { Ok(value) }
}

impl<R: BufRead> Envelope<R> {
    pub fn new(input: R) -> Self {
        Envelope { segments: Segments::new(input), interchange: None, group: None, set: None, done: false }
    }

    /// The number of the last segment read.
    pub fn segment_number(&self) -> u64 {
        self.segments.number()
    }

    /// The next event; `None` after the last interchange closed; an error ends the reading.
    #[allow(clippy::should_implement_trait, reason = "a fallible stream that stops at its first error")]
    pub fn next(&mut self) -> Option<Result<Event, Error>> {
        if self.done {
            return None;
        }
        let event = self.step();
        if !matches!(event, Some(Ok(_))) {
            self.done = true;
        }
        event
    }

    fn step(&mut self) -> Option<Result<Event, Error>> {
        loop {
            let Some(segment) = self.segments.next() else {
                return self.at_end();
            };
            let segment = match segment {
                Ok(segment) => segment,
                Err(err) if err.is_fatal() || self.set.is_none() => return Some(Err(err)),
                Err(err) => return Some(self.refuse(err)),
            };
            match self.place(segment) {
                Ok(Some(event)) => return Some(Ok(event)),
                Ok(None) => {}
                Err(err) => return Some(Err(err)),
            }
        }
    }

    fn at_end(&mut self) -> Option<Result<Event, Error>> {
        let at = Position::segment(self.segments.number() + 1, None);
        match (&self.set, &self.group, &self.interchange) {
            (Some(_), _, _) => Some(Err(Error::at(at, Problem::MissingSe))),
            (None, Some(_), _) => Some(Err(Error::at(at, Problem::MissingGe))),
            (None, None, Some(_)) => Some(Err(Error::at(at, Problem::MissingIea))),
            (None, None, None) => None,
        }
    }

    /// Where a segment goes: the open set, or the envelope (which may open or close one).
    fn place(&mut self, segment: Segment) -> Result<Option<Event>, Error> {
        if let Some(set) = &mut self.set {
            set.segments += 1;
            return match segment.id.as_str() {
                "SE" => self.close_set(segment).map(Some),
                "ISA" | "IEA" | "GS" | "GE" | "ST" => Err(out_of_place(&segment, "the SE of the open transaction set")),
                _ => Ok(Some(Event::Segment(segment))),
            };
        }
        match (segment.id.as_str(), self.interchange.is_some(), self.group.is_some()) {
            ("ISA", false, _) => {
                let trimmed = |n: usize| segment.element(n).trim().to_owned();
                let control = trimmed(13);
                if control.len() != 9 || !control.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Error::at(segment.at(13), Problem::NotANumber));
                }
                let interchange = Interchange { control, sender: trimmed(6), receiver: trimmed(8), usage: trimmed(15) };
                self.interchange = Some((interchange, 0));
                Ok(None)
            }
            ("GS", true, false) => {
                let group = Group {
                    functional_id: required(&segment, 1)?.to_owned(),
                    control: required(&segment, 6)?.to_owned(),
                    version: required(&segment, 8)?.to_owned(),
                };
                self.group = Some((group, 0));
                Ok(None)
            }
            ("ST", true, true) => {
                required(&segment, 1)?;
                required(&segment, 2)?;
                let (interchange, group) = (self.interchange.as_ref(), self.group.as_mut());
                let (Some((interchange, _)), Some((group, sets))) = (interchange, group) else { return Ok(None) };
                *sets += 1;
                let event =
                    Event::Start { st: segment.clone(), interchange: interchange.clone(), group: group.clone() };
                self.set = Some(OpenSet { st: segment, segments: 1 });
                Ok(Some(event))
            }
            ("GE", true, true) => {
                let Some((group, sets)) = self.group.take() else { return Ok(None) };
                check_count(&segment, 1, sets)?;
                check_control(&segment, 2, &group.control)?;
                if let Some((_, groups)) = &mut self.interchange {
                    *groups += 1;
                }
                Ok(None)
            }
            ("IEA", true, false) => {
                let Some((interchange, groups)) = self.interchange.take() else { return Ok(None) };
                check_count(&segment, 1, groups)?;
                check_control(&segment, 2, &interchange.control)?;
                Ok(None)
            }
            (_, false, _) => Err(out_of_place(&segment, "an ISA")),
            (_, true, false) => Err(out_of_place(&segment, "a GS or the IEA")),
            (_, true, true) => Err(out_of_place(&segment, "an ST or the GE")),
        }
    }

    fn close_set(&mut self, se: Segment) -> Result<Event, Error> {
        let Some(set) = self.set.take() else {
            return Err(out_of_place(&se, "an ST before it"));
        };
        let control = set.st.element(2).to_owned();
        let checked = check_count(&se, 1, set.segments).and_then(|()| check_control(&se, 2, &control));
        Ok(match checked {
            Ok(()) => Event::End { se },
            Err(error) => Event::Refused { control, st: set.st.number, error },
        })
    }

    /// Refuses the open set for `error`: its remaining segments are read (and counted, for
    /// the group) up to its SE, and dropped. What a reader of the set calls on finding a
    /// problem of its own.
    pub fn refuse(&mut self, error: Error) -> Result<Event, Error> {
        let Some(set) = &mut self.set else {
            return Err(error);
        };
        let (control, st) = (set.st.element(2).to_owned(), set.st.number);
        loop {
            let segment = match self.segments.next() {
                None => return Err(Error::at(Position::segment(self.segments.number() + 1, None), Problem::MissingSe)),
                Some(Err(err)) if err.is_fatal() => return Err(err),
                Some(Err(_)) => continue,
                Some(Ok(segment)) => segment,
            };
            match segment.id.as_str() {
                "SE" => break,
                "ISA" | "IEA" | "GS" | "GE" | "ST" => {
                    return Err(out_of_place(&segment, "the SE of the open transaction set"));
                }
                _ => {}
            }
        }
        self.set = None;
        Ok(Event::Refused { control, st, error })
    }
}

/// The transaction set id (ST01) of a file's first set: `835`, `837`, ...; `None` when the
/// file holds none or its envelope breaks before one (reading it whole says where).
pub fn first_transaction(input: impl BufRead) -> Option<String> {
    let mut envelope = Envelope::new(input);
    loop {
        match envelope.next()? {
            Ok(Event::Start { st, .. }) => return Some(st.element(1).to_owned()),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260316*0930*^*00501*000000001*0*T*:~";

    fn events(body: &str) -> Result<Vec<String>, Problem> {
        let file = format!("{ISA}{body}");
        let mut envelope = Envelope::new(file.as_bytes());
        let mut out = Vec::new();
        while let Some(event) = envelope.next() {
            out.push(match event.map_err(|e| e.problem)? {
                Event::Start { st, .. } => format!("start {}", st.element(2)),
                Event::Segment(s) => s.id,
                Event::End { se } => format!("end {}", se.element(2)),
                Event::Refused { control, error, .. } => format!("refused {control}: {}", error.problem),
            });
        }
        Ok(out)
    }

    #[test]
    fn sets_open_and_close_with_their_counts() {
        let body =
            "GS*HP*A*B*20260316*0930*7*X*005010X221A1~ST*835*1~BPR*I~SE*3*1~ST*835*2~SE*2*2~GE*2*7~IEA*1*000000001~";
        assert_eq!(events(body).unwrap(), ["start 1", "BPR", "end 1", "start 2", "end 2"]);
    }

    #[test]
    fn a_set_that_miscounts_is_refused_and_the_next_stands() {
        let body =
            "GS*HP*A*B*20260316*0930*7*X*005010X221A1~ST*835*1~BPR*I~SE*2*1~ST*835*2~SE*2*2~GE*2*7~IEA*1*000000001~";
        let read = events(body).unwrap();
        assert_eq!(read[2], "refused 1: the count does not match what it counts");
        assert_eq!(read[4], "end 2");
    }

    #[test]
    fn the_envelope_must_nest_and_match() {
        let gs = "GS*HP*A*B*20260316*0930*7*X*005010X221A1~";
        assert_eq!(
            events(&format!("{gs}ST*835*1~{gs}")).unwrap_err(),
            Problem::OutOfPlace { found: "a GS", expected: "the SE of the open transaction set" }
        );
        assert_eq!(
            events(&format!("{gs}{gs}")).unwrap_err(),
            Problem::OutOfPlace { found: "a GS", expected: "an ST or the GE" }
        );
        assert_eq!(events(&format!("{gs}GE*0*8~IEA*1*000000001~")).unwrap_err(), Problem::ControlMismatch);
        assert_eq!(events(&format!("{gs}GE*0*7~IEA*1*000000002~")).unwrap_err(), Problem::ControlMismatch);
        assert_eq!(events(&format!("{gs}GE*0*7~")).unwrap_err(), Problem::MissingIea);
        assert_eq!(events("SE*1*1~").unwrap_err(), Problem::OutOfPlace { found: "an SE", expected: "a GS or the IEA" });
    }
}
