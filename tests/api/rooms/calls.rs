//! Shared calls of the hotel-team and room-member tests (contract v3): registering hotels,
//! naming staff, adding and removing members, and reading what a client sees of a room.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tigo_client::sio::Events;
use tigo_common::Role;
use uuid::Uuid;

use crate::helpers::*;

/// `method path` with `body` as `user`: `(status, body)`.
pub(crate) async fn call(
    user: &TestUser,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    user.api
        .raw(method, path, body.as_ref())
        .await
        .expect("the server answers")
}

/// `GET path` as `user`.
pub(crate) async fn get(user: &TestUser, path: &str) -> (u16, Value) {
    call(user, Method::GET, path, None).await
}

/// `PUT /chat/admin/hotels/:hotel {name, owner_id}` as `by`.
pub(crate) async fn put_hotel(by: &TestUser, hotel: Uuid, name: &str, owner: Uuid) -> (u16, Value) {
    let body = json!({"name": name, "owner_id": owner});
    let path = format!("/chat/admin/hotels/{hotel}");
    call(by, Method::PUT, &path, Some(body)).await
}

/// A hotel registered by a new Admin for `owner`: its id.
pub(crate) async fn registered_hotel(app: &TestApp, owner: &TestUser) -> Uuid {
    let hotel = Uuid::new_v4();
    let admin = app.admin().await;
    let (status, body) = put_hotel(&admin, hotel, "Hotel Adler", owner.id()).await;
    assert_eq!(status, 201, "{body}");
    hotel
}

/// `POST /chat/hotels/:hotel/staff {user_id}` as `by`.
pub(crate) async fn add_staff(by: &TestUser, hotel: Uuid, user: Uuid) -> (u16, Value) {
    let path = format!("/chat/hotels/{hotel}/staff");
    call(by, Method::POST, &path, Some(json!({"user_id": user}))).await
}

/// `DELETE /chat/hotels/:hotel/staff/:user` as `by`.
pub(crate) async fn remove_staff(by: &TestUser, hotel: Uuid, user: Uuid) -> (u16, Value) {
    let path = format!("/chat/hotels/{hotel}/staff/{user}");
    call(by, Method::DELETE, &path, None).await
}

/// A front-desk worker (a HotelOwner account, not a Customer-only one).
pub(crate) async fn clerk(app: &TestApp) -> TestUser {
    app.user_with(&[Role::HotelOwner], "Sami").await
}

/// `POST /chat/rooms` of type `customer_hotel_owner` for `hotel`, by the customer: the room.
pub(crate) async fn hotel_room(customer: &TestUser, owner: &TestUser, hotel: Uuid) -> Value {
    let body = json!({"type": "customer_hotel_owner", "participant1_id": customer.id(),
                      "participant2_id": owner.id(), "hotel_id": hotel});
    let (status, room) = call(customer, Method::POST, "/chat/rooms", Some(body)).await;
    assert!(status == 201 || status == 200, "{status}: {room}");
    room
}

/// `POST /chat/rooms/:room/members {user_id, role}` as `by`.
pub(crate) async fn add_member(by: &TestUser, room: Uuid, user: Uuid, role: &str) -> (u16, Value) {
    let path = format!("/chat/rooms/{room}/members");
    let body = json!({"user_id": user, "role": role});
    call(by, Method::POST, &path, Some(body)).await
}

/// `DELETE /chat/rooms/:room/members/:user` as `by`.
pub(crate) async fn remove_member(by: &TestUser, room: Uuid, user: Uuid) -> (u16, Value) {
    let path = format!("/chat/rooms/{room}/members/{user}");
    call(by, Method::DELETE, &path, None).await
}

/// Adds `user` to `room` as a companion, by `by`, expecting 201.
pub(crate) async fn companion(by: &TestUser, room: Uuid, user: &TestUser) -> Value {
    let (status, body) = add_member(by, room, user.id(), "companion").await;
    assert_eq!(status, 201, "{body}");
    body
}

/// The id of a room object.
pub(crate) fn id_of(room: &Value) -> Uuid {
    room["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("an id in {room}"))
}

/// `(user_id, role, side)` of each member of a room object, in order.
pub(crate) fn roles(room: &Value) -> Vec<(Uuid, String, String)> {
    let members = room["members"]
        .as_array()
        .unwrap_or_else(|| panic!("members in {room}"));
    members
        .iter()
        .map(|m| {
            let id = m["user_id"].as_str().and_then(|id| id.parse().ok());
            (
                id.unwrap_or_else(|| panic!("user_id in {m}")),
                m["role"].as_str().unwrap_or_default().to_string(),
                m["side"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The role of `user` in a room object, if a member.
pub(crate) fn role_of(room: &Value, user: Uuid) -> Option<String> {
    roles(room)
        .into_iter()
        .find(|(id, _, _)| *id == user)
        .map(|(_, role, _)| role)
}

/// The statuses `user` gets for the ways into `room` a member has: the room, its history,
/// its receipts, sending to it, marking it read.
pub(crate) async fn access(user: &TestUser, room: Uuid) -> Vec<u16> {
    let send = json!({"chat_room_id": room, "content": "knock knock"});
    vec![
        get(user, &format!("/chat/rooms/{room}")).await.0,
        get(user, &format!("/chat/rooms/{room}/messages")).await.0,
        get(user, &format!("/chat/rooms/{room}/receipts")).await.0,
        call(user, Method::POST, "/chat/messages", Some(send))
            .await
            .0,
        call(
            user,
            Method::POST,
            &format!("/chat/rooms/{room}/read"),
            None,
        )
        .await
        .0,
    ]
}

/// What [`access`] gives a member, and a user without access.
pub(crate) const MEMBER: [u16; 5] = [200, 200, 200, 201, 204];
pub(crate) const OUTSIDER: [u16; 5] = [403; 5];

/// The ids of the rooms `GET /chat/rooms` lists for `user`.
pub(crate) async fn listed(user: &TestUser) -> Vec<Uuid> {
    let (status, list) = get(user, "/chat/rooms?limit=100").await;
    assert_eq!(status, 200, "{list}");
    let rooms = list["rooms"].as_array().cloned().unwrap_or_default();
    rooms.iter().map(id_of).collect()
}

/// The contents of the `new_message` events of `room` a connection gets within `window`
/// (other events stay queued).
pub(crate) async fn heard_in(events: &mut Events, room: Uuid, window: Duration) -> Vec<String> {
    events
        .collect_named("new_message", window)
        .await
        .into_iter()
        .filter(|m| m["chat_room_id"] == json!(room))
        .filter_map(|m| m["content"].as_str().map(String::from))
        .collect()
}

/// The next `new_message` of `room` on a connection (within [`WAIT`]): its content.
pub(crate) async fn next_in(events: &mut Events, room: Uuid) -> String {
    loop {
        let message = events
            .wait_for("new_message", WAIT)
            .await
            .expect("a new_message");
        if message["chat_room_id"] == json!(room) {
            return message["content"].as_str().unwrap_or_default().to_string();
        }
    }
}

/// Sets whether `user` is active, and waits (at most 5 s) until the server acts on it: their
/// token is refused once deactivated, accepted again once reactivated.
pub(crate) async fn set_active(app: &TestApp, user: &TestUser, active: bool) {
    let store = &app.state.store;
    let changed = store.set_active(user.id(), active).await;
    assert!(changed.expect("set_active"), "no such user");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while user.api.me().await.is_ok() != active {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never saw {} become active={active}",
            user.id()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
