//! Token keys: HS256 with a shared secret (development, tests, demo), or RS256/ES256 with an
//! identity provider's public key or JWKS, plus a required issuer and audience (production).
//! The accepted algorithm is pinned: a token signed any other way is refused.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;

const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: u64 = 30;

/// What ward issues.
#[derive(Debug, Serialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
}

/// What ward reads from a verified token (the registered claims are checked by `Validation`).
#[derive(Debug, Deserialize)]
struct Subject {
    sub: String,
    exp: i64,
    iat: Option<i64>,
}

/// Where verification keys come from (`WARD_JWT_*`).
#[derive(Clone, Debug, Default)]
pub struct JwtConfig {
    /// HS256 shared secret.
    pub secret: Option<String>,
    /// PEM public key (RS256 or ES256), as text.
    pub public_key_pem: Option<String>,
    /// A JWKS document, as text.
    pub jwks: Option<String>,
    /// `RS256` or `ES256`, for a public key or JWKS.
    pub algorithm: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// The longest lifetime (`exp` - `iat`) a token may have; [`DEFAULT_MAX_TTL`] when unset.
    pub max_ttl: Option<Duration>,
}

/// `WARD_JWT_MAX_TTL`'s default: a working day, so a leaked token does not live for weeks.
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(12 * 3600);

impl JwtConfig {
    pub fn hs256(secret: impl Into<String>) -> Self {
        JwtConfig { secret: Some(secret.into()), ..Default::default() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("WARD_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes; generate one with `openssl rand -hex 32`")]
    SecretTooShort,
    #[error(
        "no token key: set WARD_JWT_SECRET (development) or WARD_JWT_PUBLIC_KEY / WARD_JWT_JWKS_FILE with WARD_JWT_ISSUER and WARD_JWT_AUDIENCE"
    )]
    Missing,
    #[error("set one token key source: WARD_JWT_SECRET, WARD_JWT_PUBLIC_KEY or WARD_JWT_JWKS_FILE")]
    Ambiguous,
    #[error(
        "production (WARD_ENV=production) verifies RS256/ES256 tokens from an identity provider: set WARD_JWT_PUBLIC_KEY or WARD_JWT_JWKS_FILE"
    )]
    SharedSecretInProduction,
    #[error("WARD_JWT_ISSUER and WARD_JWT_AUDIENCE are required with a public key or JWKS")]
    IssuerAudienceRequired,
    #[error("WARD_JWT_ALGORITHM must be RS256 or ES256, got {0:?}")]
    Algorithm(String),
    #[error("the public key or JWKS cannot be used: {0}")]
    BadKey(String),
    #[error("this server verifies tokens from an identity provider and cannot issue them")]
    CannotIssue,
    #[error("a token may live at most {max:?} (WARD_JWT_MAX_TTL); asked for {asked:?}")]
    TooLong { asked: Duration, max: Duration },
    #[error("cannot sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

#[derive(Clone)]
enum Keys {
    Shared { encoding: EncodingKey, decoding: DecodingKey },
    Public(DecodingKey),
    Set(Vec<(Option<String>, DecodingKey)>),
}

/// Verifies (and in development issues) bearer tokens.
#[derive(Clone)]
pub struct TokenKeys {
    keys: Keys,
    validation: Validation,
    max_ttl: Duration,
}

impl TokenKeys {
    /// The keys `config` describes; `production` refuses shared secrets.
    pub fn from_config(config: &JwtConfig, production: bool) -> Result<Self, KeyError> {
        let sources = [config.secret.is_some(), config.public_key_pem.is_some(), config.jwks.is_some()];
        match sources.iter().filter(|s| **s).count() {
            0 => return Err(KeyError::Missing),
            1 => {}
            _ => return Err(KeyError::Ambiguous),
        }
        if let Some(secret) = &config.secret {
            if production {
                return Err(KeyError::SharedSecretInProduction);
            }
            let mut keys = Self::hs256(secret)?;
            keys.expect_issuer_audience(config);
            return Ok(keys.with_max_ttl(config.max_ttl.unwrap_or(DEFAULT_MAX_TTL)));
        }
        let (Some(_), Some(_)) = (&config.issuer, &config.audience) else {
            return Err(KeyError::IssuerAudienceRequired);
        };
        let algorithm = match config.algorithm.as_deref().unwrap_or("RS256") {
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            other => return Err(KeyError::Algorithm(other.to_owned())),
        };
        let bad = |e: jsonwebtoken::errors::Error| KeyError::BadKey(e.to_string());
        let keys = if let Some(pem) = &config.public_key_pem {
            let key = match algorithm {
                Algorithm::ES256 => DecodingKey::from_ec_pem(pem.as_bytes()),
                _ => DecodingKey::from_rsa_pem(pem.as_bytes()),
            };
            Keys::Public(key.map_err(bad)?)
        } else {
            let set: JwkSet = serde_json::from_str(config.jwks.as_deref().unwrap_or_default())
                .map_err(|e| KeyError::BadKey(e.to_string()))?;
            let keys = set
                .keys
                .iter()
                .map(|jwk| Ok((jwk.common.key_id.clone(), DecodingKey::from_jwk(jwk).map_err(bad)?)))
                .collect::<Result<Vec<_>, KeyError>>()?;
            if keys.is_empty() {
                return Err(KeyError::BadKey("the JWKS has no keys".into()));
            }
            Keys::Set(keys)
        };
        let mut token_keys = TokenKeys { keys, validation: validation(algorithm), max_ttl: DEFAULT_MAX_TTL };
        token_keys.expect_issuer_audience(config);
        Ok(token_keys.with_max_ttl(config.max_ttl.unwrap_or(DEFAULT_MAX_TTL)))
    }

    /// HS256 with a shared secret of at least 32 bytes.
    pub fn hs256(secret: &str) -> Result<Self, KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::SecretTooShort);
        }
        Ok(TokenKeys {
            keys: Keys::Shared {
                encoding: EncodingKey::from_secret(secret.as_bytes()),
                decoding: DecodingKey::from_secret(secret.as_bytes()),
            },
            validation: validation(Algorithm::HS256),
            max_ttl: DEFAULT_MAX_TTL,
        })
    }

    /// Refuse tokens (and refuse to issue them) that live longer than `max_ttl`.
    pub fn with_max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = max_ttl;
        self
    }

    fn expect_issuer_audience(&mut self, config: &JwtConfig) {
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = &config.issuer {
            self.validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        match &config.audience {
            Some(audience) => {
                self.validation.set_audience(&[audience]);
                self.validation.validate_aud = true;
                required.push("aud");
            }
            None => self.validation.validate_aud = false,
        }
        self.validation.set_required_spec_claims(&required);
    }

    /// A token for `sub`, valid for `ttl` (HS256 keys only).
    pub fn issue(&self, sub: &str, ttl: Duration) -> Result<String, KeyError> {
        let Keys::Shared { encoding, .. } = &self.keys else {
            return Err(KeyError::CannotIssue);
        };
        if ttl > self.max_ttl {
            return Err(KeyError::TooLong { asked: ttl, max: self.max_ttl });
        }
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims { sub: sub.to_owned(), iat: now, exp: now.saturating_add(ttl) };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, encoding)?)
    }

    /// The token's subject, if the token is valid. The reason of a refusal is logged, never
    /// the token.
    pub fn verify(&self, token: &str) -> Option<String> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        // RFC 7515 §4.1.11: a `crit` extension the verifier does not understand makes the
        // token invalid. ward understands none.
        if header.crit.is_some() {
            tracing::info!("bearer token refused: it names critical header extensions");
            return None;
        }
        let key = match &self.keys {
            Keys::Shared { decoding, .. } => decoding,
            Keys::Public(key) => key,
            Keys::Set(keys) => match (header.kid, keys.as_slice()) {
                (None, [(_, only)]) => only,
                (Some(kid), keys) => &keys.iter().find(|(id, _)| id.as_deref() == Some(kid.as_str()))?.1,
                _ => return None,
            },
        };
        match jsonwebtoken::decode::<Subject>(token, key, &self.validation) {
            Ok(data) => {
                // A token without `iat` is judged by what remains of its life.
                let claims = data.claims;
                let born = claims.iat.unwrap_or_else(|| chrono::Utc::now().timestamp());
                let lifetime = claims.exp.saturating_sub(born);
                let max = i64::try_from(self.max_ttl.as_secs()).unwrap_or(i64::MAX);
                if lifetime > max.saturating_add(LEEWAY_SECONDS as i64) {
                    tracing::info!(lifetime, max, "bearer token refused: it lives longer than WARD_JWT_MAX_TTL");
                    return None;
                }
                Some(claims.sub)
            }
            Err(err) => {
                tracing::info!(reason = ?err.kind(), "bearer token refused");
                None
            }
        }
    }
}

fn validation(algorithm: Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.algorithms = vec![algorithm];
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation
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
        assert_eq!(keys.verify(&token).as_deref(), Some("alice"));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other = TokenKeys::hs256("another-secret-another-secret-another").unwrap();
        let token = other.issue("alice", Duration::from_secs(60)).unwrap();
        assert!(TokenKeys::hs256(SECRET).unwrap().verify(&token).is_none());
    }

    #[test]
    fn production_refuses_a_shared_secret_and_a_key_without_issuer_and_audience() {
        assert!(matches!(
            TokenKeys::from_config(&JwtConfig::hs256(SECRET), true),
            Err(KeyError::SharedSecretInProduction)
        ));
        let pem = JwtConfig { public_key_pem: Some("x".into()), ..Default::default() };
        assert!(matches!(TokenKeys::from_config(&pem, true), Err(KeyError::IssuerAudienceRequired)));
        let both = JwtConfig { secret: Some(SECRET.into()), jwks: Some("{}".into()), ..Default::default() };
        assert!(matches!(TokenKeys::from_config(&both, false), Err(KeyError::Ambiguous)));
    }
}
