//! Receipts as positions (issue 28): a delivery or a read moves one row per member and room,
//! never the messages; every message's status derives from those rows, on a fresh database and
//! on one that migrates from per-message statuses.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Connection;
use tigo_common::{MessageStatus, Role, RoomType};
use tigo_server::db::{DatabaseConfig, NewRoom, Receipt};
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;
use crate::rooms::hotels::{accounts, insert_room_as_before, migrate_before};

contract!(
    fifty_messages_delivered_and_read_move_one_position_row_not_the_messages,
    a_receipt_behind_the_position_tells_nothing_and_moves_nothing_back,
    a_database_with_per_message_statuses_migrates_to_positions_and_keeps_them,
);

const WAIT: Duration = Duration::from_secs(10);

/// Position rows stored for `room`, as `(user, has a read mark)`.
async fn positions(config: &DatabaseConfig, room: Uuid) -> Vec<(Uuid, bool)> {
    let sql = "SELECT user_id, read_upto_id IS NOT NULL FROM chat_room_reads
        WHERE chat_room_id = $1 ORDER BY user_id";
    let mut rows: Vec<(Uuid, bool)> = match config {
        DatabaseConfig::Sqlite { path } => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .expect("open sqlite");
            sqlx::query_as(sql).bind(room).fetch_all(&mut conn).await
        }
        DatabaseConfig::Postgres { url } => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("open postgres");
            sqlx::query_as(sql).bind(room).fetch_all(&mut conn).await
        }
    }
    .expect("positions");
    rows.sort();
    rows
}

/// Every message of `room` as `user` sees it: id → (status, updated_at).
async fn statuses(user: &TestUser, room: Uuid) -> HashMap<Uuid, (MessageStatus, DateTime<Utc>)> {
    let page = user.api.messages(room, "limit=100").await.expect("history");
    page.messages
        .into_iter()
        .map(|m| (m.id, (m.status, m.updated_at)))
        .collect()
}

async fn fifty_messages_delivered_and_read_move_one_position_row_not_the_messages(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    // Both sides online: every message reaches the other side's connection.
    let (_cs, mut c_events) = app.socket(&c).await;
    let (_os, _o_events) = app.socket(&o).await;
    let mut sent = Vec::new();
    for i in 0..50 {
        sent.push(send(&c, room.id, &format!("message {i}")).await);
    }
    let mine = send(&o, room.id, "the owner's own").await;
    // Each message reached the other side's connection and the room was told so, once each.
    let mut told = HashMap::new();
    for _ in 0..51 {
        let event = c_events
            .wait_for("message_delivered", WAIT)
            .await
            .expect("message_delivered");
        let id: Uuid = serde_json::from_value(event["messageId"].clone()).expect("id");
        let user: Uuid = serde_json::from_value(event["userId"].clone()).expect("user");
        assert!(told.insert(id, user).is_none(), "told twice: {event}");
    }
    let mut expected: HashMap<Uuid, Uuid> = sent.iter().map(|m| (m.id, o.id())).collect();
    expected.insert(mine.id, c.id());
    assert_eq!(told, expected);
    let db = &app.state.config.database;
    let members = |c_read: bool, o_read: bool| {
        let mut rows = vec![(c.id(), c_read), (o.id(), o_read)];
        rows.sort();
        rows
    };
    let before = statuses(&c, room.id).await;
    for m in sent.iter().chain([&mine]) {
        assert_eq!(before[&m.id], (MessageStatus::Delivered, m.updated_at));
    }
    // Each side's one delivered position holds it: one row per member, no read mark.
    assert_eq!(positions(db, room.id).await, members(false, false));
    // An admin reading the room is no member: nothing is stored, nothing becomes read.
    a.api.mark_read(room.id).await.expect("admin read");
    assert_eq!(statuses(&c, room.id).await, before);
    assert_eq!(positions(db, room.id).await, members(false, false));
    // The owner reads: their row moves, every message from the customer is read, none was
    // written; the owner's own stays as it was.
    o.api.mark_read(room.id).await.expect("read");
    let after = statuses(&c, room.id).await;
    for m in &sent {
        assert_eq!(after[&m.id], (MessageStatus::Read, m.updated_at));
    }
    assert_eq!(after[&mine.id], (MessageStatus::Delivered, mine.updated_at));
    assert_eq!(positions(db, room.id).await, members(false, true));
    // The customer reads too: their own row moves; the owner's message is read.
    c.api.mark_read(room.id).await.expect("read");
    assert_eq!(
        statuses(&o, room.id).await[&mine.id],
        (MessageStatus::Read, mine.updated_at)
    );
    assert_eq!(positions(db, room.id).await, members(true, true));
}

async fn a_receipt_behind_the_position_tells_nothing_and_moves_nothing_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let first = send(&c, room.id, "one").await;
    let second = send(&c, room.id, "two").await;
    let mine = send(&o, room.id, "the owner's own").await;
    let store = &app.state.store;
    let to_owner = |m: &tigo_common::Message| Receipt {
        message_id: m.id,
        recipient: o.id(),
    };
    let moved = store.mark_delivered(&[to_owner(&second)]).await;
    assert_eq!(moved.expect("deliver").len(), 1);
    // The older message is delivered already (the position is past it), the sender's own
    // message is not theirs to receive: nothing is told, the position stays.
    let moved = store
        .mark_delivered(&[to_owner(&first), to_owner(&mine)])
        .await;
    assert_eq!(moved.expect("deliver"), []);
    let seen = statuses(&c, room.id).await;
    assert_eq!(seen[&first.id].0, MessageStatus::Delivered);
    assert_eq!(seen[&second.id].0, MessageStatus::Delivered);
    assert_eq!(seen[&mine.id].0, MessageStatus::Sent);
    // After the read, a late receipt of the newest message is not told either.
    o.api.mark_read(room.id).await.expect("read");
    let third = send(&c, room.id, "three").await;
    o.api.mark_read(room.id).await.expect("read");
    let moved = store.mark_delivered(&[to_owner(&third)]).await;
    assert_eq!(moved.expect("deliver"), []);
    assert_eq!(
        statuses(&c, room.id).await[&third.id].0,
        MessageStatus::Read
    );
}

/// Old rows: messages `(id, sender, status)` a second apart, and read marks `(user, upto)`.
struct OldRows<'a> {
    room: Uuid,
    messages: &'a [(Uuid, Uuid, &'a str)],
    reads: &'a [(Uuid, Uuid)],
}

/// Stores `rows` as a release with per-message statuses stored them.
async fn store_old(config: &DatabaseConfig, rows: &OldRows<'_>) {
    let start = Utc::now() - chrono::Duration::minutes(10);
    let at = |i: usize| start + chrono::Duration::seconds(i as i64);
    let find = |id: Uuid| {
        rows.messages
            .iter()
            .position(|m| m.0 == id)
            .expect("message")
    };
    let insert = "INSERT INTO chat_messages (id, chat_room_id, sender_id, content, status,
        created_at, updated_at) VALUES ($1, $2, $3, 'old', $4, $5, $5)";
    let read = "INSERT INTO chat_room_reads (chat_room_id, user_id, last_read_at, read_upto_at,
        read_upto_id) VALUES ($1, $2, $3, $3, $4)";
    match config {
        DatabaseConfig::Sqlite { path } => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .expect("open sqlite");
            let micros = |t: DateTime<Utc>| t.timestamp_micros();
            for (i, (id, sender, status)) in rows.messages.iter().enumerate() {
                let q = sqlx::query(insert).bind(id).bind(rows.room).bind(sender);
                let q = q.bind(*status).bind(micros(at(i)));
                q.execute(&mut conn).await.expect("old message");
            }
            for (user, upto) in rows.reads {
                let q = sqlx::query(read).bind(rows.room).bind(user);
                let q = q.bind(micros(at(find(*upto)))).bind(upto);
                q.execute(&mut conn).await.expect("old read mark");
            }
        }
        DatabaseConfig::Postgres { url } => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("open postgres");
            for (i, (id, sender, status)) in rows.messages.iter().enumerate() {
                let q = sqlx::query(insert).bind(id).bind(rows.room).bind(sender);
                let q = q.bind(*status).bind(at(i));
                q.execute(&mut conn).await.expect("old message");
            }
            for (user, upto) in rows.reads {
                let q = sqlx::query(read).bind(rows.room).bind(user);
                let q = q.bind(at(find(*upto))).bind(upto);
                q.execute(&mut conn).await.expect("old read mark");
            }
        }
    }
}

async fn a_database_with_per_message_statuses_migrates_to_positions_and_keeps_them(
    backend: Backend,
) {
    let db = fresh_db(backend).await;
    migrate_before(&db.config, 13).await;
    let store = tigo_server::db::connect(&db.config, &Default::default(), test_owner())
        .await
        .expect("store");
    let people = [
        ("carla", Role::Customer),
        ("oscar", Role::HotelOwner),
        ("ada", Role::Admin),
    ];
    let users = accounts(&store, &people).await;
    let (carla, oscar, ada) = (users[0].0, users[1].0, users[2].0);
    let room = NewRoom {
        id: Uuid::now_v7(),
        room_type: RoomType::CustomerHotelOwner,
        participant1_id: carla,
        participant2_id: oscar,
        hotel_id: None,
        created_at: Utc::now(),
    };
    store.close().await;
    insert_room_as_before(&db.config, &room).await;
    // Oscar read up to the second message; the third reached him, the fourth did not; his
    // own reached Carla. Ada, an admin outside the room, looked at all of it.
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    let messages = [
        (ids[0], carla, "read"),
        (ids[1], carla, "read"),
        (ids[2], carla, "delivered"),
        (ids[3], oscar, "delivered"),
        (ids[4], carla, "sent"),
    ];
    let rows = OldRows {
        room: room.id,
        messages: &messages,
        reads: &[(oscar, ids[1]), (ada, ids[4])],
    };
    store_old(&db.config, &rows).await;
    // The new release starts on it and migrates.
    let app = start(test_config(&db)).await;
    let login = app.api.login(&users[0].1, PASSWORD).await.expect("login");
    let page = app
        .api
        .with_token(&login.access_token)
        .messages(room.id, "")
        .await
        .expect("history");
    let found: Vec<(Uuid, MessageStatus)> =
        page.messages.iter().map(|m| (m.id, m.status)).collect();
    let status = |s: &str| match s {
        "read" => MessageStatus::Read,
        "delivered" => MessageStatus::Delivered,
        _ => MessageStatus::Sent,
    };
    let kept: Vec<(Uuid, MessageStatus)> = messages.iter().map(|m| (m.0, status(m.2))).collect();
    assert_eq!(found, kept);
    let mut members = vec![(carla, false), (oscar, true)];
    members.sort();
    assert_eq!(positions(&db.config, room.id).await, members);
}
