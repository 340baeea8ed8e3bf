//! Batched relations: a query costs one statement per relation per level of depth, plus the
//! request's own (authentication, and the audit append when it discloses anything), however
//! many rows it returns. Counted by ward itself (`ward_db_statements_total`), on both databases.

use crate::each_backend;
use crate::fixtures::chart;
use crate::helpers::*;
use serde_json::{Value, json};
use std::time::Duration;

/// A server with no background work of its own during the test (policy re-reads and
/// checkpoints are an hour apart).
async fn quiet_app(backend: Backend) -> Option<TestApp> {
    let app = spawn_app_with(backend, |c| {
        c.policy_refresh = Duration::from_secs(3600);
        c.checkpoints.every = Duration::from_secs(3600).into();
    })
    .await?;
    // The first checkpoint is written at start-up: let it pass.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Some(app)
}

async fn statements(app: &TestApp) -> u64 {
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    metrics.lines().find_map(|l| l.strip_prefix("ward_db_statements_total ")).unwrap().parse().unwrap()
}

/// Statements one request ran (the least of three runs: a loader batches what arrives within
/// a millisecond, and a busy machine can split a batch; a missing loader costs one statement
/// per row on every run), and its body.
async fn cost(app: &TestApp, sub: &str, query: &str, variables: Value) -> (u64, Value) {
    let mut least = u64::MAX;
    let mut body = Value::Null;
    for _ in 0..3 {
        let before = statements(app).await;
        body = app.gql(sub, query, variables.clone()).await;
        assert!(body["errors"].is_null(), "{body}");
        least = least.min(statements(app).await - before);
    }
    (least, body)
}

/// Statements `sub`'s request ran, less the scrapes' own (reading `/metrics` counts the
/// break-glass grants in force).
async fn request_cost(app: &TestApp, sub: &str, query: &str) -> (u64, Value) {
    let first = statements(app).await;
    let before = statements(app).await;
    let scrape = before - first;
    let body = app.gql(sub, query, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    (statements(app).await - before - scrape, body)
}

/// On PostgreSQL, waits until `sub`'s requests are answered from the staff cache (they cost
/// no statement): the instance is listening for staff changes and keeps `sub`.
pub async fn wait_until_kept(app: &TestApp, sub: &str) {
    for _ in 0..100 {
        if request_cost(app, sub, "{ __typename }").await.0 == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{sub}'s requests still look up the staff table after 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    postgres_unreachable,
    ignore = "PostgreSQL at TEST_POSTGRES_URL was unreachable when the tests were built (api/build.rs)"
)]
async fn on_postgres_a_known_member_costs_no_statement_and_any_staff_change_is_heard() {
    let app = quiet_app(Backend::Postgres).await.expect("PostgreSQL at TEST_POSTGRES_URL");
    wait_until_kept(&app, "alice").await;
    wait_until_kept(&app, "owen").await;
    // A change to anyone forgets everyone: the next request reads the table again.
    app.sql("UPDATE staff SET display_name = 'Owen R.' WHERE sub = 'owen'").await;
    let mut heard = false;
    for _ in 0..50 {
        let (cost, body) = request_cost(&app, "owen", "{ me { displayName } }").await;
        if cost > 0 {
            assert_eq!(body["data"]["me"]["displayName"], "Owen R.", "{body}");
            heard = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(heard, "the change to owen was never heard");
    assert!(request_cost(&app, "alice", "{ __typename }").await.0 > 0, "alice was forgotten too");
    // On SQLite nothing is kept: every request looks its member up.
    let Some(sqlite) = quiet_app(Backend::Sqlite).await else { return };
    for _ in 0..3 {
        assert_eq!(request_cost(&sqlite, "alice", "{ __typename }").await.0, 1, "the staff lookup, every time");
    }
}

const QUEUE: &str = "{ tickets(first: 20) { edges { node { id subject patient { name } assignee { displayName } createdBy { sub } } } } }";
const CHART: &str = "query($p: ID!) { patient(id: $p) { name tickets(first: 10) { edges { node { subject assignee { sub } createdBy { sub } } } } claims(first: 10) { edges { node { status denials { carcCode deniedCents } provider { name } } } } } }";
const NESTED: &str = "{ tickets(first: 20) { edges { node { comments(first: 3) { edges { node { body author { sub } } } } history(first: 3) { edges { node { kind actor { sub } } } } patient { claims(first: 3) { edges { node { status } } } tickets(first: 2) { edges { node { id } } } } } } } }";
const LOG: &str = "{ auditEvents(first: 20) { edges { node { seq actor patientId phiClasses } } } }";

each_backend!(lists_cost_one_statement_per_relation_per_level_not_one_per_row, |backend| {
    let Some(app) = quiet_app(backend).await else { panic!("{backend:?} is unreachable") };
    let chart = chart(&app, 0).await;
    for _ in 0..3 {
        crate::tickets::create_ticket(&app, chart.patient, "HIGH").await;
    }
    // The request's own: authentication, and one audit append when it discloses anything.
    let (own, _) = cost(&app, "alice", "{ __typename }", json!({})).await;
    let (one_read, _) =
        cost(&app, "owen", "query($p: ID!) { patient(id: $p) { name } }", json!({ "p": chart.patient })).await;
    let append = one_read - own - 1;

    let (queue, body) = cost(&app, "alice", QUEUE, json!({})).await;
    assert_eq!(body["data"]["tickets"]["edges"].as_array().unwrap().len(), 20);
    // tickets; then patients and staff (assignee and creator share the staff loader).
    assert!(
        queue <= own + append + 3,
        "{backend:?}: the CX queue of 20 ran {queue} statements (own {own}, append {append})"
    );

    let (chart_cost, body) = cost(&app, "owen", CHART, json!({ "p": chart.patient })).await;
    assert!(body["data"]["patient"]["claims"]["edges"].as_array().is_some_and(|c| !c.is_empty()));
    // patient; its tickets and claims; their staff, denials and providers.
    assert!(
        chart_cost <= own + append + 6,
        "{backend:?}: a patient's chart ran {chart_cost} statements (own {own}, append {append})"
    );

    // Lists inside a list: each relation's first pages for all 20 parents in one statement.
    let (nested, body) = cost(&app, "owen", NESTED, json!({})).await;
    assert_eq!(body["data"]["tickets"]["edges"].as_array().unwrap().len(), 20);
    // tickets; comments, history, patients; comment authors and history actors (one staff
    // load); claims and the patients' tickets.
    assert!(
        nested <= own + append + 7,
        "{backend:?}: lists inside the queue ran {nested} statements (own {own}, append {append})"
    );

    let (log, _) = cost(&app, "cora", LOG, json!({})).await;
    assert!(log <= own + append + 1, "{backend:?}: the audit log ran {log} statements (own {own}, append {append})");
    eprintln!("{backend:?}: own {own}, append {append}; queue {queue}, chart {chart_cost}, nested {nested}, log {log}");
});
