//! `GET /openapi.json`: the OpenAPI 3 description of every endpoint, kept beside the code in
//! `openapi.json` and checked against the routes by the integration tests.

use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

pub const DOCUMENT: &str = include_str!("openapi.json");

pub fn document() -> Response {
    let mut response = Response::new(DOCUMENT.into());
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
