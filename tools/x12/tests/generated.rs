//! A property: any valid 835 (generated: sets of claims, services and adjustments that
//! balance), rendered with any delimiters and any layout, reads back as exactly what was
//! generated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use proptest::prelude::*;
use support::{Layout, read_835, render};
use x12::remittance::Item;

#[derive(Clone, Debug)]
struct Service {
    procedure: String,
    modifier: Option<String>,
    charge: i64,
    /// (group, reason, cents)
    adjustments: Vec<(String, String, i64)>,
}

#[derive(Clone, Debug)]
struct Claim {
    number: u32,
    status: &'static str,
    services: Vec<Service>,
    claim_adjustments: Vec<(String, String, i64)>,
}

#[derive(Clone, Debug)]
struct Set {
    trace: String,
    claims: Vec<Claim>,
    plb: Vec<(String, i64)>,
}

fn adjustment() -> impl Strategy<Value = (String, String, i64)> {
    (
        prop::sample::select(vec!["CO", "PR", "OA", "PI"]),
        prop::sample::select(vec!["1", "2", "3", "45", "50", "97", "B7"]),
        0i64..20_000,
    )
        .prop_map(|(g, r, c)| (g.to_owned(), r.to_owned(), c))
}

fn service() -> impl Strategy<Value = Service> {
    (
        prop::sample::select(vec!["90837", "90834", "90832", "90791", "99214"]),
        prop::option::of(prop::sample::select(vec!["95", "HO", "GT"])),
        0i64..100_000,
        prop::collection::vec(adjustment(), 0..4),
    )
        .prop_map(|(p, m, charge, adjustments)| Service {
            procedure: p.to_owned(),
            modifier: m.map(str::to_owned),
            charge,
            adjustments,
        })
}

fn claim() -> impl Strategy<Value = Claim> {
    (
        1u32..9_999_999,
        prop::sample::select(vec!["1", "2", "3", "19"]),
        prop::collection::vec(service(), 1..4),
        prop::collection::vec(adjustment(), 0..2),
    )
        .prop_map(|(number, status, services, claim_adjustments)| Claim {
            number,
            status,
            services,
            claim_adjustments,
        })
}

fn set() -> impl Strategy<Value = Set> {
    (
        "[A-Z0-9]{6,12}",
        prop::collection::vec(claim(), 1..6),
        prop::collection::vec(("(L6|WO|FB)", -5_000i64..5_000), 0..3),
    )
        .prop_map(|(trace, mut claims, plb)| {
            // One claim number once a set.
            claims.sort_by_key(|c| c.number);
            claims.dedup_by_key(|c| c.number);
            Set { trace, claims, plb: plb.into_iter().filter(|(_, c)| *c != 0).collect() }
        })
}

/// An amount as a sender may write it: `415`, `415.00`, `62.5`, `-12.34`.
fn amount(cents: i64, style: u8) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (whole, frac) = (cents.abs() / 100, cents.abs() % 100);
    match (style % 3, frac) {
        (0, 0) => format!("{sign}{whole}"),
        (1, f) if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        _ => format!("{sign}{whole}.{frac:02}"),
    }
}

fn paid(service: &Service) -> i64 {
    service.charge - service.adjustments.iter().map(|a| a.2).sum::<i64>()
}

fn claim_paid(claim: &Claim) -> i64 {
    claim.services.iter().map(paid).sum::<i64>() - claim.claim_adjustments.iter().map(|a| a.2).sum::<i64>()
}

fn cas(adjustments: &[(String, String, i64)], style: u8) -> Vec<Vec<String>> {
    adjustments.iter().map(|(g, r, c)| vec!["CAS".into(), g.clone(), r.clone(), amount(*c, style)]).collect()
}

fn strings(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

/// The interchange's segments, counts computed.
#[allow(clippy::too_many_lines, reason = "an 835 written out segment by segment, as a sender would")]
fn segments(sets: &[Set], style: u8) -> Vec<Vec<String>> {
    let mut out = vec![strings(&[
        "ISA",
        "00",
        "          ",
        "00",
        "          ",
        "ZZ",
        "PAYER          ",
        "ZZ",
        "WARD           ",
        "260316",
        "0930",
        "^",
        "00501",
        "000000007",
        "0",
        "P",
        ":",
    ])];
    out.push(strings(&["GS", "HP", "PAYER", "WARD", "20260316", "0930", "7", "X", "005010X221A1"]));
    for (i, set) in sets.iter().enumerate() {
        let control = format!("{:04}", i + 1);
        let mut body = vec![strings(&["ST", "835", &control])];
        let total: i64 = set.claims.iter().map(claim_paid).sum::<i64>() - set.plb.iter().map(|p| p.1).sum::<i64>();
        body.push(vec![
            "BPR".into(),
            "I".into(),
            amount(total, style),
            "C".into(),
            "ACH".into(),
            "CCP".into(),
            "01".into(),
            "999999992".into(),
            "DA".into(),
            "1".into(),
            "1999999999".into(),
            String::new(),
            "01".into(),
            "888888884".into(),
            "DA".into(),
            "2".into(),
            "20260318".into(),
        ]);
        body.push(strings(&["TRN", "1", &set.trace, "1999999999"]));
        body.push(strings(&["N1", "PR", "PAYER"]));
        body.push(strings(&["N1", "PE", "WARD", "XX", "1234567893"]));
        body.push(strings(&["LX", "1"]));
        for claim in &set.claims {
            let charge: i64 = claim.services.iter().map(|s| s.charge).sum();
            body.push(vec![
                "CLP".into(),
                format!("CLM-2026-{:07}", claim.number),
                claim.status.into(),
                amount(charge, style),
                amount(claim_paid(claim), style),
                String::new(),
                "12".into(),
                format!("ICN{}", claim.number),
            ]);
            body.extend(cas(&claim.claim_adjustments, style));
            for service in &claim.services {
                let composite = match &service.modifier {
                    Some(m) => format!("HC\u{1}{}\u{1}{m}", service.procedure),
                    None => format!("HC\u{1}{}", service.procedure),
                };
                body.push(vec![
                    "SVC".into(),
                    composite,
                    amount(service.charge, style),
                    amount(paid(service), style),
                    String::new(),
                    "1".into(),
                ]);
                body.push(strings(&["DTM", "472", "20260302"]));
                body.extend(cas(&service.adjustments, style));
            }
        }
        for (reason, cents) in &set.plb {
            body.push(vec![
                "PLB".into(),
                "1234567893".into(),
                "20261231".into(),
                format!("{reason}\u{1}REF1"),
                amount(*cents, style),
            ]);
        }
        let count = body.len() + 1;
        body.push(strings(&["SE", &count.to_string(), &control]));
        out.extend(body);
    }
    out.push(strings(&["GE", &sets.len().to_string(), "7"]));
    out.push(strings(&["IEA", "1", "000000007"]));
    out
}

fn delimiters() -> impl Strategy<Value = (u8, u8, u8, u8)> {
    let pool: Vec<u8> = b"*|^:>!~{}\\'`@#$%&+;=?\x1c\x1d\x1e\x1f\n".to_vec();
    prop::sample::subsequence(pool, 4)
        .prop_shuffle()
        .prop_map(|d| (d[0], d[1], d[2], d[3]))
        .prop_filter("only the terminator may be a line feed", |(e, c, r, _)| ![*e, *c, *r].contains(&b'\n'))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_rendering_of_a_valid_835_reads_back_as_generated(
        sets in prop::collection::vec(set(), 1..4),
        (element, component, repetition, terminator) in delimiters(),
        layout in prop::sample::select(vec![Layout::OneLine, Layout::Lines, Layout::CrLf, Layout::Wrapped]),
        style in 0u8..3,
    ) {
        let bytes = render(&segments(&sets, style), element, component, repetition, terminator, layout);
        let items = read_835(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut claims = items.iter().filter_map(|i| if let Item::Claim(c) = i { Some(c) } else { None });
        for set in &sets {
            for expected in &set.claims {
                let claim = claims.next().expect("every generated claim is read");
                prop_assert_eq!(&claim.claim_number, &format!("CLM-2026-{:07}", expected.number));
                prop_assert_eq!(claim.status.as_str(), expected.status);
                prop_assert_eq!(claim.paid_cents, claim_paid(expected));
                let adjustments: Vec<_> = claim.adjustments.iter().map(|a| (a.group.clone(), a.reason.clone(), a.cents)).collect();
                prop_assert_eq!(&adjustments, &expected.claim_adjustments);
                prop_assert_eq!(claim.services.len(), expected.services.len());
                for (read, service) in claim.services.iter().zip(&expected.services) {
                    prop_assert_eq!(&read.procedure, &service.procedure);
                    prop_assert_eq!(read.modifiers.first(), service.modifier.as_ref());
                    prop_assert_eq!(read.charge_cents, service.charge);
                    let adjustments: Vec<_> = read.adjustments.iter().map(|a| (a.group.clone(), a.reason.clone(), a.cents)).collect();
                    prop_assert_eq!(&adjustments, &service.adjustments);
                }
            }
        }
        prop_assert!(claims.next().is_none());
        let balanced = items.iter().filter(|i| matches!(i, Item::Balanced { .. })).count();
        prop_assert_eq!(balanced, sets.len(), "{:?}", items.iter().find(|i| matches!(i, Item::Refused { .. })));
        let plb: Vec<i64> = items.iter().filter_map(|i| if let Item::ProviderAdjustment(a) = i { Some(a.cents) } else { None }).collect();
        prop_assert_eq!(plb, sets.iter().flat_map(|s| s.plb.iter().map(|p| p.1)).collect::<Vec<_>>());
    }
}
