//! OpenAPI schemas of fields whose Rust type is wider than their wire values: status words
//! kept as `String`, so only the document names the allowed words (feature `openapi`).

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use crate::reports::{report_actions, report_status};

/// A string that is one of `words`.
fn one_of(words: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words.iter().copied()))
        .build()
}

/// `LoginResponse.token_type`.
pub fn bearer() -> Object {
    one_of(&["Bearer"])
}

/// `Health.status`.
pub fn health_status() -> Object {
    one_of(&["healthy", "degraded", "unhealthy"])
}

/// `HealthChecks.database`.
pub fn database_check() -> Object {
    one_of(&["up", "down"])
}

/// `HealthChecks.bus`.
pub fn bus_check() -> Object {
    one_of(&["up", "down", "in-process"])
}

/// `Report.status`.
pub fn report_status() -> Object {
    one_of(&[report_status::OPEN, report_status::RESOLVED])
}

/// `Report.resolution`, `ResolveBody.action`.
pub fn report_action() -> Object {
    one_of(&[report_actions::DISMISS, report_actions::DELETE_MESSAGE])
}
