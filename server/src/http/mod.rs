//! The REST API as warp filters: routing, auth and body extraction, and one `recover` that
//! turns every rejection into the NestJS error shape. Handlers return replies, never panics.

mod filters;
mod routes;

pub mod openapi;

pub use filters::{PeerAddr, bearer as filters_bearer};
pub use routes::routes;

use serde::Serialize;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use crate::error::AppError;

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    let mut response = Response::new(bytes.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// An error in the contract's shape (with `Retry-After` when rate limited).
pub fn error(err: &AppError) -> Response {
    let wire = err.to_wire();
    let status = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &wire.body);
    if let Some(secs) = wire.retry_after_secs
        && let Ok(value) = HeaderValue::from_str(&secs.to_string())
    {
        response
            .headers_mut()
            .insert(warp::http::header::RETRY_AFTER, value);
    }
    response
}

/// The reply of a handler: its value with `status`, or its error.
pub fn reply<T: Serialize>(status: StatusCode, result: Result<T, AppError>) -> Response {
    match result {
        Ok(value) => json(status, &value),
        Err(err) => error(&err),
    }
}

pub fn no_content(result: Result<(), AppError>) -> Response {
    match result {
        Ok(()) => {
            let mut response = Response::new(Vec::new().into());
            *response.status_mut() = StatusCode::NO_CONTENT;
            response
        }
        Err(err) => error(&err),
    }
}
