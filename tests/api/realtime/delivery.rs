//! Delivery over the socket: order from one connection, replay after `last_message_id`, recovery
//! of a client cut off mid-stream, and a client too slow to keep up cut off.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;

use crate::contract;
use crate::helpers::*;

async fn messages_from_one_connection_are_stored_and_delivered_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, mut c_events) = app.socket(&c).await;
    let (_os, mut o_events) = app.socket(&o).await;
    for i in 0..200 {
        cs.emit(
            "send_message",
            &json!({"chat_room_id": room.id, "content": format!("{i}")}),
        )
        .expect("emit");
    }
    let mut heard = Vec::new();
    while heard.len() < 200 {
        let m = o_events
            .wait_for("new_message", WAIT)
            .await
            .expect("new_message");
        heard.push(m["content"].as_str().expect("content").to_string());
    }
    let expected: Vec<String> = (0..200).map(|i| i.to_string()).collect();
    assert_eq!(heard, expected);
    let mut acked = Vec::new();
    while acked.len() < 200 {
        let s = c_events
            .wait_for("message_sent", WAIT)
            .await
            .expect("message_sent");
        acked.push(
            s["message"]["content"]
                .as_str()
                .expect("content")
                .to_string(),
        );
    }
    assert_eq!(acked, expected);
    let mut stored = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let q = match &after {
            Some(id) => format!("limit=100&after={id}"),
            None => "limit=100&after=1970-01-01T00:00:00Z".into(),
        };
        let page = c.api.messages(room.id, &q).await.expect("page");
        if page.messages.is_empty() {
            break;
        }
        after = page.messages.last().map(|m| m.id.to_string());
        stored.extend(page.messages.into_iter().map(|m| m.content));
    }
    assert_eq!(stored, expected);
}

async fn join_room_with_last_message_id_replays_what_was_missed_then_goes_live(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.limits.max_replay = 25).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let anchor = send(&c, room.id, "seen").await;
    for i in 0..10 {
        send(&c, room.id, &format!("missed {i}")).await;
    }
    let (os, mut o_events) = app.socket(&o).await;
    let ack = os
        .emit_ack(
            "join_room",
            &json!({"roomId": room.id, "lastMessageId": anchor.id}),
            WAIT,
        )
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true);
    assert_eq!(ack["replayed"], 10);
    assert_eq!(ack["hasMore"], false);
    send(&c, room.id, "live").await;
    let mut got = Vec::new();
    for _ in 0..11 {
        got.push(
            o_events
                .wait_for("new_message", WAIT)
                .await
                .expect("message")["content"]
                .as_str()
                .expect("s")
                .to_string(),
        );
    }
    let mut expected: Vec<String> = (0..10).map(|i| format!("missed {i}")).collect();
    expected.push("live".into());
    assert_eq!(got, expected);
    assert!(
        o_events
            .collect_named("new_message", Duration::from_millis(300))
            .await
            .is_empty(),
        "no duplicates"
    );
    let joined = o_events
        .wait_for("joined_room", WAIT)
        .await
        .expect("joined_room");
    assert_eq!(joined["roomId"], json!(room.id));
    // A gap larger than one replay says so.
    for i in 0..30 {
        send(&c, room.id, &format!("flood {i}")).await;
    }
    let (os2, _e) = app.socket(&o).await;
    let ack = os2
        .emit_ack(
            "join_room",
            &json!({"roomId": room.id, "lastMessageId": anchor.id}),
            WAIT,
        )
        .await
        .expect("ack");
    assert_eq!(
        (ack["replayed"].clone(), ack["hasMore"].clone()),
        (json!(25), json!(true))
    );
}

async fn a_client_cut_off_while_messages_flow_recovers_every_message_exactly_once(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (os, mut o_events) = app.socket(&o).await;
    let sender = {
        let api = c.api.clone();
        let room = room.id;
        tokio::spawn(async move {
            for i in 0..150 {
                api.send(&text(room, &format!("n{i}"))).await.expect("send");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let mut got: Vec<(String, String)> = Vec::new();
    while got.len() < 20 {
        let m = o_events
            .wait_for("new_message", WAIT)
            .await
            .expect("message");
        got.push((
            m["id"].as_str().expect("id").into(),
            m["content"].as_str().expect("c").into(),
        ));
    }
    // Cut off without a goodbye; messages keep flowing.
    os.abort();
    drop(o_events);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let last = got.last().map(|(id, _)| id.clone()).expect("last");
    let (os, mut o_events) = app.socket(&o).await;
    // Live messages reach the new connection before it asks for the replay.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ack = os
        .emit_ack(
            "join_room",
            &json!({"roomId": room.id, "lastMessageId": last}),
            WAIT,
        )
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true, "{ack}");
    sender.await.expect("sender");
    while got.len() < 150 {
        let m = o_events
            .wait_for("new_message", WAIT)
            .await
            .expect("message");
        got.push((
            m["id"].as_str().expect("id").into(),
            m["content"].as_str().expect("c").into(),
        ));
    }
    assert!(
        o_events
            .collect_named("new_message", Duration::from_millis(500))
            .await
            .is_empty(),
        "no duplicates"
    );
    let ids: HashSet<&String> = got.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 150, "every message exactly once");
    let contents: Vec<String> = got.iter().map(|(_, c)| c.clone()).collect();
    let expected: Vec<String> = (0..150).map(|i| format!("n{i}")).collect();
    let mut sorted = contents.clone();
    sorted.sort_by_key(|s| s[1..].parse::<u32>().unwrap_or(0));
    assert_eq!(sorted, expected);
}

contract!(
    messages_from_one_connection_are_stored_and_delivered_in_order,
    join_room_with_last_message_id_replays_what_was_missed_then_goes_live,
    a_client_cut_off_while_messages_flow_recovers_every_message_exactly_once,
);

/// A WebSocket client that joins `/chat` and then never reads again, with a tiny receive
/// window so the server's buffers fill quickly.
async fn stalled_client(
    url: &str,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Frame;
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().expect("addr");
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(2048).expect("rcvbuf");
    let stream = socket.connect(addr).await.expect("connect");
    let ws_url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::client_async(ws_url, stream)
        .await
        .expect("handshake");
    let open = ws.next().await.expect("open").expect("frame");
    assert!(matches!(&open, Frame::Text(t) if t.starts_with('0')));
    ws.send(Frame::text(format!("40/chat,{{\"token\":\"{token}\"}}")))
        .await
        .expect("connect");
    loop {
        if let Some(Ok(Frame::Text(t))) = ws.next().await
            && t.starts_with("40/chat")
        {
            break;
        }
    }
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_cannot_keep_up_is_cut_off_and_the_others_get_everything() {
    // A queue that holds many bursts (a batch is at most 16 messages), so only a client that
    // stops reading overflows it.
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.limits.socket_queue = 256;
        c.limits.max_batch = 16;
    })
    .await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let stalled = stalled_client(&app.url, &o.token).await;
    let (_os, mut o_events) = app.socket(&o).await;
    let hub = app.state.events.hub().clone();
    assert_eq!(hub.connections(), 2);
    // The healthy client counts what it hears while the room floods.
    let (count_tx, count_rx) = tokio::sync::watch::channel(0usize);
    let reader = tokio::spawn(async move {
        let mut got = 0;
        while let Ok(event) = o_events.next_within(Duration::from_secs(10)).await {
            if event.name == "new_message" {
                got += 1;
                let _ = count_tx.send(got);
            }
        }
    });
    let padding = "p".repeat(4000);
    let mut sent = 0;
    // Bounded: at most 4,000 messages (16 MB), until the stalled client is gone.
    while hub.connections() > 1 && sent < 4000 {
        let mut batch = Vec::new();
        for k in 0..4 {
            let api = c.api.clone();
            let padding = padding.clone();
            batch.push(tokio::spawn(async move {
                for i in 0..25 {
                    api.send(&text(room.id, &format!("{k}-{i} {padding}")))
                        .await
                        .expect("send");
                }
            }));
        }
        for t in batch {
            t.await.expect("sender");
        }
        sent += 100;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        hub.connections(),
        1,
        "the stalled client was cut off after {sent} messages"
    );
    let mut count_rx = count_rx;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while *count_rx.borrow() < sent && tokio::time::Instant::now() < deadline {
        let _ = tokio::time::timeout(Duration::from_millis(200), count_rx.changed()).await;
    }
    assert_eq!(
        *count_rx.borrow(),
        sent,
        "the healthy client got every message"
    );
    reader.abort();
    drop(stalled);
}
