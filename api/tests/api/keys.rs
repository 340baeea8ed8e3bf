//! Test-only signing keys, generated per run: nothing secret is ever committed.

use base64::Engine;
use serde_json::{Value, json};
use std::sync::OnceLock;

pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
    /// The public key as a JWKS document with one key, `kid` = "test-key".
    pub jwks: String,
}

/// An ES256 (P-256) key pair.
pub fn es256() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| {
        use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let mut bytes = [0u8; 32];
        let secret = loop {
            getrandom::fill(&mut bytes).unwrap();
            if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
                break secret;
            }
        };
        let public = secret.public_key();
        let mut jwk: Value = serde_json::from_str(&public.to_jwk_string()).unwrap();
        jwk["kid"] = json!("test-key");
        jwk["alg"] = json!("ES256");
        jwk["use"] = json!("sig");
        KeyPair {
            private_pem: secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            public_pem: public.to_public_key_pem(LineEnding::LF).unwrap(),
            jwks: json!({ "keys": [jwk] }).to_string(),
        }
    })
}

/// An RS256 (2048-bit RSA) key pair.
pub fn rs256() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        use rsa::traits::PublicKeyParts;
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let public = private.to_public_key();
        let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let jwk = json!({ "kty": "RSA", "kid": "test-key", "alg": "RS256", "use": "sig",
            "n": b64(public.n().to_bytes_be()), "e": b64(public.e().to_bytes_be()) });
        KeyPair {
            private_pem: private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            public_pem: public.to_public_key_pem(LineEnding::LF).unwrap(),
            jwks: json!({ "keys": [jwk] }).to_string(),
        }
    })
}

/// Signs `claims` with `alg` and the PEM private key (or the HS256 secret).
pub fn sign(alg: jsonwebtoken::Algorithm, key: &str, claims: &Value, kid: Option<&str>) -> String {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let encoding = match alg {
        Algorithm::HS256 => EncodingKey::from_secret(key.as_bytes()),
        Algorithm::ES256 => EncodingKey::from_ec_pem(key.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(key.as_bytes()).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &encoding).unwrap()
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
