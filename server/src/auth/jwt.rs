//! HS256 access tokens with the Tigo platform's claims (`sub`, `email`, `roles`, `iat`, `exp`).
//! The algorithm is pinned: `none`, RS/ES/PS and other HMAC sizes are refused.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tigo_common::User;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// Signing and verification keys; cheap to clone. Never printed.
#[derive(Clone)]
pub struct Keys {
    inner: Arc<KeysInner>,
}

struct KeysInner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(***)")
    }
}

impl Keys {
    pub fn new(secret: &[u8]) -> Keys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Keys {
            inner: Arc::new(KeysInner {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
            }),
        }
    }

    /// Mints a token for `user` that lives `ttl_secs`.
    pub fn issue(&self, user: &User, ttl_secs: i64) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.id.to_string(),
            email: user.email.clone(),
            roles: user.roles.iter().map(|r| r.as_str().to_string()).collect(),
            iat: now,
            exp: now + ttl_secs,
            nbf: None,
        };
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )
    }

    /// Verifies signature, algorithm and times; returns the user id the token names.
    pub fn verify(&self, token: &str) -> Result<(Uuid, Claims), TokenError> {
        let data =
            decode::<Claims>(token, &self.inner.decoding, &self.inner.validation).map_err(|e| {
                match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    jsonwebtoken::errors::ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                    _ => TokenError::Invalid,
                }
            })?;
        let id = Uuid::parse_str(&data.claims.sub).map_err(|_| TokenError::Invalid)?;
        Ok((id, data.claims))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("Token has expired")]
    Expired,
    #[error("Token is not valid yet")]
    NotYetValid,
    #[error("Invalid token")]
    Invalid,
}

/// A fresh random secret for when `JWT_SECRET` is not configured (256 bits of randomness).
pub fn random_secret() -> String {
    format!(
        "{}{}{}",
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tigo_common::Role;

    fn user() -> User {
        User {
            id: Uuid::new_v4(),
            email: "a@example.com".into(),
            first_name: "A".into(),
            last_name: "B".into(),
            roles: vec![Role::Customer],
        }
    }

    #[test]
    fn a_token_it_issued_verifies_to_its_user() {
        let keys = Keys::new(b"secret");
        let u = user();
        let token = keys.issue(&u, 60).expect("issue");
        let (id, claims) = keys.verify(&token).expect("verify");
        assert_eq!(id, u.id);
        assert_eq!(claims.roles, vec!["Customer".to_string()]);
    }

    #[test]
    fn another_secret_or_an_expired_token_is_refused() {
        let u = user();
        let token = Keys::new(b"one").issue(&u, 60).expect("issue");
        assert_eq!(
            Keys::new(b"two").verify(&token).unwrap_err(),
            TokenError::Invalid
        );
        let expired = Keys::new(b"one").issue(&u, -120).expect("issue");
        assert_eq!(
            Keys::new(b"one").verify(&expired).unwrap_err(),
            TokenError::Expired
        );
    }
}
