//! The one application error, and the single place that maps it to an HTTP status and the
//! NestJS error body (`{statusCode, message, error}`) or a Socket.IO error reply.

use std::sync::Arc;

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
    /// 415: an upload of a type that is not allowed.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 416: a `Range` outside a file of this many bytes.
    #[error("range not satisfiable")]
    RangeNotSatisfiable(u64),
    #[error("too many requests")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// A dependency is down; the client may retry.
    #[error("unavailable: {0}")]
    Unavailable(Cause),
    /// A bug or a broken dependency: logged in full, answered opaquely.
    #[error("internal: {0}")]
    Internal(Cause),
}

pub type AppResult<T> = Result<T, AppError>;

/// What went wrong underneath, kept whole for the log (its chain of sources), never shown to
/// a client. Shared, so one failure can answer every message of a batch; it is logged once,
/// however many it answers.
#[derive(Debug, Clone)]
pub struct Cause(
    Arc<dyn std::error::Error + Send + Sync + 'static>,
    Arc<std::sync::atomic::AtomicBool>,
);

impl Cause {
    pub fn new(err: impl std::error::Error + Send + Sync + 'static) -> Cause {
        Cause(Arc::new(err), Default::default())
    }

    /// True the first time it is asked of this failure (of any of its copies).
    fn first_report(&self) -> bool {
        !self.1.swap(true, std::sync::atomic::Ordering::AcqRel)
    }

    /// A cause that is only words (no error value to keep).
    pub fn text(text: impl Into<String>) -> Cause {
        #[derive(Debug)]
        struct Text(String);
        impl std::fmt::Display for Text {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::error::Error for Text {}
        Cause::new(Text(text.into()))
    }
}

impl std::fmt::Display for Cause {
    /// The error and each of its sources.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(err) = source {
            write!(f, ": {err}")?;
            source = err.source();
        }
        Ok(())
    }
}

/// An error as a client sees it, the same for REST and Socket.IO: the status, the NestJS body,
/// and when to retry (REST: `Retry-After`; Socket.IO: `retryAfter`).
pub struct Wire {
    pub status: u16,
    pub body: ErrorBody,
    pub retry_after_secs: Option<u64>,
}

impl Wire {
    /// Socket.IO's error object, for an ack (`{ok: false, error}`) or an `error` event:
    /// `{statusCode, message}`, plus `retryAfter` when rate limited.
    pub fn event_error(&self) -> serde_json::Value {
        let mut error = serde_json::json!({
            "statusCode": self.status,
            "message": self.body.message.to_string(),
        });
        if let Some(secs) = self.retry_after_secs {
            error["retryAfter"] = serde_json::json!(secs);
        }
        error
    }
}

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
            AppError::UnsupportedMediaType(_) => 415,
            AppError::RangeNotSatisfiable(_) => 416,
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
            | AppError::UnsupportedMediaType(m)
            | AppError::TooManyRequests { message: m, .. } => ErrorMessage::One(m.clone()),
            AppError::RangeNotSatisfiable(size) => {
                ErrorMessage::One(format!("Range not satisfiable: the file has {size} bytes"))
            }
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

    pub fn internal(text: impl Into<String>) -> AppError {
        AppError::Internal(Cause::text(text))
    }

    pub fn unavailable(text: impl Into<String>) -> AppError {
        AppError::Unavailable(Cause::text(text))
    }

    /// Logs what the client does not see (once per failure: a batch's error answers every
    /// message in it).
    pub fn log(&self) {
        match self {
            AppError::Internal(cause) if cause.first_report() => {
                tracing::error!(%cause, "internal error")
            }
            AppError::Unavailable(cause) if cause.first_report() => {
                tracing::warn!(%cause, "dependency unavailable")
            }
            _ => {}
        }
    }

    /// The one mapping to what a client is told (logging what it is not told).
    pub fn to_wire(&self) -> Wire {
        self.log();
        Wire {
            status: self.status(),
            body: self.body(),
            retry_after_secs: match self {
                AppError::TooManyRequests {
                    retry_after_secs, ..
                } => Some(*retry_after_secs),
                _ => None,
            },
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
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(e) => AppError::Unavailable(Cause::new(e)),
            // A key no caller expected: the database's words stay in the log.
            StoreError::Conflict(unique) => {
                tracing::warn!(detail = %unique, "unexpected unique violation");
                AppError::Conflict("The request conflicts with data already stored".into())
            }
            other => AppError::Internal(Cause::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_shared_by_a_batch_is_reported_once() {
        let err = AppError::unavailable("the database is down");
        let copies: Vec<AppError> = (0..3).map(|_| err.clone()).collect();
        let AppError::Unavailable(cause) = &err else {
            panic!("unavailable");
        };
        assert!(cause.first_report(), "the first copy reports it");
        for copy in copies {
            let AppError::Unavailable(cause) = &copy else {
                panic!("unavailable");
            };
            assert!(!cause.first_report(), "a copy reports it again");
        }
        let other = AppError::unavailable("the database is down");
        let AppError::Unavailable(cause) = &other else {
            panic!("unavailable");
        };
        assert!(
            cause.first_report(),
            "another failure is reported on its own"
        );
    }
}
