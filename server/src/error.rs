//! The one application error, and the single place that maps it to an HTTP status and the
//! NestJS error body (`{statusCode, message, error}`) or a Socket.IO error reply.

use thiserror::Error;
use tigo_common::{ErrorBody, ErrorMessage};

use crate::db::StoreError;

#[derive(Debug, Clone, Error)]
pub enum AppError {
    /// 400 with one message per problem.
    #[error("validation failed: {0:?}")]
    Validation(Vec<String>),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("too many requests")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// A dependency is down; the client may retry.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken dependency: logged in full, answered opaquely.
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn validation(message: impl Into<String>) -> AppError {
        AppError::Validation(vec![message.into()])
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation(_) | AppError::BadRequest(_) => 400,
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::PayloadTooLarge(_) => 413,
            AppError::TooManyRequests { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
        }
    }

    /// The client-facing message: never SQL, never a stack trace.
    pub fn message(&self) -> ErrorMessage {
        match self {
            AppError::Validation(messages) => ErrorMessage::Many(messages.clone()),
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::PayloadTooLarge(m)
            | AppError::TooManyRequests { message: m, .. } => ErrorMessage::One(m.clone()),
            AppError::Unavailable(_) => {
                ErrorMessage::One("Service temporarily unavailable, please retry".into())
            }
            AppError::Internal(_) => ErrorMessage::One("Internal server error".into()),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let status = self.status();
        ErrorBody {
            status_code: status,
            message: self.message(),
            error: reason(status).into(),
        }
    }

    /// Logs what the client does not see.
    pub fn log(&self) {
        match self {
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            AppError::Unavailable(detail) => tracing::warn!(%detail, "dependency unavailable"),
            _ => {}
        }
    }
}

/// The HTTP reason phrase NestJS puts in `error`.
pub fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(e) => AppError::Unavailable(e.to_string()),
            // A key no caller expected: the database's words stay in the log.
            StoreError::Conflict(unique) => {
                tracing::warn!(detail = %unique, "unexpected unique violation");
                AppError::Conflict("The request conflicts with data already stored".into())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}
