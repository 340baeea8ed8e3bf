//! An authenticated attacker's requests: each costs a bounded amount, answers one clear code,
//! and leaves the server serving everyone else.

use crate::fixtures::chart;
use crate::helpers::*;
use crate::{both, each_backend};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A document whose fragments spread one another twice per level: `levels` levels expand to
/// 2^levels fields, in about 100 bytes a level.
fn doubling_fragments(levels: usize) -> String {
    let mut document = String::from(
        "query { ...A0 }\nfragment A_ on QueryRoot { me { sub } }\nfragment B_ on QueryRoot { me { sub } }\n",
    );
    for i in 1..=levels {
        let prev = if i == 1 { "_".to_owned() } else { (i - 1).to_string() };
        document.push_str(&format!(
            "fragment A{i} on QueryRoot {{ ...A{prev} ...B{prev} }}\nfragment B{i} on QueryRoot {{ ...A{prev} ...B{prev} }}\n"
        ));
    }
    document.replace("...A0 }", &format!("...A{levels} ...B{levels} }}"))
}

/// Answers within `limit`, or the server did not bound the cost (not a speed assertion: an
/// unbounded request takes hours).
async fn within<T>(limit: Duration, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit, future).await.expect("the server did not answer: the request's cost is unbounded")
}

both!(fragments_that_double_per_level_are_refused_before_they_are_expanded, |app| {
    let document = doubling_fragments(40);
    assert!(document.len() < 8 * 1024);
    let body = within(Duration::from_secs(20), app.gql("alice", &document, json!({}))).await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED", "{body}");
    let health = within(Duration::from_secs(5), app.client.get(app.url("/healthz")).send()).await.unwrap();
    assert_eq!(health.status(), 200);
});

both!(a_modest_fragment_document_is_still_answered, |app| {
    let body = app.gql("alice", &doubling_fragments(4), json!({})).await;
    assert_eq!(body["data"]["me"]["sub"], "alice", "{body}");
});

both!(aliased_lists_are_paid_for_by_their_size, |app| {
    let chart = chart(&app, 0).await;
    let ticket = crate::tickets::create_ticket(&app, chart.patient, "NORMAL").await;
    let aliases: String = (0..100).map(|i| format!("c{i}: comments {{ edges {{ node {{ body }} }} }} ")).collect();
    let query = format!("query($t: ID!) {{ ticket(id: $t) {{ {aliases} }} }}");
    let body = app.gql("alice", &query, json!({ "t": ticket["id"] })).await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED", "100 pages of comments cost 100 × their page: {body}");
    let one = app
        .gql("alice", "query($t: ID!) { ticket(id: $t) { comments(first: 5) { edges { node { body } } pageInfo { hasNextPage } } history(first: 5) { edges { node { kind } } } } }", json!({ "t": ticket["id"] }))
        .await;
    assert!(one["errors"].is_null(), "{one}");
});

each_backend!(a_response_over_the_byte_limit_is_refused_and_nothing_of_it_recorded, |backend| {
    let Some(app) = spawn_app_with(backend, |c| c.limits.max_response_bytes = 4 * 1024).await else {
        panic!("{backend:?} is unreachable")
    };
    let body = app
        .gql(
            "owen",
            "{ patients(first: 100) { edges { node { id name email phone dateOfBirth memberId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(only_code(&body), "LIMIT_EXCEEDED", "{backend:?}: {body}");
    assert!(body["data"].is_null());
    let disclosed = app.sql("SELECT seq FROM audit_event WHERE actor = 'owen' AND outcome = 'allowed'").await;
    assert!(disclosed.is_empty(), "{backend:?}: a refused response disclosed nothing");
    let small = app.gql("owen", "{ patients(first: 1) { edges { node { name } } } }", json!({})).await;
    assert!(small["errors"].is_null(), "{small}");
});

both!(a_post_that_is_not_json_is_415_and_runs_nothing, |app| {
    let chart = chart(&app, 0).await;
    let before = app.sql("SELECT id FROM ticket").await.len();
    let mutation = json!({ "query": format!("mutation {{ createTicket(input: {{ subject: \"x\", description: \"\", channel: EMAIL, patientId: \"{}\" }}) {{ id }} }}", chart.patient) });
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(app.token("alice"))
            .header("content-type", content_type)
            .body(mutation.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content_type}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(only_code(&body), "BAD_USER_INPUT");
    }
    assert_eq!(app.sql("SELECT id FROM ticket").await.len(), before, "nothing ran");
    let json_with_charset = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token("alice"))
        .header("content-type", "application/json; charset=utf-8")
        .body(json!({ "query": "{ me { sub } }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(json_with_charset.status().as_u16(), 200);
});

both!(a_nul_byte_in_any_string_is_bad_user_input_and_stores_nothing, |app| {
    let chart = chart(&app, 0).await;
    let before = app.sql("SELECT id FROM ticket").await.len();
    let input =
        json!({ "subject": "Billing\u{0}question", "description": "", "channel": "EMAIL", "patientId": chart.patient });
    let body = app
        .gql("alice", "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }", json!({ "i": input }))
        .await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT", "{body}");
    let inline = app.gql("alice", "{ patients(search: \"ab\\u0000c\") { edges { node { id } } } }", json!({})).await;
    assert_eq!(only_code(&inline), "BAD_USER_INPUT", "{inline}");
    assert_eq!(app.sql("SELECT id FROM ticket").await.len(), before);
});

fn token_with(header: jsonwebtoken::Header, lifetime: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": "alice", "iat": now, "exp": now + lifetime });
    jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

both!(a_token_with_an_unknown_critical_header_or_too_long_a_life_is_refused, |app| {
    let query = json!({ "query": "{ me { sub } }" });
    let mut critical = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    critical.crit = Some(vec!["x-ward-never-heard-of-it".into()]);
    let (status, _) = app.post(Some(&token_with(critical, 600)), &query).await;
    assert_eq!(status, 401, "unknown crit");
    let plain = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    let (status, body) = app.post(Some(&token_with(plain.clone(), 24 * 3600)), &query).await;
    assert_eq!((status, codes(&body)), (401, vec!["UNAUTHENTICATED".to_owned()]), "a day-long token");
    let (status, _) = app.post(Some(&token_with(plain, 11 * 3600)), &query).await;
    assert_eq!(status, 200, "within WARD_JWT_MAX_TTL");
});

each_backend!(a_body_sent_a_byte_at_a_time_ends_at_the_request_timeout, |backend| {
    let Some(app) = spawn_app_with(backend, |c| c.limits.request_timeout = Duration::from_secs(2).into()).await else {
        panic!("{backend:?} is unreachable")
    };
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: ward\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        app.token("alice")
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stream.write_all(b" ").await.unwrap();
    }
    // Then silence: the server must answer on its own once the timeout has passed.
    let mut answer = vec![0u8; 4096];
    let read = within(Duration::from_secs(15), stream.read(&mut answer)).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.contains("LIMIT_EXCEEDED"), "{backend:?}: {answer}");
});

/// Opens a connection that sends half a request head and then nothing.
async fn stalled(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    stream.write_all(b"POST /graphql HTTP/1.1\r\nHost: ward\r\n").await.unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_finish_their_headers_are_closed_and_others_are_served() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.limits.header_read_timeout = Duration::from_secs(1).into();
        c.limits.max_connections = 64;
    })
    .await
    else {
        return;
    };
    let mut held = Vec::new();
    for _ in 0..200 {
        held.push(stalled(&app).await);
    }
    let body = within(Duration::from_secs(20), app.gql("alice", "{ me { sub } }", json!({}))).await;
    assert_eq!(body["data"]["me"]["sub"], "alice");
    let mut closed = 0;
    for stream in &mut held {
        let mut buffer = [0u8; 256];
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, held.len(), "every stalled connection was closed by the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_connection_cap_a_new_connection_waits_for_a_free_slot() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.limits.header_read_timeout = Duration::from_secs(2).into();
        c.limits.max_connections = 2;
    })
    .await
    else {
        return;
    };
    let _a = stalled(&app).await;
    let _b = stalled(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let body = within(Duration::from_secs(20), app.gql("alice", "{ me { sub } }", json!({}))).await;
    assert_eq!(body["data"]["me"]["sub"], "alice");
    // Served only once a stalled connection's header time ran out: the cap held.
    assert!(started.elapsed() >= Duration::from_millis(1500), "served past the cap after {:?}", started.elapsed());
}
