//! Service-level behaviour: health, OpenAPI, unknown routes, shutdown.

use reqwest::Method;
use serde_json::Value;

use crate::contract;
use crate::helpers::*;

async fn health_reports_the_database_and_the_bus(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app
        .api
        .raw(Method::GET, "/chat/health", None)
        .await
        .expect("health");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["checks"]["database"], "up");
    assert_eq!(body["checks"]["bus"], "in-process");
    assert!(tigo_common::time::parse(body["timestamp"].as_str().expect("timestamp")).is_some());
}

async fn unknown_routes_are_404_and_wrong_methods_405_in_the_error_shape(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let (status, body) = c
        .api
        .raw(Method::GET, "/chat/nowhere", None)
        .await
        .expect("get");
    assert_error(status, &body, 404);
    let (status, body) = c
        .api
        .raw(Method::PUT, "/chat/rooms", None)
        .await
        .expect("put");
    assert_error(status, &body, 405);
    let (status, body) = c
        .api
        .raw(Method::GET, "/chat/messages", None)
        .await
        .expect("get");
    assert_error(status, &body, 405);
}

async fn the_openapi_document_describes_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, doc) = app
        .api
        .raw(Method::GET, "/openapi.json", None)
        .await
        .expect("openapi");
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let expected = [
        ("/auth/login", "post"),
        ("/auth/register", "post"),
        ("/auth/me", "get"),
        ("/chat/rooms", "post"),
        ("/chat/rooms", "get"),
        ("/chat/rooms/{roomId}", "get"),
        ("/chat/rooms/{roomId}/messages", "get"),
        ("/chat/rooms/{roomId}/read", "post"),
        ("/chat/rooms/{roomId}/online-users", "get"),
        ("/chat/messages", "post"),
        ("/chat/messages/{messageId}", "patch"),
        ("/chat/messages/{messageId}", "delete"),
        ("/chat/health", "get"),
    ];
    for (path, method) in expected {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} missing");
        assert!(
            op["responses"].is_object(),
            "{method} {path} has no responses"
        );
    }
    let paths = doc["paths"].as_object().expect("paths");
    let documented: usize = paths
        .values()
        .map(|p| p.as_object().map_or(0, |o| o.len()))
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "no undocumented extras and no gaps"
    );
    let _: &Value = &doc["components"]["schemas"]["Message"];
    assert!(doc["components"]["schemas"]["Message"].is_object());
    assert!(doc["components"]["schemas"]["Room"].is_object());
    assert!(doc["components"]["schemas"]["Error"].is_object());
}

contract!(
    health_reports_the_database_and_the_bus,
    unknown_routes_are_404_and_wrong_methods_405_in_the_error_shape,
    the_openapi_document_describes_every_route,
);
