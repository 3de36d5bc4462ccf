//! Bodies of the REST API that are not chat resources: logging in and registering, health,
//! and the error shape every failure answers with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::User;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// HS256 JWT with sub, email, roles, iat, exp.
    pub access_token: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::bearer))]
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub user: User,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    #[cfg_attr(feature = "openapi", schema(format = Email))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub first_name: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub last_name: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub user: User,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthChecks {
    /// `up` or `down`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::database_check))]
    pub database: String,
    /// `up`, `down`, or `in-process` when there is no Redis.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::bus_check))]
    pub bus: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `healthy`, `degraded` (Redis down, requests served) or `unhealthy` (database down).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::health_status))]
    pub status: String,
    #[serde(with = "crate::time::rfc3339")]
    pub timestamp: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub checks: HealthChecks,
}

/// The `message` of an error: one sentence, or one per validation problem.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorMessage {
    One(String),
    Many(Vec<String>),
}

impl std::fmt::Display for ErrorMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorMessage::One(m) => f.write_str(m),
            ErrorMessage::Many(ms) => f.write_str(&ms.join("; ")),
        }
    }
}

/// Every REST error, in the NestJS shape the front end parses.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Error))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub message: ErrorMessage,
    pub error: String,
}
