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

/// REST's one error reply: the status and NestJS body of `AppError` (with `Retry-After` when
/// rate limited). Handler errors and extraction rejections both end here, so unifying REST
/// and Socket.IO error mapping in `error.rs` changes only this function.
pub fn error_reply(err: &AppError) -> Response {
    err.log();
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &err.body());
    if let AppError::TooManyRequests {
        retry_after_secs, ..
    } = err
        && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
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
