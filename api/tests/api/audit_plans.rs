//! Compliance's questions of the audit trail are answered down an index, in the order they
//! are answered, on both databases: a patient's accounting, an actor's log, a time range, one
//! request, an action, an outcome, and the whole log, each first page and a later one.
//!
//! Held by the plan itself (`EXPLAIN`), over a trail of 60,000 events the test appends
//! directly and ANALYZEs: no step may sort, scan the table, or walk an index that does not
//! begin with what the question names. The statement explained is the one the server runs,
//! built by the same function.

use crate::helpers::*;
use async_graphql::ID;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryTrait, Statement};
use serde_json::Value;
use tools::compliance::audit_log::{AuditFilter, AuditOutcome, disclosures_of, events, page_query};
use uuid::Uuid;

const EVENTS: i64 = 60_000;
/// The first synthetic event's time; three events a second from there (ties, for the cursor).
const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn at(second: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(START + second, 0).single().unwrap()
}

/// The synthetic patient number `n`, as both databases hold it.
fn patient(n: u32) -> Uuid {
    Uuid::from_u128(u128::from(n) + 1)
}

/// Appends `EVENTS` events after whatever the server wrote: 200 actors, 500 patients, 40
/// actions, four events a request, one in five hundred refused. The chain is not kept: the test reads
/// plans, never hashes.
async fn fill(app: &TestApp) {
    let base: i64 = {
        let rows = app.sql("SELECT COALESCE(MAX(seq), 0) AS head FROM audit_event").await;
        rows[0].try_get("", "head").unwrap()
    };
    let (series, time, patient) = match app.db.get_database_backend() {
        DatabaseBackend::Postgres => (
            format!("FROM generate_series(1, {EVENTS}) AS s(i)"),
            format!("to_timestamp({START} + i / 3)"),
            "lpad(to_hex(i % 500 + 1), 32, '0')::uuid",
        ),
        _ => (
            format!(
                "FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {EVENTS}) SELECT i FROM s)"
            ),
            format!("strftime('%Y-%m-%dT%H:%M:%SZ', {START} + i / 3, 'unixepoch')"),
            "unhex(printf('%032x', i % 500 + 1))",
        ),
    };
    app.sql(&format!(
        "INSERT INTO audit_event (seq, occurred_at, actor, actor_roles, action, resource_type, resource_id, \
         patient_id, phi_classes, outcome, reason, purpose, policy_version, request_id, client_request_id, format, \
         prev_hash, hash) \
         SELECT {base} + i, {time}, 'actor-' || (i % 200), 'ops', 'action.' || (i % 40), 'patient', NULL, \
         {patient}, CASE WHEN i % 3 = 0 THEN 'identity' ELSE '' END, \
         CASE WHEN i % 500 = 0 THEN 'denied' ELSE 'allowed' END, NULL, NULL, 'v', 'req-' || (i / 4), NULL, 2, \
         '', '' {series}"
    ))
    .await;
    app.sql("ANALYZE").await;
}

/// The steps of `statement`'s plan, one line each: PostgreSQL's nodes (type, and the index
/// walked) or SQLite's `EXPLAIN QUERY PLAN` lines.
async fn plan(app: &TestApp, statement: Statement) -> Vec<String> {
    let backend = app.db.get_database_backend();
    let explain = match backend {
        DatabaseBackend::Postgres => format!("EXPLAIN (FORMAT JSON) {}", statement.sql),
        _ => format!("EXPLAIN QUERY PLAN {}", statement.sql),
    };
    let explain = Statement { sql: explain, ..statement };
    let rows = app.db.query_all_raw(explain.clone()).await.unwrap_or_else(|e| panic!("{e}: {}", explain.sql));
    match backend {
        DatabaseBackend::Postgres => {
            let json: Value = rows[0].try_get("", "QUERY PLAN").unwrap();
            let mut steps = Vec::new();
            nodes(&json[0]["Plan"], &mut steps);
            steps
        }
        _ => rows.iter().map(|row| row.try_get::<String>("", "detail").unwrap()).collect(),
    }
}

fn nodes(node: &Value, steps: &mut Vec<String>) {
    let index = node["Index Name"].as_str().map(|name| format!(" using {name}")).unwrap_or_default();
    steps.push(format!("{}{index}", node["Node Type"].as_str().unwrap_or("?")));
    for child in node["Plans"].as_array().into_iter().flatten() {
        nodes(child, steps);
    }
}

/// Holds `statement` to a plan that walks `index` (and at most the primary key, to find a
/// cursor's event) and never scans the table. Nor does it sort, with one exception: for a
/// range it expects to hold a few rows, PostgreSQL may read exactly that range of `index` as
/// a bitmap and sort those; rows read any other way are never sorted.
async fn walks(app: &TestApp, question: &str, statement: Statement, index: &str) {
    let steps = plan(app, statement).await;
    let shown = steps.join("\n  ");
    let uses = |step: &String| step.contains(&format!("INDEX {index} ")) || step.ends_with(&format!("INDEX {index}"));
    let uses_pg = |step: &String| step.ends_with(&format!(" using {index}"));
    assert!(steps.iter().any(|s| uses(s) || uses_pg(s)), "{question}: does not walk {index}:\n  {shown}");
    let bitmap = steps.iter().any(|s| s == &format!("Bitmap Index Scan using {index}"));
    for step in &steps {
        let sorts = (step.contains("Sort") && !bitmap) || step.contains("TEMP B-TREE");
        let scans_table = step == "Seq Scan" || step == "SCAN audit_event";
        let other_index =
            (step.contains(" using ") || step.contains("USING ")) && !uses(step) && !uses_pg(step) && !primary(step);
        assert!(!sorts && !scans_table && !other_index, "{question}: {step}:\n  {shown}");
    }
}

/// The primary key's own index, on either database (the cursor's event is found by `seq`).
fn primary(step: &str) -> bool {
    step.ends_with("using audit_event_pkey") || step.contains("INTEGER PRIMARY KEY (rowid=?)")
}

fn statement(app: &TestApp, filter: AuditFilter, after: Option<i64>) -> Statement {
    let backend = app.db.get_database_backend();
    let (query, _) = events(backend, filter).unwrap();
    page_query(backend, query, after, 51).build(backend)
}

crate::both!(every_compliance_question_walks_its_own_index_in_answer_order, |app| {
    fill(&app).await;
    let backend = app.db.get_database_backend();
    let cursor = Some(30_000);
    let window = || AuditFilter { from: Some(at(1_000)), to: Some(at(1_001)), ..AuditFilter::default() };
    let actor = || AuditFilter { actor: Some("actor-7".into()), ..AuditFilter::default() };
    let one_patient = || AuditFilter { patient_id: Some(ID(patient(41).to_string())), ..AuditFilter::default() };

    walks(&app, "an actor's log", statement(&app, actor(), None), "idx_audit_event_actor_time").await;
    walks(&app, "an actor's log, page 2", statement(&app, actor(), cursor), "idx_audit_event_actor_time").await;
    let early = AuditFilter { from: Some(at(100)), to: Some(at(5_000)), ..actor() };
    walks(&app, "an actor in an early window", statement(&app, early, None), "idx_audit_event_actor_time").await;

    walks(&app, "a patient's events", statement(&app, one_patient(), None), "idx_audit_event_patient_time").await;
    let accounting = page_query(backend, disclosures_of(patient(41)), None, 51).build(backend);
    walks(&app, "a patient's accounting", accounting, "idx_audit_event_patient_time").await;
    let accounting = page_query(backend, disclosures_of(patient(41)), cursor, 51).build(backend);
    walks(&app, "a patient's accounting, page 2", accounting, "idx_audit_event_patient_time").await;

    walks(&app, "one early second", statement(&app, window(), None), "idx_audit_event_time").await;
    walks(&app, "one early second, page 2", statement(&app, window(), cursor), "idx_audit_event_time").await;
    let since = AuditFilter { from: Some(at(100)), ..AuditFilter::default() };
    walks(&app, "everything since", statement(&app, since, None), "idx_audit_event_time").await;
    walks(&app, "the whole log", statement(&app, AuditFilter::default(), None), "idx_audit_event_time").await;
    walks(&app, "the whole log, page 2", statement(&app, AuditFilter::default(), cursor), "idx_audit_event_time").await;

    let request = AuditFilter { request_id: Some("req-4242".into()), ..AuditFilter::default() };
    walks(&app, "one request", statement(&app, request, None), "idx_audit_event_request_time").await;
    let action = AuditFilter { action: Some("action.13".into()), ..AuditFilter::default() };
    walks(&app, "one action", statement(&app, action, None), "idx_audit_event_action_time").await;
    let refused = AuditFilter { outcome: Some(AuditOutcome::Denied), ..AuditFilter::default() };
    walks(&app, "every refusal", statement(&app, refused, None), "idx_audit_event_outcome_time").await;
});

/// Every event `filter` (GraphQL) selects, page by page, as (occurredAt, seq).
async fn every_page(app: &TestApp, filter: Value) -> Vec<(DateTime<Utc>, i64)> {
    let query = "query($f: AuditFilter, $a: String) { auditEvents(filter: $f, first: 7, after: $a) {
        edges { node { seq occurredAt } } pageInfo { hasNextPage endCursor } } }";
    let (mut events, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = app.gql("cora", query, serde_json::json!({ "f": filter, "a": after })).await;
        let connection = &page["data"]["auditEvents"];
        for edge in connection["edges"].as_array().unwrap_or_else(|| panic!("{page}")) {
            let time = DateTime::parse_from_rfc3339(edge["node"]["occurredAt"].as_str().unwrap()).unwrap();
            events.push((time.with_timezone(&Utc), edge["node"]["seq"].as_str().unwrap().parse().unwrap()));
        }
        if connection["pageInfo"]["hasNextPage"] != Value::Bool(true) {
            return events;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

fn newest_first(events: &[(DateTime<Utc>, i64)]) -> bool {
    events.windows(2).all(|pair| pair[0] > pair[1])
}

crate::both!(paging_an_audit_question_yields_each_event_once_newest_first, |app| {
    fill(&app).await;
    // actor-7 is every 200th event from the 7th: 300 of them, some sharing a second.
    let actor = every_page(&app, serde_json::json!({ "actor": "actor-7" })).await;
    assert_eq!(actor.len(), 300, "{actor:?}");
    assert!(newest_first(&actor), "{actor:?}");
    // Seconds 1,000 to 1,009 hold events 3,000 to 3,029 (three a second).
    let window = serde_json::json!({ "from": at(1_000), "to": at(1_010) });
    let window = every_page(&app, window).await;
    assert_eq!(window.len(), 30, "{window:?}");
    assert!(newest_first(&window) && window.iter().all(|(time, _)| *time >= at(1_000) && *time < at(1_010)));
    let request = every_page(&app, serde_json::json!({ "requestId": "req-4242" })).await;
    assert_eq!(request.len(), 4, "{request:?}");
});
