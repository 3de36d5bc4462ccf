//! Extraction filters: state, the bearer user, a size-capped JSON body, query parameters,
//! and the rejection handler.

use std::convert::Infallible;

use bytes::{Buf, BytesMut};
use futures_util::StreamExt;
use serde_json::Value;
use tigo_common::User;
use warp::Filter;
use warp::http::StatusCode;
use warp::reject::{Reject, Rejection};
use warp::reply::Response;

use crate::chat::validate::{Params, checked_query};
use crate::error::AppError;
use crate::state::AppState;

pub use crate::peer::PeerAddr;

/// A rejection that carries an application error (auth, body).
#[derive(Debug)]
pub struct ApiReject(pub AppError);

impl Reject for ApiReject {}

pub fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let header = header?.trim();
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// The authenticated, active caller; 401 otherwise.
pub fn authed(
    state: AppState,
) -> impl Filter<Extract = (AppState, User), Error = Rejection> + Clone {
    with_state(state)
        .and(warp::header::optional::<String>("authorization"))
        .and_then(|state: AppState, header: Option<String>| async move {
            let Some(token) = bearer(header.as_deref()) else {
                return Err(warp::reject::custom(ApiReject(AppError::Unauthorized(
                    "Missing bearer token".into(),
                ))));
            };
            match crate::chat::authenticate(&state, token).await {
                Ok(user) => Ok((state, user)),
                Err(err) => Err(warp::reject::custom(ApiReject(err))),
            }
        })
        .untuple_one()
}

/// The body as JSON, at most `limit` bytes (413 beyond, also for chunked bodies). An empty
/// body reads as `{}`, so validation names the missing fields.
pub fn json_body(limit: usize) -> impl Filter<Extract = (Value,), Error = Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |declared: Option<u64>, body| async move {
            read_json(declared, body, limit)
                .await
                .map_err(|e| warp::reject::custom(ApiReject(e)))
        })
}

async fn read_json<S, B>(declared: Option<u64>, body: S, limit: usize) -> Result<Value, AppError>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let too_large =
        || AppError::PayloadTooLarge(format!("Request body is larger than {limit} bytes"));
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = std::pin::pin!(body);
    let mut bytes = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let mut chunk =
            chunk.map_err(|_| AppError::BadRequest("Could not read the request body".into()))?;
        if bytes.len() + chunk.remaining() > limit {
            return Err(too_large());
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            bytes.extend_from_slice(part);
            chunk.advance(n);
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value = serde_json::from_slice::<Value>(&bytes)
        .map_err(|e| AppError::BadRequest(format!("Request body is not valid JSON: {e}")))?;
    crate::chat::validate::reject_nul(&value)?;
    Ok(value)
}

/// Query parameters (none is fine).
pub fn params() -> impl Filter<Extract = (Params,), Error = Rejection> + Clone {
    warp::query::raw()
        .or(warp::any().map(String::new))
        .unify()
        .and_then(|raw: String| async move {
            checked_query(&raw).map_err(|e| warp::reject::custom(ApiReject(e)))
        })
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
    Ok(super::error(&err))
}

fn status_error(status: StatusCode, message: &str) -> Response {
    let body = tigo_common::ErrorBody {
        status_code: status.as_u16(),
        message: tigo_common::ErrorMessage::One(message.into()),
        error: crate::error::reason(status.as_u16()).into(),
    };
    super::json(status, &body)
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }
}
