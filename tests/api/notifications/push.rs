//! Who gets a push for a new message, when, and what it says: the payload the browser
//! decrypts, the RFC 8030 headers, the read push that clears other devices, and the members
//! who get none (the sender, anyone online, a muted room, quiet hours, push off).

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;
use crate::contract;
use crate::helpers::*;
use crate::rooms::calls::companion;

/// Asserts a `Topic` is what RFC 8030 allows: at most 32 characters of URL-safe base64.
fn assert_topic(push: &Value) -> String {
    let topic = push["topic"]
        .as_str()
        .unwrap_or_else(|| panic!("a Topic: {push}"));
    assert!(
        (1..=32).contains(&topic.len())
            && topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "Topic {topic:?} is not 1-32 characters of URL-safe base64"
    );
    topic.to_string()
}

/// The public key the server gives out (what the sink must see as the VAPID `k`).
async fn server_key(user: &TestUser) -> Value {
    let path = "/chat/notifications/vapid-public-key";
    let (status, body) = call(user, Method::GET, path, None).await;
    assert_eq!(status, 200, "{body}");
    body["public_key"].clone()
}

/// Two guests, each in a room of their own with the same owner: `(c, c2, o, c's room, c2's)`.
async fn two_guests_of_one_owner(
    app: &TestApp,
) -> (
    TestUser,
    TestUser,
    TestUser,
    tigo_common::Room,
    tigo_common::Room,
) {
    let (c, c2, o) = (
        app.customer().await,
        app.customer().await,
        app.owner().await,
    );
    let (first, second) = (app.room(&c, &o).await, app.room(&c2, &o).await);
    (c, c2, o, first, second)
}

async fn an_offline_member_gets_a_push_per_message_on_each_device_within_two_seconds(
    backend: Backend,
) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, c2, o, first, second) = two_guests_of_one_owner(&app).await;
    let phone = subscribed(&sink, &o, json!("201")).await;
    let laptop = subscribed(&sink, &o, json!("201")).await;
    let key = server_key(&o).await;

    let sent_at = unix_now();
    let m1 = send(&c, first.id, "Is breakfast included?").await;
    let push = sink.push_for(&phone, m1.id).await;
    let at = push["at"].as_f64().expect("at");
    assert!(
        at - sent_at < 2.0,
        "pushed {:.2} s after the send",
        at - sent_at
    );
    let payload = &push["payload"];
    assert_eq!(payload["type"], "new_message", "{payload}");
    assert_eq!(payload["room_id"], json!(first.id), "{payload}");
    assert_eq!(payload["message_id"], json!(m1.id), "{payload}");
    assert_eq!(payload["sender"]["id"], json!(c.id()), "{payload}");
    assert_eq!(payload["sender"]["first_name"], "Carla", "{payload}");
    assert_eq!(payload["body"], "Is breakfast included?", "{payload}");
    assert_eq!(payload["unread"], 1, "{payload}");
    assert_eq!(push["ttl"], "86400", "{push}");
    assert_eq!(push["urgency"], "high", "{push}");
    assert_eq!(push["content_encoding"], "aes128gcm", "{push}");
    assert_eq!(
        push["vapid_k"], key,
        "signed with the key the server gives out"
    );
    let topic = assert_topic(&push);
    assert_eq!(sink.push_for(&laptop, m1.id).await["payload"], *payload);

    // A second message of the room: the same topic; the unread total counts every room.
    let m2 = send(&c, first.id, "And parking?").await;
    let push2 = sink.push_for(&phone, m2.id).await;
    assert_eq!(assert_topic(&push2), topic, "one topic per room");
    assert_eq!(push2["payload"]["unread"], 2);
    let m3 = send(&c2, second.id, "Late check-in possible?").await;
    let push3 = sink.push_for(&phone, m3.id).await;
    assert_ne!(assert_topic(&push3), topic, "another room, another topic");
    assert_eq!(push3["payload"]["unread"], 3);
    assert_eq!(push3["payload"]["sender"]["id"], json!(c2.id()));

    // Each message once per device.
    sink.push_for(&laptop, m3.id).await;
    tokio::time::sleep(QUIET).await;
    for device in [&phone, &laptop] {
        let pushes = sink.pushes(device).await;
        for m in [m1.id, m2.id, m3.id] {
            assert_eq!(about(&pushes, m).len(), 1, "one push for {m}: {pushes:?}");
        }
    }
    assert!(counter(&app, "tigo_pushes_total", "sent").await >= 6.0);
}

/// The message object's `content` as the sender's answer gives it (masked when masked).
async fn send_raw(user: &TestUser, body: Value) -> Value {
    let (status, message) = call(user, Method::POST, "/chat/messages", Some(body)).await;
    assert_eq!(status, 201, "{message}");
    message
}

fn id(message: &Value) -> Uuid {
    message["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an id")
}

async fn the_body_is_the_stored_text_masked_cut_to_120_characters_or_the_file_name(
    backend: Backend,
) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let browser = subscribed(&sink, &o, json!("201")).await;

    let masked = send(
        &c,
        room.id,
        "Call me on +49 30 1234 5678 or mail john.doe@gmail.com",
    )
    .await;
    assert!(
        masked.content.contains("[phone hidden]"),
        "masked: {}",
        masked.content
    );
    let push = sink.push_for(&browser, masked.id).await;
    assert_eq!(push["payload"]["body"], masked.content.as_str());
    let body = push["payload"]["body"].as_str().unwrap_or_default();
    assert!(!body.contains("1234") && !body.contains("gmail"), "{body}");

    // 300 characters, many of them two bytes long: cut by characters, not bytes.
    let long: String = "Grüße aus München, ".repeat(16).chars().take(300).collect();
    let long_message = send(&c, room.id, &long).await;
    let push = sink.push_for(&browser, long_message.id).await;
    let body = push["payload"]["body"].as_str().expect("body");
    let first_120: String = long.chars().take(120).collect();
    let cut_with_ellipsis = body.ends_with('…')
        && body.chars().count() <= 120
        && long.starts_with(body.trim_end_matches('…'));
    assert!(
        body == first_120 || cut_with_ellipsis,
        "not the text cut to 120 characters: {body:?}"
    );

    let file = send_raw(
        &c,
        json!({"chat_room_id": room.id, "content": "", "type": "file",
               "file_url": "https://files.tigo.test/a/plan.pdf", "file_name": "plan.pdf",
               "file_size": 1234}),
    )
    .await;
    let push = sink.push_for(&browser, id(&file)).await;
    assert_eq!(push["payload"]["body"], "📎 plan.pdf");
}

async fn no_push_to_the_sender_nor_to_a_member_who_is_online(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let friend = app.user_with(&[tigo_common::Role::Customer], "Kim").await;
    let room = app.room(&c, &o).await;
    companion(&c, room.id, &friend).await;
    let senders = subscribed(&sink, &c, json!("201")).await;
    let owners = subscribed(&sink, &o, json!("201")).await;
    let friends = subscribed(&sink, &friend, json!("201")).await;
    let (_socket, _events) = online(&app, &o).await;

    let sent = send(&c, room.id, "We land at nine").await;
    // The offline companion's push is the marker: the server has decided about this message.
    sink.push_for(&friends, sent.id).await;
    tokio::time::sleep(QUIET).await;
    assert!(sink.pushes(&owners).await.is_empty(), "the owner is online");
    assert!(
        about(&sink.pushes(&senders).await, sent.id).is_empty(),
        "no push to the sender"
    );
}

/// `HH:MM` `hours` from now in Asia/Tokyo (UTC+9 all year).
fn tokyo_in(hours: i64) -> String {
    let at = chrono::Utc::now() + chrono::Duration::hours(9 + hours);
    at.format("%H:%M").to_string()
}

async fn no_push_for_a_muted_room_in_quiet_hours_or_with_push_off(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, c2, o, muted, other) = two_guests_of_one_owner(&app).await;
    let owners = subscribed(&sink, &o, json!("201")).await;
    prefer(&o, json!({"muted_rooms": [muted.id]})).await;
    // Quiet now in Tokyo: a server that read the hours as UTC would push.
    let (sleeper, off, awake) = (
        app.customer().await,
        app.customer().await,
        app.customer().await,
    );
    for user in [&sleeper, &off, &awake] {
        companion(&c2, other.id, user).await;
    }
    let sleepers = subscribed(&sink, &sleeper, json!("201")).await;
    let offs = subscribed(&sink, &off, json!("201")).await;
    let awakes = subscribed(&sink, &awake, json!("201")).await;
    let quiet = json!({"start": tokyo_in(-1), "end": tokyo_in(1), "timezone": "Asia/Tokyo"});
    prefer(&sleeper, json!({"quiet_hours": quiet})).await;
    prefer(&off, json!({"push": false})).await;

    let in_muted = send(&c, muted.id, "hello?").await;
    let in_other = send(&c2, other.id, "good evening").await;
    sink.push_for(&owners, in_other.id).await;
    sink.push_for(&awakes, in_other.id).await;
    tokio::time::sleep(QUIET).await;
    assert!(
        about(&sink.pushes(&owners).await, in_muted.id).is_empty(),
        "muted room"
    );
    assert!(sink.pushes(&sleepers).await.is_empty(), "quiet hours");
    assert!(sink.pushes(&offs).await.is_empty(), "push off");

    // Unmuted, the room's next message is pushed.
    prefer(&o, json!({"muted_rooms": []})).await;
    let later = send(&c, muted.id, "still there?").await;
    sink.push_for(&owners, later.id).await;
}

async fn reading_a_room_tells_every_device_to_clear_it(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, c2, o, first, second) = two_guests_of_one_owner(&app).await;
    let phone = subscribed(&sink, &o, json!("201")).await;
    let laptop = subscribed(&sink, &o, json!("201")).await;
    let m1 = send(&c, first.id, "one").await;
    let m2 = send(&c2, second.id, "two").await;
    let topic = sink.push_for(&phone, m1.id).await["topic"].clone();
    for device in [&phone, &laptop] {
        sink.push_for(device, m2.id).await;
    }

    o.api.mark_read(first.id).await.expect("read");
    for device in [&phone, &laptop] {
        let pushes = sink
            .wait_pushes(device, "a read push", |p| !of_type(p, "read").is_empty())
            .await;
        let read = &of_type(&pushes, "read")[0];
        assert_valid(read);
        let payload = &read["payload"];
        assert_eq!(payload["type"], "read", "{read}");
        assert_eq!(payload["room_id"], json!(first.id), "{read}");
        assert_eq!(payload["unread"], 1, "what is left unread: {read}");
        assert_eq!(read["urgency"], "low", "{read}");
        assert_eq!(read["topic"], topic, "the room's topic, replacing its push");
    }
}

contract!(
    an_offline_member_gets_a_push_per_message_on_each_device_within_two_seconds,
    the_body_is_the_stored_text_masked_cut_to_120_characters_or_the_file_name,
    no_push_to_the_sender_nor_to_a_member_who_is_online,
    no_push_for_a_muted_room_in_quiet_hours_or_with_push_off,
    reading_a_room_tells_every_device_to_clear_it,
);
