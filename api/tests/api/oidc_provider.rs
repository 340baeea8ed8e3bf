//! A small OpenID Connect provider the tests run: discovery, JWKS, an authorization endpoint
//! with a login form, and a token endpoint that insists on PKCE (S256) and a one-time code.
//! It signs ID tokens with the test RS256 key. It is strict where a real provider is (the
//! registered redirect URI, the client's secret, the verifier), and can be told to misbehave
//! (a wrong nonce, another audience) to show that ward checks what it is given.

use crate::keys::{self, now};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::json;
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "ward-console";
pub const CLIENT_SECRET: &str = "test-client-secret";

/// What the provider does wrong on purpose.
#[derive(Clone, Copy, Default, PartialEq)]
pub enum Misbehave {
    #[default]
    Nothing,
    /// The ID token carries a nonce other than the one ward sent.
    WrongNonce,
    /// The ID token is for another client.
    OtherAudience,
}

struct Grant {
    sub: String,
    nonce: String,
    challenge: String,
}

#[derive(Default)]
struct Inner {
    codes: HashMap<String, Grant>,
    misbehave: Misbehave,
    /// The provider has rotated to its second key (ES256, `kid` "rotated"), published
    /// beside the first.
    rotated: bool,
    /// Each authorization request's parameters, as the provider received them.
    authorizations: Vec<HashMap<String, String>>,
}

#[derive(Clone)]
pub struct TestProvider {
    pub issuer: String,
    redirect_uri: String,
    inner: Arc<Mutex<Inner>>,
}

impl TestProvider {
    /// Starts the provider; ward's callback is `redirect_uri`.
    pub async fn start(redirect_uri: &str) -> TestProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        // `localhost`, while ward is reached as 127.0.0.1: another site, as a real provider is,
        // so the browser treats the redirect back as the cross-site navigation it is.
        let issuer = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let provider = TestProvider {
            issuer,
            redirect_uri: redirect_uri.to_owned(),
            inner: Arc::new(Mutex::new(Inner::default())),
        };
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/login", post(login))
            .route("/token", post(token))
            .with_state(provider.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        provider
    }

    pub fn config(&self) -> api::console::oidc::OidcConfig {
        api::console::oidc::OidcConfig {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            redirect_url: self.redirect_uri.clone(),
        }
    }

    /// Signs from now on with a new key, published in the JWKS only from now on.
    pub fn rotate_keys(&self) {
        self.inner.lock().unwrap().rotated = true;
    }

    pub fn misbehave(&self, how: Misbehave) {
        self.inner.lock().unwrap().misbehave = how;
    }

    /// The parameters of the last authorization request.
    pub fn last_authorization(&self) -> HashMap<String, String> {
        self.inner.lock().unwrap().authorizations.last().cloned().unwrap_or_default()
    }

    /// Codes issued and not yet exchanged.
    pub fn unused_codes(&self) -> usize {
        self.inner.lock().unwrap().codes.len()
    }
}

async fn discovery(State(p): State<TestProvider>) -> Json<serde_json::Value> {
    Json(json!({
        "issuer": p.issuer,
        "authorization_endpoint": format!("{}/authorize", p.issuer),
        "token_endpoint": format!("{}/token", p.issuer),
        "jwks_uri": format!("{}/jwks", p.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
}

/// The keys in use: the RS256 key, and after a rotation also the ES256 one as "rotated".
async fn jwks(State(p): State<TestProvider>) -> Json<serde_json::Value> {
    let mut keys: Vec<serde_json::Value> =
        serde_json::from_str::<serde_json::Value>(&keys::rs256().jwks).unwrap()["keys"].as_array().unwrap().clone();
    if p.inner.lock().unwrap().rotated {
        let mut rotated = serde_json::from_str::<serde_json::Value>(&keys::es256().jwks).unwrap()["keys"][0].clone();
        rotated["kid"] = json!("rotated");
        keys.push(rotated);
    }
    Json(json!({ "keys": keys }))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The login page, after the request is checked as a real provider would.
async fn authorize(State(p): State<TestProvider>, Query(q): Query<HashMap<String, String>>) -> Response {
    p.inner.lock().unwrap().authorizations.push(q.clone());
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if get("client_id") != CLIENT_ID || get("redirect_uri") != p.redirect_uri {
        return (StatusCode::BAD_REQUEST, "unknown client or unregistered redirect_uri").into_response();
    }
    let usable = get("response_type") == "code"
        && get("scope").split(' ').any(|s| s == "openid")
        && get("code_challenge_method") == "S256"
        && !get("code_challenge").is_empty()
        && !get("state").is_empty()
        && !get("nonce").is_empty();
    if !usable {
        let to = format!("{}?error=invalid_request&state={}", p.redirect_uri, get("state"));
        return Redirect::to(&to).into_response();
    }
    let hidden: String = ["state", "nonce", "code_challenge"]
        .iter()
        .map(|k| format!(r#"<input type="hidden" name="{k}" value="{}">"#, escape(get(k))))
        .collect();
    Html(format!(
        r#"<!doctype html><title>Test identity provider</title><h1>Test identity provider</h1>
        <form method="post" action="/login">{hidden}
        <label>Username <input id="username" name="username"></label>
        <button type="submit" name="decision" value="allow">Sign in</button>
        <button type="submit" name="decision" value="deny">Cancel</button></form>"#
    ))
    .into_response()
}

/// The person signed in (or cancelled): back to ward with a one-time code (or an error).
async fn login(State(p): State<TestProvider>, Form(form): Form<HashMap<String, String>>) -> Redirect {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let state = get("state");
    if get("decision") == "deny" {
        return Redirect::to(&format!("{}?error=access_denied&state={state}", p.redirect_uri));
    }
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).unwrap();
    let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    p.inner
        .lock()
        .unwrap()
        .codes
        .insert(code.clone(), Grant { sub: get("username"), nonce: get("nonce"), challenge: get("code_challenge") });
    Redirect::to(&format!("{}?code={code}&state={state}", p.redirect_uri))
}

fn invalid_grant(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant", "error_description": why }))).into_response()
}

/// The code exchange: the client's credentials, the one-time code, the registered redirect
/// URI and the PKCE verifier, or nothing.
async fn token(
    State(p): State<TestProvider>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Basic {basic}")) {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "invalid_client" }))).into_response();
    }
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if get("grant_type") != "authorization_code" || get("redirect_uri") != p.redirect_uri {
        return invalid_grant("wrong grant type or redirect_uri");
    }
    let (grant, misbehave, rotated) = {
        let mut inner = p.inner.lock().unwrap();
        (inner.codes.remove(get("code")), inner.misbehave, inner.rotated)
    };
    let Some(grant) = grant else { return invalid_grant("unknown or used code") };
    let computed =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(get("code_verifier").as_bytes()));
    if get("code_verifier").is_empty() || computed != grant.challenge {
        return invalid_grant("the PKCE verifier does not match the challenge");
    }
    let claims = json!({
        "iss": p.issuer,
        "sub": grant.sub,
        "aud": if misbehave == Misbehave::OtherAudience { "another-client" } else { CLIENT_ID },
        "iat": now(),
        "exp": now() + 300,
        "nonce": if misbehave == Misbehave::WrongNonce { "not-the-nonce".to_owned() } else { grant.nonce },
    });
    let id_token = if rotated {
        keys::sign(jsonwebtoken::Algorithm::ES256, &keys::es256().private_pem, &claims, Some("rotated"))
    } else {
        keys::sign(jsonwebtoken::Algorithm::RS256, &keys::rs256().private_pem, &claims, Some("test-key"))
    };
    Json(json!({ "access_token": "opaque", "token_type": "Bearer", "expires_in": 300, "id_token": id_token }))
        .into_response()
}
