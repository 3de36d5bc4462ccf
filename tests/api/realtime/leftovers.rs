//! Closed connections leave nothing behind (issue 33): after many connections close, by every
//! way one can end, `/metrics` counts no live per-connection object and no map entry, and their
//! recovery sessions are deleted once expired.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tigo_client::sio::{Resume, Socket, SocketOptions};
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::contract;
use crate::helpers::*;

/// Every `tigo_live_objects` series and `tigo_connections`, as `(series, value)`.
async fn live_objects(app: &TestApp) -> Vec<(String, i64)> {
    let text = reqwest::get(format!("{}/metrics", app.url))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .filter(|l| l.starts_with("tigo_live_objects{") || l.starts_with("tigo_connections "))
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(series, n)| (series.to_string(), n.parse().unwrap_or(-1)))
        .collect()
}

/// Waits (bounded) until every count is 0; returns the counts last read.
async fn settled(app: &TestApp) -> Vec<(String, i64)> {
    let mut counts = live_objects(app).await;
    for _ in 0..100 {
        if counts.iter().all(|(_, n)| *n == 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        counts = live_objects(app).await;
    }
    counts
}

/// A websocket client that connects to `/chat` and then never answers a ping.
async fn silent_websocket(app: &TestApp, token: &str) -> impl Sized {
    let url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        app.url.replacen("http", "ws", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("ws");
    ws.next().await.expect("open").expect("open frame");
    let connect = format!("40/chat,{}", json!({ "token": token }));
    ws.send(Frame::text(connect)).await.expect("connect");
    // Pings (`2`) come from the start; they go unanswered.
    loop {
        let reply = ws.next().await.expect("reply").expect("reply frame");
        if reply.to_string() != "2" {
            assert!(reply.to_string().starts_with("40/chat,"), "{reply}");
            break;
        }
    }
    ws
}

/// A long-polling session connected to `/chat`; `close` ends it with engine.io's close
/// packet, otherwise it is left to time out (no more polls, no pong).
async fn polling_session(app: &TestApp, token: &str, close: bool) {
    let http = reqwest::Client::new();
    let base = format!("{}/socket.io/?EIO=4&transport=polling", app.url);
    let open = http.get(&base).send().await.expect("open");
    let open = open.text().await.expect("open body");
    let handshake: serde_json::Value =
        serde_json::from_str(open.trim_start_matches('0')).expect("open packet");
    let url = format!("{base}&sid={}", handshake["sid"].as_str().expect("sid"));
    let connect = format!("40/chat,{}", json!({ "token": token }));
    http.post(&url).body(connect).send().await.expect("connect");
    // A ping may come first; it goes unanswered.
    let mut reply = String::new();
    for _ in 0..3 {
        let poll = http.get(&url).send().await.expect("poll");
        reply = poll.text().await.expect("poll body");
        if reply.contains("40/chat,") {
            break;
        }
    }
    assert!(reply.contains("40/chat,"), "{reply}");
    if close {
        http.post(&url).body("1").send().await.expect("close");
    }
}

async fn closed_connections_leave_no_live_object_behind(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.session_recovery = Duration::from_secs(1);
        config.limits.ping_interval = Duration::from_millis(300);
        config.limits.ping_timeout = Duration::from_millis(300);
    })
    .await;
    let (c, o, gone) = (
        app.customer().await,
        app.owner().await,
        app.customer().await,
    );
    let room = app.room(&c, &o).await;
    let mut pids = Vec::new();
    // Closed politely or dropped, with and without a `join_room`.
    for i in 0..30 {
        let (socket, _events) = app.socket(if i % 2 == 0 { &c } else { &o }).await;
        pids.extend(socket.resume().map(|r| r.pid));
        if i % 3 == 0 {
            let join = json!({"roomId": room.id});
            let joined = socket.emit_ack("join_room", &join, WAIT).await;
            assert_eq!(joined.expect("joined")["ok"], true);
        }
        if i % 2 == 0 {
            socket.close()
        } else {
            socket.abort()
        }
    }
    // A client gone silent (ping timeout), over websocket and over long-polling.
    let silent = silent_websocket(&app, &c.token).await;
    polling_session(&app, &o.token, false).await;
    polling_session(&app, &c.token, true).await;
    // Closed by the server: the user is deactivated.
    let (_deactivated, _events) = app.socket(&gone).await;
    let store = &app.state.store;
    assert!(
        store
            .set_active(gone.id(), false)
            .await
            .expect("deactivate")
    );
    let counts = settled(&app).await;
    assert!(
        counts.iter().all(|(_, n)| *n == 0),
        "left behind: {counts:?}"
    );
    assert!(counts.len() >= 8, "the gauges are there: {counts:?}");
    drop(silent);
    // Their recovery sessions are deleted once expired (window 1 s, checked every second).
    let epoch = chrono::DateTime::UNIX_EPOCH;
    let hash = tigo_server::realtime::recovery::hash(&pids[0]);
    let mut kept = true;
    for _ in 0..60 {
        kept = store
            .recovery_session(&hash, epoch)
            .await
            .expect("read")
            .is_some();
        if !kept {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!kept, "an expired session is deleted");
    let options = SocketOptions {
        resume: Some(Resume {
            pid: pids[0].clone(),
            offset: None,
        }),
        ..SocketOptions::with_token(&c.token)
    };
    let (late, _events) = Socket::connect(&app.url, options).await.expect("connect");
    assert!(!late.recovered(), "and cannot be resumed");
}

contract!(closed_connections_leave_no_live_object_behind);
