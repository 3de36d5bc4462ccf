//! CORS for REST and Socket.IO alike (warp's own covers only warp's routes): allowed origins
//! from `FRONTEND_URL`, preflights answered here, refused origins get the contract's 403.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::{BodyExt, Empty};

use super::Body;

/// The allowed browser origins (`FRONTEND_URL`); empty allows any.
#[derive(Clone)]
pub(super) struct Cors {
    origins: Arc<Vec<String>>,
}

impl Cors {
    pub(super) fn new(origins: &[String]) -> Cors {
        Cors {
            origins: Arc::new(
                origins
                    .iter()
                    .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                    .filter(|o| !o.is_empty())
                    .collect(),
            ),
        }
    }

    pub(super) fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins.is_empty()
            || origin
                .to_str()
                .is_ok_and(|o| self.origins.iter().any(|a| a.eq_ignore_ascii_case(o)))
    }

    pub(super) fn decorate(&self, headers: &mut http::HeaderMap, origin: &HeaderValue) {
        use http::header::*;
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.append(VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Retry-After"),
        );
    }
}

pub(super) fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Empty::new().map_err(|never| match never {}).boxed_unsync());
    *response.status_mut() = status;
    response
}

pub(super) fn refused_origin() -> Response<Body> {
    let body = serde_json::to_vec(&tigo_common::ErrorBody {
        status_code: 403,
        message: tigo_common::ErrorMessage::One("Origin not allowed".into()),
        error: "Forbidden".into(),
    })
    .unwrap_or_default();
    let mut response = Response::new(
        http_body_util::Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *response.status_mut() = StatusCode::FORBIDDEN;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
