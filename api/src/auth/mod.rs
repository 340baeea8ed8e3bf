//! Bearer-token authentication: a JWT names the staff member (or a service account's token,
//! `ward_sa_…`, looked up by its SHA-256, names the account's staff row); the database says
//! whether they are still active, and the policy in force says which roles they hold.

mod keys;

pub use keys::{Claims, DEFAULT_MAX_TTL, JwtConfig, KeyError, LEEWAY_SECONDS, TokenKeys};

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use policies::PolicySnapshot;
use sea_orm::DatabaseConnection;
use tools::admin::access_service::load_principal_cached;
use tools::admin::service_account_service;
use tools::admin::staff_cache::StaffCache;
use tools::kit::{ApiError, Principal};

/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Resolves the request's bearer token to an active staff member, or answers `UNAUTHENTICATED`.
pub async fn authenticate(
    headers: &HeaderMap,
    keys: &TokenKeys,
    db: &DatabaseConnection,
    policy: &PolicySnapshot,
    staff: &StaffCache,
) -> Result<Principal, ApiError> {
    let unauthenticated = |message: &str| ApiError::Unauthenticated(message.to_owned());
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| unauthenticated("a bearer token is required: send `Authorization: Bearer <token>`"))?;
    if header.len() > MAX_TOKEN_BYTES {
        return Err(unauthenticated("the bearer token is too large"));
    }
    let token = header
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| unauthenticated("the Authorization header must be `Bearer <token>`"))?;
    let sub = if token.starts_with(service_account_service::TOKEN_PREFIX) {
        service_account_service::sub_for_token(db, token).await?
    } else {
        // A service account's subject signs in with its own token, never a JWT.
        keys.verify(token).filter(|sub| !sub.starts_with(service_account_service::SUB_PREFIX))
    };
    let sub = sub.ok_or_else(|| unauthenticated("the bearer token is invalid, expired or revoked"))?;
    load_principal_cached(db, &sub, policy, staff)
        .await?
        .ok_or_else(|| unauthenticated("the token's subject is not an active staff member"))
}
