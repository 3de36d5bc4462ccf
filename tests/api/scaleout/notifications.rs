//! Notifications go to a recipient with no live connection on any instance, and only then.

use futures_util::StreamExt;
use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

type Notifications = std::pin::Pin<Box<dyn futures_util::Stream<Item = Value> + Send>>;

/// What is published on `notification:events` from now on.
async fn notifications() -> Notifications {
    let client = redis::Client::open(redis_url()).expect("redis");
    let mut pubsub = client.get_async_pubsub().await.expect("pubsub");
    pubsub
        .subscribe("notification:events")
        .await
        .expect("subscribe");
    Box::pin(pubsub.into_on_message().map(|msg| {
        serde_json::from_str(&msg.get_payload::<String>().expect("text")).expect("json")
    }))
}

/// The first notification `wanted` accepts.
async fn first_notification(notes: &mut Notifications, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let note = tokio::time::timeout(WAIT, notes.next())
            .await
            .expect("a notification in time")
            .expect("subscribed");
        if wanted(&note) {
            return note;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_with_no_live_connection_gets_a_notification() {
    let (a, _b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let mut notes = notifications().await;
    let sent = send(&c, room.id, "are you there?").await;
    let notification = first_notification(&mut notes, |n| {
        n["metadata"]["message_id"] == json!(sent.id)
    })
    .await;
    assert_eq!(notification["type"], "CHAT_MESSAGE");
    assert_eq!(notification["user_id"], json!(o.id()));
    assert_eq!(notification["message"], "are you there?");
    assert!(
        notification["title"]
            .as_str()
            .is_some_and(|t| t.contains("Carla"))
    );
    assert_eq!(notification["metadata"]["chat_room_id"], json!(room.id));
    assert_eq!(notification["metadata"]["sender_id"], json!(c.id()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_connected_here_or_elsewhere_gets_no_notification() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let mut notes = notifications().await;
    let (_cs, mut c_events) = a.socket(&c).await;
    // Connected only to the other instance, then to the sender's too.
    let o_b = on(&b, &o).await;
    let (on_b, _eb) = b.socket(&o_b).await;
    c_events
        .wait_for("user_online", WAIT)
        .await
        .expect("online through the other instance");
    let elsewhere = send(&c, room.id, "seen elsewhere").await;
    let (on_a, _ea) = a.socket(&o).await;
    let here = send(&c, room.id, "seen here").await;
    on_a.close();
    on_b.close();
    c_events
        .wait_for("user_offline", WAIT)
        .await
        .expect("offline once both are closed");
    let away = send(&c, room.id, "seen later").await;
    // Notifications go out in message order: the first one seen for this room must be for
    // the message sent while nobody was connected.
    let first = first_notification(&mut notes, |n| {
        n["metadata"]["chat_room_id"] == json!(room.id)
    })
    .await;
    assert_ne!(first["metadata"]["message_id"], json!(here.id));
    assert_ne!(first["metadata"]["message_id"], json!(elsewhere.id));
    assert_eq!(first["metadata"]["message_id"], json!(away.id));
    assert_eq!(first["user_id"], json!(o.id()));
}
