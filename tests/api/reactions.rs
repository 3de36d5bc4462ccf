//! Reactions and replies: one emoji per reaction, in first-use order, in every message
//! object; quotes that follow edits and never show deleted text. Both backends.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tigo_common::SendMessage;

use crate::contract;
use crate::helpers::*;

async fn react(user: &TestUser, message: uuid::Uuid, emoji: &str) -> (u16, Value) {
    user.api
        .raw(
            Method::POST,
            &format!("/chat/messages/{message}/reactions"),
            Some(&json!({ "emoji": emoji })),
        )
        .await
        .expect("react")
}

/// `[(emoji, count)]` of a message body.
fn counts(body: &Value) -> Vec<(String, i64)> {
    body["reactions"]
        .as_array()
        .expect("reactions")
        .iter()
        .map(|r| {
            (
                r["emoji"].as_str().unwrap_or("").into(),
                r["count"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

async fn reactions_count_once_per_user_in_the_order_of_first_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "We arrive at noon").await;
    assert!(m.reactions.is_empty());
    let (status, body) = react(&o, m.id, "👍").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], json!(m.id));
    react(&o, m.id, "👍").await;
    react(&c, m.id, "❤").await;
    let (_, body) = react(&c, m.id, "👍").await;
    assert_eq!(counts(&body), [("👍".into(), 2), ("❤\u{fe0f}".into(), 1)]);
    assert_eq!(body["reactions"][0]["user_ids"], json!([o.id(), c.id()]));
    let gone = o.api.unreact(m.id, "👍").await.expect("remove");
    assert_eq!(gone.reactions[0].user_ids, [c.id()]);
    let again = o.api.unreact(m.id, "👍").await.expect("remove twice");
    assert_eq!(again.reactions, gone.reactions);
    let history = o.api.messages(room.id, "").await.expect("history");
    assert_eq!(history.messages[0].reactions, gone.reactions);
    crate::search::indexed(&app).await;
    let found = o.api.search("noon", "").await.expect("search");
    assert_eq!(found.messages[0].reactions, gone.reactions);
    c.api.unreact(m.id, "👍").await.expect("last 👍 goes");
    let left = c.api.unreact(m.id, "❤️").await.expect("❤ goes");
    assert!(left.reactions.is_empty());
}

async fn only_one_emoji_is_a_reaction(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "emoji test").await;
    for emoji in ["👍🏽", "🇫🇷", "👨‍👩‍👧", "❤️", "1️⃣"] {
        let (status, body) = react(&o, m.id, emoji).await;
        assert_eq!(status, 200, "{emoji:?}: {body}");
    }
    for bad in [
        json!("ok"),
        json!("👍👍"),
        json!("👍 ❤️"),
        json!(""),
        json!("1"),
        json!(5),
    ] {
        let (status, body) = o
            .api
            .raw(
                Method::POST,
                &format!("/chat/messages/{}/reactions", m.id),
                Some(&json!({ "emoji": bad })),
            )
            .await
            .expect("react");
        assert_error(status, &body, 400);
    }
    let (status, body) = o
        .api
        .raw(
            Method::DELETE,
            &format!("/chat/messages/{}/reactions/ok", m.id),
            None,
        )
        .await
        .expect("unreact");
    assert_error(status, &body, 400);
    let now = o.api.messages(room.id, "").await.expect("history").messages;
    assert_eq!(
        now[0].reactions.len(),
        5,
        "refused reactions change nothing"
    );
}

async fn twenty_different_emoji_at_most_and_only_readers_react(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let outsider = app.user_with(&[tigo_common::Role::Customer], "Otto").await;
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "react away").await;
    let twenty: Vec<String> = "😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂"
        .chars()
        .map(String::from)
        .collect();
    for emoji in &twenty {
        assert_eq!(react(&c, m.id, emoji).await.0, 200, "{emoji}");
    }
    let (status, body) = react(&c, m.id, "🤗").await;
    assert_error(status, &body, 400);
    assert_eq!(
        react(&o, m.id, "😀").await.0,
        200,
        "an emoji already there is fine"
    );
    let (status, body) = react(&outsider, m.id, "😀").await;
    assert_error(status, &body, 403);
    c.api.delete(m.id).await.expect("delete");
    let (status, body) = react(&o, m.id, "😀").await;
    assert_error(status, &body, 404);
}

async fn sockets_hear_reaction_updated_in_order_with_the_rooms_other_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, _c_events) = app.socket(&c).await;
    let (_os, mut o_events) = app.socket(&o).await;
    let ack = send_ack(&cs, room.id, "first").await;
    let id = ack["messageId"].as_str().expect("id").to_string();
    let ack = cs
        .emit_ack(
            "add_reaction",
            &json!({"messageId": id, "emoji": "🎉"}),
            WAIT,
        )
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["reactions"][0]["emoji"], "🎉");
    c.api
        .edit(id.parse().expect("uuid"), "first, edited")
        .await
        .expect("edit");
    let ack = cs
        .emit_ack(
            "remove_reaction",
            &json!({"messageId": id, "emoji": "🎉"}),
            WAIT,
        )
        .await
        .expect("ack");
    assert_eq!(ack["reactions"], json!([]));
    let bad = cs
        .emit_ack(
            "add_reaction",
            &json!({"messageId": id, "emoji": "no"}),
            WAIT,
        )
        .await
        .expect("ack");
    assert_eq!(bad["error"]["statusCode"], 400);
    let events = o_events.collect_for(Duration::from_millis(800)).await;
    let seen: Vec<(String, Value)> = events
        .into_iter()
        .filter(|e| !["connected", "message_delivered"].contains(&e.name.as_str()))
        .filter(|e| !e.name.starts_with("user_"))
        .map(|e| (e.name, e.data))
        .collect();
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "new_message",
            "reaction_updated",
            "message_edited",
            "reaction_updated"
        ]
    );
    assert_eq!(
        seen[1].1,
        json!({"messageId": id, "roomId": room.id, "reactions": [
            {"emoji": "🎉", "count": 1, "user_ids": [c.id()]}]})
    );
    assert_eq!(seen[2].1["reactions"][0]["emoji"], "🎉");
    assert_eq!(seen[3].1["reactions"], json!([]));
}

async fn a_reply_quotes_the_current_text_and_never_deleted_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let long = "x".repeat(250);
    let quoted = send(&c, room.id, &format!("secret door code 1234 {long}")).await;
    let reply = o
        .api
        .send(&SendMessage {
            reply_to_id: Some(quoted.id),
            ..text(room.id, "noted")
        })
        .await
        .expect("reply");
    let r = reply.reply_to.expect("reply_to");
    assert_eq!((r.id, r.sender_id, r.deleted), (quoted.id, c.id(), false));
    assert_eq!(r.content.chars().count(), 200);
    assert!(r.content.starts_with("secret door code 1234"));
    c.api
        .edit(quoted.id, "door code sent by mail")
        .await
        .expect("edit");
    let page = o.api.messages(room.id, "").await.expect("history");
    let shown = page.messages[1].reply_to.clone().expect("reply_to");
    assert_eq!(shown.content, "door code sent by mail");
    c.api.delete(quoted.id).await.expect("delete");
    let page = o.api.messages(room.id, "").await.expect("history");
    let shown = page.messages[0].reply_to.clone().expect("reply_to");
    assert!(shown.deleted && shown.content.is_empty(), "{shown:?}");
    assert_eq!(shown.sender_id, c.id());
    crate::search::indexed(&app).await;
    let found = o.api.search("noted", "").await.expect("search");
    assert_eq!(found.messages[0].reply_to, Some(shown.clone()));
    let (_, raw) = o
        .api
        .raw(
            Method::GET,
            &format!("/chat/rooms/{}/messages", room.id),
            None,
        )
        .await
        .expect("raw history");
    assert!(!raw.to_string().contains("door code"), "{raw}");
    assert!(page.messages.iter().all(|m| !m.content.contains("door")));
}

async fn a_reply_must_quote_a_message_of_its_room(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let other = app
        .user_with(&[tigo_common::Role::HotelOwner], "Hanna")
        .await;
    let room = app.room(&c, &o).await;
    let elsewhere = app.room(&c, &other).await;
    let foreign = send(&c, elsewhere.id, "in another room").await;
    let cases = [
        (json!(foreign.id), 400),
        (json!(uuid::Uuid::new_v4()), 404),
        (json!("nope"), 400),
    ];
    for (reply_to, expected) in cases {
        let (status, body) = c
            .api
            .raw(
                Method::POST,
                "/chat/messages",
                Some(&json!({"chat_room_id": room.id, "content": "re", "reply_to_id": reply_to})),
            )
            .await
            .expect("send");
        assert_error(status, &body, expected);
    }
    let (cs, _events) = app.socket(&c).await;
    let ack = cs
        .emit_ack(
            "send_message",
            &json!({"chat_room_id": room.id, "content": "re", "reply_to_id": foreign.id}),
            WAIT,
        )
        .await
        .expect("ack");
    assert_eq!(ack["error"]["statusCode"], 400, "{ack}");
    let history = c.api.messages(room.id, "").await.expect("history");
    assert_eq!(history.total, 0, "nothing stored");
}

contract!(
    reactions_count_once_per_user_in_the_order_of_first_use,
    only_one_emoji_is_a_reaction,
    twenty_different_emoji_at_most_and_only_readers_react,
    sockets_hear_reaction_updated_in_order_with_the_rooms_other_events,
    a_reply_quotes_the_current_text_and_never_deleted_text,
    a_reply_must_quote_a_message_of_its_room,
);
