//! Interchanges a broken or hostile sender could send. Each is refused with the position of
//! what is wrong (never a value from the file), in time and memory bounded by the file's
//! size and one segment: a problem inside a transaction set refuses that set alone, a
//! problem with the envelope ends the reading.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::read_835;
use x12::remittance::Item;
use x12::{Error, Problem};

const SAMPLE: &str = include_str!("../../data/samples/sample-835.edi");

/// The sample with its first `from` replaced by `to`.
fn with(from: &str, to: &str) -> Vec<u8> {
    assert!(SAMPLE.contains(from), "{from}");
    SAMPLE.replacen(from, to, 1).into_bytes()
}

/// The reading's fatal error.
fn fatal(bytes: &[u8]) -> Error {
    read_835(bytes).expect_err("the reading ends with an error")
}

/// The refusals of the file's sets (the reading itself succeeds).
fn refusals(bytes: &[u8]) -> Vec<(String, Error)> {
    let items = read_835(bytes).unwrap_or_else(|e| panic!("the envelope is sound: {e}"));
    items
        .into_iter()
        .filter_map(|i| if let Item::Refused { control, error, .. } = i { Some((control, error)) } else { None })
        .collect()
}

/// The one set refused, and why.
fn refused(bytes: &[u8]) -> Error {
    let mut refusals = refusals(bytes);
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    let (control, error) = refusals.remove(0);
    assert_eq!(control, "0001", "the first set is the one spoiled");
    error
}

fn at(error: &Error) -> (u64, Option<&str>, Option<&str>) {
    (error.position.segment, error.position.id.as_deref(), error.position.element.as_deref())
}

#[test]
fn a_short_isa_or_one_without_its_terminator_is_refused() {
    assert_eq!(fatal(b"ISA*00*  *00*").problem, Problem::ShortIsa);
    assert_eq!(fatal(&SAMPLE.as_bytes()[..60]).problem, Problem::ShortIsa);
    // No terminator after ISA16: the next segment's first letter would be the terminator.
    let err = fatal(&with("*T*:~\n", "*T*:"));
    assert_eq!((err.problem, err.position.segment), (Problem::BadDelimiters, 1));
    assert_eq!(fatal(b"").problem, Problem::NoIsa);
    assert_eq!(fatal(b"GS*HP*A*B~").problem, Problem::NoIsa);
}

#[test]
fn delimiters_that_collide_or_could_be_data_are_refused() {
    for (from, to) in [("*^*00501", "*:*00501"), ("*^*00501", "*~*00501"), ("*T*:~", "*T*A~"), ("*T*:~", "*T* ~")] {
        let err = fatal(&with(from, to));
        assert_eq!(err.problem, Problem::BadDelimiters, "{to}");
        assert_eq!(err.position.segment, 1);
    }
    assert_eq!(fatal(&with("*00501*", "*00401*")).problem, Problem::UnsupportedVersion);
}

#[test]
fn a_file_that_ends_inside_a_segment_is_refused() {
    let bytes = SAMPLE.trim_end().strip_suffix('~').unwrap().as_bytes();
    let err = fatal(bytes);
    assert_eq!(err.problem, Problem::Unterminated);
    assert_eq!(err.position.segment, SAMPLE.matches('~').count() as u64, "the last segment");
}

#[test]
fn a_ten_megabyte_element_refuses_its_set_and_is_never_held() {
    let huge = "N".repeat(10 << 20);
    let err = refused(&with("N1*PR*NORTHWIND HEALTH PLAN~", &format!("N1*PR*{huge}~")));
    assert_eq!(err.problem, Problem::SegmentTooLong { limit: x12::segments::MAX_SEGMENT_BYTES });
    assert_eq!(at(&err), (8, Some("N1"), None));
    // Without a terminator, the file simply ends inside it.
    let unterminated = format!("{}{huge}", &SAMPLE[..SAMPLE.find("N1*PR").unwrap()]);
    assert_eq!(fatal(unterminated.as_bytes()).problem, Problem::Unterminated);
}

#[test]
fn a_million_empty_segments_refuse_their_set_once() {
    let empties = "~".repeat(1_000_000);
    let err = refused(&with("DTM*405*20260316~", &format!("DTM*405*20260316~{empties}")));
    assert_eq!((err.problem, err.position.segment), (Problem::EmptySegment, 8));
}

#[test]
fn bytes_outside_the_x12_character_set_are_refused_by_position() {
    for bad in [&b"\xC3\xA9"[..], b"\xFF", b"\x00", b"\x07"] {
        let mut bytes = Vec::new();
        let name = "N1*PR*NORTHWIND";
        let cut = SAMPLE.find(name).unwrap() + name.len();
        bytes.extend_from_slice(&SAMPLE.as_bytes()[..cut]);
        bytes.extend_from_slice(bad);
        bytes.extend_from_slice(&SAMPLE.as_bytes()[cut..]);
        let err = refused(&bytes);
        assert_eq!((err.problem.clone(), at(&err)), (Problem::BadByte, (8, Some("N1"), None)), "{bad:?}");
    }
}

#[test]
fn amounts_and_dates_that_are_not_x12_are_refused_naming_the_element() {
    let clp = "CLP*CLM-2026-0000001*1*200*150**";
    for amount in ["1e9999", "NaN", "-0", "Infinity", "1,5", "0x10", "99999999999999999999"] {
        let err = refused(&with(clp, &format!("CLP*CLM-2026-0000001*1*{amount}*150**")));
        assert_eq!(
            (err.problem.clone(), at(&err)),
            (Problem::NotAnAmount, (20, Some("CLP"), Some("CLP03"))),
            "{amount}"
        );
        assert!(!err.to_string().contains(amount), "the error quotes no value: {err}");
    }
    let err = refused(&with("DTM*472*20260302~", "DTM*472*20251399~"));
    assert_eq!((err.problem.clone(), at(&err)), (Problem::NotADate, (26, Some("DTM"), Some("DTM02"))));
    let err = refused(&with("*DA*5566778899*20260318~", "*DA*5566778899*20260230~"));
    assert_eq!((err.problem.clone(), at(&err)), (Problem::NotADate, (4, Some("BPR"), Some("BPR16"))));
}

#[test]
fn a_claim_twice_in_one_set_is_refused_but_a_reversal_and_its_correction_are_not() {
    let err = refused(&with("CLP*CLM-2026-0000002*", "CLP*CLM-2026-0000001*"));
    assert_eq!((err.problem.clone(), at(&err)), (Problem::DuplicateClaim, (30, Some("CLP"), Some("CLP01"))));
    assert!(refusals(SAMPLE.as_bytes()).is_empty(), "set 0002 reverses and corrects CLM-2026-0000005");
}

#[test]
fn an_st_without_its_se_and_a_gs_inside_a_gs_end_the_reading() {
    let err = fatal(&with("SE*70*0001~\n", ""));
    assert_eq!(err.problem, Problem::OutOfPlace { found: "an ST", expected: "the SE of the open transaction set" });
    let err = fatal(&with("ST*835*0001~", "GS*HP*NWHPERA*WARDBH01*20260316*0930*102*X*005010X221A1~\nST*835*0001~"));
    assert_eq!(err.problem, Problem::OutOfPlace { found: "a GS", expected: "an ST or the GE" });
    let err = fatal(SAMPLE.replace("SE*48*0002~\nGE*2*101~\nIEA*1*000000101~\n", "").as_bytes());
    assert_eq!(err.problem, Problem::MissingSe);
}

#[test]
fn counts_and_control_numbers_that_do_not_match_are_refused() {
    let err = refused(&with("SE*70*0001", "SE*69*0001"));
    assert_eq!((err.problem.clone(), at(&err)), (Problem::CountMismatch, (72, Some("SE"), Some("SE01"))));
    let err = refused(&with("SE*70*0001", "SE*70*0009"));
    assert_eq!((err.problem.clone(), at(&err)), (Problem::ControlMismatch, (72, Some("SE"), Some("SE02"))));
    assert_eq!(fatal(&with("GE*2*101", "GE*3*101")).problem, Problem::CountMismatch);
    assert_eq!(fatal(&with("GE*2*101", "GE*2*102")).problem, Problem::ControlMismatch);
    assert_eq!(fatal(&with("IEA*1*000000101", "IEA*2*000000101")).problem, Problem::CountMismatch);
    assert_eq!(fatal(&with("IEA*1*000000101", "IEA*1*000000102")).problem, Problem::ControlMismatch);
}

#[test]
fn a_payment_or_claim_that_does_not_balance_is_refused_never_forced() {
    let err = refused(&with("BPR*I*415*", "BPR*I*415.01*"));
    assert_eq!(at(&err), (4, Some("BPR"), Some("BPR02")));
    assert!(matches!(err.problem, Problem::Unbalanced { .. }));
    // Claim level: a CAS off by a cent (service level balances then fails first).
    let err = refused(&with("SVC*HC:90837:95*200*150**1~", "SVC*HC:90837:95*200*150.01**1~"));
    assert_eq!(at(&err), (25, Some("SVC"), Some("SVC03")));
    let err = refused(&with("CLP*CLM-2026-0000001*1*200*150**", "CLP*CLM-2026-0000001*1*200*149**"));
    assert_eq!(at(&err), (20, Some("CLP"), Some("CLP04")));
    // The other set of the file stands.
    let items = read_835(&with("BPR*I*415*", "BPR*I*415.01*")).unwrap();
    assert!(items.iter().any(|i| matches!(i, Item::Balanced { control, .. } if control == "0002")));
}

#[test]
fn codes_outside_the_guide_are_refused() {
    let err = refused(&with("CAS*CO*45*50~", "CAS*CR*45*50~"));
    assert_eq!(
        (err.problem.clone(), at(&err)),
        (Problem::UnknownCode, (27, Some("CAS"), Some("CAS01"))),
        "CR left with 4010"
    );
    let err = refused(&with("CLP*CLM-2026-0000001*1*", "CLP*CLM-2026-0000001*5*"));
    assert_eq!(
        (err.problem.clone(), at(&err)),
        (Problem::UnknownCode, (20, Some("CLP"), Some("CLP02"))),
        "5 (pended) left with 4010"
    );
    let err = refused(&with("ST*835*0001", "ST*837*0001"));
    assert!(matches!(err.problem, Problem::WrongTransaction { .. }));
}
