//! Replies: JSON bodies, `204 No Content`, and REST's one error reply. Handlers return
//! `AppResult<Response>`; [`finish`] is where an error becomes its reply.

use serde::Serialize;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use crate::error::AppError;

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    // Our wire types always serialize; `null` keeps the reply well-formed if one ever does not.
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    let mut response = Response::new(bytes.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// `204 No Content`.
pub fn no_content() -> Response {
    let mut response = Response::new(Vec::new().into());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// REST's one error reply, from the one mapping of `AppError` to the wire (`to_wire`, shared
/// with Socket.IO): the status, the NestJS body, and `Retry-After` when rate limited.
pub fn error_reply(err: &AppError) -> Response {
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

/// A handler's outcome as its reply.
pub fn finish(result: Result<Response, AppError>) -> Response {
    result.unwrap_or_else(|err| error_reply(&err))
}
