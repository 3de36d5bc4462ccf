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
        ("/chat/messages/{messageId}/reactions", "post"),
        ("/chat/messages/{messageId}/reactions/{emoji}", "delete"),
        ("/chat/search", "get"),
        ("/chat/admin/online-users", "get"),
        ("/chat/admin/queue", "get"),
        ("/chat/users/lookup", "get"),
        ("/chat/uploads", "post"),
        ("/chat/files/{fileId}", "get"),
        ("/chat/files/{fileId}/thumbnail", "get"),
        ("/chat/messages/{messageId}/report", "post"),
        ("/chat/admin/reports", "get"),
        ("/chat/admin/reports/{reportId}/resolve", "post"),
        ("/chat/rooms/{roomId}/assign", "post"),
        ("/chat/rooms/{roomId}/assign", "delete"),
        ("/chat/admin/replies", "get"),
        ("/chat/admin/replies", "post"),
        ("/chat/admin/replies/{replyId}", "delete"),
        ("/chat/health", "get"),
        ("/metrics", "get"),
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

async fn stopping_commits_every_acknowledged_message_and_closes_connections(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, mut c_events) = app.socket(&c).await;
    for i in 0..100 {
        cs.emit(
            "send_message",
            &serde_json::json!({"chat_room_id": room.id, "content": format!("m{i}")}),
        )
        .expect("emit");
    }
    // Stop while messages are in flight.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.stop().await;
    let mut acked = Vec::new();
    while let Ok(event) = c_events
        .next_within(std::time::Duration::from_secs(2))
        .await
    {
        if event.name == "message_sent" {
            acked.push(event.data["messageId"].as_str().expect("id").to_string());
        }
    }
    assert!(
        cs.is_closed()
            || c_events
                .next_within(std::time::Duration::from_millis(100))
                .await
                .is_err()
    );
    let query = tigo_server::db::MessageQuery {
        room_id: room.id,
        before: None,
        after: None,
        offset: 0,
        limit: 1000,
    };
    // Read back through a store of its own: the stopped server has closed its connections.
    let config = &app.state.config;
    let store = tigo_server::db::connect(&config.database, &config.pool)
        .await
        .expect("reopen the database");
    let (stored, _) = store.list_messages(&query).await.expect("history");
    let stored: std::collections::HashSet<String> =
        stored.iter().map(|m| m.id.to_string()).collect();
    for id in &acked {
        assert!(stored.contains(id), "acknowledged message {id} was lost");
    }
    let (status, _) = app
        .api
        .raw(Method::GET, "/chat/health", None)
        .await
        .unwrap_or((0, Value::Null));
    assert_eq!(status, 0, "the server no longer accepts connections");
}

contract!(
    stopping_commits_every_acknowledged_message_and_closes_connections,
    health_reports_the_database_and_the_bus,
    unknown_routes_are_404_and_wrong_methods_405_in_the_error_shape,
    the_openapi_document_describes_every_route,
);
