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

/// PostgreSQL only: a SQLite file cannot be taken away from a process that has it open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgres_is_unreachable_graphql_is_unavailable_and_it_recovers_without_restart() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
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
