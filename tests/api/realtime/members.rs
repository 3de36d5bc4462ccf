//! `member_added` and `member_removed` (contract v3, "Room members"): to every member's
//! connections and to the added or removed user's, an added user's open connections join the
//! room at once, and outsiders hear of none of it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::contract;
use crate::helpers::*;
use crate::rooms::calls::*;

contract!(
    member_added_reaches_the_members_and_the_added_users_connections_join_at_once,
    member_removed_reaches_the_members_and_the_user_who_left,
    new_staffs_open_connections_join_every_room_of_the_hotel_and_members_see_each_other_type,
);

/// The member entry of `user` in a room object.
fn entry(room: &Value, user: &TestUser) -> Value {
    let members = room["members"].as_array().cloned().unwrap_or_default();
    let found = members
        .into_iter()
        .find(|m| m["user_id"] == json!(user.id()));
    found.unwrap_or_else(|| panic!("{} in {room}", user.id()))
}

async fn member_added_reaches_the_members_and_the_added_users_connections_join_at_once(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    let (friend, stranger) = (app.customer().await, app.customer().await);
    let (_cs, mut c_events) = app.socket(&c).await;
    let (_os, mut o_events) = app.socket(&o).await;
    // The friend has two tabs open before being added; the stranger one.
    let (_f1, mut f1_events) = app.socket(&friend).await;
    let (_f2, mut f2_events) = app.socket(&friend).await;
    let (_ss, mut s_events) = app.socket(&stranger).await;
    let added = companion(&c, room, &friend).await;
    let expected = json!({"roomId": room, "member": entry(&added, &friend)});
    assert_eq!(expected["member"]["role"], "companion");
    for events in [&mut c_events, &mut o_events, &mut f1_events, &mut f2_events] {
        let heard = events
            .wait_for("member_added", WAIT)
            .await
            .expect("member_added");
        assert_eq!(heard, expected);
    }
    // Joined without join_room: the next message reaches both tabs.
    send(&o, room, "Welcome aboard").await;
    for events in [&mut f1_events, &mut f2_events] {
        assert_eq!(next_in(events, room).await, "Welcome aboard");
    }
    // An agent: announced to the companion too, as a member now.
    let (_as, mut a_events) = app.socket(&admin).await;
    let (status, with_agent) = add_member(&admin, room, admin.id(), "agent").await;
    assert_eq!(status, 201, "{with_agent}");
    let expected = json!({"roomId": room, "member": entry(&with_agent, &admin)});
    for events in [&mut f1_events, &mut a_events, &mut c_events] {
        let heard = events
            .wait_for("member_added", WAIT)
            .await
            .expect("member_added");
        assert_eq!(heard, expected);
    }
    // Adding again changes nothing and announces nothing.
    assert_eq!(add_member(&c, room, friend.id(), "companion").await.0, 200);
    let again = f1_events
        .collect_named("member_added", Duration::from_millis(300))
        .await;
    assert!(again.is_empty(), "{again:?}");
    let outsider = s_events.collect_for(Duration::from_millis(300)).await;
    let names: Vec<_> = outsider.iter().map(|e| e.name.as_str()).collect();
    assert!(
        !names
            .iter()
            .any(|n| ["member_added", "new_message"].contains(n)),
        "the stranger heard {names:?}"
    );
}

async fn member_removed_reaches_the_members_and_the_user_who_left(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await.id;
    let (first, second) = (app.customer().await, app.customer().await);
    companion(&c, room, &first).await;
    companion(&c, room, &second).await;
    let (_cs, mut c_events) = app.socket(&c).await;
    let (_os, mut o_events) = app.socket(&o).await;
    let (_fs, mut first_events) = app.socket(&first).await;
    let (_ss, mut second_events) = app.socket(&second).await;
    // The first companion leaves by themselves.
    let (status, left) = remove_member(&first, room, first.id()).await;
    assert_eq!(status, 200, "{left}");
    let expected = json!({"roomId": room, "userId": first.id()});
    for events in [
        &mut c_events,
        &mut o_events,
        &mut first_events,
        &mut second_events,
    ] {
        let heard = events
            .wait_for("member_removed", WAIT)
            .await
            .expect("member_removed");
        assert_eq!(heard, expected);
    }
    // The guest removes the second: the first, gone already, hears nothing of it.
    assert_eq!(remove_member(&c, room, second.id()).await.0, 200);
    let expected = json!({"roomId": room, "userId": second.id()});
    for events in [&mut o_events, &mut second_events] {
        let heard = events
            .wait_for("member_removed", WAIT)
            .await
            .expect("member_removed");
        assert_eq!(heard, expected);
    }
    send(&o, room, "just the two of us").await;
    assert_eq!(next_in(&mut c_events, room).await, "just the two of us");
    let window = Duration::from_secs(1);
    for events in [&mut first_events, &mut second_events] {
        let heard = events.collect_for(window).await;
        let names: Vec<_> = heard.iter().map(|e| e.name.as_str()).collect();
        assert!(
            !names
                .iter()
                .any(|n| ["member_removed", "new_message"].contains(n)),
            "a removed companion heard {names:?}"
        );
    }
}

/// Staff added to the hotel: their open connection joins each of its rooms at once (and hears
/// `member_added`); a companion's typing reaches the staff, and a companion's phone number is
/// masked as anyone's in the room type.
async fn new_staffs_open_connections_join_every_room_of_the_hotel_and_members_see_each_other_type(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let hotel = registered_hotel(&app, &o).await;
    let rooms = [
        id_of(&hotel_room(&c, &o, hotel).await),
        id_of(&hotel_room(&app.customer().await, &o, hotel).await),
    ];
    let s = clerk(&app).await;
    let (_ss, mut s_events) = app.socket(&s).await;
    assert_eq!(add_staff(&o, hotel, s.id()).await.0, 200);
    let mut announced = Vec::new();
    for _ in rooms {
        let heard = s_events
            .wait_for("member_added", WAIT)
            .await
            .expect("member_added");
        assert_eq!(heard["member"]["role"], "staff", "{heard}");
        assert_eq!(heard["member"]["user_id"], json!(s.id()), "{heard}");
        announced.push(heard["roomId"].clone());
    }
    announced.sort_by_key(|r| r.to_string());
    let mut expected: Vec<Value> = rooms.iter().map(|r| json!(r)).collect();
    expected.sort_by_key(|r| r.to_string());
    assert_eq!(announced, expected);
    // Joined without join_room.
    send(&c, rooms[0], "Is breakfast included?").await;
    assert_eq!(
        next_in(&mut s_events, rooms[0]).await,
        "Is breakfast included?"
    );
    // A companion types: the staff member sees it.
    let friend = app.customer().await;
    companion(&c, rooms[0], &friend).await;
    let (fs, _f_events) = app.socket(&friend).await;
    let ack = fs
        .emit_ack("typing_start", &json!({"roomId": rooms[0]}), WAIT)
        .await
        .expect("ack");
    assert_eq!(ack["ok"], true, "{ack}");
    let typing = s_events
        .wait_for("user_typing", WAIT)
        .await
        .expect("typing");
    assert_eq!(
        typing,
        json!({"userId": friend.id(), "roomId": rooms[0], "isTyping": true})
    );
    // Masking covers every member of a masked room type.
    let masked = send(&friend, rooms[0], "call me on +44 20 7946 0958").await;
    assert!(!masked.content.contains("7946"), "{}", masked.content);
}
