//! Authentication: only a valid token of an active staff member gets in; everything else is
//! 401 UNAUTHENTICATED, and the server keeps serving.

use crate::helpers::*;
use crate::keys::{self, KeyPair, now, sign};
use crate::{both, each_backend};
use api::auth::JwtConfig;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

const ISSUER: &str = "https://id.ward.example.com/";
const AUDIENCE: &str = "ward";

/// A production-mode app verifying `algorithm` tokens from `key` (as PEM, or as JWKS).
async fn provider_app(backend: Backend, algorithm: &str, key: &KeyPair, jwks: bool) -> Option<TestApp> {
    let jwt = JwtConfig {
        public_key_pem: (!jwks).then(|| key.public_pem.clone()),
        jwks: jwks.then(|| key.jwks.clone()),
        algorithm: Some(algorithm.into()),
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
        ..Default::default()
    };
    spawn_app_with(backend, |c| {
        c.jwt = jwt;
        c.environment = api::config::Environment::Production;
    })
    .await
}

fn claims(sub: &str) -> Value {
    json!({ "sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 300 })
}

async fn status_of(app: &TestApp, token: &str) -> (u16, Value) {
    app.post(Some(token), &json!({ "query": "{ me { sub } }" })).await
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let (status, body) = status_of(app, token).await;
    assert_eq!(status, 401, "{why}: {body}");
    assert_eq!(only_code(&body), "UNAUTHENTICATED", "{why}");
}

each_backend!(rs256_with_a_pem_key_accepts_only_tokens_from_that_key_issuer_and_audience, |backend| {
    let key = keys::rs256();
    let Some(app) = provider_app(backend, "RS256", key, false).await else { panic!("{backend:?} is unreachable") };
    let good = sign(Algorithm::RS256, &key.private_pem, &claims("owen"), None);
    let (status, body) = status_of(&app, &good).await;
    assert_eq!((status, &body["data"]["me"]["sub"]), (200, &json!("owen")), "{backend:?}: {body}");

    let mut wrong_iss = claims("owen");
    wrong_iss["iss"] = json!("https://evil.example.com/");
    assert_refused(&app, &sign(Algorithm::RS256, &key.private_pem, &wrong_iss, None), "wrong issuer").await;
    let mut wrong_aud = claims("owen");
    wrong_aud["aud"] = json!("another-app");
    assert_refused(&app, &sign(Algorithm::RS256, &key.private_pem, &wrong_aud, None), "wrong audience").await;
    let mut no_aud = claims("owen");
    no_aud.as_object_mut().unwrap().remove("aud");
    assert_refused(&app, &sign(Algorithm::RS256, &key.private_pem, &no_aud, None), "no audience").await;
    // Algorithm confusion: HS256 signed with the public key as the shared secret.
    assert_refused(&app, &sign(Algorithm::HS256, &key.public_pem, &claims("owen"), None), "HS256 with the public key")
        .await;
    // Another key of the same algorithm.
    let other = keys::es256();
    assert_refused(&app, &sign(Algorithm::ES256, &other.private_pem, &claims("owen"), None), "another algorithm").await;
});

each_backend!(es256_with_a_jwks_file_picks_the_key_by_kid, |backend| {
    let key = keys::es256();
    let Some(app) = provider_app(backend, "ES256", key, true).await else { panic!("{backend:?} is unreachable") };
    let good = sign(Algorithm::ES256, &key.private_pem, &claims("maya"), Some("test-key"));
    let (status, body) = status_of(&app, &good).await;
    assert_eq!((status, &body["data"]["me"]["sub"]), (200, &json!("maya")), "{backend:?}: {body}");
    let unknown_kid = sign(Algorithm::ES256, &key.private_pem, &claims("maya"), Some("rotated-away"));
    assert_refused(&app, &unknown_kid, "unknown kid").await;
});

both!(tokens_that_are_none_expired_early_or_without_exp_are_refused, |app| {
    let hs = |claims: &Value| sign(Algorithm::HS256, SECRET, claims, None);
    // alg: none, hand-made (no library signs it).
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&json!({ "sub": "alice", "exp": now() + 300 }))
    );
    assert_refused(&app, &none, "alg none").await;
    assert_refused(&app, &hs(&json!({ "sub": "alice", "exp": now() - 60 })), "expired past the leeway").await;
    assert_refused(&app, &hs(&json!({ "sub": "alice", "exp": now() + 300, "nbf": now() + 120 })), "nbf ahead").await;
    assert_refused(&app, &hs(&json!({ "sub": "alice" })), "no exp").await;
    assert_refused(&app, &hs(&json!({ "exp": now() + 300 })), "no sub").await;
    assert_refused(
        &app,
        &sign(
            Algorithm::HS256,
            "another-secret-another-secret-another!",
            &json!({ "sub": "alice", "exp": now() + 300 }),
            None,
        ),
        "another key",
    )
    .await;
    // Within the 30 s leeway an expired token still passes (clock skew).
    let (status, _) = status_of(&app, &hs(&json!({ "sub": "alice", "exp": now() - 10 }))).await;
    assert_eq!(status, 200);
});

both!(malformed_headers_huge_tokens_and_garbage_are_refused_and_the_server_keeps_serving, |app| {
    let url = app.url("/graphql");
    let body = json!({ "query": "{ me { sub } }" });
    let huge = format!("Bearer {}", "a".repeat(100 * 1024));
    for header in [
        "Basic YWxpY2U6cGFzcw==",
        "Bearer",
        "Bearer ",
        "bearer a.b",
        "Bearer !!!.???.***",
        "Bearer eyJhbGciOiJIUzI1NiJ9.%%%%.x",
        huge.as_str(),
    ] {
        let response = app.client.post(&url).header("authorization", header).json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{:.40}", header);
        let body: Value = response.json().await.unwrap();
        assert_eq!(only_code(&body), "UNAUTHENTICATED");
    }
    let response =
        app.client.post(&url).header("authorization", &b"Bearer \xff\xfe"[..]).json(&body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body = app.gql("alice", "{ me { sub } }", json!({})).await;
    assert_eq!(body["data"]["me"]["sub"], "alice", "still serving");
});

both!(a_shared_secret_server_issues_tokens_for_staff_only, |app| {
    let token = app.keys.issue("cora", std::time::Duration::from_secs(60)).unwrap();
    let (status, body) = status_of(&app, &token).await;
    assert_eq!((status, &body["data"]["me"]["sub"]), (200, &json!("cora")));
});
