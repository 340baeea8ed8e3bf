//! The 837P reader on the synthetic sample (a subscriber's two claims and a dependent's one
//! under one billing provider), and the rules a clearinghouse holds claims to.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use x12::claims::{Claims, Item, is_icd10, is_npi};
use x12::{Error, Problem};

const SAMPLE: &str = include_str!("../../data/samples/sample-837p.edi");

fn read(text: &str) -> Result<Vec<Item>, Error> {
    let mut reader = Claims::new(text.as_bytes());
    let mut items = Vec::new();
    while let Some(item) = reader.next() {
        items.push(item?);
    }
    Ok(items)
}

fn refusal(text: &str) -> Error {
    let items = read(text).expect("the envelope is sound");
    items
        .into_iter()
        .find_map(|i| if let Item::Refused { error, .. } = i { Some(error) } else { None })
        .expect("the set is refused")
}

#[test]
fn the_sample_reads_as_three_claims_of_two_patients() {
    let items = read(SAMPLE).unwrap();
    let claims: Vec<_> = items.iter().filter_map(|i| if let Item::Claim(c) = i { Some(c) } else { None }).collect();
    assert_eq!(claims.len(), 3, "{items:#?}");
    assert!(matches!(items.last(), Some(Item::Accepted { claims: 3, .. })));
    let first = claims[0];
    assert_eq!(
        (first.claim_number.as_str(), first.charge_cents, first.place_of_service.as_str()),
        ("CLM-2026-9000101", 20_000, "10")
    );
    assert_eq!((first.billing_npi.as_str(), first.rendering_npi.as_deref()), ("1234567893", Some("1987654328")));
    assert_eq!((first.member_id.as_str(), first.patient_is_subscriber), ("NWH100200300", true));
    assert_eq!(first.diagnoses, ["F321", "F411"]);
    assert_eq!(
        (first.lines[0].procedure.as_str(), first.lines[0].modifiers.as_slice()),
        ("90837", &["95".to_owned()][..])
    );
    assert_eq!(first.lines[0].pointers, [1, 2]);
    assert_eq!(claims[1].lines.len(), 2);
    assert_eq!(
        claims[1].lines[1].service_date,
        chrono::NaiveDate::from_ymd_opt(2026, 2, 26).unwrap(),
        "RD8: the range's first day"
    );
    let dependent = claims[2];
    assert_eq!((dependent.member_id.as_str(), dependent.patient_is_subscriber), ("NWH100200400", false));
}

#[test]
fn a_claim_that_breaks_a_rule_refuses_its_set() {
    let cases = [
        ("CLM*CLM-2026-9000102*330*", "CLM*CLM-2026-9000102*331*", "CLM02 is not the sum of the lines' SV102"),
        ("HI*ABK:F4310~", "HI*ABK:F43.10~", "not an ICD-10-CM code written without its point"),
        ("XX*1987654328~", "XX*1987654329~", "not an NPI (its check digit fails)"),
        (
            "SV1*HC:90791*180*UN*1***1~",
            "SV1*HC:90791*180*UN*1***3~",
            "a diagnosis pointer points at no diagnosis of the claim",
        ),
        ("HL*3*1*22*1~", "HL*3*1*22*0~", "HL04 says it has children when it has none"),
        ("HL*4*3*23*0~", "HL*4*2*23*0~", "HL04 says it has children when it has none"),
        ("CLM*CLM-2026-9000102*", "CLM*CLM-2026-9000101*", "the same patient control number"),
        ("DTP*472*D8*20260224~", "DTP*472*D8*20260231~", "not a date"),
        ("SV1*HC:90834*150*", "SV1*HC:90834*-150*", "never negative"),
    ];
    for (from, to, said) in cases {
        assert!(SAMPLE.contains(from), "{from}");
        let error = refusal(&SAMPLE.replacen(from, to, 1));
        assert!(error.to_string().contains(said), "{to}: {error}");
        assert!(
            !error.to_string().contains("CLM-2026") && !error.to_string().contains("F43"),
            "quotes nothing: {error}"
        );
    }
    // A dependent under a subscriber who is the patient.
    let error = refusal(&SAMPLE.replacen("SBR*P**NWG5000", "SBR*P*18*NWG5000", 1));
    assert!(matches!(error.problem, Problem::Invalid { .. }), "{error}");
}

#[test]
fn npis_and_icd10_codes_are_checked_as_written() {
    for npi in ["1234567893", "1987654328", "1765432103"] {
        assert!(is_npi(npi), "{npi}");
    }
    for npi in ["1234567890", "123456789", "12345678931", "123456789X"] {
        assert!(!is_npi(npi), "{npi}");
    }
    for code in ["F321", "F411", "F4310", "Z046"] {
        assert!(is_icd10(code), "{code}");
    }
    for code in ["F32.1", "f321", "32F", "F3", "F4310999"] {
        assert!(!is_icd10(code), "{code}");
    }
}

#[test]
fn the_first_transaction_set_names_what_a_file_holds() {
    assert_eq!(x12::envelope::first_transaction(SAMPLE.as_bytes()).as_deref(), Some("837"));
    let remittance = include_str!("../../data/samples/sample-835.edi");
    assert_eq!(x12::envelope::first_transaction(remittance.as_bytes()).as_deref(), Some("835"));
    assert_eq!(x12::envelope::first_transaction(&b"ISA*00"[..]), None);
}
