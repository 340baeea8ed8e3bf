//! No list is silently cut: the denials, reviews and records lists count what their filters
//! find over every page, and the audit log exports a whole search.

use crate::both;
use crate::helpers::*;
use serde_json::{Value, json};

fn total(body: &Value, field: &str) -> i64 {
    assert!(body["errors"].is_null(), "{body}");
    body["data"][field]["totalCount"].as_i64().unwrap_or_else(|| panic!("a count: {body}"))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.sql(sql).await[0].try_get("", "n").unwrap()
}

both!(each_list_counts_what_its_filters_find_on_every_page, |app| {
    // Denials: every one, then those of a payer typed as people type it.
    let all = app
        .gql("owen", "{ denials(first: 2) { totalCount edges { node { id } } pageInfo { endCursor } } }", json!({}))
        .await;
    assert_eq!(total(&all, "denials"), count(&app, "SELECT COUNT(*) AS n FROM denial").await);
    assert_eq!(all["data"]["denials"]["edges"].as_array().map(Vec::len), Some(2), "the page is still a page");
    let aetna = app
        .gql(
            "owen",
            "query($p: String) { denials(first: 2, filter: { payer: $p }) { totalCount } }",
            json!({ "p": "aET" }),
        )
        .await;
    let expected = count(
        &app,
        "SELECT COUNT(*) AS n FROM denial d JOIN claim c ON c.id = d.claim_id WHERE LOWER(c.payer) LIKE 'aet%'",
    )
    .await;
    assert!(expected > 0 && expected < total(&all, "denials"), "the seed has some Aetna denials, not only: {expected}");
    assert_eq!(total(&aetna, "denials"), expected);
    // The count holds on a later page too: it is of the search, not of the page.
    let cursor = all["data"]["denials"]["pageInfo"]["endCursor"].clone();
    let paged = app
        .gql(
            "owen",
            "query($a: String) { denials(first: 2, after: $a) { totalCount pageInfo { endCursor } } }",
            json!({ "a": cursor }),
        )
        .await;
    assert_eq!(total(&paged, "denials"), total(&all, "denials"));

    // Reviews of two statuses, and records of one kind.
    let reviews = app
        .gql("maya", "{ careReviews(first: 1, filter: { status: [PENDING, IN_REVIEW] }) { totalCount } }", json!({}))
        .await;
    let expected = count(&app, "SELECT COUNT(*) AS n FROM care_review WHERE status IN ('pending', 'in_review')").await;
    assert!(expected > 0);
    assert_eq!(total(&reviews, "careReviews"), expected);
    let records =
        app.gql("maya", "{ careRecords(first: 1, filter: { unreviewed: true }) { totalCount } }", json!({})).await;
    let expected = count(
        &app,
        "SELECT COUNT(*) AS n FROM care_record r WHERE NOT EXISTS (SELECT 1 FROM care_review v WHERE v.care_record_id = r.id)",
    )
    .await;
    assert_eq!(total(&records, "careRecords"), expected);
});

both!(compliance_exports_an_audit_search_as_csv_and_the_export_is_on_the_record, |app| {
    let chart = crate::fixtures::chart(&app, 0).await;
    let read = "query($id: ID!) { patient(id: $id) { name } }";
    for _ in 0..3 {
        assert!(app.gql("owen", read, json!({ "id": chart.patient })).await["errors"].is_null());
    }
    assert!(app.gql("alice", read, json!({ "id": chart.patient })).await["errors"].is_null());
    let filter = json!({ "actor": "owen", "patientId": chart.patient });
    let body = app
        .gql(
            "cora",
            "query($f: AuditFilter) { auditEventsCsv(filter: $f) auditEventCount(filter: $f) }",
            json!({ "f": filter }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let csv = body["data"]["auditEventsCsv"].as_str().unwrap();
    assert!(csv.starts_with("Notice (42 CFR 2.32),"), "{csv}");
    let table: String =
        csv.lines().skip(tools::compliance::audit_export::PREAMBLE_LINES).map(|l| format!("{l}\n")).collect();
    let mut reader = csv::Reader::from_reader(table.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[..6], ["seq", "occurred_at", "actor", "actor_name", "actor_roles", "action"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, body["data"]["auditEventCount"].as_i64().unwrap(), "{csv}");
    assert!(rows.len() >= 3, "{csv}");
    for row in &rows {
        assert_eq!((&row[2], &row[3], &row[8]), ("owen", "Owen Becker", chart.patient.to_string().as_str()), "{csv}");
    }
    let seqs: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {csv}");
    let recorded = app.sql("SELECT reason FROM audit_event WHERE actor = 'cora' AND action = 'audit.export'").await;
    let reason: Option<String> = recorded.first().and_then(|r| r.try_get("", "reason").ok());
    assert_eq!(reason, Some(format!("exported {} events", rows.len())), "the export is on the record");
});
