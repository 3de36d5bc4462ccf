//! Socket.IO `/chat`: authentication, events and their replies, rooms joined live, presence,
//! receipts, typing, ordering and replay — on both storage backends.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};
use tigo_client::sio::{SioError, Socket, SocketOptions};
use tigo_common::{CreateRoom, RoomType};
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

async fn a_missing_or_bad_token_gets_connect_error_with_a_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let refused = |r: Result<_, SioError>| match r {
        Err(SioError::Refused(message)) => message,
        Err(other) => panic!("expected connect_error, got {other}"),
        Ok(_) => panic!("expected connect_error, got a connection"),
    };
    let none = refused(Socket::connect(&app.url, SocketOptions::default()).await);
    assert!(none.contains("Authentication required"), "{none}");
    let bad = refused(Socket::connect(&app.url, SocketOptions::with_token("not-a-token")).await);
    assert_eq!(bad, "Invalid token");
    let c = app.customer().await;
    let now = chrono::Utc::now().timestamp();
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": c.id(), "exp": now - 100}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("encode");
    let message = refused(Socket::connect(&app.url, SocketOptions::with_token(&expired)).await);
    assert_eq!(message, "Token has expired");
    assert_eq!(
        app.state.events.hub().connections(),
        0,
        "refused sockets hold nothing"
    );
}

async fn the_token_may_come_from_auth_the_authorization_header_or_the_query(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let variants = [
        SocketOptions::with_token(&c.token),
        SocketOptions {
            headers: vec![("Authorization".into(), format!("Bearer {}", c.token))],
            ..SocketOptions::default()
        },
        SocketOptions {
            query: vec![("token".into(), c.token.clone())],
            ..SocketOptions::default()
        },
    ];
    for options in variants {
        let (socket, mut events) = Socket::connect(&app.url, options).await.expect("connect");
        let connected = events.wait_for("connected", WAIT).await.expect("connected");
        assert_eq!(connected["userId"], json!(c.id()));
        assert!(connected["message"].is_string());
        socket.close();
    }
}

async fn a_connection_is_in_all_its_rooms_and_hears_rest_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (_socket, mut events) = app.socket(&c).await;
    events.wait_for("connected", WAIT).await.expect("connected");
    let sent = send(&o, room.id, "over REST").await;
    let heard = events
        .wait_for("new_message", WAIT)
        .await
        .expect("new_message");
    assert_eq!(heard["id"], json!(sent.id));
    assert_eq!(heard["sender"]["first_name"], "Oscar");
    assert_eq!(heard["chat_room_id"], json!(room.id));
    let edited = o.api.edit(sent.id, "edited").await.expect("edit");
    let heard = events
        .wait_for("message_edited", WAIT)
        .await
        .expect("message_edited");
    assert_eq!(heard["content"], "edited");
    assert_eq!(
        heard["edited_at"],
        json!(tigo_common::time::format(
            &edited.edited_at.expect("edited_at")
        ))
    );
    o.api.delete(sent.id).await.expect("delete");
    let heard = events
        .wait_for("message_deleted", WAIT)
        .await
        .expect("message_deleted");
    assert_eq!(
        heard,
        json!({"messageId": sent.id, "roomId": room.id, "deletedBy": o.id()})
    );
    o.api.mark_read(room.id).await.expect("read");
    let heard = events
        .wait_for("messages_read", WAIT)
        .await
        .expect("messages_read");
    assert_eq!(heard["userId"], json!(o.id()));
    assert_eq!(heard["roomId"], json!(room.id));
    assert!(heard["readAt"].is_string());
}

async fn a_room_created_later_is_joined_live_by_both_participants(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let (_cs, mut c_events) = app.socket(&c).await;
    let (os, mut o_events) = app.socket(&o).await;
    let room = app.room(&c, &o).await;
    for events in [&mut c_events, &mut o_events] {
        let created = events
            .wait_for("room_created", WAIT)
            .await
            .expect("room_created");
        assert_eq!(created["id"], json!(room.id));
    }
    let ack = send_ack(&os, room.id, "no reconnect needed").await;
    assert_eq!(ack["ok"], true, "{ack}");
    let heard = c_events
        .wait_for("new_message", WAIT)
        .await
        .expect("new_message");
    assert_eq!(heard["content"], "no reconnect needed");
}

async fn send_message_is_acknowledged_and_reaches_the_room(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, mut c_events) = app.socket(&c).await;
    let (_os, mut o_events) = app.socket(&o).await;
    let ack = cs
        .emit_ack(
            "send_message",
            &json!({"chat_room_id": room.id, "content": "Hello!", "type": "text"}),
            WAIT,
        )
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true);
    let id = ack["messageId"].clone();
    assert_eq!(ack["message"]["id"], id);
    let sent = c_events
        .wait_for("message_sent", WAIT)
        .await
        .expect("message_sent");
    assert_eq!(sent["messageId"], id);
    assert_eq!(sent["message"]["content"], "Hello!");
    let heard = o_events
        .wait_for("new_message", WAIT)
        .await
        .expect("new_message");
    assert_eq!(heard["id"], id);
    // The sender's connection is in the room too.
    let own = c_events
        .wait_for("new_message", WAIT)
        .await
        .expect("own new_message");
    assert_eq!(own["id"], id);
    // Without an ack the reply is the event alone.
    cs.emit(
        "send_message",
        &json!({"chat_room_id": room.id, "content": "no ack"}),
    )
    .expect("emit");
    let sent = c_events
        .wait_for("message_sent", WAIT)
        .await
        .expect("message_sent");
    assert_eq!(sent["message"]["content"], "no ack");
}

async fn bad_events_get_error_replies_and_never_a_database_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, s) = (
        app.customer().await,
        app.owner().await,
        app.customer().await,
    );
    let room = app.room(&c, &o).await;
    let (ss, mut s_events) = app.socket(&s).await;
    let cases = [
        ("send_message", json!({}), 400),
        ("send_message", json!("text"), 400),
        (
            "send_message",
            json!({"chat_room_id": room.id, "content": ""}),
            400,
        ),
        (
            "send_message",
            json!({"chat_room_id": room.id, "content": "x"}),
            403,
        ),
        (
            "send_message",
            json!({"chat_room_id": Uuid::new_v4(), "content": "x"}),
            404,
        ),
        ("join_room", json!({"roomId": "x"}), 400),
        ("join_room", json!({"roomId": room.id}), 403),
        (
            "join_room",
            json!({"roomId": room.id, "lastMessageId": 5}),
            400,
        ),
        ("leave_room", json!({"roomId": room.id}), 403),
        ("mark_messages_read", json!({"roomId": room.id}), 403),
        ("typing_start", json!({"roomId": room.id}), 403),
        ("typing_stop", json!(null), 400),
    ];
    for (event, data, status) in cases {
        let ack = ss.emit_ack(event, &data, WAIT).await.expect("ack");
        assert_eq!(ack["ok"], false, "{event} {data}: {ack}");
        assert_eq!(ack["error"]["statusCode"], status, "{event} {data}: {ack}");
        let message = ack["error"]["message"].as_str().expect("message");
        assert!(
            !message.to_lowercase().contains("sql") && !message.contains("database"),
            "{message}"
        );
    }
    ss.emit("join_room", &json!({"roomId": room.id}))
        .expect("emit");
    let error = s_events.wait_for("error", WAIT).await.expect("error event");
    assert_eq!(error["statusCode"], 403);
    assert_eq!(error["message"], "You do not have access to this chat room");
    assert_eq!(c.api.messages(room.id, "").await.expect("history").total, 0);
}

async fn every_connection_of_a_user_gets_every_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let mut tabs = Vec::new();
    for _ in 0..3 {
        tabs.push(app.socket(&o).await);
    }
    send(&c, room.id, "to every tab").await;
    for (_, events) in &mut tabs {
        let heard = events
            .wait_for("new_message", WAIT)
            .await
            .expect("new_message");
        assert_eq!(heard["content"], "to every tab");
    }
}

async fn presence_is_per_user_across_connections(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (_cs, mut c_events) = app.socket(&c).await;
    assert_eq!(
        c.api.online_users(room.id).await.expect("online"),
        vec![c.id()]
    );
    let (first, _e1) = app.socket(&o).await;
    let online = c_events
        .wait_for("user_online", WAIT)
        .await
        .expect("user_online");
    assert_eq!(online, json!({"userId": o.id()}));
    let (second, _e2) = app.socket(&o).await;
    let mut online: Vec<Uuid> = c.api.online_users(room.id).await.expect("online");
    online.sort();
    let mut expected = vec![c.id(), o.id()];
    expected.sort();
    assert_eq!(online, expected);
    first.close();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        c_events
            .collect_named("user_offline", Duration::from_millis(300))
            .await
            .is_empty(),
        "still online in another tab"
    );
    second.close();
    let offline = c_events
        .wait_for("user_offline", WAIT)
        .await
        .expect("user_offline");
    assert_eq!(offline, json!({"userId": o.id()}));
    assert_eq!(
        c.api.online_users(room.id).await.expect("online"),
        vec![c.id()]
    );
}

async fn receipts_move_a_message_to_delivered_then_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, mut c_events) = app.socket(&c).await;
    let offline = send(&c, room.id, "while away").await;
    let (os, mut o_events) = app.socket(&o).await;
    let ack = send_ack(&cs, room.id, "now").await;
    let id = ack["messageId"].clone();
    o_events
        .wait_for("new_message", WAIT)
        .await
        .expect("delivered to owner");
    let delivered = c_events
        .wait_for("message_delivered", WAIT)
        .await
        .expect("message_delivered");
    assert_eq!(
        delivered,
        json!({"messageId": id, "roomId": room.id, "userId": o.id()})
    );
    let history = c.api.messages(room.id, "").await.expect("history");
    let status = |mid: &Value| {
        history
            .messages
            .iter()
            .find(|m| json!(m.id) == *mid)
            .map(|m| m.status.as_str())
    };
    assert_eq!(status(&id), Some("delivered"));
    assert_eq!(status(&json!(offline.id)), Some("sent"));
    let ack = os
        .emit_ack("mark_messages_read", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true);
    o_events
        .wait_for("messages_marked_read", WAIT)
        .await
        .expect("messages_marked_read");
    let read = c_events
        .wait_for("messages_read", WAIT)
        .await
        .expect("messages_read");
    assert_eq!(read["userId"], json!(o.id()));
    let history = c.api.messages(room.id, "").await.expect("history");
    assert!(
        history
            .messages
            .iter()
            .all(|m| m.status == tigo_common::MessageStatus::Read)
    );
}

async fn typing_reaches_the_others_and_ends_by_itself(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.limits.typing_ttl = Duration::from_millis(600)
    })
    .await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, mut c_events) = app.socket(&c).await;
    let (_os, mut o_events) = app.socket(&o).await;
    let ack = cs
        .emit_ack("typing_start", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true);
    let typing = o_events
        .wait_for("user_typing", WAIT)
        .await
        .expect("typing");
    assert_eq!(
        typing,
        json!({"userId": c.id(), "roomId": room.id, "isTyping": true})
    );
    let stopped = o_events
        .wait_for("user_typing", Duration::from_secs(3))
        .await
        .expect("expiry");
    assert_eq!(stopped["isTyping"], false, "a start without a stop expires");
    cs.emit("typing_start", &json!({"roomId": room.id}))
        .expect("emit");
    cs.emit("typing_stop", &json!({"roomId": room.id}))
        .expect("emit");
    assert_eq!(
        o_events.wait_for("user_typing", WAIT).await.expect("start")["isTyping"],
        true
    );
    assert_eq!(
        o_events.wait_for("user_typing", WAIT).await.expect("stop")["isTyping"],
        false
    );
    assert!(
        c_events
            .collect_named("user_typing", Duration::from_millis(200))
            .await
            .is_empty(),
        "the typist hears nothing"
    );
}

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

async fn a_packet_over_the_size_limit_closes_the_connection(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, mut events) = app.socket(&c).await;
    events.wait_for("connected", WAIT).await.expect("connected");
    let huge = "x".repeat(100 * 1024);
    let _ = cs.emit(
        "send_message",
        &json!({"chat_room_id": room.id, "content": huge}),
    );
    let closed = loop {
        match events.next_within(WAIT).await {
            Err(SioError::Closed) => break true,
            Err(_) => break false,
            Ok(_) => continue,
        }
    };
    assert!(closed, "oversized packet must close the connection");
    assert_eq!(c.api.messages(room.id, "").await.expect("history").total, 0);
}

async fn an_admin_can_join_any_room_and_post_there(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let (as_, mut a_events) = app.socket(&a).await;
    let ack = as_
        .emit_ack("join_room", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true);
    send(&c, room.id, "hello support").await;
    assert_eq!(
        a_events.wait_for("new_message", WAIT).await.expect("msg")["content"],
        "hello support"
    );
    let left = as_
        .emit_ack("leave_room", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("ack");
    assert_eq!(left["ok"], true);
    a_events
        .wait_for("left_room", WAIT)
        .await
        .expect("left_room");
    send(&c, room.id, "after leaving").await;
    assert!(
        a_events
            .collect_named("new_message", Duration::from_millis(300))
            .await
            .is_empty()
    );
    let _ = CreateRoom {
        room_type: RoomType::CustomerAdmin,
        participant1_id: c.id(),
        participant2_id: a.id(),
        hotel_id: None,
    };
}

contract!(
    a_missing_or_bad_token_gets_connect_error_with_a_reason,
    the_token_may_come_from_auth_the_authorization_header_or_the_query,
    a_connection_is_in_all_its_rooms_and_hears_rest_events,
    a_room_created_later_is_joined_live_by_both_participants,
    send_message_is_acknowledged_and_reaches_the_room,
    bad_events_get_error_replies_and_never_a_database_message,
    every_connection_of_a_user_gets_every_event,
    presence_is_per_user_across_connections,
    receipts_move_a_message_to_delivered_then_read,
    typing_reaches_the_others_and_ends_by_itself,
    messages_from_one_connection_are_stored_and_delivered_in_order,
    join_room_with_last_message_id_replays_what_was_missed_then_goes_live,
    a_client_cut_off_while_messages_flow_recovers_every_message_exactly_once,
    a_packet_over_the_size_limit_closes_the_connection,
    an_admin_can_join_any_room_and_post_there,
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
