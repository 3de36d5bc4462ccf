//! Editing and deleting messages: who may, and what the room shows afterwards.

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

async fn only_the_sender_edits_and_the_room_shows_the_edit(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "typo").await;
    let edited = c.api.edit(m.id, "fixed").await.expect("edit");
    assert!(edited.is_edited);
    assert!(edited.edited_at.is_some());
    assert_eq!(edited.content, "fixed");
    assert_eq!(edited.created_at, m.created_at);
    assert_eq!(
        o.api
            .room(room.id)
            .await
            .expect("room")
            .last_message_content
            .as_deref(),
        Some("fixed")
    );
    assert_eq!(
        o.api
            .edit(m.id, "hijack")
            .await
            .expect_err("other")
            .status(),
        Some(403)
    );
    assert_eq!(
        a.api.edit(m.id, "admin").await.expect_err("admin").status(),
        Some(403)
    );
    assert_eq!(
        c.api
            .edit(Uuid::new_v4(), "x")
            .await
            .expect_err("unknown")
            .status(),
        Some(404)
    );
    let (status, body) = c
        .api
        .raw(
            Method::PATCH,
            &format!("/chat/messages/{}", m.id),
            Some(&json!({"content": ""})),
        )
        .await
        .expect("edit");
    assert_error(status, &body, 400);
}

async fn the_sender_or_an_admin_deletes_and_the_room_stays_right(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let first = send(&c, room.id, "first").await;
    let second = send(&c, room.id, "second").await;
    let third = send(&o, room.id, "third").await;
    assert_eq!(
        o.api
            .delete(first.id)
            .await
            .expect_err("not sender")
            .status(),
        Some(403)
    );
    c.api.delete(second.id).await.expect("sender deletes");
    a.api.delete(third.id).await.expect("admin deletes");
    assert_eq!(
        c.api.delete(third.id).await.expect_err("gone").status(),
        Some(404)
    );
    let r = c.api.room(room.id).await.expect("room");
    assert_eq!(r.last_message_content.as_deref(), Some("first"));
    assert_eq!(r.last_message_at, Some(first.created_at));
    let history = c.api.messages(room.id, "").await.expect("history");
    assert_eq!(history.total, 1);
    assert_eq!(history.messages.len(), 1);
    c.api.delete(first.id).await.expect("delete last");
    let r = c.api.room(room.id).await.expect("room");
    assert!(r.last_message_content.is_none() && r.last_message_at.is_none());
}

async fn an_image_messages_caption_can_be_removed_and_a_texts_content_cannot(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (_, up) =
        crate::attachments::upload_raw(&app, &c, "bad.png", &crate::attachments::png(8, 8)).await;
    let (status, image) = c
        .api
        .raw(
            Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "the shower", "attachment_id": up["id"]})),
        )
        .await
        .expect("send");
    assert_eq!(status, 201, "{image}");
    let path = format!("/chat/messages/{}", image["id"].as_str().expect("id"));
    let (status, edited) = c
        .api
        .raw(Method::PATCH, &path, Some(&json!({"content": ""})))
        .await
        .expect("edit");
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["content"], "");
    assert_eq!(edited["type"], "image");
    assert_eq!(edited["is_edited"], true);
    assert_eq!(
        edited["metadata"]["attachment"]["id"], up["id"],
        "the image stays"
    );
    let history = o.api.messages(room.id, "").await.expect("history");
    assert_eq!(history.messages[0].content, "");
    // Absent is not empty, and a text message still cannot be emptied.
    let (status, body) = c
        .api
        .raw(Method::PATCH, &path, Some(&json!({})))
        .await
        .expect("edit");
    assert_error(status, &body, 400);
    let text = send(&c, room.id, "words").await;
    let (status, body) = c
        .api
        .raw(
            Method::PATCH,
            &format!("/chat/messages/{}", text.id),
            Some(&json!({"content": " "})),
        )
        .await
        .expect("edit");
    assert_error(status, &body, 400);
    assert_eq!(messages_of(&body), ["content should not be empty"]);
}

contract!(
    an_image_messages_caption_can_be_removed_and_a_texts_content_cannot,
    only_the_sender_edits_and_the_room_shows_the_edit,
    the_sender_or_an_admin_deletes_and_the_room_stays_right,
);
