//! Extraction filters shared by the routes: the state, the bearer caller, a size-capped JSON
//! body, query parameters and the path UUID. They reject only when a request cannot reach a
//! handler; [`super::rejection::recover`] answers those rejections.

use bytes::{Buf, BytesMut};
use futures_util::StreamExt;
use serde_json::Value;
use tigo_common::User;
use uuid::Uuid;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reject::Rejection;

use super::rejection::reject;
use crate::chat::validate::{Params, checked_query};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub use crate::peer::PeerAddr;

/// What every route is built from. The state comes as a filter so that the route table's
/// tests can check each route's path and method with a stand-in that needs no database.
#[derive(Clone)]
pub struct Ctx {
    state: BoxedFilter<(AppState,)>,
    body_limit: usize,
}

impl Ctx {
    pub fn new(state: AppState) -> Ctx {
        let body_limit = state.config.limits.max_body_bytes;
        let state = warp::any().map(move || state.clone()).boxed();
        Ctx { state, body_limit }
    }

    /// A context whose state comes from `state` (tests: a filter that rejects on purpose).
    #[cfg(test)]
    pub fn with_state_filter(state: BoxedFilter<(AppState,)>, body_limit: usize) -> Ctx {
        Ctx { state, body_limit }
    }

    /// The shared state.
    pub fn state(&self) -> BoxedFilter<(AppState,)> {
        self.state.clone()
    }

    /// The authenticated, active caller; 401 otherwise.
    pub fn authed(
        &self,
    ) -> impl Filter<Extract = (AppState, User), Error = Rejection> + Clone + use<> {
        self.state()
            .and(warp::header::optional::<String>("authorization"))
            .and_then(|state: AppState, header: Option<String>| async move {
                let Some(token) = bearer(header.as_deref()) else {
                    return Err(reject(AppError::Unauthorized(
                        "Missing bearer token".into(),
                    )));
                };
                match crate::chat::authenticate(&state, token).await {
                    Ok(user) => Ok((state, user)),
                    Err(err) => Err(reject(err)),
                }
            })
            .untuple_one()
    }

    /// The body as JSON, at most the configured size (413 beyond, also for chunked bodies).
    /// An empty body reads as `{}`, so validation names the missing fields.
    pub fn json_body(&self) -> impl Filter<Extract = (Value,), Error = Rejection> + Clone + use<> {
        let limit = self.body_limit;
        warp::header::optional::<u64>("content-length")
            .and(warp::body::stream())
            .and_then(move |declared: Option<u64>, body| async move {
                read_json(declared, body, limit).await.map_err(reject)
            })
    }
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
        .and_then(|raw: String| async move { checked_query(&raw).map_err(reject) })
}

/// A path segment that must be a UUID, named `name` in the 400 it gives otherwise.
pub fn path_uuid(
    name: &'static str,
) -> impl Filter<Extract = (PathId,), Error = Rejection> + Clone {
    warp::path::param::<String>()
        .map(move |raw: String| PathId(crate::chat::validate::path_uuid(name, &raw)))
}

/// A parsed path UUID, or why it is not one. The handler reports a bad one ([`PathId::get`])
/// rather than the path: the caller's token (401) and body (400, 413) are answered first.
#[derive(Debug)]
pub struct PathId(AppResult<Uuid>);

impl PathId {
    pub fn get(self) -> AppResult<Uuid> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }

    #[tokio::test]
    async fn path_ids_are_parsed_with_the_segment_name() {
        let filter = path_uuid("roomId").and(warp::path::end());
        let id = Uuid::new_v4();
        let good = warp::test::request()
            .path(&format!("/{id}"))
            .filter(&filter)
            .await;
        assert!(matches!(good.map(PathId::get), Ok(Ok(parsed)) if parsed == id));
        let bad = warp::test::request().path("/nope").filter(&filter).await;
        match bad.map(PathId::get) {
            Ok(Err(err)) => assert_eq!(
                err.to_string(),
                r#"validation failed: ["roomId must be a UUID"]"#
            ),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
}
