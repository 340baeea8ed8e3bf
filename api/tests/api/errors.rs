//! Authentication at the door, and the shape of errors.

use crate::both;
use serde_json::json;

both!(no_token_is_401_unauthenticated, |app| {
    let (status, body) = app.post(None, &json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(status, 401);
    assert_eq!(only_code(&body), "UNAUTHENTICATED");
});

both!(a_garbage_token_is_401_unauthenticated, |app| {
    for token in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."] {
        let (status, body) = app.post(Some(token), &json!({ "query": "{ me { sub } }" })).await;
        assert_eq!(status, 401, "{token}");
        assert_eq!(only_code(&body), "UNAUTHENTICATED");
    }
});

both!(an_expired_token_is_401, |app| {
    // Signed with the right key, but expired an hour ago (well past the leeway).
    let claims = json!({ "sub": "alice", "iat": chrono::Utc::now().timestamp() - 7200, "exp": chrono::Utc::now().timestamp() - 3600 });
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let (status, body) = app.post(Some(&token), &json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(status, 401);
    assert_eq!(only_code(&body), "UNAUTHENTICATED");
});

both!(a_deactivated_or_unknown_staff_member_is_401, |app| {
    for sub in ["dan", "mallory"] {
        let (status, body) = app.post(Some(&app.token(sub)), &json!({ "query": "{ me { sub } }" })).await;
        assert_eq!(status, 401, "{sub}");
        assert_eq!(only_code(&body), "UNAUTHENTICATED");
    }
});

// A deactivation made outside ward (an operator's SQL, another instance, the CLI). SQLite
// keeps nothing between requests: the next one is refused. PostgreSQL instances keep active
// staff between requests and forget them when the `staff` trigger's notification arrives:
// with alice kept (her requests cost no statement), the change is heard at once.
both!(a_deactivation_takes_effect_on_the_next_request, |app| {
    let token = app.token("alice");
    let (status, _) = app.post(Some(&token), &json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(status, 200);
    let postgres = app.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    if postgres {
        crate::statements::wait_until_kept(&app, "alice").await;
    }
    app.sql("UPDATE staff SET active = false WHERE sub = 'alice'").await;
    if postgres {
        // The notification travels on its own connection: allow it a moment, no more.
        for _ in 0..50 {
            if app.post(Some(&token), &json!({ "query": "{ me { sub } }" })).await.0 == 401 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let (status, body) = app.post(Some(&token), &json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(status, 401);
    assert_eq!(only_code(&body), "UNAUTHENTICATED");
});

both!(a_body_that_is_not_json_is_bad_user_input, |app| {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token("alice"))
        .header("content-type", "application/json")
        .body("{ me { sub } }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(only_code(&body), "BAD_USER_INPUT");
});

both!(a_syntax_error_is_bad_user_input, |app| {
    let body = app.gql("alice", "{ me { sub }", json!({})).await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT");
});

both!(every_response_carries_a_request_id_and_a_forged_one_is_replaced, |app| {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "evil\tinjected log line")
        .json(&json!({ "query": "{ me { sub } }" }))
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(!id.contains("evil") && uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], id);
});
