//! What the third stage of every transaction set shares: reading a file's sets one after
//! another, handing on what a set's reader finds, refusing a set on its first problem (its
//! remaining segments read and dropped, the next set read as usual) and ending the reading
//! on a broken envelope. A kind of set (the 835, the 837P) says only how it reads.

use crate::envelope::{Envelope, Event, Group, Interchange};
use crate::error::{Error, Problem};
use crate::segments::Segment;
use std::collections::VecDeque;
use std::io::BufRead;

/// How one kind of transaction set is read, segment by segment.
pub trait Transaction: Sized {
    /// What it hands on (its claims, its verdict).
    type Item;
    /// Opens a set at its ST; an error refuses it.
    fn open(st: &Segment, interchange: Interchange, group: &Group) -> Result<Self, Error>;
    /// One segment of the open set; items found are pushed onto `ready`.
    fn segment(&mut self, segment: &Segment, ready: &mut VecDeque<Self::Item>) -> Result<(), Error>;
    /// The set's SE, counted and matched already: what is checked at its end.
    fn close(&mut self, se: &Segment, ready: &mut VecDeque<Self::Item>) -> Result<(), Error>;
    /// The set stood.
    fn stood(self) -> Self::Item;
    /// The set was refused at its end (by what `close` found).
    fn refuse(self, error: Error) -> Self::Item;
    /// The set opened at segment `st` was refused for `error`.
    fn refused(control: String, st: u64, error: Error) -> Self::Item;
}

/// The transaction sets of a file, item by item.
pub struct Sets<R, T: Transaction> {
    envelope: Envelope<R>,
    set: Option<T>,
    /// Items ready to hand on (a claim closed by the segment that opened the next).
    ready: VecDeque<T::Item>,
    done: bool,
}

impl<R: BufRead, T: Transaction> Sets<R, T> {
    pub fn new(input: R) -> Self {
        Sets { envelope: Envelope::new(input), set: None, ready: VecDeque::new(), done: false }
    }

    /// The next item; `None` at the end; an error ends the reading (the file's envelope is
    /// broken: nothing after it can be trusted, and sets already read should be dropped too).
    #[allow(clippy::should_implement_trait, reason = "a fallible stream that stops at its first error")]
    pub fn next(&mut self) -> Option<Result<T::Item, Error>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let event = match self.envelope.next() {
                None => {
                    self.done = true;
                    return None;
                }
                Some(Err(err)) => {
                    self.done = true;
                    return Some(Err(err));
                }
                Some(Ok(event)) => event,
            };
            if let Err(err) = self.on(event) {
                self.done = true;
                return Some(Err(err));
            }
        }
    }

    /// One envelope event: a set-level problem refuses the set, an envelope one ends all.
    fn on(&mut self, event: Event) -> Result<(), Error> {
        let outcome = match event {
            Event::Start { st, interchange, group } => T::open(&st, interchange, &group).map(|set| {
                self.set = Some(set);
            }),
            Event::Segment(segment) => match self.set.as_mut() {
                Some(set) => set.segment(&segment, &mut self.ready),
                None => {
                    Err(Error::at(segment.position(), Problem::Invalid { what: "a segment outside a transaction set" }))
                }
            },
            Event::End { se } => {
                // The set is closed already: a problem found at its end refuses it here.
                if let Some(mut set) = self.set.take() {
                    let item = match set.close(&se, &mut self.ready) {
                        Ok(()) => set.stood(),
                        Err(error) => set.refuse(error),
                    };
                    self.ready.push_back(item);
                }
                return Ok(());
            }
            Event::Refused { control, st, error } => {
                self.set = None;
                self.ready.push_back(T::refused(control, st, error));
                return Ok(());
            }
        };
        if let Err(error) = outcome {
            // The set is spoiled: read to its SE, then say so.
            self.set = None;
            if let Event::Refused { control, st, error } = self.envelope.refuse(error)? {
                self.ready.push_back(T::refused(control, st, error));
            }
        }
        Ok(())
    }
}
