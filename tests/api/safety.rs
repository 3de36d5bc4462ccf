//! Contact masking and blocked terms, as clients see them: REST and Socket.IO alike,
//! on SQLite and PostgreSQL, and blocked terms across two instances.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tigo_common::{CreateRoom, RoomType};

use crate::contract;
use crate::helpers::*;

const MASKED: [&str; 13] = [
    "+49 30 1234 5678",
    "+1 (555) 123-4567",
    "(555) 123-4567",
    "555-123-4567",
    "555.123.4567",
    "06 12 34 56 78",
    "0049 30 12345678",
    "+33612345678",
    "john.doe@gmail.com",
    "JOHN@EXAMPLE.ORG",
    "https://book-direct.example/x",
    "www.book-direct.example",
    "book-direct.example/rooms",
];

const KEPT: [&str; 8] = [
    "1234567890",
    "2024-01-15",
    "15.01.2024",
    "10:30-11:45",
    "€1,250.00",
    "room 1204",
    "2 adults and 1 child",
    "check-in 14:00",
];

fn marker(example: &str) -> &'static str {
    if example.contains('@') {
        "[email hidden]"
    } else if example.chars().any(|c| c.is_ascii_alphabetic()) {
        "[link hidden]"
    } else {
        "[phone hidden]"
    }
}

/// Audit lines of `action`, waiting a little for those written after the answer.
pub(crate) async fn audited(
    app: &TestApp,
    action: &str,
    at_least: usize,
) -> Vec<tigo_server::db::AuditRecord> {
    let deadline = Instant::now() + WAIT;
    loop {
        let log = app
            .state
            .store
            .audit_log(None, None, 1000)
            .await
            .expect("audit");
        let found: Vec<_> = log.into_iter().filter(|l| l.action == action).collect();
        if found.len() >= at_least || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn guest_host_messages_hide_contact_details_before_storage(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (_os, mut o_events) = app.socket(&o).await;
    let (cs, _c_events) = app.socket(&c).await;
    for (i, example) in MASKED.iter().enumerate() {
        let content = format!("reach me at {example} please");
        let expected = format!("reach me at {} please", marker(example));
        let kind = marker(example)[1..]
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        // Every other one over Socket.IO: both paths pass the same place.
        let (message, sender_view) = if i % 2 == 0 {
            let m = send(&c, room.id, &content).await;
            (serde_json::to_value(&m).expect("json"), m.content.clone())
        } else {
            let ack = send_ack(&cs, room.id, &content).await;
            assert_eq!(ack["ok"], true, "{ack}");
            let m = ack["message"].clone();
            let text = m["content"].as_str().unwrap_or_default().to_string();
            (m, text)
        };
        assert_eq!(
            sender_view, expected,
            "{example}: the sender sees what was hidden"
        );
        assert_eq!(message["metadata"]["masked"], json!([kind]), "{example}");
        let heard = o_events
            .wait_for("new_message", WAIT)
            .await
            .expect("new_message");
        assert_eq!(heard["content"], json!(expected), "{example}");
    }
    let history = c.api.messages(room.id, "limit=100").await.expect("history");
    let stored = serde_json::to_string(&history).expect("json");
    for example in MASKED {
        assert!(
            !stored.contains(example),
            "{example} stored nowhere in history"
        );
    }
    let rooms = o.api.rooms("").await.expect("rooms");
    let preview = rooms.rooms[0]
        .last_message_content
        .clone()
        .unwrap_or_default();
    assert!(
        preview.contains("hidden"),
        "the preview is masked: {preview}"
    );
    // The audit log counts what was hidden, never the text.
    let lines = audited(&app, "message.masked", MASKED.len()).await;
    assert_eq!(lines.len(), MASKED.len());
    let log = serde_json::to_string(&lines).expect("json");
    for example in MASKED {
        assert!(
            !log.contains(example),
            "{example} stays out of the audit log"
        );
    }
    assert_eq!(lines[0].detail["phone"], 1);
    assert_eq!(lines[0].actor_id, Some(c.id()));
}

async fn ordinary_numbers_and_other_room_types_are_untouched(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    for example in KEPT {
        let m = send(&c, room.id, &format!("about {example}")).await;
        assert_eq!(m.content, format!("about {example}"));
        assert!(m.metadata.is_none(), "{example}: nothing hidden, no mark");
    }
    let support = c
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerAdmin,
            participant1_id: c.id(),
            participant2_id: a.id(),
            hotel_id: None,
        })
        .await
        .expect("support room");
    let m = send(&c, support.id, "call 555-123-4567 or john.doe@gmail.com").await;
    assert_eq!(m.content, "call 555-123-4567 or john.doe@gmail.com");
}

async fn masking_follows_contact_masking_and_allowed_link_domains(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.safety.masked_types = vec![RoomType::CustomerAdmin];
        config.safety.allowed_link_domains = vec!["tigo.example".into()];
    })
    .await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "call 555-123-4567").await;
    assert_eq!(
        m.content, "call 555-123-4567",
        "guest-host rooms are off here"
    );
    let support = c
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerAdmin,
            participant1_id: c.id(),
            participant2_id: a.id(),
            hotel_id: None,
        })
        .await
        .expect("support room");
    let m = send(
        &c,
        support.id,
        "see https://help.tigo.example/a or book-direct.example/x",
    )
    .await;
    assert_eq!(
        m.content,
        "see https://help.tigo.example/a or [link hidden]"
    );
}

async fn edits_are_masked_the_same_way(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (_os, mut o_events) = app.socket(&o).await;
    let m = send(&c, room.id, "see you soon").await;
    let edited = c
        .api
        .edit(m.id, "text me on +33612345678")
        .await
        .expect("edit");
    assert_eq!(edited.content, "text me on [phone hidden]");
    assert_eq!(edited.metadata, Some(json!({"masked": ["phone"]})));
    let heard = o_events
        .wait_for("message_edited", WAIT)
        .await
        .expect("edited");
    assert_eq!(heard["content"], "text me on [phone hidden]");
    let again = c.api.edit(m.id, "never mind").await.expect("edit");
    assert_eq!(again.metadata, None, "the mark follows the text");
    let stored = app
        .state
        .store
        .message(m.id)
        .await
        .expect("db")
        .expect("there");
    assert_eq!(stored.content, "never mind");
    assert_eq!(
        audited(&app, "message.masked", 1).await[0].detail["edit"],
        true
    );
}

async fn blocked_terms_refuse_messages_and_edits_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "hello").await;
    let (code, _, err) =
        crate::cli::tigo(&app, &["admin", "blocklist", "add", "WhatsApp"], None).await;
    assert_eq!(code, 0, "{err}");
    // Every instance re-reads the terms within a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = c
        .api
        .raw(
            Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "add me on WHATSAPP!"})),
        )
        .await
        .expect("send");
    assert_error(status, &body, 400);
    assert_eq!(body["message"], "Message contains blocked content");
    let (cs, _events) = app.socket(&c).await;
    let ack = send_ack(&cs, room.id, "whatsapp me").await;
    assert_eq!(ack["ok"], false);
    assert_eq!(ack["error"]["statusCode"], 400);
    let (status, body) = c
        .api
        .raw(
            Method::PATCH,
            &format!("/chat/messages/{}", m.id),
            Some(&json!({"content": "whatsapp?"})),
        )
        .await
        .expect("edit");
    assert_error(status, &body, 400);
    let history = c.api.messages(room.id, "").await.expect("history");
    assert_eq!(messages_texts(&history), vec!["hello"]);
    assert!(send(&c, room.id, "whatsapps are not the word").await.id != m.id);
    assert!(audited(&app, "message.blocked", 3).await.len() >= 3);
    let (code, out, _) =
        crate::cli::tigo(&app, &["admin", "blocklist", "list", "--json"], None).await;
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).ok(),
        Some(json!(["whatsapp"]))
    );
    let (code, _, _) =
        crate::cli::tigo(&app, &["admin", "blocklist", "remove", "whatsapp"], None).await;
    assert_eq!(code, 0);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    send(&c, room.id, "whatsapp is fine again").await;
}

pub(crate) fn messages_texts(list: &tigo_common::MessageList) -> Vec<String> {
    list.messages.iter().map(|m| m.content.clone()).collect()
}

async fn offline_recipients_are_notified_with_the_masked_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let mut notifications = app.state.notifications.subscribe();
    // The hotel owner has no connection: a notification goes out.
    let m = send(&c, room.id, "text me on 555-123-4567").await;
    let note = tokio::time::timeout(WAIT, notifications.recv())
        .await
        .expect("a notification in time")
        .expect("notification");
    assert_eq!(note.metadata.message_id, m.id);
    assert_eq!(note.message, "text me on [phone hidden]");
}

contract!(
    offline_recipients_are_notified_with_the_masked_text,
    guest_host_messages_hide_contact_details_before_storage,
    ordinary_numbers_and_other_room_types_are_untouched,
    masking_follows_contact_masking_and_allowed_link_domains,
    edits_are_masked_the_same_way,
    blocked_terms_refuse_messages_and_edits_and_store_nothing,
);

/// A term added anywhere applies on every instance within a second (SQLite file shared by two
/// instances: no Redis involved).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_term_applies_on_every_instance_within_a_second() {
    let a = spawn_app(Backend::Sqlite).await;
    let mut config = a.state.config.clone();
    config.migrate = false;
    let b = start(config).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let c_b = b.api.with_token(&c.token);
    b.state
        .store
        .add_blocked_term("cash only")
        .await
        .expect("add");
    let added = Instant::now();
    for api in [&c.api, &c_b] {
        loop {
            let (status, _) = api
                .raw(
                    Method::POST,
                    "/chat/messages",
                    Some(&json!({"chat_room_id": room.id, "content": "Cash only, please"})),
                )
                .await
                .expect("send");
            if status == 400 {
                break;
            }
            assert!(
                added.elapsed() < Duration::from_secs(1),
                "not applied within 1 s"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
