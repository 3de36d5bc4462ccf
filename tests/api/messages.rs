//! Messages: sending, validation, idempotency, history paging, receipts, edit and delete.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::json;
use tigo_common::{MessageStatus, MessageType, SendMessage};
use tigo_server::db::{Inserted, NewMessage};
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
            vec!["type must be one of the following values: text, file, image"],
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

async fn history_pages_are_oldest_first_and_count_back_from_the_newest(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    for i in 0..7 {
        send(&c, room.id, &format!("m{i}")).await;
    }
    let contents = |list: &tigo_common::MessageList| {
        list.messages
            .iter()
            .map(|m| m.content.clone())
            .collect::<Vec<_>>()
    };
    let page1 = c.api.messages(room.id, "limit=3").await.expect("page 1");
    assert_eq!(contents(&page1), vec!["m4", "m5", "m6"]);
    assert_eq!((page1.total, page1.page, page1.limit), (7, 1, 3));
    let page2 = c
        .api
        .messages(room.id, "limit=3&page=2")
        .await
        .expect("page 2");
    assert_eq!(contents(&page2), vec!["m1", "m2", "m3"]);
    let before = c
        .api
        .messages(room.id, &format!("limit=2&before={}", page1.messages[0].id))
        .await
        .expect("before");
    assert_eq!(contents(&before), vec!["m2", "m3"]);
    let after = c
        .api
        .messages(room.id, &format!("limit=2&after={}", page2.messages[0].id))
        .await
        .expect("after");
    assert_eq!(contents(&after), vec!["m2", "m3"]);
    let at = tigo_common::time::format(&page1.messages[0].created_at);
    let after_time = c
        .api
        .messages(room.id, &format!("after={}", at.replace('+', "%2B")))
        .await
        .expect("after time");
    assert_eq!(contents(&after_time), vec!["m5", "m6"]);
    let before_time = c
        .api
        .messages(room.id, &format!("before={at}"))
        .await
        .expect("before time");
    assert_eq!(before_time.messages.len(), 4);
    for query in [
        "limit=0",
        "limit=101",
        "page=0",
        "before=yesterday",
        &format!("after={}", Uuid::new_v4()),
    ] {
        let (status, body) = c
            .api
            .raw(
                Method::GET,
                &format!("/chat/rooms/{}/messages?{query}", room.id),
                None,
            )
            .await
            .expect("get");
        assert_error(status, &body, 400);
    }
}

async fn paging_never_skips_or_repeats_messages_that_share_a_timestamp(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    // 120 messages in 4 instants: ties are broken by id. (PostgreSQL stamps messages itself,
    // strictly increasing per room, so there the ties cannot even happen; SQLite keeps the
    // instants given, which exercises the tie-breaking.)
    let base = chrono::Utc::now();
    let batch: Vec<NewMessage> = (0..120)
        .map(|i| {
            let at = base + chrono::Duration::microseconds(i / 30);
            stored_text(&c, room.id, format!("tie {i}"), at)
        })
        .collect();
    let stored = app
        .state
        .store
        .insert_messages(&batch)
        .await
        .expect("insert");
    assert!(stored.iter().all(|s| matches!(s, Inserted::New(_))));
    let mut seen = Vec::new();
    let mut cursor: Option<Uuid> = None;
    loop {
        let query = match cursor {
            Some(id) => format!("limit=7&after={id}"),
            None => format!(
                "limit=7&after={}",
                tigo_common::time::format(&(base - chrono::Duration::seconds(1)))
            ),
        };
        let page = c.api.messages(room.id, &query).await.expect("page");
        if page.messages.is_empty() {
            break;
        }
        cursor = page.messages.last().map(|m| m.id);
        seen.extend(page.messages.into_iter().map(|m| (m.created_at, m.id)));
    }
    assert_eq!(seen.len(), 120);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 120, "no repeats");
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "strictly in (created_at, id) order"
    );
    // And backwards.
    let mut back = Vec::new();
    let mut cursor: Option<Uuid> = None;
    loop {
        let query = match cursor {
            Some(id) => format!("limit=9&before={id}"),
            None => "limit=9".to_string(),
        };
        let page = c.api.messages(room.id, &query).await.expect("page");
        if page.messages.is_empty() {
            break;
        }
        cursor = page.messages.first().map(|m| m.id);
        back.extend(page.messages.into_iter().rev().map(|m| m.id));
    }
    assert_eq!(back.len(), 120);
    assert_eq!(back.iter().collect::<HashSet<_>>().len(), 120);
}

async fn marking_a_room_read_moves_sent_and_delivered_messages_from_the_other_side_to_read(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let first = send(&c, room.id, "one").await;
    let second = send(&c, room.id, "two").await;
    let mine = send(&o, room.id, "owner's own").await;
    let delivered = app
        .state
        .store
        .mark_delivered(&[second.id], chrono::Utc::now())
        .await
        .expect("deliver");
    assert_eq!(delivered.len(), 1);
    let (status, body) = o
        .api
        .raw(Method::POST, &format!("/chat/rooms/{}/read", room.id), None)
        .await
        .expect("read");
    assert_eq!(status, 204, "{body}");
    let history = c.api.messages(room.id, "").await.expect("history");
    let status_of = |id: Uuid| {
        history
            .messages
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.status)
    };
    assert_eq!(status_of(first.id), Some(MessageStatus::Read));
    assert_eq!(status_of(second.id), Some(MessageStatus::Read));
    assert_eq!(
        status_of(mine.id),
        Some(MessageStatus::Sent),
        "own messages stay as they are"
    );
    // The next read starts where this one ended: what came since moves, the rest stays read.
    let third = send(&c, room.id, "three").await;
    o.api.mark_read(room.id).await.expect("read again");
    let history = c.api.messages(room.id, "").await.expect("history");
    let statuses: Vec<(Uuid, MessageStatus)> =
        history.messages.iter().map(|m| (m.id, m.status)).collect();
    assert_eq!(
        statuses,
        vec![
            (first.id, MessageStatus::Read),
            (second.id, MessageStatus::Read),
            (mine.id, MessageStatus::Sent),
            (third.id, MessageStatus::Read),
        ]
    );
}

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

contract!(
    a_sent_message_comes_back_whole_with_status_sent,
    a_file_message_carries_its_attachment,
    invalid_messages_are_refused_with_every_problem_named,
    bodies_over_64_kb_are_413_and_broken_json_is_400,
    only_participants_and_admins_may_post,
    a_retried_client_msg_id_returns_the_first_message_and_stores_one,
    history_pages_are_oldest_first_and_count_back_from_the_newest,
    paging_never_skips_or_repeats_messages_that_share_a_timestamp,
    marking_a_room_read_moves_sent_and_delivered_messages_from_the_other_side_to_read,
    only_the_sender_edits_and_the_room_shows_the_edit,
    the_sender_or_an_admin_deletes_and_the_room_stays_right,
);
