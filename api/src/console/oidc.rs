//! Signing in through the organisation's identity provider: OpenID Connect's authorization
//! code flow with PKCE (S256), by the `openidconnect` crate.
//!
//! `/signin/oidc` sends the browser to the provider with a fresh `state`, `nonce` and PKCE
//! challenge, keeping the three secrets in a short-lived cookie (`ward_oidc`: HttpOnly,
//! `SameSite=Lax` so the provider's redirect back carries it, scoped to the callback path).
//! `/signin/callback` checks `state` against that cookie, exchanges the code with the PKCE
//! verifier, verifies the ID token (signature against the provider's JWKS, issuer, audience,
//! expiry, nonce) and opens a console session for the active staff member whose `sub` it
//! names. The provider's metadata and keys are fetched on first use and kept for ten minutes.

use super::layout::bare;
use super::session;
use super::{is_local, with_cookie};
use crate::http::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use maud::html;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError, TokenResponse,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// The identity provider ward signs staff in with (`WARD_OIDC_*`).
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// The provider's issuer URL; its discovery document is `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Confidential clients send it at the token endpoint; public clients rely on PKCE alone.
    pub client_secret: Option<String>,
    /// ward's callback as registered at the provider: `https://<ward>/signin/callback`.
    pub redirect_url: String,
}

const PENDING_COOKIE: &str = "ward_oidc";
const CALLBACK_PATH: &str = "/signin/callback";
/// How long a sign-in may take at the provider before it must start again.
const PENDING_FOR: Duration = Duration::from_secs(10 * 60);
/// How long the provider's metadata and keys are trusted before they are fetched again.
const METADATA_FOR: Duration = Duration::from_secs(10 * 60);

/// A client built from discovered metadata: authorization URL set, token and user-info
/// endpoints as the provider published them.
type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The configured provider (its URLs parsed once, at start-up), its HTTP client and its
/// cached metadata.
pub struct Provider {
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    http: openidconnect::reqwest::Client,
    metadata: RwLock<Option<(Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").field("issuer", &self.issuer.as_str()).finish_non_exhaustive()
    }
}

/// Why a sign-in through the provider did not happen, in words for the person signing in.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("ward cannot reach your identity provider right now. Try again in a minute.")]
    Provider(String),
    #[error("This sign-in has expired or did not start in this browser. Start again.")]
    NoPending,
    #[error("This sign-in's answer does not match the one this browser started. Start again.")]
    StateMismatch,
    #[error("Your identity provider did not sign you in ({0}).")]
    Refused(String),
    #[error("Your identity provider's answer could not be verified. Start again.")]
    Unverified(String),
    #[error("No active ward staff member is linked to your account. Ask an admin for access.")]
    Unknown(String),
}

impl Provider {
    pub fn new(config: OidcConfig) -> Result<Provider, String> {
        let issuer = IssuerUrl::new(config.issuer).map_err(|e| format!("WARD_OIDC_ISSUER is not a URL: {e}"))?;
        let redirect =
            RedirectUrl::new(config.redirect_url).map_err(|e| format!("WARD_OIDC_REDIRECT_URL is not a URL: {e}"))?;
        let http = openidconnect::reqwest::Client::builder()
            // Never follow a redirect from the provider's endpoints (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("the identity provider's HTTP client: {e}"))?;
        Ok(Provider {
            issuer,
            redirect,
            client_id: ClientId::new(config.client_id),
            client_secret: config.client_secret.map(ClientSecret::new),
            http,
            metadata: RwLock::new(None),
        })
    }

    async fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, Failure> {
        if !fresh
            && let Some((at, metadata)) = self.metadata.read().await.as_ref()
            && at.elapsed() < METADATA_FOR
        {
            return Ok(metadata.clone());
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| Failure::Provider(format!("discovery: {e}")))?;
        *self.metadata.write().await = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn client(&self, metadata: CoreProviderMetadata) -> Client {
        CoreClient::from_provider_metadata(metadata, self.client_id.clone(), self.client_secret.clone())
            .set_redirect_uri(self.redirect.clone())
    }

    /// The provider's authorization URL for a new sign-in, and the cookie that remembers it.
    async fn start(&self) -> Result<(String, Pending), Failure> {
        let client = self.client(self.metadata(false).await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("openid".into()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = Pending {
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            next: "/".to_owned(),
        };
        Ok((url.to_string(), pending))
    }

    /// Exchanges the code (with the PKCE verifier) for tokens and returns the verified ID
    /// token's subject. A token signed by a key ward has not seen is checked once more
    /// against freshly fetched keys (the provider may have rotated them); the code itself is
    /// good only once and is never exchanged twice.
    async fn finish(&self, code: &str, pending: Pending) -> Result<String, Failure> {
        let client = self.client(self.metadata(false).await?);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Failure::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| Failure::Refused(format!("the code exchange failed: {e}")))?;
        let id_token = response.id_token().ok_or_else(|| Failure::Unverified("no ID token".into()))?;
        let nonce = Nonce::new(pending.nonce);
        let verify = |client: &Client| {
            let verifier = client.id_token_verifier().set_allowed_algs(vec![
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            ]);
            id_token.claims(&verifier, &nonce).map(|claims| claims.subject().as_str().to_owned())
        };
        let verified = match verify(&client) {
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                tracing::info!("ID token signed by a key not among the cached ones; fetching the keys again");
                verify(&self.client(self.metadata(true).await?))
            }
            other => other,
        };
        verified.map_err(|e| Failure::Unverified(format!("{e}: {:?}", std::error::Error::source(&e))))
    }
}

/// What the browser holds between leaving for the provider and coming back.
struct Pending {
    state: String,
    verifier: String,
    nonce: String,
    /// The page to return to once signed in (checked again when it is used).
    next: String,
}

impl Pending {
    fn cookie(&self, local: bool) -> String {
        // The three secrets are base64url: a dot cannot occur in any of them. The page comes
        // last, form-encoded (no `;`, `,`, space or quote, which a cookie cannot hold).
        let next: String = url::form_urlencoded::byte_serialize(self.next.as_bytes()).collect();
        let value = format!("{}.{}.{}.{next}", self.state, self.verifier, self.nonce);
        pending_cookie(Some(&value), local)
    }

    fn from_headers(headers: &axum::http::HeaderMap) -> Option<Pending> {
        let value = session::cookie_value(headers, PENDING_COOKIE)?;
        let mut parts = value.splitn(4, '.');
        let (state, verifier, nonce) = (parts.next()?, parts.next()?, parts.next()?);
        let next = format!("next={}", parts.next().unwrap_or_default());
        let next = url::form_urlencoded::parse(next.as_bytes()).next().map(|(_, v)| v.into_owned());
        (!state.is_empty() && !verifier.is_empty() && !nonce.is_empty()).then(|| Pending {
            state: state.to_owned(),
            verifier: verifier.to_owned(),
            nonce: nonce.to_owned(),
            next: super::signin::return_to(next.as_deref()),
        })
    }
}

/// `SameSite=Lax`: the provider's redirect back is a cross-site navigation, on which a
/// `Strict` cookie would not be sent. It is only ever read by the callback.
fn pending_cookie(value: Option<&str>, local: bool) -> String {
    let mut cookie = cookie::Cookie::build((PENDING_COOKIE, value.unwrap_or("").to_owned()))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path(CALLBACK_PATH)
        .secure(!local);
    cookie = match value {
        Some(_) => cookie.max_age(cookie::time::Duration::seconds(PENDING_FOR.as_secs() as i64)),
        None => cookie.max_age(cookie::time::Duration::ZERO),
    };
    cookie.build().to_string()
}

/// `GET /signin/oidc[?next=PAGE]`: off to the provider, to come back to `next`.
pub async fn start(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    parts: Parts,
) -> Response {
    let Some(provider) = state.oidc.as_deref() else {
        return (StatusCode::NOT_FOUND, "sign-in through an identity provider is not configured").into_response();
    };
    match provider.start().await {
        Ok((url, mut pending)) => {
            pending.next = super::signin::return_to(query.get("next").map(String::as_str));
            with_cookie(super::redirect(&url), &pending.cookie(is_local(&parts)))
        }
        Err(failure) => refused(failure, is_local(&parts)),
    }
}

/// `GET /signin/callback?code&state` (or `?error`): back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    parts: Parts,
) -> Response {
    let Some(provider) = state.oidc.as_deref() else {
        return (StatusCode::NOT_FOUND, "sign-in through an identity provider is not configured").into_response();
    };
    let local = is_local(&parts);
    let Some(pending) = Pending::from_headers(&parts.headers) else { return refused(Failure::NoPending, local) };
    if !session::same_secret(query.get("state").map(String::as_str).unwrap_or_default(), &pending.state) {
        return refused(Failure::StateMismatch, local);
    }
    if let Some(error) = query.get("error") {
        let described = match query.get("error_description") {
            Some(description) => format!("{error}: {description}"),
            None => error.clone(),
        };
        return refused(Failure::Refused(described), local);
    }
    let Some(code) = query.get("code").filter(|c| !c.is_empty()) else {
        return refused(Failure::Refused("no authorization code".into()), local);
    };
    let next = pending.next.clone();
    let sub = match provider.finish(code, pending).await {
        Ok(sub) => sub,
        Err(failure) => return refused(failure, local),
    };
    let policy = state.policy.authorizer().snapshot();
    let principal = tools::admin::access_service::load_principal(&state.db, &sub, &policy).await.ok().flatten();
    let Some(principal) = principal else { return refused(Failure::Unknown(sub), local) };
    let Ok((_, token)) = session::open(&state.db, principal.staff_id).await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "ward cannot reach its database right now").into_response();
    };
    tracing::info!(sub = %principal.sub, "console sign-in through the identity provider");
    // A 200 page that moves on by itself, not a redirect: the session cookie is
    // `SameSite=Strict`, and a redirect that continues the provider's cross-site navigation
    // would arrive without it.
    let response = bare(
        "Signed in",
        html! {
            meta http-equiv="refresh" content={ "0; url=" (next) };
            p role="status" { "Signed in as " (principal.sub) ". " a href=(next) { "Continue where you were" } }
        },
    )
    .into_response();
    let response = with_cookie(response, &session::cookie(Some(&token), local));
    with_cookie(response, &pending_cookie(None, local))
}

/// A sign-in that did not happen: the reason in words, a way to start again, the pending
/// cookie cleared. What went wrong in detail goes to the log, not to the page.
fn refused(failure: Failure, local: bool) -> Response {
    let status = match &failure {
        Failure::Provider(why) => {
            tracing::warn!(why, "identity provider unreachable or misconfigured");
            StatusCode::BAD_GATEWAY
        }
        Failure::Unverified(why) => {
            tracing::warn!(why, "an ID token was refused");
            StatusCode::UNAUTHORIZED
        }
        Failure::Unknown(sub) => {
            tracing::info!(sub, "the identity provider vouched for someone who is not active staff");
            StatusCode::FORBIDDEN
        }
        Failure::Refused(why) => {
            tracing::info!(why, "the identity provider did not sign someone in");
            StatusCode::UNAUTHORIZED
        }
        Failure::NoPending | Failure::StateMismatch => StatusCode::BAD_REQUEST,
    };
    let response = (
        status,
        bare(
            "Sign in",
            html! {
                p.error role="alert" { (failure.to_string()) }
                p { a href="/signin/oidc" { "Sign in again" } }
            },
        ),
    )
        .into_response();
    with_cookie(response, &pending_cookie(None, local))
}
