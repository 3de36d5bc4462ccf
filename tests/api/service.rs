//! Service-level behaviour: health, OpenAPI, unknown routes, `HEAD` and `Allow`, shutdown.

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

/// The raw answer to `METHOD path` on a connection of its own: status line and headers
/// (lower-cased names), and whatever bytes followed them before the server closed.
async fn raw_http(
    app: &TestApp,
    method: &str,
    path: &str,
) -> (String, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut answer))
        .await
        .expect("the server closed the connection")
        .expect("read");
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    let head = String::from_utf8_lossy(&answer[..end]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, answer[end..].to_vec())
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn every_get_route_answers_head_with_its_headers_and_no_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let (_, up) =
        crate::attachments::upload_raw(&app, &c, "bill.pdf", crate::attachments::PDF).await;
    let signed = up["file_url"].as_str().expect("file_url");
    let signed = &signed[app.url.len()..];
    for path in ["/chat/health", "/metrics", "/openapi.json", signed] {
        let (get_status, get_headers, get_body) = raw_http(&app, "GET", path).await;
        let (status, headers, body) = raw_http(&app, "HEAD", path).await;
        assert_eq!(status, get_status, "HEAD {path}");
        assert!(status.contains(" 200 "), "HEAD {path}: {status}");
        assert!(body.is_empty(), "HEAD {path} sent a body: {body:?}");
        assert!(!get_body.is_empty(), "GET {path}");
        assert_eq!(header_of(&headers, "allow"), None);
        for name in [
            "content-type",
            "content-disposition",
            "accept-ranges",
            "cache-control",
        ] {
            assert_eq!(
                header_of(&headers, name),
                header_of(&get_headers, name),
                "{name} of {path}"
            );
        }
        let length = header_of(&headers, "content-length").expect("content-length");
        if path != "/metrics" {
            assert_eq!(length, get_body.len().to_string(), "{path}");
        }
    }
    let (_, headers, _) = raw_http(&app, "HEAD", signed).await;
    assert_eq!(header_of(&headers, "content-type"), Some("application/pdf"));
    assert_eq!(
        header_of(&headers, "content-length"),
        Some(crate::attachments::PDF.len().to_string().as_str())
    );
    // What a GET refuses, HEAD refuses alike, without the error body.
    let (status, _, body) = raw_http(
        &app,
        "HEAD",
        &format!("/chat/files/{}", up["id"].as_str().expect("id")),
    )
    .await;
    assert!(status.contains(" 401 "), "{status}");
    assert!(body.is_empty());
}

async fn a_405_names_the_methods_its_path_takes_in_allow(backend: Backend) {
    let app = spawn_app(backend).await;
    let allowed = |headers: &[(String, String)]| {
        let mut methods: Vec<String> = header_of(headers, "allow")
            .unwrap_or_default()
            .split(',')
            .map(|m| m.trim().to_string())
            .collect();
        methods.sort();
        methods.join(", ")
    };
    for (method, path, expected) in [
        ("PUT", "/chat/rooms", "GET, HEAD, POST"),
        ("DELETE", "/chat/health", "GET, HEAD"),
        ("POST", "/metrics", "GET, HEAD"),
        ("GET", "/chat/messages", "POST"),
        ("HEAD", "/chat/messages", "POST"),
        (
            "POST",
            "/chat/messages/0190f7e2-6b1c-7000-8000-000000000000",
            "DELETE, PATCH",
        ),
    ] {
        let (status, headers, body) = raw_http(&app, method, path).await;
        assert!(status.contains(" 405 "), "{method} {path}: {status}");
        assert_eq!(allowed(&headers), expected, "{method} {path}");
        assert_eq!(body.is_empty(), method == "HEAD", "{method} {path}");
    }
    let (status, headers, _) = raw_http(&app, "GET", "/chat/nowhere").await;
    assert!(status.contains(" 404 "), "{status}");
    assert_eq!(header_of(&headers, "allow"), None);
}

/// Every route of the contract, as (path, method) in the OpenAPI document.
const DOCUMENTED_ROUTES: [(&str, &str); 47] = [
    ("/auth/login", "post"),
    ("/auth/register", "post"),
    ("/auth/me", "get"),
    ("/chat/rooms", "post"),
    ("/chat/rooms", "get"),
    ("/chat/rooms/{roomId}", "get"),
    ("/chat/rooms/{roomId}/messages", "get"),
    ("/chat/rooms/{roomId}/read", "post"),
    ("/chat/rooms/{roomId}/online-users", "get"),
    ("/chat/rooms/{roomId}/receipts", "get"),
    ("/chat/rooms/{roomId}/members", "post"),
    ("/chat/rooms/{roomId}/members/{userId}", "delete"),
    ("/chat/admin/hotels/{hotelId}", "put"),
    ("/chat/hotels/{hotelId}", "get"),
    ("/chat/hotels/{hotelId}/staff", "post"),
    ("/chat/hotels/{hotelId}/staff/{userId}", "delete"),
    ("/chat/hotels/{hotelId}/response-stats", "get"),
    ("/chat/admin/stats", "get"),
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
    ("/chat/notifications/vapid-public-key", "get"),
    ("/chat/notifications/push-subscriptions", "post"),
    ("/chat/notifications/push-subscriptions", "get"),
    ("/chat/notifications/push-subscriptions/{id}", "delete"),
    ("/chat/notifications/preferences", "get"),
    ("/chat/notifications/preferences", "put"),
    ("/chat/notifications/unsubscribe", "post"),
    ("/chat/health", "get"),
    ("/metrics", "get"),
];

/// Bytes are a string of format binary, not an array of integers.
fn assert_bytes_are_binary(doc: &Value) {
    let binary = serde_json::json!({"type": "string", "format": "binary"});
    let upload = &doc["paths"]["/chat/uploads"]["post"]["requestBody"]["content"];
    assert_eq!(
        upload["application/octet-stream"]["schema"], binary,
        "{upload}"
    );
    for path in ["/chat/files/{fileId}", "/chat/files/{fileId}/thumbnail"] {
        for status in ["200", "206"] {
            let content = &doc["paths"][path]["get"]["responses"][status]["content"];
            let schemas: Vec<&Value> = content
                .as_object()
                .expect("content")
                .values()
                .map(|c| &c["schema"])
                .collect();
            assert!(
                !schemas.is_empty() && schemas.iter().all(|s| **s == binary),
                "{path} {status}: {content}"
            );
        }
    }
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
    let expected = DOCUMENTED_ROUTES;
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
    assert_bytes_are_binary(&doc);
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
    let store = tigo_server::db::connect(&config.database, &config.pool, test_owner())
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
    every_get_route_answers_head_with_its_headers_and_no_body,
    a_405_names_the_methods_its_path_takes_in_allow,
);
