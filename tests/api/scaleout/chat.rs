//! Chat across two instances: messages, typing, presence and receipts, a user online until the
//! last connection closes, reactions.

use std::time::Duration;

use serde_json::json;
use tigo_client::sio::{Events, Socket};
use uuid::Uuid;

use super::*;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_two_instances_chat_type_and_see_presence_and_receipts() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let o_b = on(&b, &o).await;
    let (cs, mut c_events) = a.socket(&c).await;
    let room = a.room(&c, &o).await;
    let (os, mut o_events) = b.socket(&o_b).await;
    let online = c_events
        .wait_for("user_online", WAIT)
        .await
        .expect("presence crosses instances");
    assert_eq!(online, json!({"userId": o.id()}));
    let mut online = c.api.online_users(room.id).await.expect("online via A");
    online.sort();
    let mut expected = vec![c.id(), o.id()];
    expected.sort();
    assert_eq!(online, expected, "A knows who is connected to B");

    let ack = send_ack(&cs, room.id, "from A").await;
    assert_eq!(ack["ok"], true);
    let heard = o_events
        .wait_for("new_message", WAIT)
        .await
        .expect("message crosses instances");
    assert_eq!(heard["content"], "from A");
    let delivered = c_events
        .wait_for("message_delivered", WAIT)
        .await
        .expect("receipt crosses back");
    assert_eq!(delivered["messageId"], ack["messageId"]);
    assert_eq!(delivered["userId"], json!(o.id()));

    typing_crosses_instances(&os, &mut c_events, room.id).await;

    send_ack(&os, room.id, "from B").await;
    assert_eq!(
        c_events
            .wait_for("new_message", WAIT)
            .await
            .expect("A hears B")["content"],
        "from A"
    );
    assert_eq!(
        c_events
            .wait_for("new_message", WAIT)
            .await
            .expect("A hears B")["content"],
        "from B"
    );
    os.emit_ack("mark_messages_read", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("ack");
    let read = c_events
        .wait_for("messages_read", WAIT)
        .await
        .expect("read receipt crosses");
    assert_eq!(read["userId"], json!(o.id()));

    presence_keys_are_the_seeds(o.id(), c.id(), room.id).await;

    os.close();
    let offline = c_events
        .wait_for("user_offline", WAIT)
        .await
        .expect("offline crosses");
    assert_eq!(offline, json!({"userId": o.id()}));
}

/// Typing on instance B reaches a connection on A, start and stop.
async fn typing_crosses_instances(on_b: &Socket, a_events: &mut Events, room: Uuid) {
    on_b.emit("typing_start", &json!({"roomId": room}))
        .expect("emit");
    let typing = a_events
        .wait_for("user_typing", WAIT)
        .await
        .expect("typing crosses instances");
    assert_eq!(typing["isTyping"], true);
    on_b.emit("typing_stop", &json!({"roomId": room}))
        .expect("emit");
    assert_eq!(
        a_events.wait_for("user_typing", WAIT).await.expect("stop")["isTyping"],
        false
    );
}

/// Presence keys as the seed names them: the user's key with its TTL, the room's member set.
async fn presence_keys_are_the_seeds(o_id: Uuid, c_id: Uuid, room_id: Uuid) {
    let client = redis::Client::open(redis_url()).expect("redis");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis conn");
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("user:{}:online", o_id))
        .query_async(&mut conn)
        .await
        .expect("ttl");
    assert!(ttl > 0 && ttl <= 300, "user key TTL {ttl}");
    let members: Vec<String> = redis::cmd("SMEMBERS")
        .arg(format!("room:{}:users", room_id))
        .query_async(&mut conn)
        .await
        .expect("smembers");
    assert!(
        members.contains(&o_id.to_string()) && members.contains(&c_id.to_string()),
        "{members:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_connected_to_both_instances_stays_online_until_the_last_connection_closes() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let (_cs, mut c_events) = a.socket(&c).await;
    let (on_a, _ea) = a.socket(&o).await;
    let o_b = on(&b, &o).await;
    let (on_b, _eb) = b.socket(&o_b).await;
    // Closed at once: a connection its client knows of already counts on every instance.
    on_a.close();
    c_events
        .wait_for("user_online", WAIT)
        .await
        .expect("online");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        c_events
            .collect_named("user_offline", Duration::from_millis(300))
            .await
            .is_empty(),
        "still on B"
    );
    assert!(
        c.api
            .online_users(room.id)
            .await
            .expect("online")
            .contains(&o.id())
    );
    on_b.close();
    c_events
        .wait_for("user_offline", WAIT)
        .await
        .expect("offline once the last one closes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reaction_made_on_one_instance_reaches_the_room_on_the_other() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let o_b = on(&b, &o).await;
    let room = a.room(&c, &o).await;
    let (_cs, mut c_events) = a.socket(&c).await;
    let m = send(&c, room.id, "see you at the lobby").await;
    o_b.api.react(m.id, "👋").await.expect("react through B");
    let heard = c_events
        .wait_for("reaction_updated", WAIT)
        .await
        .expect("reaction crosses instances");
    assert_eq!(
        heard,
        json!({"messageId": m.id, "roomId": room.id,
               "reactions": [{"emoji": "👋", "count": 1, "user_ids": [o.id()]}]})
    );
    let seen_on_a = c.api.messages(room.id, "").await.expect("history via A");
    assert_eq!(seen_on_a.messages[0].reactions[0].user_ids, [o.id()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_reading_a_room_on_another_instance_is_not_listed_as_online_in_it() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o, admin) = (a.customer().await, a.owner().await, a.admin().await);
    let admin_b = on(&b, &admin).await;
    let room = a.room(&c, &o).await;
    let (_cs, _c_events) = a.socket(&c).await;
    let (admin_socket, _admin_events) = b.socket(&admin_b).await;
    let ack = admin_socket
        .emit_ack("join_room", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true, "{ack}");
    // The seed's key lists everyone who joined, the Admin too, once B has stored it.
    let redis = redis::Client::open(redis_url()).expect("redis");
    let mut conn = redis
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let key = format!("room:{}:users", room.id);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let members: Vec<String> = redis::cmd("SMEMBERS")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .expect("smembers");
        if members.contains(&admin.id().to_string()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{members:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for instance in [&c.api, &admin_b.api] {
        assert_eq!(
            instance.online_users(room.id).await.expect("online"),
            vec![c.id()],
            "only the room's participants"
        );
    }
}

/// The message is encoded once, by the instance that stored it: the sender's ack and
/// `message_sent`, a recipient's `new_message` there and on another instance (which hands on
/// what it heard without decoding it) carry the very same message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_and_recipients_on_both_instances_get_the_same_message() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let o_b = on(&b, &o).await;
    let (cs, mut c_events) = a.socket(&c).await;
    let (_oa, mut on_a) = a.socket(&o).await;
    let (_ob, mut on_b) = b.socket(&o_b).await;
    for events in [&mut c_events, &mut on_a, &mut on_b] {
        events.wait_for("connected", WAIT).await.expect("connected");
    }
    let ack = send_ack(&cs, room.id, "one encoding for all").await;
    assert_eq!(ack["ok"], true, "{ack}");
    let message = &ack["message"];
    assert_eq!(message["content"], "one encoding for all");
    assert_eq!(ack["messageId"], message["id"]);
    let sent = c_events
        .wait_for("message_sent", WAIT)
        .await
        .expect("message_sent");
    assert_eq!(
        sent,
        json!({"messageId": message["id"], "message": message})
    );
    let here = on_a.wait_for("new_message", WAIT).await.expect("on A");
    let there = on_b.wait_for("new_message", WAIT).await.expect("on B");
    assert_eq!(&here, message, "a recipient on the same instance");
    assert_eq!(&there, message, "a recipient on the other instance");
    // The receipt that crosses back needs the ids the envelope carries beside the message.
    let delivered = c_events
        .wait_for("message_delivered", WAIT)
        .await
        .expect("receipt");
    assert_eq!(delivered["messageId"], message["id"]);
}
