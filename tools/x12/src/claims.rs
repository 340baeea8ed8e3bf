//! The third stage for the 837P (005010X222A1, professional claims): each claim of a
//! transaction set with its billing and rendering providers, its subscriber and patient,
//! its diagnoses and its service lines, checked as the guide requires.
//!
//! The hierarchy (HL) is a billing provider (20), its subscribers (22), and a subscriber's
//! dependent patient (23) when the patient is not the subscriber. A claim (CLM, loop 2300)
//! belongs to the HL above it: the subscriber's when SBR02 is 18 (self), the dependent's
//! otherwise. Checked here: HL01 counts up from 1 and each HL02 names an earlier HL of the
//! right level, SBR02 is 18 exactly when no dependent follows, every NPI passes its check
//! digit, CLM02 is the sum of the lines' SV102, no charge or unit count is negative, an
//! ICD-10 code is written without its point, a diagnosis pointer points at a diagnosis, a
//! service date is a day (`D8`) or a range (`RD8`), and a claim number appears once a set.

use crate::envelope::{Group, Interchange};
use crate::error::{Error, Problem};
use crate::segments::Segment;
use crate::sets::{Sets, Transaction};
use crate::values::{cents, date, is_code, optional_quantity, parse_date, text};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet, VecDeque};

/// One service line (loop 2400).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLine {
    pub segment: u64,
    pub procedure: String,
    pub modifiers: Vec<String>,
    pub charge_cents: i64,
    pub units: Option<String>,
    /// DTP*472 (the first day of a range).
    pub service_date: NaiveDate,
    /// Which of the claim's diagnoses (1-based) this line treats.
    pub pointers: Vec<u8>,
}

/// One claim (loop 2300) with what it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub segment: u64,
    /// CLM01: the patient control number, ward's claim number.
    pub claim_number: String,
    pub charge_cents: i64,
    /// CLM05-1.
    pub place_of_service: String,
    /// CLM05-3: `1` original, `7` replacement, `8` void.
    pub frequency: String,
    /// NM1*85 NM109.
    pub billing_npi: String,
    /// NM1*82 NM109 of the claim, when a rendering provider is named.
    pub rendering_npi: Option<String>,
    /// NM1*IL NM109 (MI): the subscriber's member id.
    pub member_id: String,
    /// Whether the patient is the subscriber (SBR02 = 18).
    pub patient_is_subscriber: bool,
    /// REF*EA of the claim: the patient's record number at the practice.
    pub medical_record: Option<String>,
    /// NM1*PR NM103.
    pub payer_name: String,
    /// ICD-10-CM, without points, principal first.
    pub diagnoses: Vec<String>,
    pub lines: Vec<ServiceLine>,
}

/// What an 837P reads, in file order.
#[derive(Debug)]
pub enum Item {
    Claim(Box<Claim>),
    /// The set closed, and every rule held: its claims stand.
    Accepted {
        control: String,
        st: u64,
        claims: u64,
    },
    /// The set was refused: none of its claims is to be used.
    Refused {
        control: String,
        st: u64,
        error: Error,
    },
}

/// The HL levels, as HL03 names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    BillingProvider,
    Subscriber,
    Patient,
}

/// The 837P being read.
#[derive(Default)]
pub struct ClaimSet {
    control: String,
    st: u64,
    /// HL01 → its level, whether it said it has children (HL04), and its segment number.
    levels: HashMap<String, (Level, bool, u64)>,
    /// The last HL read, and whether a child of it came.
    last_hl: Option<(String, Level)>,
    children_seen: HashSet<String>,
    billing_npi: Option<String>,
    member_id: Option<String>,
    self_subscriber: bool,
    payer_name: Option<String>,
    /// Where the segment before sits: which loop's NM1/REF/DTP it is.
    context: Context,
    claim: Option<Claim>,
    claims: u64,
    seen: HashSet<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Context {
    #[default]
    Header,
    BillingProvider,
    Subscriber,
    Patient,
    Claim,
    Line,
}

/// The 837Ps of a file, claim by claim.
pub type Claims<R> = Sets<R, ClaimSet>;

/// Whether `npi` passes the NPI check digit (Luhn over 80840 and its first nine digits).
pub fn is_npi(npi: &str) -> bool {
    npi.len() == 10
        && npi.bytes().all(|b| b.is_ascii_digit())
        && npi_check_digit(&npi[..9]) == npi.as_bytes().get(9).copied().map(char::from)
}

/// The check digit that completes the nine digits `base` into an NPI.
pub fn npi_check_digit(base: &str) -> Option<char> {
    if base.len() != 9 || !base.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Luhn over the card-issuer prefix 80840 and the nine digits, doubling from the right.
    let sum: u32 = "80840"
        .bytes()
        .chain(base.bytes())
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// An ICD-10-CM code as an 837 writes it: a letter, then 2 to 6 letters or digits, no point.
pub fn is_icd10(code: &str) -> bool {
    (3..=7).contains(&code.len())
        && code.as_bytes()[0].is_ascii_uppercase()
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn invalid(segment: &Segment, n: usize, what: &'static str) -> Error {
    Error::at(segment.at(n), Problem::Invalid { what })
}

impl Transaction for ClaimSet {
    type Item = Item;

    fn open(st: &Segment, _interchange: Interchange, group: &Group) -> Result<Self, Error> {
        if st.element(1) != "837" {
            return Err(Error::at(st.at(1), Problem::WrongTransaction { expected: "837" }));
        }
        if group.functional_id != "HC" || !group.version.starts_with("005010X222") {
            return Err(Error::at(st.position(), Problem::WrongTransaction { expected: "005010X222A1 837P" }));
        }
        Ok(ClaimSet { control: st.element(2).to_owned(), st: st.number, ..ClaimSet::default() })
    }

    fn segment(&mut self, segment: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        ClaimSet::segment(self, segment, ready)
    }

    fn close(&mut self, se: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        self.end(se, ready)
    }

    fn stood(self) -> Item {
        Item::Accepted { control: self.control, st: self.st, claims: self.claims }
    }

    fn refuse(self, error: Error) -> Item {
        Item::Refused { control: self.control, st: self.st, error }
    }

    fn refused(control: String, st: u64, error: Error) -> Item {
        Item::Refused { control, st, error }
    }
}

impl ClaimSet {
    fn segment(&mut self, segment: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        match segment.id.as_str() {
            "HL" => {
                self.close_claim(ready)?;
                self.hierarchy(segment)
            }
            "SBR" => {
                let relationship = segment.element(2);
                if !matches!(relationship, "" | "18") {
                    return Err(Error::at(segment.at(2), Problem::UnknownCode));
                }
                self.self_subscriber = relationship == "18";
                Ok(())
            }
            "NM1" => self.name(segment),
            "CLM" => {
                self.close_claim(ready)?;
                self.open_claim(segment)
            }
            "REF" if self.context == Context::Claim && segment.element(1) == "EA" => {
                let record = text(segment, 2, 50)?;
                self.claim_mut(segment)?.medical_record = Some(record);
                Ok(())
            }
            "HI" if self.context == Context::Claim => self.diagnoses(segment),
            "LX" if matches!(self.context, Context::Claim | Context::Line) => {
                self.context = Context::Line;
                Ok(())
            }
            "SV1" if self.context == Context::Line => self.line(segment),
            "DTP" if self.context == Context::Line && segment.element(1) == "472" => self.service_date(segment),
            _ => Ok(()),
        }
    }

    /// An HL: counts up from 1, names an earlier parent of the level above.
    fn hierarchy(&mut self, hl: &Segment) -> Result<(), Error> {
        let id = text(hl, 1, 12)?;
        if id != (self.levels.len() + 1).to_string() {
            return Err(invalid(hl, 1, "HL01 counts up from 1 by one"));
        }
        let level = match hl.element(3) {
            "20" => Level::BillingProvider,
            "22" => Level::Subscriber,
            "23" => Level::Patient,
            _ => return Err(Error::at(hl.at(3), Problem::UnknownCode)),
        };
        let parent = hl.element(2);
        let expected_parent = match level {
            Level::BillingProvider => None,
            Level::Subscriber => Some(Level::BillingProvider),
            Level::Patient => Some(Level::Subscriber),
        };
        match (expected_parent, parent) {
            (None, "") => {}
            (Some(wanted), parent) if self.levels.get(parent).map(|l| l.0) == Some(wanted) => {
                self.children_seen.insert(parent.to_owned());
            }
            _ => return Err(invalid(hl, 2, "HL02 names an earlier HL of the level above")),
        }
        let has_children = match hl.element(4) {
            "0" => false,
            "1" => true,
            _ => return Err(Error::at(hl.at(4), Problem::UnknownCode)),
        };
        if level == Level::Patient && self.self_subscriber {
            return Err(invalid(hl, 3, "a dependent's HL under a subscriber who is the patient (SBR02 18)"));
        }
        if level == Level::Subscriber {
            self.member_id = None;
            self.payer_name = None;
            self.self_subscriber = false;
        }
        self.context = match level {
            Level::BillingProvider => Context::BillingProvider,
            Level::Subscriber => Context::Subscriber,
            Level::Patient => Context::Patient,
        };
        self.levels.insert(id.clone(), (level, has_children, hl.number));
        self.last_hl = Some((id, level));
        Ok(())
    }

    fn name(&mut self, nm1: &Segment) -> Result<(), Error> {
        let npi = || -> Result<String, Error> {
            if nm1.element(8) != "XX" {
                return Err(Error::at(nm1.at(8), Problem::UnknownCode));
            }
            let npi = text(nm1, 9, 10)?;
            if is_npi(&npi) { Ok(npi) } else { Err(invalid(nm1, 9, "not an NPI (its check digit fails)")) }
        };
        match (nm1.element(1), self.context) {
            ("85", Context::BillingProvider) => self.billing_npi = Some(npi()?),
            ("IL", Context::Subscriber) => self.member_id = Some(text(nm1, 9, 80)?),
            ("PR", Context::Subscriber) => self.payer_name = Some(text(nm1, 3, 60)?),
            ("82", Context::Claim) => {
                let npi = npi()?;
                self.claim_mut(nm1)?.rendering_npi = Some(npi);
            }
            _ => {}
        }
        Ok(())
    }

    fn claim_mut(&mut self, at: &Segment) -> Result<&mut Claim, Error> {
        self.claim.as_mut().ok_or_else(|| invalid(at, 1, "a claim's segment before its CLM"))
    }

    fn open_claim(&mut self, clm: &Segment) -> Result<(), Error> {
        let Some((_, level)) = &self.last_hl else {
            return Err(invalid(clm, 1, "a claim before any HL"));
        };
        let belongs = match level {
            Level::Subscriber => self.self_subscriber,
            Level::Patient => true,
            Level::BillingProvider => false,
        };
        if !belongs {
            return Err(invalid(clm, 1, "a claim under an HL that is not its patient's"));
        }
        let claim_number = text(clm, 1, 38)?;
        if !self.seen.insert(claim_number.clone()) {
            return Err(Error::at(clm.at(1), Problem::DuplicateClaim));
        }
        let charge_cents = cents(clm, 2)?;
        if charge_cents < 0 {
            return Err(invalid(clm, 2, "a claim's charge is never negative"));
        }
        let frequency = clm.component(5, 3).to_owned();
        if !matches!(frequency.as_str(), "1" | "7" | "8") || clm.component(5, 2) != "B" {
            return Err(Error::at(clm.position().component(5, 3), Problem::UnknownCode));
        }
        let missing = |what: &'static str| invalid(clm, 1, what);
        self.claim = Some(Claim {
            segment: clm.number,
            claim_number,
            charge_cents,
            place_of_service: clm.component(5, 1).to_owned(),
            frequency,
            billing_npi: self
                .billing_npi
                .clone()
                .ok_or_else(|| missing("a claim before its billing provider (NM1*85)"))?,
            rendering_npi: None,
            member_id: self.member_id.clone().ok_or_else(|| missing("a claim before its subscriber (NM1*IL)"))?,
            patient_is_subscriber: self.self_subscriber,
            medical_record: None,
            payer_name: self.payer_name.clone().ok_or_else(|| missing("a claim before its payer (NM1*PR)"))?,
            diagnoses: Vec::new(),
            lines: Vec::new(),
        });
        self.context = Context::Claim;
        Ok(())
    }

    fn diagnoses(&mut self, hi: &Segment) -> Result<(), Error> {
        let mut codes = Vec::new();
        for n in 1..=12 {
            if hi.element(n).is_empty() {
                continue;
            }
            let qualifier = hi.component(n, 1);
            let first = self.claim.as_ref().is_some_and(|c| c.diagnoses.is_empty()) && codes.is_empty();
            match (qualifier, first) {
                ("ABK", true) | ("ABF", false) => {}
                _ => return Err(Error::at(hi.position().component(n, 1), Problem::UnknownCode)),
            }
            let code = hi.component(n, 2);
            if !is_icd10(code) {
                return Err(Error::at(
                    hi.position().component(n, 2),
                    Problem::Invalid { what: "not an ICD-10-CM code written without its point" },
                ));
            }
            codes.push(code.to_owned());
        }
        let claim = self.claim_mut(hi)?;
        claim.diagnoses.extend(codes);
        if claim.diagnoses.len() > 12 {
            return Err(invalid(hi, 1, "a claim holds at most 12 diagnoses"));
        }
        Ok(())
    }

    fn line(&mut self, sv1: &Segment) -> Result<(), Error> {
        if sv1.component(1, 1) != "HC" {
            return Err(Error::at(sv1.position().component(1, 1), Problem::UnknownCode));
        }
        let procedure = sv1.component(1, 2);
        if !is_code(procedure, 5) {
            return Err(Error::at(sv1.position().component(1, 2), Problem::UnknownCode));
        }
        let mut modifiers = Vec::new();
        for k in 3..=6 {
            let modifier = sv1.component(1, k);
            if !modifier.is_empty() {
                if !is_code(modifier, 2) {
                    return Err(Error::at(sv1.position().component(1, k), Problem::UnknownCode));
                }
                modifiers.push(modifier.to_owned());
            }
        }
        let charge_cents = cents(sv1, 2)?;
        if charge_cents < 0 {
            return Err(invalid(sv1, 2, "a line's charge is never negative"));
        }
        let units = optional_quantity(sv1, 4)?;
        if units.as_deref().is_some_and(|u| u.starts_with('-')) {
            return Err(invalid(sv1, 4, "a unit count is never negative"));
        }
        let diagnoses = self.claim.as_ref().map_or(0, |c| c.diagnoses.len());
        let mut pointers = Vec::new();
        for k in 1..=4 {
            let pointer = sv1.component(7, k);
            if pointer.is_empty() {
                continue;
            }
            match pointer.parse::<u8>() {
                Ok(p) if (1..=12).contains(&p) && usize::from(p) <= diagnoses => pointers.push(p),
                _ => return Err(invalid(sv1, 7, "a diagnosis pointer points at no diagnosis of the claim")),
            }
        }
        let line = ServiceLine {
            segment: sv1.number,
            procedure: procedure.to_owned(),
            modifiers,
            charge_cents,
            units,
            service_date: NaiveDate::MIN,
            pointers,
        };
        self.claim_mut(sv1)?.lines.push(line);
        Ok(())
    }

    fn service_date(&mut self, dtp: &Segment) -> Result<(), Error> {
        let day = match dtp.element(2) {
            "D8" => date(dtp, 3)?,
            "RD8" => {
                let (from, to) = dtp.element(3).split_once('-').unwrap_or(("", ""));
                match (parse_date(from), parse_date(to)) {
                    (Some(from), Some(to)) if from <= to => from,
                    _ => return Err(Error::at(dtp.at(3), Problem::NotADate)),
                }
            }
            _ => return Err(Error::at(dtp.at(2), Problem::UnknownCode)),
        };
        let claim = self.claim_mut(dtp)?;
        let line = claim.lines.last_mut().ok_or_else(|| invalid(dtp, 1, "a service date before its SV1"))?;
        line.service_date = day;
        Ok(())
    }

    /// Checks the claim that is closing, and hands it on.
    fn close_claim(&mut self, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        let Some(claim) = self.claim.take() else { return Ok(()) };
        let at = crate::error::Position::segment(claim.segment, Some("CLM"));
        if claim.lines.is_empty() {
            return Err(Error::at(at, Problem::Invalid { what: "a claim without a service line" }));
        }
        if claim.diagnoses.is_empty() {
            return Err(Error::at(at, Problem::Invalid { what: "a claim without a diagnosis (HI)" }));
        }
        if let Some(line) = claim.lines.iter().find(|l| l.service_date == NaiveDate::MIN) {
            let at = crate::error::Position::segment(line.segment, Some("SV1"));
            return Err(Error::at(at, Problem::Invalid { what: "a service line without its date (DTP*472)" }));
        }
        if claim.lines.iter().map(|l| l.charge_cents).sum::<i64>() != claim.charge_cents {
            return Err(Error::at(
                at.element(2),
                Problem::Unbalanced { rule: "CLM02 is not the sum of the lines' SV102" },
            ));
        }
        self.claims += 1;
        ready.push_back(Item::Claim(Box::new(claim)));
        self.context = Context::Subscriber;
        Ok(())
    }

    /// At the SE: the last claim, and each HL held to its HL04 (children, or none).
    fn end(&mut self, _se: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        self.close_claim(ready)?;

        let mut broken: Vec<&u64> = self
            .levels
            .iter()
            .filter(|(id, (_, has_children, _))| *has_children != self.children_seen.contains(*id))
            .map(|(_, (_, _, segment))| segment)
            .collect();
        broken.sort();
        if let Some(segment) = broken.first() {
            let at = crate::error::Position::segment(**segment, Some("HL")).element(4);
            return Err(Error::at(
                at,
                Problem::Invalid { what: "HL04 says it has children when it has none, or the other way" },
            ));
        }
        Ok(())
    }
}
