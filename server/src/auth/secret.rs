//! Where the HS256 secret comes from: `JWT_SECRET` when configured, else one generated once and
//! stored in the database, so every instance and `tigo-chat admin` on it agree. The one place
//! this is decided.

use super::jwt;
use crate::db::{Store, StoreResult};

/// HS256 wants a key at least as long as its hash (RFC 7518 §3.2): 256 bits.
pub const MIN_BYTES: usize = 32;

/// The secret, and whether it came from the database rather than the configuration.
pub struct Secret {
    pub value: String,
    pub stored: bool,
}

impl Secret {
    /// A configured secret shorter than HS256 wants (a generated one never is).
    pub fn is_short(&self) -> bool {
        !self.stored && self.value.len() < MIN_BYTES
    }
}

pub async fn resolve(configured: Option<&str>, store: &dyn Store) -> StoreResult<Secret> {
    if let Some(value) = configured.filter(|s| !s.is_empty()) {
        return Ok(Secret {
            value: value.to_string(),
            stored: false,
        });
    }
    let value = store
        .setting_get_or_insert("jwt_secret", &jwt::random_secret())
        .await?;
    Ok(Secret {
        value,
        stored: true,
    })
}
