//! The 835 reader on the synthetic sample (a paid claim, a partial payment with deductible
//! and coinsurance, a denial processed as primary, a service-level denial, a reversal and its
//! correction, a downcode, PLB interest and a recovery), as different senders lay it out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Layout, read_835, render, segments_of};
use x12::remittance::Item;

const SAMPLE: &str = include_str!("../../data/samples/sample-835.edi");

fn claims(items: &[Item]) -> Vec<&x12::remittance::ClaimPayment> {
    items.iter().filter_map(|i| if let Item::Claim(c) = i { Some(c) } else { None }).collect()
}

#[test]
fn the_sample_reads_as_two_balanced_payments() {
    let items = read_835(SAMPLE.as_bytes()).expect("the sample is valid");
    let payments: Vec<_> = items.iter().filter_map(|i| if let Item::Payment(p) = i { Some(p) } else { None }).collect();
    assert_eq!(payments.len(), 2);
    assert_eq!((payments[0].total_cents, payments[0].trace.as_str()), (41_500, "EFT20260318A01"));
    assert_eq!((payments[1].total_cents, payments[1].method.as_str()), (11_715, "CHK"));
    assert_eq!(payments[0].payer_name, "NORTHWIND HEALTH PLAN");
    assert_eq!(payments[0].payee_npi.as_deref(), Some("1234567893"));
    assert_eq!(payments[0].interchange.usage, "T");
    let balanced = items.iter().filter(|i| matches!(i, Item::Balanced { .. })).count();
    assert_eq!(balanced, 2, "{items:#?}");
    assert!(!items.iter().any(|i| matches!(i, Item::Refused { .. })));

    let claims = claims(&items);
    let numbers: Vec<_> = claims.iter().map(|c| c.claim_number.as_str()).collect();
    assert_eq!(
        numbers,
        [
            "CLM-2026-0000001",
            "CLM-2026-0000002",
            "CLM-2026-0000003",
            "CLM-2026-0000004",
            "CLM-2026-0000005",
            "CLM-2026-0000005",
            "CLM-2026-0000006"
        ]
    );
    let partial = claims[1];
    assert_eq!((partial.charge_cents, partial.paid_cents, partial.patient_cents), (37_000, 15_500, 14_500));
    let pr: Vec<_> =
        partial.all_adjustments().filter(|a| a.group == "PR").map(|a| (a.reason.as_str(), a.cents)).collect();
    assert_eq!(pr, [("1", 10_000), ("2", 2_000), ("3", 2_500)]);

    let denied = claims[2];
    assert_eq!((denied.status.as_str(), denied.paid_cents), ("1", 0), "a denial processed as primary");
    let service = &denied.services[0];
    assert_eq!((service.procedure.as_str(), service.remarks.as_slice()), ("90834", &["N115".to_owned()][..]));
    assert_eq!(service.adjustments[0].reason, "50");

    let line_denied = claims[3];
    assert_eq!(line_denied.remarks, ["N381"], "MOA03");
    assert_eq!(line_denied.services[1].modifiers, ["95"]);
    assert_eq!(line_denied.services[1].service_date, chrono::NaiveDate::from_ymd_opt(2026, 3, 4));

    assert!(claims[4].is_reversal() && claims[4].paid_cents == -14_000);
    assert!(!claims[5].is_reversal() && claims[5].paid_cents == 16_000);
    let plb: Vec<_> = items
        .iter()
        .filter_map(|i| if let Item::ProviderAdjustment(a) = i { Some((a.reason.as_str(), a.cents)) } else { None })
        .collect();
    assert_eq!(plb, [("L6", -215), ("WO", 2_500)]);
}

#[test]
fn every_layout_and_set_of_delimiters_reads_the_same() {
    let expected = format!("{:?}", read_835(SAMPLE.as_bytes()).unwrap());
    let segments = segments_of(SAMPLE);
    let cases: &[(u8, u8, u8, u8, Layout)] = &[
        (b'|', b'>', b'!', b'~', Layout::OneLine),
        (b'*', b':', b'^', b'~', Layout::CrLf),
        (b'*', b':', b'^', b'~', Layout::Wrapped),
        (b'^', b'\\', b'{', b'\'', Layout::Lines),
        (0x1D, 0x1F, 0x1E, 0x1C, Layout::OneLine),
        (b'*', b'>', b'^', b'\n', Layout::OneLine),
        (b'*', b':', b'^', b'\r', Layout::OneLine),
    ];
    for &(element, component, repetition, terminator, layout) in cases {
        let bytes = render(&segments, element, component, repetition, terminator, layout);
        let read = read_835(&bytes).unwrap_or_else(|e| panic!("{element} {component} {terminator} {layout:?}: {e}"));
        assert_eq!(format!("{read:?}"), expected, "{element} {component} {terminator} {layout:?}");
    }
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(SAMPLE.as_bytes());
    with_bom.extend_from_slice(b"\r\n\r\n");
    assert_eq!(format!("{:?}", read_835(&with_bom).unwrap()), expected);
    let twice = [SAMPLE.as_bytes(), &render(&segments, b'|', b'>', b'!', b'~', Layout::OneLine)].concat();
    let items = read_835(&twice).expect("two interchanges, each with its own delimiters");
    assert_eq!(items.iter().filter(|i| matches!(i, Item::Balanced { .. })).count(), 4);
}
