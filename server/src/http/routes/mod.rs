//! The route table: every REST route by resource, as (method, path, filter). The router is
//! built from this table alone, and the tests hold it against the OpenAPI document, so a
//! route cannot be served without being documented.

pub mod admin;
pub mod auth;
pub mod desk;
pub mod files;
pub mod hotels;
pub mod members;
pub mod messages;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod reactions;
pub mod rooms;
pub mod safety;
pub mod search;
pub mod stats;
pub mod uploads;

use warp::filters::BoxedFilter;
use warp::http::Method;
use warp::reply::Response;

use super::filters::Ctx;

/// One route. Its filter matches the path first, then the method (an unknown path is 404, a
/// known one with another method 405), then extracts and calls the named handler.
pub struct Route {
    pub method: Method,
    /// OpenAPI form: `{name}` for a path parameter.
    pub path: &'static str,
    pub filter: fn(&Ctx) -> BoxedFilter<(Response,)>,
}

impl Route {
    pub const fn new(
        method: Method,
        path: &'static str,
        filter: fn(&Ctx) -> BoxedFilter<(Response,)>,
    ) -> Route {
        Route {
            method,
            path,
            filter,
        }
    }
}

/// Each resource's routes.
const RESOURCES: [&[Route]; 15] = [
    auth::ROUTES,
    rooms::ROUTES,
    members::ROUTES,
    hotels::ROUTES,
    messages::ROUTES,
    reactions::ROUTES,
    search::ROUTES,
    admin::ROUTES,
    ops::ROUTES,
    uploads::ROUTES,
    files::ROUTES,
    safety::ROUTES,
    desk::ROUTES,
    notifications::ROUTES,
    stats::ROUTES,
];

/// Every route.
pub fn all() -> impl Iterator<Item = &'static Route> {
    RESOURCES.into_iter().flatten()
}

/// The methods a request path is served with, for a 405's `Allow` (`HEAD` with each `GET`);
/// `None` for a path no route has.
pub fn allowed(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let matches = |route: &Route| {
        let pattern: Vec<&str> = route.path.split('/').collect();
        pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| p == s || p.starts_with('{') && !s.is_empty())
    };
    let mut methods: Vec<&str> = Vec::new();
    for route in all().filter(|r| matches(r)) {
        methods.push(route.method.as_str());
        if route.method == Method::GET {
            methods.push(Method::HEAD.as_str());
        }
    }
    (!methods.is_empty()).then(|| methods.join(", "))
}

/// Each resource's part of the OpenAPI document.
pub fn documents() -> [utoipa::openapi::OpenApi; 15] {
    use utoipa::OpenApi;
    [
        auth::Api::openapi(),
        rooms::Api::openapi(),
        members::Api::openapi(),
        hotels::Api::openapi(),
        messages::Api::openapi(),
        reactions::Api::openapi(),
        search::Api::openapi(),
        admin::Api::openapi(),
        ops::Api::openapi(),
        uploads::Api::openapi(),
        files::Api::openapi(),
        safety::Api::openapi(),
        desk::Api::openapi(),
        notifications::Api::openapi(),
        stats::Api::openapi(),
    ]
}
