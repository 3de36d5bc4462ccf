//! Password hashes: argon2id for new ones; bcrypt (the Tigo platform's) and argon2 both verify.
//! Hashing is deliberately slow, so it always runs on the blocking pool.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes with argon2id (default parameters) off the async threads.
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| e.to_string())?
}

pub fn hash_blocking(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verifies against an argon2 or bcrypt hash off the async threads. With no hash (unknown
/// user) it still spends the time of one verification, so timing does not reveal which
/// emails exist.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            let _ = verify_blocking(&password, DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false)
}

pub fn verify_blocking(password: &str, stored: &str) -> bool {
    if stored.starts_with("$2") {
        bcrypt::verify(password, stored).unwrap_or(false)
    } else if stored.starts_with("$argon2") {
        PasswordHash::new(stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    } else {
        false
    }
}

/// argon2id of a random string nobody knows, at default parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2nL0Yh9Ff0bkDk5sYH0kQw5JgKqJmQx5dAyk0S8kJ7c";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_hashes_verify_and_reject_wrong_passwords() {
        let h = hash_blocking("s3cret!").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_blocking("s3cret!", &h));
        assert!(!verify_blocking("nope", &h));
    }

    #[test]
    fn bcrypt_hashes_from_the_platform_verify() {
        let h = bcrypt::hash("platform-pw", 4).expect("bcrypt");
        assert!(verify_blocking("platform-pw", &h));
        assert!(!verify_blocking("other", &h));
    }

    #[test]
    fn unknown_hash_formats_never_verify() {
        assert!(!verify_blocking("x", "plain-text"));
        assert!(!verify_blocking("x", DUMMY_HASH));
    }
}
