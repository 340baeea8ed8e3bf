//! A property: any valid 837P (generated: subscribers who are their own patient, each with
//! claims whose lines add up), rendered with any delimiters and any layout, reads back as
//! exactly what was generated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use proptest::prelude::*;
use support::{Layout, render};
use x12::claims::{Claims, Item, npi_check_digit};

#[derive(Clone, Debug)]
struct Line {
    procedure: &'static str,
    charge: i64,
    day: u32,
}

#[derive(Clone, Debug)]
struct Claim {
    number: u32,
    diagnoses: Vec<&'static str>,
    lines: Vec<Line>,
}

fn line() -> impl Strategy<Value = Line> {
    (prop::sample::select(vec!["90837", "90834", "90832", "90791"]), 0i64..60_000, 1u32..28)
        .prop_map(|(procedure, charge, day)| Line { procedure, charge, day })
}

fn claim() -> impl Strategy<Value = Claim> {
    (
        1u32..9_999_999,
        prop::sample::subsequence(vec!["F321", "F411", "F4310", "F430", "Z046"], 1..4),
        prop::collection::vec(line(), 1..4),
    )
        .prop_map(|(number, diagnoses, lines)| Claim { number, diagnoses, lines })
}

fn amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn strings(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

fn npi(i: usize) -> String {
    let base = format!("1{:08}", 200_000 + i);
    format!("{base}{}", npi_check_digit(&base).unwrap())
}

/// One claim's segments: CLM, HI, and each line's LX, SV1 and DTP.
fn claim_segments(claim: &Claim) -> Vec<Vec<String>> {
    let mut body = Vec::new();
    let total: i64 = claim.lines.iter().map(|l| l.charge).sum();
    body.push(vec![
        "CLM".into(),
        format!("CLM-2026-{:07}", claim.number),
        amount(total),
        String::new(),
        String::new(),
        "11\u{1}B\u{1}1".into(),
        "Y".into(),
        "A".into(),
        "Y".into(),
        "Y".into(),
    ]);
    let mut hi = vec!["HI".to_owned()];
    for (i, code) in claim.diagnoses.iter().enumerate() {
        hi.push(format!("{}\u{1}{code}", if i == 0 { "ABK" } else { "ABF" }));
    }
    body.push(hi);
    for (n, line) in claim.lines.iter().enumerate() {
        body.push(strings(&["LX", &(n + 1).to_string()]));
        body.push(vec![
            "SV1".into(),
            format!("HC\u{1}{}", line.procedure),
            amount(line.charge),
            "UN".into(),
            "1".into(),
            String::new(),
            String::new(),
            "1".into(),
        ]);
        body.push(strings(&["DTP", "472", "D8", &format!("202611{:02}", line.day)]));
    }
    body
}

/// One set: a billing provider, one subscriber per claim list, its claims.
fn segments(subscribers: &[Vec<Claim>]) -> Vec<Vec<String>> {
    let mut body = vec![
        strings(&["ST", "837", "0001", "005010X222A1"]),
        strings(&["BHT", "0019", "00", "B1", "20261201", "0930", "CH"]),
        strings(&["HL", "1", "", "20", "1"]),
        vec![
            "NM1".into(),
            "85".into(),
            "2".into(),
            "WARD".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "XX".into(),
            npi(0),
        ],
    ];
    for (s, claims) in subscribers.iter().enumerate() {
        body.push(strings(&["HL", &(s + 2).to_string(), "1", "22", "0"]));
        body.push(strings(&["SBR", "P", "18", "G1", "", "", "", "", "", "CI"]));
        body.push(strings(&["NM1", "IL", "1", "SYNTHETIC", "PATIENT", "", "", "", "MI", &format!("M{s:06}")]));
        body.push(strings(&["NM1", "PR", "2", "PAYER", "", "", "", "", "PI", "P1"]));
        for claim in claims {
            body.extend(claim_segments(claim));
        }
    }
    let count = body.len() + 1;
    body.push(strings(&["SE", &count.to_string(), "0001"]));
    let mut out = vec![strings(&[
        "ISA",
        "00",
        "          ",
        "00",
        "          ",
        "ZZ",
        "WARD           ",
        "ZZ",
        "PAYER          ",
        "261201",
        "0930",
        "^",
        "00501",
        "000000008",
        "0",
        "P",
        ":",
    ])];
    out.push(strings(&["GS", "HC", "WARD", "PAYER", "20261201", "0930", "8", "X", "005010X222A1"]));
    out.extend(body);
    out.push(strings(&["GE", "1", "8"]));
    out.push(strings(&["IEA", "1", "000000008"]));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_rendering_of_a_valid_837p_reads_back_as_generated(
        subscribers in prop::collection::vec(prop::collection::vec(claim(), 1..4), 1..4),
        (element, component, repetition, terminator) in prop::sample::subsequence(b"*|^:>!~{}'\x1c\x1d\x1e\x1f".to_vec(), 4).prop_shuffle().prop_map(|d| (d[0], d[1], d[2], d[3])),
        layout in prop::sample::select(vec![Layout::OneLine, Layout::Lines, Layout::CrLf, Layout::Wrapped]),
    ) {
        // One claim number once a set.
        let mut seen = std::collections::HashSet::new();
        let subscribers: Vec<Vec<Claim>> = subscribers.into_iter().map(|claims| claims.into_iter().filter(|c| seen.insert(c.number)).collect::<Vec<_>>()).filter(|c: &Vec<Claim>| !c.is_empty()).collect();
        prop_assume!(!subscribers.is_empty());
        let bytes = render(&segments(&subscribers), element, component, repetition, terminator, layout);
        let mut reader = Claims::new(bytes.as_slice());
        let mut read = Vec::new();
        while let Some(item) = reader.next() {
            read.push(item.map_err(|e| TestCaseError::fail(e.to_string()))?);
        }
        let claims: Vec<_> = read.iter().filter_map(|i| if let Item::Claim(c) = i { Some(c) } else { None }).collect();
        let expected: Vec<&Claim> = subscribers.iter().flatten().collect();
        prop_assert_eq!(claims.len(), expected.len(), "{:?}", read.iter().find(|i| matches!(i, Item::Refused { .. })));
        for (claim, generated) in claims.iter().zip(expected) {
            prop_assert_eq!(&claim.claim_number, &format!("CLM-2026-{:07}", generated.number));
            prop_assert_eq!(claim.charge_cents, generated.lines.iter().map(|l| l.charge).sum::<i64>());
            prop_assert_eq!(&claim.diagnoses, &generated.diagnoses.iter().map(|d| (*d).to_owned()).collect::<Vec<_>>());
            prop_assert_eq!(claim.lines.len(), generated.lines.len());
            for (line, want) in claim.lines.iter().zip(&generated.lines) {
                prop_assert_eq!(line.procedure.as_str(), want.procedure);
                prop_assert_eq!(line.charge_cents, want.charge);
                prop_assert_eq!(line.service_date, chrono::NaiveDate::from_ymd_opt(2026, 11, want.day).unwrap());
            }
        }
        let accepted = matches!(read.last(), Some(Item::Accepted { .. }));
        prop_assert!(accepted, "the set stands");
    }
}
