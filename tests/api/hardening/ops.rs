//! Operations: metrics (connections, latency, errors, health), `FRONTEND_URL` limiting browser
//! origins for REST and Socket.IO, and the audit log.

use reqwest::Method;
use tigo_client::sio::{Socket, SocketOptions};

use crate::contract;
use crate::helpers::*;

async fn metrics_expose_connections_latency_errors_and_health(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, _e) = app.socket(&c).await;
    send_ack(&cs, room.id, "x").await;
    let _ = c.api.raw(Method::GET, "/chat/rooms/not-a-uuid", None).await;
    let resp = reqwest::get(format!("{}/metrics", app.url))
        .await
        .expect("metrics");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/plain")
    );
    let text = resp.text().await.expect("text");
    for series in [
        "tigo_connections 1",
        "tigo_database_up 1",
        "tigo_bus_up 1",
        "tigo_messages_total 1",
        "tigo_write_queue 0",
        "tigo_commit_duration_seconds_bucket{le=\"+Inf\"}",
        "tigo_event_duration_seconds_count{event=\"send_message\"} 1",
        "tigo_http_request_duration_seconds_bucket{route=\"POST /chat/rooms\"",
        "tigo_http_requests_total{route=\"GET /chat/rooms/:id\",status=\"400\"} 1",
        "tigo_errors_total{kind=\"validation\"}",
    ] {
        assert!(text.contains(series), "{series} missing from\n{text}");
    }
    // The message took one commit (a delivery receipt may have taken another).
    let commits: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("tigo_commits_total "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("tigo_commits_total missing from\n{text}"));
    assert!(
        (1..=2).contains(&commits),
        "{commits} commits for one message"
    );
}

async fn frontend_url_limits_browser_origins_for_rest_and_socket_io(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.cors_origins = vec!["https://app.tigo.test".into()]
    })
    .await;
    let c = app.customer().await;
    let http = reqwest::Client::new();
    let preflight = http
        .request(Method::OPTIONS, format!("{}/chat/rooms", app.url))
        .header("Origin", "https://app.tigo.test")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.tigo.test"
    );
    let ok = http
        .get(format!("{}/chat/rooms", app.url))
        .bearer_auth(&c.token)
        .header("Origin", "https://app.tigo.test")
        .send()
        .await
        .expect("get");
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.tigo.test"
    );
    for path in ["/chat/rooms", "/socket.io/?EIO=4&transport=polling"] {
        let refused = http
            .get(format!("{}{path}", app.url))
            .bearer_auth(&c.token)
            .header("Origin", "https://evil.example")
            .send()
            .await
            .expect("get");
        assert_eq!(refused.status().as_u16(), 403, "{path}");
    }
    let polling = http
        .get(format!("{}/socket.io/?EIO=4&transport=polling", app.url))
        .header("Origin", "https://app.tigo.test")
        .send()
        .await
        .expect("polling");
    assert_eq!(polling.status().as_u16(), 200);
    assert_eq!(
        polling.headers()["access-control-allow-origin"],
        "https://app.tigo.test"
    );
    let evil_ws = Socket::connect(
        &app.url,
        SocketOptions {
            headers: vec![("Origin".into(), "https://evil.example".into())],
            ..SocketOptions::with_token(&c.token)
        },
    )
    .await;
    assert!(
        evil_ws.is_err(),
        "a WebSocket from another origin is refused"
    );
    let good_ws = Socket::connect(
        &app.url,
        SocketOptions {
            headers: vec![("Origin".into(), "https://app.tigo.test".into())],
            ..SocketOptions::with_token(&c.token)
        },
    )
    .await;
    assert!(good_ws.is_ok());
    // Clients without an Origin (servers, the CLI) are not browsers: allowed.
    assert!(app.socket(&c).await.0.sid().len() > 1);
}

async fn the_audit_log_records_rooms_edits_deletes_and_admin_reads(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "hello").await;
    c.api.edit(m.id, "hello!").await.expect("edit");
    a.api.messages(room.id, "").await.expect("admin reads");
    a.api.delete(m.id).await.expect("admin deletes");
    let log = app
        .state
        .store
        .audit_log(None, None, 100)
        .await
        .expect("audit");
    let actions: Vec<(&str, Option<uuid::Uuid>)> = log
        .iter()
        .map(|l| (l.action.as_str(), l.actor_id))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("room.create", Some(c.id())),
            ("message.edit", Some(c.id())),
            ("room.admin_read", Some(a.id())),
            ("message.delete", Some(a.id())),
        ]
    );
    let delete = &log[3];
    assert_eq!(delete.message_id, Some(m.id));
    assert_eq!(delete.target_user_id, Some(c.id()));
    assert_eq!(delete.detail["by_admin"], true);
    assert!(
        !serde_json::to_string(&log)
            .unwrap_or_default()
            .contains("hello"),
        "contents stay out of the audit log"
    );
    let about_c = app
        .state
        .store
        .audit_log(None, Some(c.id()), 100)
        .await
        .expect("audit");
    assert_eq!(about_c.len(), 3);
}

contract!(
    metrics_expose_connections_latency_errors_and_health,
    frontend_url_limits_browser_origins_for_rest_and_socket_io,
    the_audit_log_records_rooms_edits_deletes_and_admin_reads,
);
