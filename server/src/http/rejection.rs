//! Rejections: the one `recover` that turns a request that reached no handler (unknown path,
//! wrong method, bad token, bad body) into the NestJS error shape.

use std::convert::Infallible;

use warp::http::StatusCode;
use warp::reject::{Reject, Rejection};
use warp::reply::Response;

use super::reply::{error_reply, json};
use crate::error::AppError;

/// A rejection that carries an application error (auth, body, query).
#[derive(Debug)]
pub struct ApiReject(pub AppError);

impl Reject for ApiReject {}

/// Shorthand for extraction filters.
pub fn reject(err: AppError) -> Rejection {
    warp::reject::custom(ApiReject(err))
}

/// Every rejection becomes a NestJS-shaped error.
pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    let err = if let Some(ApiReject(err)) = rejection.find::<ApiReject>() {
        err.clone()
    } else if rejection.is_not_found() {
        return Ok(status_error(
            StatusCode::NOT_FOUND,
            "Cannot find this route",
        ));
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        return Ok(status_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "This method is not allowed on this route",
        ));
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        AppError::PayloadTooLarge("Request body is too large".into())
    } else if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        return Ok(status_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
        ));
    } else if rejection.find::<warp::reject::InvalidHeader>().is_some()
        || rejection.find::<warp::reject::InvalidQuery>().is_some()
        || rejection.find::<warp::reject::MissingHeader>().is_some()
    {
        AppError::BadRequest("Malformed request".into())
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        return Ok(status_error(
            StatusCode::LENGTH_REQUIRED,
            "Content-Length required",
        ));
    } else {
        tracing::warn!(?rejection, "unhandled rejection");
        AppError::BadRequest("Malformed request".into())
    };
    Ok(error_reply(&err))
}

/// Statuses `AppError` has no variant for (routing and media-type refusals).
fn status_error(status: StatusCode, message: &str) -> Response {
    let body = tigo_common::ErrorBody {
        status_code: status.as_u16(),
        message: tigo_common::ErrorMessage::One(message.into()),
        error: crate::error::reason(status.as_u16()).into(),
    };
    json(status, &body)
}
