//! Signed download URLs: `…/chat/files/{id}[/thumbnail]?exp=UNIX&sig=HEX`, an HMAC-SHA256 of
//! the path and the expiry under a key derived from the server's JWT secret (so every instance
//! on it agrees, and no new secret needs configuring). A signature is a capability: whoever
//! holds the URL may fetch that one file until it expires, which is what `<img src>` needs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::Variant;

type HmacSha256 = Hmac<Sha256>;

/// Makes and checks signatures. `Debug` shows no key.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
    origin: String,
    ttl: Duration,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("origin", &self.origin)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// The `exp` and `sig` of a request's query, as sent.
#[derive(Debug, Clone)]
pub struct Signature {
    pub exp: String,
    pub sig: String,
}

impl Signature {
    /// The signature of a raw query: `None` when it carries none. A query with anything
    /// besides one `exp` and one `sig` counts as altered.
    pub fn from_query(raw: &str) -> Option<Result<Signature, ()>> {
        if raw.is_empty() {
            return None;
        }
        let mut exp = None;
        let mut sig = None;
        let mut other = false;
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            let slot = match name.as_ref() {
                "exp" => &mut exp,
                "sig" => &mut sig,
                _ => {
                    other = true;
                    continue;
                }
            };
            if slot.replace(value.into_owned()).is_some() {
                other = true;
            }
        }
        match (exp, sig) {
            (None, None) if !other => None,
            (Some(exp), Some(sig)) if !other => Some(Ok(Signature { exp, sig })),
            _ => Some(Err(())),
        }
    }
}

impl Signer {
    pub fn new(secret: &[u8], origin: &str, ttl: Duration) -> Signer {
        // A key of its own, so a leaked URL signature says nothing about the JWT key.
        let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| {
            // HMAC takes keys of any length; this branch cannot be reached.
            HmacSha256::new_from_slice(&[0u8; 32]).unwrap_or_else(|_| unreachable!())
        });
        mac.update(b"tigo-chat signed file urls v1");
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        Signer {
            key,
            origin: origin.to_string(),
            ttl,
        }
    }

    fn mac(&self, path: &str, exp: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a 32-byte key"));
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(exp.as_bytes());
        mac
    }

    /// The absolute signed URL of a file or its thumbnail, valid from `now` for the TTL.
    pub fn url(&self, id: Uuid, variant: Variant, now: DateTime<Utc>) -> String {
        let path = variant.path(id);
        let exp = (now.timestamp() + self.ttl.as_secs() as i64).to_string();
        let sig = hex::encode(self.mac(&path, &exp).finalize().into_bytes());
        format!("{}{path}?exp={exp}&sig={sig}", self.origin)
    }

    /// Whether `signature` signs `path` (as requested, byte for byte) and has not expired.
    pub fn verify(&self, path: &str, signature: &Signature, now: DateTime<Utc>) -> bool {
        let Ok(exp) = signature.exp.parse::<i64>() else {
            return false;
        };
        // Only the canonical spelling of `exp` was ever signed; `sig` is lower-case hex.
        if exp.to_string() != signature.exp || exp < now.timestamp() {
            return false;
        }
        match hex::decode(&signature.sig) {
            Ok(sig) if signature.sig.bytes().all(|b| !b.is_ascii_uppercase()) => {
                self.mac(path, &signature.exp).verify_slice(&sig).is_ok()
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (String, Signature) {
        let rest = url.strip_prefix("http://chat.test").expect("origin");
        let (path, query) = rest.split_once('?').expect("query");
        let sig = Signature::from_query(query).expect("some").expect("ok");
        (path.to_string(), sig)
    }

    #[test]
    fn a_signed_url_verifies_until_it_expires_and_not_once_altered() {
        let signer = Signer::new(b"secret", "http://chat.test", Duration::from_secs(60));
        let id = Uuid::new_v4();
        let now = Utc::now();
        let url = signer.url(id, Variant::Original, now);
        let (path, sig) = parts(&url);
        assert!(signer.verify(&path, &sig, now));
        assert!(!signer.verify(&path, &sig, now + chrono::Duration::seconds(61)));
        let thumb = Variant::Thumbnail.path(id);
        assert!(!signer.verify(&thumb, &sig, now), "another path");
        let later = Signature {
            exp: (sig.exp.parse::<i64>().expect("exp") + 1).to_string(),
            sig: sig.sig.clone(),
        };
        assert!(!signer.verify(&path, &later, now), "another expiry");
        let padded = Signature {
            exp: format!("0{}", sig.exp),
            sig: sig.sig.clone(),
        };
        assert!(!signer.verify(&path, &padded, now), "exp respelled");
        let upper = Signature {
            exp: sig.exp.clone(),
            sig: sig.sig.to_uppercase(),
        };
        assert!(!signer.verify(&path, &upper, now), "sig respelled");
        let other = Signer::new(b"other", "http://chat.test", Duration::from_secs(60));
        assert!(!other.verify(&path, &sig, now), "another key");
    }

    #[test]
    fn queries_with_extra_or_repeated_parameters_are_altered() {
        assert!(Signature::from_query("").is_none());
        assert!(matches!(Signature::from_query("exp=1&sig=ab"), Some(Ok(_))));
        assert!(matches!(Signature::from_query("exp=1"), Some(Err(()))));
        assert!(matches!(
            Signature::from_query("exp=1&sig=ab&x=1"),
            Some(Err(()))
        ));
        assert!(matches!(
            Signature::from_query("exp=1&exp=2&sig=ab"),
            Some(Err(()))
        ));
    }
}
