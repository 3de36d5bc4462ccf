//! A hotel's staff in its rooms (contract v3): members of every `customer_hotel_owner` room
//! of the hotel, old and new, on the hotel side; they read the whole history, send, react,
//! read and search like the owner, and lose all of it when they leave the team.

use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use super::calls::*;
use crate::contract;
use crate::helpers::*;

contract!(
    staff_are_hotel_side_members_of_every_room_of_their_hotel,
    staff_read_send_react_and_search_like_the_owner,
    staff_who_leave_the_team_lose_its_rooms_at_once,
    staff_cannot_be_added_or_removed_as_room_members,
);

async fn staff_are_hotel_side_members_of_every_room_of_their_hotel(backend: Backend) {
    let app = spawn_app(backend).await;
    let (o, c) = (app.owner().await, app.customer().await);
    let hotel = registered_hotel(&app, &o).await;
    let before = id_of(&hotel_room(&c, &o, hotel).await);
    let s = clerk(&app).await;
    assert_eq!(add_staff(&o, hotel, s.id()).await.0, 200);
    let later = app.customer().await;
    let after = id_of(&hotel_room(&later, &o, hotel).await);
    // The owner's room for another hotel, and one without a hotel: not the staff's.
    let elsewhere = id_of(&hotel_room(&c, &o, registered_hotel(&app, &o).await).await);
    let plain = app.room(&app.customer().await, &o).await.id;
    for (room, guest) in [(before, &c), (after, &later)] {
        let (status, got) = get(&s, &format!("/chat/rooms/{room}")).await;
        assert_eq!(status, 200, "{got}");
        let got_roles = roles(&got);
        assert_eq!(got_roles.len(), 3, "{got}");
        assert_eq!(
            got_roles[2],
            (s.id(), "staff".into(), "hotel".into()),
            "{got}"
        );
        assert_eq!(got["members"][2]["first_name"], "Sami", "{got}");
        assert!(got["members"][2]["joined_at"].is_string(), "{got}");
        // Everyone sees the same members.
        let (_, seen) = get(guest, &format!("/chat/rooms/{room}")).await;
        assert_eq!(role_of(&seen, s.id()).as_deref(), Some("staff"), "{seen}");
    }
    for room in [elsewhere, plain] {
        assert_eq!(access(&s, room).await, OUTSIDER, "{room}");
    }
    let mut mine = listed(&s).await;
    mine.sort();
    let mut expected = vec![before, after];
    expected.sort();
    assert_eq!(mine, expected);
}

async fn staff_read_send_react_and_search_like_the_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let (o, c) = (app.owner().await, app.customer().await);
    let hotel = registered_hotel(&app, &o).await;
    let room = id_of(&hotel_room(&c, &o, hotel).await);
    let early = send(&c, room, "Is the sauna open on Sunday?").await;
    let s = clerk(&app).await;
    assert_eq!(add_staff(&o, hotel, s.id()).await.0, 200);
    // The whole history, from before they joined.
    let history = s.api.messages(room, "").await.expect("history");
    assert_eq!(
        history.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![early.id]
    );
    let answer = send(&s, room, "Yes, the sauna opens at ten").await;
    assert_eq!(answer.sender_id, s.id());
    let (_, c_history) = get(&c, &format!("/chat/rooms/{room}/messages")).await;
    assert_eq!(
        c_history["messages"][1]["content"],
        "Yes, the sauna opens at ten"
    );
    let reacted = s.api.react(early.id, "👍").await.expect("react");
    assert_eq!(reacted.reactions[0].user_ids, vec![s.id()]);
    // Reading: the staff member's own position, and the guest's message is read.
    s.api.mark_read(room).await.expect("read");
    let (_, receipts) = get(&c, &format!("/chat/rooms/{room}/receipts")).await;
    let staff_receipt = receipts["receipts"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["user_id"] == json!(s.id())))
        .unwrap_or_else(|| panic!("a receipt of the staff member in {receipts}"))
        .clone();
    assert_eq!(
        staff_receipt["last_read_message_id"],
        json!(answer.id),
        "{receipts}"
    );
    let (_, c_history) = get(&c, &format!("/chat/rooms/{room}/messages")).await;
    assert_eq!(c_history["messages"][0]["status"], "read", "{c_history}");
    crate::search::indexed(&app).await;
    let found = s.api.search("sauna sunday", "").await.expect("search");
    assert_eq!(
        found.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![early.id]
    );
    // Their connection gets the room's events, and they count as online in it.
    let (_socket, mut events) = app.socket(&s).await;
    send(&c, room, "Thank you!").await;
    assert_eq!(next_in(&mut events, room).await, "Thank you!");
    let online = c.api.online_users(room).await.expect("online");
    assert_eq!(online, vec![s.id()]);
}

async fn staff_who_leave_the_team_lose_its_rooms_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (o, c) = (app.owner().await, app.customer().await);
    let hotel = registered_hotel(&app, &o).await;
    let room = id_of(&hotel_room(&c, &o, hotel).await);
    let s = clerk(&app).await;
    assert_eq!(add_staff(&o, hotel, s.id()).await.0, 200);
    send(&c, room, "late arrival around midnight").await;
    assert_eq!(access(&s, room).await, MEMBER);
    let (socket, mut events) = app.socket(&s).await;
    send(&c, room, "are you there?").await;
    assert_eq!(next_in(&mut events, room).await, "are you there?");
    assert_eq!(remove_staff(&o, hotel, s.id()).await.0, 200);
    assert_eq!(access(&s, room).await, OUTSIDER);
    assert!(listed(&s).await.is_empty());
    let (_, seen) = get(&c, &format!("/chat/rooms/{room}")).await;
    assert_eq!(role_of(&seen, s.id()), None, "{seen}");
    crate::search::indexed(&app).await;
    let found = s.api.search("midnight", "").await.expect("search");
    assert_eq!(found.total, 0, "{:?}", found.messages);
    send(&c, room, "after you left").await;
    let heard = heard_in(&mut events, room, Duration::from_secs(1)).await;
    assert!(heard.is_empty(), "still hears the room: {heard:?}");
    let ack = socket
        .emit_ack("join_room", &json!({"roomId": room}), WAIT)
        .await
        .expect("ack");
    assert_eq!(
        (&ack["ok"], &ack["error"]["statusCode"]),
        (&json!(false), &json!(403))
    );
    // Named again: everything is back, the history whole.
    assert_eq!(add_staff(&o, hotel, s.id()).await.0, 200);
    assert_eq!(access(&s, room).await, MEMBER);
    let history = s.api.messages(room, "").await.expect("history");
    // Late arrival, knock, are you there, after you left, knock.
    assert_eq!(history.total, 5);
}

async fn staff_cannot_be_added_or_removed_as_room_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let (o, c, admin) = (app.owner().await, app.customer().await, app.admin().await);
    let hotel = registered_hotel(&app, &o).await;
    let room = id_of(&hotel_room(&c, &o, hotel).await);
    let (s, t) = (clerk(&app).await, clerk(&app).await);
    assert_eq!(add_staff(&o, hotel, s.id()).await.0, 200);
    for by in [&c, &admin] {
        let (status, body) = add_member(by, room, t.id(), "staff").await;
        assert_error(status, &body, 400);
    }
    for by in [&o, &admin, &s] {
        let (status, body) = remove_member(by, room, s.id()).await;
        assert_error(status, &body, 400);
    }
    // The staff member stays; the guest, a Customer-only user, cannot join the team.
    let (_, seen) = get(&c, &format!("/chat/rooms/{room}")).await;
    assert_eq!(role_of(&seen, s.id()).as_deref(), Some("staff"));
    assert_eq!(role_of(&seen, t.id()), None);
    let (status, body) = add_staff(&o, hotel, c.id()).await;
    assert_error(status, &body, 400);
    let (status, body) = remove_member(&c, room, Uuid::new_v4()).await;
    assert_error(status, &body, 404);
}
