//! Connecting to `/chat`: tokens and refusals, the rooms a connection is in (and joins live),
//! every connection of a user, presence, admins in any room, the packet size limit.

use std::time::Duration;

use serde_json::json;
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

async fn an_admin_reading_a_room_is_not_listed_among_its_online_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let (_cs, _c_events) = app.socket(&c).await;
    let (as_, _a_events) = app.socket(&a).await;
    let ack = as_
        .emit_ack("join_room", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true, "{ack}");
    for asking in [&c, &a] {
        assert_eq!(
            asking.api.online_users(room.id).await.expect("online"),
            vec![c.id()],
            "only the room's participants"
        );
    }
}

contract!(
    a_missing_or_bad_token_gets_connect_error_with_a_reason,
    the_token_may_come_from_auth_the_authorization_header_or_the_query,
    a_connection_is_in_all_its_rooms_and_hears_rest_events,
    a_room_created_later_is_joined_live_by_both_participants,
    every_connection_of_a_user_gets_every_event,
    presence_is_per_user_across_connections,
    a_packet_over_the_size_limit_closes_the_connection,
    an_admin_can_join_any_room_and_post_there,
    an_admin_reading_a_room_is_not_listed_among_its_online_users,
);
