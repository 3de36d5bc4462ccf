//! Authentication: JWT access tokens and password hashes.

pub mod jwt;
pub mod password;
pub mod secret;

pub use jwt::{Claims, Keys};
