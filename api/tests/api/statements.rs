//! Batched relations: a query costs one statement per relation per level of depth, plus the
//! request's own (authentication, and the audit append when it discloses anything), however
//! many rows it returns. Counted by ward itself (`ward_db_statements_total`), on both databases.

use crate::fixtures::chart;
use crate::helpers::*;
use serde_json::{Value, json};
use std::time::Duration;

/// A server with no background work of its own during the test (policy re-reads and
/// checkpoints are an hour apart).
async fn quiet_app(backend: Backend) -> Option<TestApp> {
    let app = spawn_app_with(backend, |c| {
        c.policy_refresh = Duration::from_secs(3600);
        c.checkpoints.every = Duration::from_secs(3600);
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

const QUEUE: &str = "{ tickets(first: 20) { edges { node { id subject patient { name } assignee { displayName } createdBy { sub } } } } }";
const CHART: &str = "query($p: ID!) { patient(id: $p) { name tickets(first: 10) { edges { node { subject assignee { sub } createdBy { sub } } } } claims(first: 10) { edges { node { status denials { carcCode deniedCents } provider { name } } } } } }";
const NESTED: &str = "{ tickets(first: 20) { edges { node { comments(first: 3) { edges { node { body author { sub } } } } history(first: 3) { edges { node { kind actor { sub } } } } patient { claims(first: 3) { edges { node { status } } } tickets(first: 2) { edges { node { id } } } } } } } }";
const LOG: &str = "{ auditEvents(first: 20) { edges { node { seq actor patientId phiClasses } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_cost_one_statement_per_relation_per_level_not_one_per_row() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = quiet_app(backend).await else { continue };
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
        assert!(
            log <= own + append + 1,
            "{backend:?}: the audit log ran {log} statements (own {own}, append {append})"
        );
        eprintln!(
            "{backend:?}: own {own}, append {append}; queue {queue}, chart {chart_cost}, nested {nested}, log {log}"
        );
    }
}
