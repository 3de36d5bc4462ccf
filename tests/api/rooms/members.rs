//! Room members (contract v3, "Room members"), first step: every room lists its two
//! participants as members with their sides, receipts are given per member, and a database
//! from before members migrates with each room's participants.

use reqwest::Method;
use serde_json::{Value, json};
use tigo_common::{Role, RoomType};
use tigo_server::db::NewRoom;
use uuid::Uuid;

use super::hotels::{accounts, insert_room_as_before, migrate_before};
use crate::contract;
use crate::helpers::*;

contract!(
    a_room_lists_its_participants_as_members_with_their_sides,
    receipts_give_each_members_read_and_delivered_positions,
    receipts_are_for_members_and_admins_only,
    a_database_from_before_members_migrates_with_each_rooms_participants,
);

/// `(user_id, role, side)` of each member of `room`, in order.
fn members(room: &Value) -> Vec<(Value, Value, Value)> {
    room["members"]
        .as_array()
        .unwrap_or_else(|| panic!("members in {room}"))
        .iter()
        .map(|m| (m["user_id"].clone(), m["role"].clone(), m["side"].clone()))
        .collect()
}

async fn a_room_lists_its_participants_as_members_with_their_sides(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    // The owner names themself first: sides follow the roles, not the order.
    let body = json!({"type": "customer_hotel_owner", "participant1_id": o.id(),
                      "participant2_id": c.id()});
    let (status, room) = o
        .api
        .raw(Method::POST, "/chat/rooms", Some(&body))
        .await
        .expect("create");
    assert_eq!(status, 201, "{room}");
    let expected = vec![
        (json!(o.id()), json!("participant"), json!("hotel")),
        (json!(c.id()), json!("participant"), json!("customer")),
    ];
    assert_eq!(members(&room), expected, "{room}");
    let first = &room["members"][0];
    assert_eq!(
        (&first["first_name"], &first["last_name"]),
        (&json!("Oscar"), &json!("Tester"))
    );
    assert_eq!(
        first["joined_at"], room["created_at"],
        "members since the room: {room}"
    );
    // The same members wherever the room is read: one room, the list, as the other side.
    let path = format!("/chat/rooms/{}", room["id"].as_str().expect("id"));
    let (status, got) = c.api.raw(Method::GET, &path, None).await.expect("get");
    assert_eq!((status, members(&got)), (200, expected.clone()), "{got}");
    let (status, list) = c
        .api
        .raw(Method::GET, "/chat/rooms", None)
        .await
        .expect("list");
    assert_eq!(status, 200, "{list}");
    assert_eq!(members(&list["rooms"][0]), expected, "{list}");
    // A support room: the Admin participant is on the support side.
    let body = json!({"type": "customer_admin", "participant1_id": c.id(),
                      "participant2_id": a.id()});
    let (status, support) = c
        .api
        .raw(Method::POST, "/chat/rooms", Some(&body))
        .await
        .expect("create");
    assert_eq!(status, 201, "{support}");
    assert_eq!(
        members(&support),
        vec![
            (json!(c.id()), json!("participant"), json!("customer")),
            (json!(a.id()), json!("participant"), json!("support")),
        ]
    );
}

/// `GET /chat/rooms/:id/receipts` as `user`: `(status, body)`.
async fn receipts(user: &TestUser, room: impl std::fmt::Display) -> (u16, Value) {
    let path = format!("/chat/rooms/{room}/receipts");
    user.api
        .raw(Method::GET, &path, None)
        .await
        .expect("receipts")
}

async fn receipts_give_each_members_read_and_delivered_positions(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    // Nobody has read or received anything: one entry per member, all null.
    let (status, body) = receipts(&c, room.id).await;
    assert_eq!(status, 200, "{body}");
    let nothing = json!({"receipts": [
        {"user_id": c.id(), "last_read_message_id": null, "last_read_at": null,
         "last_delivered_message_id": null},
        {"user_id": o.id(), "last_read_message_id": null, "last_read_at": null,
         "last_delivered_message_id": null},
    ]});
    assert_eq!(body, nothing);
    send(&c, room.id, "first").await;
    send(&c, room.id, "second").await;
    // Sent while the owner has no connection: stored, not delivered to anyone.
    let (_, body) = receipts(&c, room.id).await;
    assert_eq!(body, nothing, "nothing received without a connection");
    // The owner's connection receives the next one: delivered, not read.
    let (_socket, mut events) = app.socket(&o).await;
    let third = send(&c, room.id, "third").await;
    events
        .wait_for("new_message", std::time::Duration::from_secs(5))
        .await
        .expect("the owner receives it");
    let delivered = wait_for(&c, room.id, |r| {
        r[1]["last_delivered_message_id"] == json!(third.id)
    })
    .await;
    assert!(
        delivered["receipts"][1]["last_read_message_id"].is_null(),
        "{delivered}"
    );
    // The owner reads the room: read (and delivered) up to the newest message, stamped now.
    o.api.mark_read(room.id).await.expect("read");
    let (_, body) = receipts(&o, room.id).await;
    let owner = &body["receipts"][1];
    assert_eq!(owner["last_read_message_id"], json!(third.id), "{body}");
    assert_eq!(
        owner["last_delivered_message_id"],
        json!(third.id),
        "{body}"
    );
    assert!(owner["last_read_at"].is_string(), "{body}");
    // The customer has read nothing of the owner's (there is nothing): still null.
    assert_eq!(body["receipts"][0], nothing["receipts"][0], "{body}");
}

/// The receipts of `room` as `user` once `done` holds for the list (at most 5 s).
async fn wait_for(user: &TestUser, room: Uuid, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (status, body) = receipts(user, room).await;
        assert_eq!(status, 200, "{body}");
        if done(&body["receipts"]) {
            return body;
        }
        assert!(tokio::time::Instant::now() < deadline, "never: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn receipts_are_for_members_and_admins_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let stranger = app.customer().await;
    let (status, body) = receipts(&stranger, room.id).await;
    assert_error(status, &body, 403);
    let (status, body) = receipts(&c, Uuid::new_v4()).await;
    assert_error(status, &body, 404);
    let (status, body) = receipts(&c, "not-a-uuid").await;
    assert_error(status, &body, 400);
    let (status, body) = receipts(&a, room.id).await;
    assert_eq!(status, 200, "an Admin reads any room: {body}");
    assert_eq!(body["receipts"].as_array().map(Vec::len), Some(2), "{body}");
}

async fn a_database_from_before_members_migrates_with_each_rooms_participants(backend: Backend) {
    let db = fresh_db(backend).await;
    migrate_before(&db.config, 15).await;
    let store = tigo_server::db::connect(&db.config, &Default::default(), test_owner())
        .await
        .expect("store");
    let people = [("carla", Role::Customer), ("ada", Role::Admin)];
    let (ids, emails): (Vec<Uuid>, Vec<String>) =
        accounts(&store, &people).await.into_iter().unzip();
    store.close().await;
    let created_at = chrono::Utc::now() - chrono::Duration::days(3);
    let old = NewRoom {
        id: Uuid::now_v7(),
        room_type: RoomType::CustomerAdmin,
        // The Admin first: the sides come from the roles.
        participant1_id: ids[1],
        participant2_id: ids[0],
        hotel_id: None,
        created_at,
    };
    insert_room_as_before(&db.config, &old).await;
    let app = start(test_config(&db)).await;
    let login = app.api.login(&emails[0], PASSWORD).await.expect("login");
    let carla = app.api.with_token(&login.access_token);
    let (status, room) = carla
        .raw(Method::GET, &format!("/chat/rooms/{}", old.id), None)
        .await
        .expect("get");
    assert_eq!(status, 200, "{room}");
    assert_eq!(
        members(&room),
        vec![
            (json!(ids[1]), json!("participant"), json!("support")),
            (json!(ids[0]), json!("participant"), json!("customer")),
        ]
    );
    assert_eq!(
        room["members"][0]["joined_at"], room["created_at"],
        "{room}"
    );
}
