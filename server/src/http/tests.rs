//! The route table against the filters, the router and the OpenAPI document: a route that is
//! served must be documented, and each table entry must be what its filter answers.

use std::collections::BTreeSet;

use warp::Filter;
use warp::http::Method;
use warp::reject::{Reject, Rejection};

use super::filters::Ctx;
use super::routes::{self, Route};
use crate::state::AppState;

/// The route the document does not list: the document itself.
const UNDOCUMENTED: [(Method, &str); 1] = [(Method::GET, "/openapi.json")];

/// A stand-in for the state: reaching it means the route matched the path and the method.
#[derive(Debug)]
struct Reached;

impl Reject for Reached {}

fn ctx() -> Ctx {
    let state = warp::any()
        .and_then(|| async { Err::<AppState, Rejection>(warp::reject::custom(Reached)) })
        .boxed();
    Ctx::with_state_filter(state, 64 * 1024)
}

/// A request path for a route, with a UUID in each `{parameter}`.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "0190f7e2-6b1c-7000-8000-000000000000"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PATCH,
    Method::DELETE,
    Method::PUT,
];

/// Whether `route`'s own filter takes `method` on `path` (it reached the state or answered).
async fn takes(route: &Route, method: &Method, path: &str) -> bool {
    let filter = (route.filter)(&ctx());
    let result = warp::test::request()
        .method(method.as_str())
        .path(path)
        .filter(&filter)
        .await;
    match result {
        Ok(_) => true,
        Err(rejection) => rejection.find::<Reached>().is_some(),
    }
}

#[tokio::test]
async fn each_route_takes_its_method_and_path_and_nothing_else() {
    for route in routes::all() {
        let path = concrete(route.path);
        assert!(
            takes(route, &route.method, &path).await,
            "{} {path}",
            route.method
        );
        for other in METHODS.iter().filter(|m| **m != route.method) {
            assert!(!takes(route, other, &path).await, "{other} {path}");
        }
        assert!(!takes(route, &route.method, &format!("{path}/x")).await);
    }
}

#[tokio::test]
async fn the_router_answers_404_for_unknown_paths_and_405_for_other_methods() {
    let router = super::router(&ctx());
    let status = |method: &Method, path: &str| {
        let request = warp::test::request().method(method.as_str()).path(path);
        let router = router.clone();
        async move { request.reply(&router).await.status().as_u16() }
    };
    for route in routes::all() {
        let path = concrete(route.path);
        let served: Vec<&Method> = routes::all()
            .filter(|r| r.path == route.path)
            .map(|r| &r.method)
            .collect();
        for method in METHODS.iter().filter(|m| !served.contains(m)) {
            assert_eq!(status(method, &path).await, 405, "{method} {path}");
        }
    }
    assert_eq!(status(&Method::GET, "/wp-admin").await, 404);
}

#[test]
fn the_document_lists_every_route_the_router_serves_and_no_other() {
    let doc = serde_json::to_value(super::routes::openapi::document()).expect("document");
    let paths = doc["paths"].as_object().expect("paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().into_iter().flat_map(|ops| ops.keys());
            methods.map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> = routes::all()
        .filter(|r| !UNDOCUMENTED.contains(&(r.method.clone(), r.path)))
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, served);
    assert_eq!(served.len() + UNDOCUMENTED.len(), routes::all().count());
}

#[test]
fn every_route_has_a_bounded_metrics_label() {
    for route in routes::all() {
        let pattern: Vec<&str> = route
            .path
            .split('/')
            .map(|s| if s.starts_with('{') { ":id" } else { s })
            .collect();
        let expected = format!("{} {}", route.method, pattern.join("/"));
        let label = crate::metrics::route_of(route.method.as_str(), &concrete(route.path));
        assert_eq!(label, expected);
    }
}

#[test]
fn secured_operations_name_the_bearer_scheme() {
    let doc = serde_json::to_value(super::routes::openapi::document()).expect("document");
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    let open = [
        "/auth/login",
        "/auth/register",
        "/chat/health",
        "/metrics",
        // The public key is public; the unsubscribe link carries its own signed token.
        "/chat/notifications/vapid-public-key",
        "/chat/notifications/unsubscribe",
    ];
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let secured = op["security"][0]["bearer"].is_array();
            assert_eq!(secured, !open.contains(&path.as_str()), "{method} {path}");
        }
    }
}
