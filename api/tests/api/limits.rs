//! The request limits: each answers LIMIT_EXCEEDED.

use crate::helpers::*;
use crate::{both, each_backend};
use serde_json::json;
use std::time::Duration;

both!(a_page_of_more_than_one_hundred_is_limit_exceeded, |app| {
    let body = app.gql("alice", "{ patients(first: 101) { edges { cursor } } }", json!({})).await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED");
    let body = app.gql("alice", "{ patients(first: 100) { edges { cursor } } }", json!({})).await;
    assert_eq!(body["data"]["patients"]["edges"].as_array().unwrap().len(), 100);
});

both!(a_negative_page_size_is_bad_user_input, |app| {
    let body = app.gql("alice", "{ patients(first: -1) { edges { cursor } } }", json!({})).await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT");
});

both!(aliases_count_towards_complexity, |app| {
    let fields: String = (0..2_001).map(|i| format!("a{i}: me {{ sub }} ")).collect();
    let body = app.gql("alice", &format!("{{ {fields} }}"), json!({})).await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED");
    assert!(body["data"].is_null());
});

both!(a_page_multiplies_the_complexity_of_its_rows, |app| {
    let page = "patients(first: 100) { edges { cursor node { id state createdAt } } }";
    let aliases: String = (0..4).map(|i| format!("p{i}: {page} ")).collect();
    let body = app.gql("alice", &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED");
});

both!(a_query_nested_past_the_parser_guard_is_limit_exceeded, |app| {
    let deep = format!("{{ {} sub {} }}", "me { ".repeat(200), "}".repeat(200));
    let body = app.gql("alice", &deep, json!({})).await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED", "{body}");
});

both!(a_body_over_the_limit_is_413_limit_exceeded, |app| {
    let padding = " ".repeat(256 * 1024);
    let (status, body) =
        app.post(Some(&app.token("alice")), &json!({ "query": format!("{{ me {{ sub }} {padding} }}") })).await;
    assert_eq!(status, 413);
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED");
});

both!(a_batch_of_ten_runs_and_of_eleven_is_limit_exceeded, |app| {
    let token = app.token("alice");
    let batch = |n: usize| json!((0..n).map(|_| json!({ "query": "{ me { sub } }" })).collect::<Vec<_>>());
    let (status, body) = app.post(Some(&token), &batch(10)).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 10);
    assert!(body.as_array().unwrap().iter().all(|r| r["data"]["me"]["sub"] == "alice"));
    let (status, body) = app.post(Some(&token), &batch(11)).await;
    assert_eq!(status, 400);
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED");
});

both!(in_a_batch_only_the_operation_over_a_limit_is_refused, |app| {
    let token = app.token("alice");
    let page = "patients(first: 100) { edges { cursor node { id state createdAt } } }";
    let too_complex: String = (0..4).map(|i| format!("p{i}: {page} ")).collect();
    let batch = json!([
        { "query": format!("{{ {too_complex} }}") },
        { "query": "{ me { sub } }" },
        { "query": "{ me { sub " },
    ]);
    let (status, body) = app.post(Some(&token), &batch).await;
    assert_eq!(status, 200);
    let answers = body.as_array().unwrap();
    assert_eq!(answers[0]["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{body}");
    assert!(answers[0]["errors"][0]["message"].as_str().unwrap().contains("complexity"), "{body}");
    assert!(answers[0]["data"].is_null());
    assert_eq!(answers[1]["data"]["me"]["sub"], "alice", "{body}");
    assert_eq!(answers[2]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
});

each_backend!(the_depth_limit_is_configurable_and_answers_limit_exceeded, |backend| {
    let Some(app) = spawn_app_with(backend, |c| c.limits.max_depth = 3).await else {
        panic!("{backend:?} is unreachable")
    };
    let body = app.gql("alice", "{ patients { edges { node { id } } } }", json!({})).await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED", "{backend:?}");
    let body = app.gql("alice", "{ patients { edges { cursor } } }", json!({})).await;
    assert!(body["errors"].is_null(), "{backend:?}: {body}");
});

/// PostgreSQL only: a table lock is how a test makes a read wait; SQLite readers never wait
/// in WAL mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    postgres_unreachable,
    ignore = "PostgreSQL at TEST_POSTGRES_URL was unreachable when the tests were built (api/build.rs)"
)]
async fn a_request_over_the_timeout_answers_limit_exceeded_and_its_statement_is_cancelled() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = spawn_app_with(Backend::Postgres, |c| c.limits.request_timeout = Duration::from_secs(1).into())
        .await
        .expect("PostgreSQL at TEST_POSTGRES_URL");
    let lock = app.db.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE patient IN ACCESS EXCLUSIVE MODE").await.unwrap();

    let (status, body) =
        app.post(Some(&app.token("alice")), &json!({ "query": "{ patients { edges { cursor } } }" })).await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED", "{body}");
    assert_eq!(status, 504);

    // The server-side statement does not outlive the request: PostgreSQL's statement_timeout
    // cancels it although the lock is still held.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let waiting = app
        .sql(&format!(
            "SELECT pid FROM pg_stat_activity WHERE datname = '{}' AND application_name = 'ward' AND wait_event_type = 'Lock'",
            app.test_db.name
        ))
        .await;
    assert!(waiting.is_empty(), "{} ward statement(s) still waiting", waiting.len());
    lock.rollback().await.unwrap();
}

each_backend!(production_mode_turns_off_introspection_suggestions_and_graphiql, |backend| {
    use crate::keys::{es256, now, sign};
    let key = es256();
    let Some(app) = spawn_production_app(backend, &key.public_pem).await else { panic!("{backend:?} is unreachable") };
    let claims = json!({ "sub": "alice", "iss": "idp", "aud": "ward", "exp": now() + 300 });
    let token = sign(jsonwebtoken::Algorithm::ES256, &key.private_pem, &claims, None);
    let (_, body) = app.post(Some(&token), &json!({ "query": "{ __schema { types { name } } }" })).await;
    assert!(body["data"]["__schema"].is_null(), "{backend:?}: {body}");
    let (_, body) = app.post(Some(&token), &json!({ "query": "{ patientz { id } }" })).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    let (_, body) = app.post(Some(&token), &json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(body["data"]["me"]["sub"], "alice");
    let graphiql = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(graphiql.status().as_u16(), 404);
});

both!(development_mode_serves_the_query_console_and_introspection, |app| {
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("ward query console"));
    assert!(!html.contains("http://") && !html.contains("https://"), "no third-party script or style: {html}");
    let script = app.client.get(app.url("/graphql/assets/query.js")).send().await.unwrap();
    assert_eq!(script.status().as_u16(), 200);
    assert!(script.text().await.unwrap().contains("fetch(\"/graphql\""));
    let body = app.gql("alice", "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "QueryRoot");
});
