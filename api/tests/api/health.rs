//! Liveness, readiness, metrics, and riding out a database outage.

use crate::both;
use crate::helpers::*;
use serde_json::json;

both!(healthz_and_readyz_answer_ok_while_the_database_is_up, |app| {
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");
});

both!(metrics_count_requests_and_errors_by_code, |app| {
    app.gql("alice", "{ patients(first: 500) { edges { cursor } } }", json!({})).await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("ward_graphql_requests_total 1"), "{text}");
    assert!(text.contains("ward_graphql_errors_total{code=\"LIMIT_EXCEEDED\"} 1"), "{text}");
});

both!(metrics_time_requests_by_operation_and_show_pools_audit_batches_grants_and_the_policy, |app| {
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let named = "query ChartCard($p: ID!) { patient(id: $p) { name } }";
    for _ in 0..3 {
        assert!(app.gql("alice", named, json!({ "p": patient })).await["errors"].is_null());
    }
    app.gql("alice", "{ claims(first: 1) { edges { node { diagnosisCodes } } } }", json!({})).await;
    // A client's made-up operation names cannot grow the label set without bound.
    app.gql("alice", "query Sneaky_name_that_is_fine { me { sub } }", json!({})).await;
    app.gql("alice", "query { me { sub } }", json!({})).await;
    app.gql("cx", "{ me { sub } }", json!({})).await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let line = |prefix: &str| {
        text.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix}: {text}")).to_owned()
    };
    assert!(
        line("ward_request_duration_seconds_count{operation=\"ChartCard\",outcome=\"ok\"}").ends_with(" 3"),
        "{text}"
    );
    line("ward_request_duration_seconds_count{operation=\"anonymous\",outcome=\"FORBIDDEN\"}");
    line("ward_request_duration_seconds_bucket{operation=\"ChartCard\",outcome=\"ok\",le=\"0.1\"}");
    line("ward_request_duration_seconds_count{operation=\"-\",outcome=\"UNAUTHENTICATED\"}");
    line("ward_db_statement_duration_seconds_count");
    line("ward_db_pool_connections{pool=\"requests\",state=\"idle\"}");
    line("ward_db_pool_connections{pool=\"audit\",state=\"in_use\"}");
    assert!(!line("ward_audit_batch_events_count").ends_with(" 0"), "the reads were recorded in batches");
    line("ward_audit_commit_duration_seconds_sum");
    line("ward_break_glass_active_grants ");
    let policy = app.gql("adam", "{ policy { version } }", json!({})).await["data"]["policy"]["version"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(&format!("ward_policy_info{{version=\"{policy}\"}} 1")), "{text}");
});

/// PostgreSQL only: a SQLite file cannot be taken away from a process that has it open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    postgres_unreachable,
    ignore = "PostgreSQL at TEST_POSTGRES_URL was unreachable when the tests were built (api/build.rs)"
)]
async fn while_postgres_is_unreachable_graphql_is_unavailable_and_it_recovers_without_restart() {
    let app = spawn_app(Backend::Postgres).await.expect("PostgreSQL at TEST_POSTGRES_URL");
    let name = app.test_db.name.clone();
    let admin = sea_orm::Database::connect(postgres_admin_url()).await.unwrap();
    use sea_orm::ConnectionTrait;
    admin.execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false")).await.unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .unwrap();
    // An outage lasts longer than the pool's idle-check window (1 s): connections that sat
    // idle through it are pinged, found dead and replaced when the database is back.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;

    let (status, body) = app.post(Some(&app.token("alice")), &json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(only_code(&body), "UNAVAILABLE", "{body}");
    assert_eq!(status, 503);
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);

    admin.execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true")).await.unwrap();
    let body = app.gql("alice", "{ me { sub } patients(first: 1) { edges { cursor } } }", json!({})).await;
    assert_eq!(body["data"]["me"]["sub"], "alice", "{body}");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    admin.close().await.ok();
}
