//! Bearer-token authentication: a JWT names the staff member; the database says who they are now.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tools::admin::service::load_principal;
use tools::kit::{ApiError, Principal};

/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_BYTES: usize = 4096;
const MIN_SECRET_BYTES: usize = 32;
const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("WARD_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes; generate one with `openssl rand -hex 32`")]
    SecretTooShort,
    #[error("cannot sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

/// The signing and verifying keys, with the algorithm pinned.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn hs256(secret: &str) -> Result<Self, KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::SecretTooShort);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        })
    }

    pub fn issue(&self, sub: &str, ttl: Duration) -> Result<String, KeyError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: sub.to_owned(),
            iat: now,
            exp: now.saturating_add(ttl),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    fn verify(&self, token: &str) -> Option<Claims> {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Some(data.claims),
            Err(err) => {
                // The reason only, never the token.
                tracing::info!(reason = ?err.kind(), "bearer token refused");
                None
            }
        }
    }
}

/// Resolves the request's bearer token to an active staff member, or answers `UNAUTHENTICATED`.
pub async fn authenticate(
    headers: &HeaderMap,
    keys: &TokenKeys,
    db: &DatabaseConnection,
) -> Result<Principal, ApiError> {
    let unauthenticated = |message: &str| ApiError::Unauthenticated(message.to_owned());
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| unauthenticated("a bearer token is required: send `Authorization: Bearer <token>`"))?;
    if header.len() > MAX_TOKEN_BYTES + 7 {
        return Err(unauthenticated("the bearer token is too large"));
    }
    let token = header
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| unauthenticated("the Authorization header must be `Bearer <token>`"))?;
    let claims = keys
        .verify(token)
        .ok_or_else(|| unauthenticated("the bearer token is invalid or expired"))?;
    load_principal(db, &claims.sub)
        .await?
        .ok_or_else(|| unauthenticated("the token's subject is not an active staff member"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "test-secret-test-secret-test-secret!";

    #[test]
    fn a_short_secret_is_refused() {
        assert!(matches!(TokenKeys::hs256("short"), Err(KeyError::SecretTooShort)));
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_sub() {
        let keys = TokenKeys::hs256(SECRET).unwrap();
        let token = keys.issue("alice", Duration::from_secs(60)).unwrap();
        assert_eq!(keys.verify(&token).unwrap().sub, "alice");
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other = TokenKeys::hs256("another-secret-another-secret-another").unwrap();
        let token = other.issue("alice", Duration::from_secs(60)).unwrap();
        assert!(TokenKeys::hs256(SECRET).unwrap().verify(&token).is_none());
    }
}
