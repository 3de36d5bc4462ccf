//! Socket.IO events and their replies: `send_message` acknowledged, bad events answered with
//! errors and no stored message, receipts, typing.

use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

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
    // Delivery is a position: what came before the message that reached the owner counts as
    // delivered with it (their client loads the history it missed), though no event said so.
    assert_eq!(status(&json!(offline.id)), Some("delivered"));
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

contract!(
    send_message_is_acknowledged_and_reaches_the_room,
    bad_events_get_error_replies_and_never_a_database_message,
    receipts_move_a_message_to_delivered_then_read,
    typing_reaches_the_others_and_ends_by_itself,
);
