//! One-click unsubscribe tokens (RFC 8058): the user's id and an HMAC-SHA256 over it with the
//! service's secret, base64url; no expiry (an old e-mail's link keeps working), no login.

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

/// Tells one purpose's tokens from any other use of the same secret.
const PURPOSE: &[u8] = b"tigo-chat unsubscribe v1\0";

pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub fn new(secret: &[u8]) -> Signer {
        Signer {
            key: secret.to_vec(),
        }
    }

    fn mac(&self, user: Uuid) -> HmacSha256 {
        // HMAC takes a key of any length.
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(PURPOSE);
        mac.update(user.as_bytes());
        mac
    }

    pub fn sign(&self, user: Uuid) -> String {
        let mut raw = user.as_bytes().to_vec();
        raw.extend_from_slice(&self.mac(user).finalize().into_bytes());
        Base64UrlUnpadded::encode_string(&raw)
    }

    /// The user, when the token is one of ours, unaltered (compared in constant time).
    pub fn verify(&self, token: &str) -> Option<Uuid> {
        let raw = Base64UrlUnpadded::decode_vec(token).ok()?;
        if raw.len() != 48 {
            return None;
        }
        let (id, tag) = raw.split_at(16);
        let user = Uuid::from_slice(id).ok()?;
        self.mac(user).verify_slice(tag).ok()?;
        Some(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_user_and_an_altered_one_nothing() {
        let signer = Signer::new(b"secret");
        let user = Uuid::new_v4();
        let token = signer.sign(user);
        assert_eq!(signer.verify(&token), Some(user));
        let mut altered = token.into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap_or_default();
        assert_eq!(signer.verify(&altered), None);
        assert_eq!(Signer::new(b"other").verify(&signer.sign(user)), None);
        assert_eq!(signer.verify("not a token"), None);
    }
}
