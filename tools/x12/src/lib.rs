//! X12 005010 interchanges, read as a stream in stages that each stand alone and are each
//! tested on their own:
//!
//! 1. [`segments`]: bytes to segments, with the delimiters each ISA declares.
//! 2. [`envelope`]: segments to transaction sets, with the control numbers and counts that
//!    bind ISA/IEA, GS/GE and ST/SE.
//! 3. [`remittance`] (the 835) and [`claims`] (the 837P): a transaction set's meaning,
//!    checked as its implementation guide requires, each read by [`sets`]' one driver.
//!
//! Nothing here knows ward's database: the ingest service (`tools::ingest`) takes what these
//! stages hand on. Memory is bounded by one segment and one claim, whatever the file's size.
//! Every error is an [`Error`]: a [`Position`] (segment number, id, element) and a
//! [`Problem`] in words, never a value from the file.

pub mod claims;
pub mod envelope;
pub mod error;
pub mod remittance;
pub mod segments;
pub mod sets;
pub mod values;

pub use error::{Error, Position, Problem};
