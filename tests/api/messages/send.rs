//! Sending messages: what comes back, file messages, validation and body limits, who may post,
//! and idempotent retries with `client_msg_id`.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::json;
use tigo_common::{MessageType, SendMessage};
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

async fn a_sent_message_comes_back_whole_with_status_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (status, body) = c
        .api
        .raw(
            Method::POST,
            "/chat/messages",
            Some(
                &json!({"chat_room_id": room.id, "content": "Hello!", "metadata": {"booking": 42}}),
            ),
        )
        .await
        .expect("send");
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["content"], "Hello!");
    assert_eq!(body["type"], "text");
    assert_eq!(body["status"], "sent");
    assert_eq!(body["sender_id"], json!(c.id()));
    assert_eq!(body["sender"]["first_name"], "Carla");
    assert_eq!(body["metadata"], json!({"booking": 42}));
    assert_eq!(body["is_edited"], false);
    assert!(body["edited_at"].is_null());
    for field in ["file_url", "file_name", "file_size"] {
        assert!(body[field].is_null(), "{field}");
    }
    let created = body["created_at"].as_str().expect("created_at");
    assert!(created.ends_with('Z') && tigo_common::time::parse(created).is_some());
    let room_after = o.api.room(room.id).await.expect("room");
    assert_eq!(room_after.last_message_content.as_deref(), Some("Hello!"));
    assert_eq!(
        room_after
            .last_message_at
            .map(|t| tigo_common::time::format(&t))
            .as_deref(),
        Some(created)
    );
}

async fn a_file_message_carries_its_attachment(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let m = c
        .api
        .send(&SendMessage {
            chat_room_id: room.id,
            content: "Check out this file".into(),
            message_type: MessageType::File,
            file_url: Some("https://example.com/file.pdf".into()),
            file_name: Some("document.pdf".into()),
            file_size: Some(1_024_000),
            ..SendMessage::default()
        })
        .await
        .expect("send file");
    assert_eq!(m.message_type, MessageType::File);
    assert_eq!(m.file_size, Some(1_024_000));
    assert_eq!(m.file_name.as_deref(), Some("document.pdf"));
}

async fn invalid_messages_are_refused_with_every_problem_named(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.limits.max_message_chars = 20).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let cases = [
        (
            json!({"chat_room_id": "nope", "content": "x"}),
            vec!["chat_room_id must be a UUID"],
        ),
        (
            json!({"chat_room_id": room.id, "content": "   "}),
            vec!["content should not be empty"],
        ),
        (
            json!({"chat_room_id": room.id, "content": "x".repeat(21)}),
            vec!["content must be shorter than or equal to 20 characters"],
        ),
        (
            json!({"chat_room_id": room.id, "content": "x", "type": "video"}),
            vec!["type must be one of the following values: text, file, image, voice"],
        ),
        (
            json!({"chat_room_id": room.id, "content": "", "type": "image"}),
            vec![
                "file_url should not be empty for file and image messages",
                "file_name should not be empty for file and image messages",
            ],
        ),
        (
            json!({"chat_room_id": room.id, "content": "x", "type": "file", "file_url": "javascript:alert(1)", "file_name": "a"}),
            vec!["file_url must be an absolute http or https URL"],
        ),
        (
            json!({"chat_room_id": room.id, "content": "x", "metadata": "str"}),
            vec!["metadata must be an object"],
        ),
        (
            json!({"chat_room_id": room.id, "content": "x", "metadata": {"k": "v".repeat(5000)}}),
            vec!["metadata must not be larger than 4096 bytes"],
        ),
        (
            json!({"chat_room_id": room.id, "content": "x", "file_size": -3}),
            vec!["file_size must not be less than 0"],
        ),
        (
            json!({"chat_room_id": room.id, "content": 7}),
            vec!["content must be a string"],
        ),
    ];
    for (body, expected) in cases {
        let (status, resp) = c
            .api
            .raw(Method::POST, "/chat/messages", Some(&body))
            .await
            .expect("send");
        assert_error(status, &resp, 400);
        assert_eq!(messages_of(&resp), expected, "for {body}");
    }
    let history = c.api.messages(room.id, "").await.expect("history");
    assert_eq!(history.total, 0, "nothing invalid was stored");
}

async fn bodies_over_64_kb_are_413_and_broken_json_is_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let big = json!({"chat_room_id": room.id, "content": "x".repeat(70 * 1024)});
    let (status, body) = c
        .api
        .raw(Method::POST, "/chat/messages", Some(&big))
        .await
        .expect("send");
    assert_error(status, &body, 413);
    let resp = reqwest::Client::new()
        .post(format!("{}/chat/messages", app.url))
        .bearer_auth(&c.token)
        .header("content-type", "application/json")
        .body("{\"chat_room_id\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let body: serde_json::Value = resp.json().await.expect("json body");
    assert_error(400, &body, 400);
}

async fn only_participants_and_admins_may_post(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, s, a) = (
        app.customer().await,
        app.owner().await,
        app.customer().await,
        app.admin().await,
    );
    let room = app.room(&c, &o).await;
    let err = s
        .api
        .send(&text(room.id, "hi"))
        .await
        .expect_err("stranger");
    assert_eq!(err.status(), Some(403));
    let err = c
        .api
        .send(&text(Uuid::new_v4(), "hi"))
        .await
        .expect_err("unknown room");
    assert_eq!(err.status(), Some(404));
    let m = a
        .api
        .send(&text(room.id, "admin here"))
        .await
        .expect("admin posts anywhere");
    assert_eq!(m.sender_id, a.id());
}

async fn a_retried_client_msg_id_returns_the_first_message_and_stores_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let msg = SendMessage {
        client_msg_id: Some("retry-1".into()),
        ..text(room.id, "once")
    };
    let first = c.api.send(&msg).await.expect("first");
    let second = c
        .api
        .send(&SendMessage {
            content: "twice?".into(),
            ..msg.clone()
        })
        .await
        .expect("retry");
    assert_eq!(first.id, second.id);
    assert_eq!(second.content, "once");
    // Concurrent retries too.
    let concurrent = SendMessage {
        client_msg_id: Some("retry-2".into()),
        ..text(room.id, "burst")
    };
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (api, m) = (c.api.clone(), concurrent.clone());
        tasks.push(tokio::spawn(
            async move { api.send(&m).await.expect("send").id },
        ));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.expect("join"));
    }
    assert_eq!(ids.len(), 1);
    // The same id from another sender is another message.
    let other = o
        .api
        .send(&SendMessage {
            client_msg_id: Some("retry-1".into()),
            ..text(room.id, "mine")
        })
        .await
        .expect("other");
    assert_ne!(other.id, first.id);
    assert_eq!(c.api.messages(room.id, "").await.expect("history").total, 3);
}

contract!(
    a_sent_message_comes_back_whole_with_status_sent,
    a_file_message_carries_its_attachment,
    invalid_messages_are_refused_with_every_problem_named,
    bodies_over_64_kb_are_413_and_broken_json_is_400,
    only_participants_and_admins_may_post,
    a_retried_client_msg_id_returns_the_first_message_and_stores_one,
);
