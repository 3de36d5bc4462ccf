//! History pages (oldest first, no message skipped or repeated) and marking a room read.

use std::collections::HashSet;

use reqwest::Method;
use tigo_common::MessageStatus;
use tigo_server::db::{Inserted, NewMessage};
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

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
        .mark_delivered(&[tigo_server::db::Receipt {
            message_id: second.id,
            recipient: o.id(),
        }])
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

contract!(
    history_pages_are_oldest_first_and_count_back_from_the_newest,
    paging_never_skips_or_repeats_messages_that_share_a_timestamp,
    marking_a_room_read_moves_sent_and_delivered_messages_from_the_other_side_to_read,
);
