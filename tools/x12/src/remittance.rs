//! The third stage for the 835 (005010X221A1, health care claim payment/advice): a
//! transaction set's payment, claim by claim, checked as the guide requires.
//!
//! - The header: BPR (the payment: BPR02 the amount actually paid, BPR16 its date), TRN
//!   (TRN02 the check or EFT trace number), the payer (N1*PR) and the payee (N1*PE).
//! - Each CLP (loop 2100) with its claim-level CAS and MOA remarks, and each SVC (loop 2110)
//!   with its CAS and LQ*HE remarks. A claim is handed on whole, as soon as the next one
//!   starts: a set of any size costs the memory of one claim.
//! - PLB, the provider-level adjustments.
//!
//! What makes a set valid, beyond its envelope: every service balances (SVC02 − its CAS =
//! SVC03), every claim balances (CLP03 − its CAS and its services' CAS = CLP04), and the
//! payment balances (the sum of CLP04 − the sum of PLB amounts = BPR02). Nothing is ever
//! "balanced" with an invented adjustment. A patient control number appears once in a set,
//! except for a reversal (CLP02 = 22) and its correction.
//!
//! A denial is not read from CLP02 (X12 RFI 1423: 4 is only for a patient the payer did not
//! recognise; a processed claim that was denied is 1, 2 or 3 with its reasons): it is in the
//! adjustments, which this stage hands on as sent for the service to judge.

use crate::envelope::{Group, Interchange};
use crate::error::Position;
use crate::error::{Error, Problem};
use crate::segments::Segment;
use crate::sets::{Sets, Transaction};
use crate::values::{cents, code, date, is_code, optional_cents, optional_quantity, optional_text, text};
use chrono::NaiveDate;
use std::collections::{HashMap, VecDeque};

/// CLP02, the claim status codes of 005010X221A1.
pub const CLAIM_STATUSES: &[&str] = &["1", "2", "3", "4", "19", "20", "21", "22", "23", "25"];

/// CLP02 = 22: the reversal of a previous payment (its amounts negated).
pub const REVERSAL: &str = "22";

/// CAS01 in 5010: contractual obligation, patient responsibility, other, payer-initiated
/// (CR, "correction and reversal", was 4010's and is gone).
pub const ADJUSTMENT_GROUPS: &[&str] = &["CO", "PR", "OA", "PI"];

/// The payment a set reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The ST's control number and position.
    pub control: String,
    pub st: u64,
    pub interchange: Interchange,
    /// BPR01: `C` payment with remittance, `H` notification only, `I` remittance only, ...
    pub handling: String,
    /// BPR02: the amount paid, in cents.
    pub total_cents: i64,
    /// BPR03: `C` credit, `D` debit.
    pub credit_debit: String,
    /// BPR04: `ACH`, `BOP`, `CHK`, `FWT`, `NON`.
    pub method: String,
    /// BPR16: the check's or the transfer's date.
    pub paid_on: NaiveDate,
    /// TRN02: the check or EFT trace number.
    pub trace: String,
    /// TRN03: the payer's identifier.
    pub payer_id: Option<String>,
    /// N1*PR N102.
    pub payer_name: String,
    /// N1*PE N104 when N103 = XX.
    pub payee_npi: Option<String>,
}

/// One CAS triplet: who owes it (the group), why (a CARC), how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjustment {
    pub group: String,
    pub reason: String,
    pub cents: i64,
    pub quantity: Option<String>,
}

/// An SVC and what belongs to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePayment {
    pub segment: u64,
    /// SVC01-1: `HC` (CPT/HCPCS), ...
    pub qualifier: String,
    pub procedure: String,
    pub modifiers: Vec<String>,
    pub charge_cents: i64,
    pub paid_cents: i64,
    pub units: Option<String>,
    /// DTM*472 (or the first day of DTM*150).
    pub service_date: Option<NaiveDate>,
    pub adjustments: Vec<Adjustment>,
    /// LQ*HE: remittance advice remark codes.
    pub remarks: Vec<String>,
}

/// A CLP and what belongs to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimPayment {
    pub segment: u64,
    /// CLP01: the patient control number, ward's claim number.
    pub claim_number: String,
    /// CLP02.
    pub status: String,
    pub charge_cents: i64,
    pub paid_cents: i64,
    /// CLP05, zero when not sent.
    pub patient_cents: i64,
    /// CLP07: the payer's claim control number.
    pub payer_claim_number: Option<String>,
    pub adjustments: Vec<Adjustment>,
    /// MOA03 to MOA07: claim-level remark codes.
    pub remarks: Vec<String>,
    pub services: Vec<ServicePayment>,
}

impl ClaimPayment {
    pub fn is_reversal(&self) -> bool {
        self.status == REVERSAL
    }

    /// Every adjustment, the claim's and its services'.
    pub fn all_adjustments(&self) -> impl Iterator<Item = &Adjustment> {
        self.adjustments.iter().chain(self.services.iter().flat_map(|s| s.adjustments.iter()))
    }
}

/// A PLB adjustment: positive takes from the payment, negative adds to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderAdjustment {
    pub segment: u64,
    pub provider: String,
    pub reason: String,
    pub reference: Option<String>,
    pub cents: i64,
}

/// What an 835 reads, in file order.
#[derive(Debug)]
pub enum Item {
    /// A set's payment: what follows until its `Balanced` or `Refused` is its.
    Payment(Payment),
    Claim(ClaimPayment),
    ProviderAdjustment(ProviderAdjustment),
    /// The set closed, and balanced: its claims and adjustments stand.
    Balanced {
        control: String,
        st: u64,
        claims: u64,
    },
    /// The set was refused: nothing it reported is to be used (items already read included).
    Refused {
        control: String,
        st: u64,
        error: Error,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Loop {
    /// Before BPR.
    Start,
    /// The header, before the payer (N1*PR).
    Header,
    Payer,
    Payee,
    /// LX, TS3, TS2.
    HeaderNumber,
    Claim,
    Service,
    /// PLB, after the last claim.
    Summary,
}

/// The 835 being read.
pub struct RemittanceSet {
    control: String,
    st: u64,
    interchange: Interchange,
    at: Loop,
    payment: Option<Payment>,
    partial: PartialPayment,
    claim: Option<ClaimPayment>,
    claims: u64,
    paid: i64,
    provider_adjustments: i64,
    /// Per patient control number: (reversals, others) seen.
    seen: HashMap<String, (u8, u8)>,
}

#[derive(Default)]
struct PartialPayment {
    bpr: Option<Segment>,
    trn: Option<Segment>,
    payer_name: Option<String>,
    payee_npi: Option<String>,
}

/// The 835s of a file, item by item.
pub type Remittances<R> = Sets<R, RemittanceSet>;

impl Transaction for RemittanceSet {
    type Item = Item;

    fn open(st: &Segment, interchange: Interchange, group: &Group) -> Result<Self, Error> {
        let set = RemittanceSet::new(st, interchange);
        set.start(st, group)?;
        Ok(set)
    }

    fn segment(&mut self, segment: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        RemittanceSet::segment(self, segment, ready)
    }

    fn close(&mut self, se: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        self.end(se, ready)
    }

    fn stood(self) -> Item {
        Item::Balanced { control: self.control, st: self.st, claims: self.claims }
    }

    fn refuse(self, error: Error) -> Item {
        Item::Refused { control: self.control, st: self.st, error }
    }

    fn refused(control: String, st: u64, error: Error) -> Item {
        Item::Refused { control, st, error }
    }
}

impl RemittanceSet {
    fn new(st: &Segment, interchange: Interchange) -> Self {
        RemittanceSet {
            control: st.element(2).to_owned(),
            st: st.number,
            interchange,
            at: Loop::Start,
            payment: None,
            partial: PartialPayment::default(),
            claim: None,
            claims: 0,
            paid: 0,
            provider_adjustments: 0,
            seen: HashMap::new(),
        }
    }

    fn start(&self, st: &Segment, group: &Group) -> Result<(), Error> {
        if st.element(1) != "835" {
            return Err(Error::at(st.at(1), Problem::WrongTransaction { expected: "835" }));
        }
        if group.functional_id != "HP" || !group.version.starts_with("005010X221") {
            return Err(Error::at(st.position(), Problem::WrongTransaction { expected: "005010X221A1 835" }));
        }
        let version = st.element(3);
        if !version.is_empty() && !version.starts_with("005010X221") {
            return Err(Error::at(st.at(3), Problem::UnknownCode));
        }
        Ok(())
    }

    /// Hands on the payment once its header is read (at the first segment after it).
    fn header_read(&mut self, at: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        if self.payment.is_none() {
            let payment = finish_header(self, at)?;
            self.payment = Some(payment.clone());
            ready.push_back(Item::Payment(payment));
        }
        Ok(())
    }

    /// Hands on the open claim, balanced, if there is one.
    fn claim_read(&mut self, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        if let Some(claim) = self.claim.take() {
            let claim = self.close_claim(claim)?;
            ready.push_back(Item::Claim(claim));
        }
        Ok(())
    }

    fn segment(&mut self, segment: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        let next = next_loop(self.at, segment)?;
        if matches!(next, Loop::HeaderNumber | Loop::Claim | Loop::Summary) {
            self.header_read(segment, ready)?;
        }
        if segment.id == "CLP" || matches!(next, Loop::HeaderNumber | Loop::Summary) {
            self.claim_read(ready)?;
        }
        self.at = next;
        read_segment(self, segment, ready)
    }

    fn end(&mut self, se: &Segment, ready: &mut VecDeque<Item>) -> Result<(), Error> {
        self.header_read(se, ready)?;
        self.claim_read(ready)?;
        let total = self.payment.as_ref().map_or(0, |p| p.total_cents);
        if self.paid - self.provider_adjustments != total {
            let at = self.partial.bpr.as_ref().map_or_else(|| se.position(), |bpr| bpr.at(2));
            return Err(Error::at(
                at,
                Problem::Unbalanced { rule: "BPR02 is not the sum of CLP04 less the PLB adjustments" },
            ));
        }
        Ok(())
    }

    /// Checks a claim that is closing balances.
    fn close_claim(&mut self, claim: ClaimPayment) -> Result<ClaimPayment, Error> {
        let at = Position::segment(claim.segment, Some("CLP"));
        for service in &claim.services {
            let adjusted: i64 = service.adjustments.iter().map(|a| a.cents).sum();
            if service.charge_cents - adjusted != service.paid_cents {
                return Err(Error::at(
                    Position::segment(service.segment, Some("SVC")).element(3),
                    Problem::Unbalanced { rule: "SVC02 less the service's adjustments is not SVC03" },
                ));
            }
        }
        let adjusted: i64 = claim.all_adjustments().map(|a| a.cents).sum();
        if claim.charge_cents - adjusted != claim.paid_cents {
            return Err(Error::at(
                at.element(4),
                Problem::Unbalanced { rule: "CLP03 less the claim's and its services' adjustments is not CLP04" },
            ));
        }
        self.claims += 1;
        self.paid += claim.paid_cents;
        Ok(claim)
    }
}

/// Which loop a segment belongs to, given the loop before it; an error when the 835 has no
/// such segment there.
fn next_loop(at: Loop, segment: &Segment) -> Result<Loop, Error> {
    let id = segment.id.as_str();
    let in_header = matches!(at, Loop::Header | Loop::Payer | Loop::Payee);
    let next = match (at, id) {
        (Loop::Start, "BPR") => Loop::Header,
        (Loop::Header, "TRN" | "CUR" | "REF" | "DTM") => Loop::Header,
        (Loop::Header | Loop::Payer, "N1") if segment.element(1) == "PR" && at == Loop::Header => Loop::Payer,
        (Loop::Payer, "N3" | "N4" | "REF" | "PER") => Loop::Payer,
        (Loop::Payer, "N1") if segment.element(1) == "PE" => Loop::Payee,
        (Loop::Payee, "N3" | "N4" | "REF" | "RDM") => Loop::Payee,
        (Loop::Payee | Loop::Claim | Loop::Service, "LX") => Loop::HeaderNumber,
        (Loop::HeaderNumber, "TS3" | "TS2") => Loop::HeaderNumber,
        (Loop::Payee | Loop::HeaderNumber | Loop::Claim | Loop::Service, "CLP") => Loop::Claim,
        (Loop::Claim, "CAS" | "NM1" | "MIA" | "MOA" | "REF" | "DTM" | "PER" | "AMT" | "QTY") => Loop::Claim,
        (Loop::Claim | Loop::Service, "SVC") => Loop::Service,
        (Loop::Service, "DTM" | "CAS" | "REF" | "AMT" | "QTY" | "LQ") => Loop::Service,
        (Loop::Payee | Loop::HeaderNumber | Loop::Claim | Loop::Service | Loop::Summary, "PLB") => Loop::Summary,
        (Loop::Start, _) => {
            return Err(Error::at(segment.position(), Problem::OutOfPlace { found: "a segment", expected: "the BPR" }));
        }
        _ if in_header => {
            return Err(Error::at(
                segment.position(),
                Problem::Invalid { what: "the 835's header does not hold this segment here" },
            ));
        }
        _ => {
            return Err(Error::at(
                segment.position(),
                Problem::Invalid { what: "the 835 does not hold this segment here" },
            ));
        }
    };
    Ok(next)
}

/// The header read, at the first segment after it (or the SE).
fn finish_header(set: &mut RemittanceSet, at: &Segment) -> Result<Payment, Error> {
    let missing =
        |what: &'static str| Error::at(at.position(), Problem::OutOfPlace { found: "this segment", expected: what });
    let bpr = set.partial.bpr.as_ref().ok_or_else(|| missing("the BPR"))?;
    let trn = set.partial.trn.as_ref().ok_or_else(|| missing("the TRN"))?;
    let payer_name = set.partial.payer_name.clone().ok_or_else(|| missing("the payer (N1*PR)"))?;
    Ok(Payment {
        control: set.control.clone(),
        st: set.st,
        interchange: set.interchange.clone(),
        handling: code(bpr, 1, &["C", "D", "H", "I", "P", "U", "X"])?,
        total_cents: cents(bpr, 2)?,
        credit_debit: code(bpr, 3, &["C", "D"])?,
        method: code(bpr, 4, &["ACH", "BOP", "CHK", "FWT", "NON"])?,
        paid_on: date(bpr, 16)?,
        trace: text(trn, 2, 50)?,
        payer_id: optional_text(trn, 3, 10)?,
        payer_name,
        payee_npi: set.partial.payee_npi.clone(),
    })
}

fn read_segment(
    set: &mut RemittanceSet,
    segment: &Segment,
    ready: &mut std::collections::VecDeque<Item>,
) -> Result<(), Error> {
    match (set.at, segment.id.as_str()) {
        (Loop::Header, "BPR") => set.partial.bpr = Some(segment.clone()),
        (Loop::Header, "TRN") => {
            if set.partial.trn.is_some() {
                return Err(Error::at(segment.position(), Problem::Invalid { what: "a second TRN" }));
            }
            code(segment, 1, &["1"])?;
            set.partial.trn = Some(segment.clone());
        }
        (Loop::Payer, "N1") => set.partial.payer_name = Some(text(segment, 2, 60)?),
        (Loop::Payee, "N1") if segment.element(3) == "XX" => set.partial.payee_npi = Some(text(segment, 4, 80)?),
        (Loop::Claim, "CLP") => set.claim = Some(open_claim(set, segment)?),
        (Loop::Claim, "CAS") => claim_of(set, segment)?.adjustments.extend(adjustments(segment)?),
        (Loop::Claim, "MOA") => {
            let remarks = (3..=7).map(|n| segment.element(n)).filter(|r| !r.is_empty());
            let remarks = remarks.map(|r| checked_code(segment, r, 5)).collect::<Result<Vec<_>, _>>()?;
            claim_of(set, segment)?.remarks.extend(remarks);
        }
        (Loop::Service, "SVC") => {
            let service = service(segment)?;
            claim_of(set, segment)?.services.push(service);
        }
        (Loop::Service, "CAS") => service_of(set, segment)?.adjustments.extend(adjustments(segment)?),
        (Loop::Service, "LQ") if segment.element(1) == "HE" => {
            let remark = checked_code(segment, segment.element(2), 5)?;
            service_of(set, segment)?.remarks.push(remark);
        }
        (Loop::Service, "DTM") if matches!(segment.element(1), "472" | "150") => {
            service_of(set, segment)?.service_date = Some(date(segment, 2)?);
        }
        (Loop::Summary, "PLB") => {
            for adjustment in provider_adjustments(segment)? {
                set.provider_adjustments += adjustment.cents;
                ready.push_back(Item::ProviderAdjustment(adjustment));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The open claim (a CLP opened the loop it is in).
fn claim_of<'a>(set: &'a mut RemittanceSet, segment: &Segment) -> Result<&'a mut ClaimPayment, Error> {
    set.claim
        .as_mut()
        .ok_or_else(|| Error::at(segment.position(), Problem::Invalid { what: "a claim's segment before its CLP" }))
}

/// The open service line (an SVC opened the loop it is in).
fn service_of<'a>(set: &'a mut RemittanceSet, segment: &Segment) -> Result<&'a mut ServicePayment, Error> {
    claim_of(set, segment)?
        .services
        .last_mut()
        .ok_or_else(|| Error::at(segment.position(), Problem::Invalid { what: "a service's segment before its SVC" }))
}

fn checked_code(segment: &Segment, code: &str, max: usize) -> Result<String, Error> {
    if is_code(code, max) { Ok(code.to_owned()) } else { Err(Error::at(segment.position(), Problem::UnknownCode)) }
}

fn open_claim(set: &mut RemittanceSet, clp: &Segment) -> Result<ClaimPayment, Error> {
    let claim_number = text(clp, 1, 38)?;
    let status = code(clp, 2, CLAIM_STATUSES)?;
    let seen = set.seen.entry(claim_number.clone()).or_default();
    let count = if status == REVERSAL { &mut seen.0 } else { &mut seen.1 };
    *count += 1;
    if *count > 1 {
        return Err(Error::at(clp.at(1), Problem::DuplicateClaim));
    }
    Ok(ClaimPayment {
        segment: clp.number,
        claim_number,
        status,
        charge_cents: cents(clp, 3)?,
        paid_cents: cents(clp, 4)?,
        patient_cents: optional_cents(clp, 5)?.unwrap_or(0),
        payer_claim_number: optional_text(clp, 7, 50)?,
        adjustments: Vec::new(),
        remarks: Vec::new(),
        services: Vec::new(),
    })
}

/// A CAS: its group and up to six reason, amount, quantity triplets.
fn adjustments(cas: &Segment) -> Result<Vec<Adjustment>, Error> {
    let group = code(cas, 1, ADJUSTMENT_GROUPS)?;
    if cas.len() > 19 {
        return Err(Error::at(cas.at(20), Problem::Invalid { what: "a CAS holds at most six adjustments" }));
    }
    let mut out = Vec::new();
    for first in [2, 5, 8, 11, 14, 17] {
        let reason = cas.element(first);
        if reason.is_empty() {
            if !cas.element(first + 1).is_empty() || !cas.element(first + 2).is_empty() {
                return Err(Error::at(cas.at(first), Problem::Missing));
            }
            if first == 2 {
                return Err(Error::at(cas.at(2), Problem::Missing));
            }
            continue;
        }
        if !is_code(reason, 5) {
            return Err(Error::at(cas.at(first), Problem::UnknownCode));
        }
        out.push(Adjustment {
            group: group.clone(),
            reason: reason.to_owned(),
            cents: cents(cas, first + 1)?,
            quantity: optional_quantity(cas, first + 2)?,
        });
    }
    Ok(out)
}

fn service(svc: &Segment) -> Result<ServicePayment, Error> {
    let qualifier = svc.component(1, 1);
    if !matches!(qualifier, "HC" | "AD" | "ER" | "HP" | "IV" | "N4" | "NU" | "WK") {
        return Err(Error::at(svc.position().component(1, 1), Problem::UnknownCode));
    }
    let procedure = svc.component(1, 2);
    if !is_code(procedure, 48) {
        return Err(Error::at(svc.position().component(1, 2), Problem::UnknownCode));
    }
    let mut modifiers = Vec::new();
    for k in 3..=6 {
        let modifier = svc.component(1, k);
        if !modifier.is_empty() {
            if !is_code(modifier, 2) {
                return Err(Error::at(svc.position().component(1, k), Problem::UnknownCode));
            }
            modifiers.push(modifier.to_owned());
        }
    }
    Ok(ServicePayment {
        segment: svc.number,
        qualifier: qualifier.to_owned(),
        procedure: procedure.to_owned(),
        modifiers,
        charge_cents: cents(svc, 2)?,
        paid_cents: cents(svc, 3)?,
        units: optional_quantity(svc, 5)?,
        service_date: None,
        adjustments: Vec::new(),
        remarks: Vec::new(),
    })
}

/// A PLB: the provider, the fiscal period, and up to six reason:reference, amount pairs.
fn provider_adjustments(plb: &Segment) -> Result<Vec<ProviderAdjustment>, Error> {
    let provider = text(plb, 1, 50)?;
    date(plb, 2)?;
    if plb.len() > 14 {
        return Err(Error::at(plb.at(15), Problem::Invalid { what: "a PLB holds at most six adjustments" }));
    }
    let mut out = Vec::new();
    for first in [3, 5, 7, 9, 11, 13] {
        let reason = plb.component(first, 1);
        if reason.is_empty() {
            if first == 3 || !plb.element(first + 1).is_empty() {
                return Err(Error::at(plb.position().component(first, 1), Problem::Missing));
            }
            continue;
        }
        if !is_code(reason, 2) {
            return Err(Error::at(plb.position().component(first, 1), Problem::UnknownCode));
        }
        let reference = plb.component(first, 2);
        out.push(ProviderAdjustment {
            segment: plb.number,
            provider: provider.clone(),
            reason: reason.to_owned(),
            reference: (!reference.is_empty()).then(|| reference.to_owned()),
            cents: cents(plb, first + 1)?,
        });
    }
    Ok(out)
}
