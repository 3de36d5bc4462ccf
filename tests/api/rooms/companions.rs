//! Companions and agents as members (contract v3, "Room members"): the whole history, sending,
//! reacting and searching; reads per member (receipts, `unread_count`, `status`,
//! `messages_read`); online users; deactivation keeps the membership.

use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use super::calls::*;
use crate::contract;
use crate::helpers::*;

contract!(
    a_companion_reads_the_whole_history_sends_reacts_and_searches,
    reads_are_per_member_in_receipts_unread_counts_and_statuses,
    online_users_lists_the_connected_members,
    deactivation_keeps_the_membership_and_reactivation_restores_access,
);

async fn a_companion_reads_the_whole_history_sends_reacts_and_searches(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await.id;
    let welcome = send(&o, room, "Welcome! Breakfast is served from seven").await;
    send(&c, room, "We are two arriving Friday").await;
    let friend = app.customer().await;
    companion(&c, room, &friend).await;
    let history = friend.api.messages(room, "").await.expect("history");
    let contents: Vec<_> = history
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(
        contents,
        [
            "Welcome! Breakfast is served from seven",
            "We are two arriving Friday"
        ]
    );
    assert!(listed(&friend).await.contains(&room));
    let mine = send(&friend, room, "Hello, I am the second guest").await;
    let seen = o.api.messages(room, "").await.expect("history");
    assert_eq!(seen.messages.last().map(|m| m.id), Some(mine.id));
    let reacted = friend.api.react(welcome.id, "🙏").await.expect("react");
    assert_eq!(reacted.reactions[0].user_ids, vec![friend.id()]);
    crate::search::indexed(&app).await;
    let found = friend.api.search("breakfast", "").await.expect("search");
    assert_eq!(
        found.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![welcome.id]
    );
    let found = friend
        .api
        .search("guest", &format!("room_id={room}"))
        .await
        .expect("search in the room");
    assert_eq!(found.total, 1);
    // An agent too: the whole history, and a message on the support side.
    let (admin, agent) = (app.admin().await, app.admin().await);
    assert_eq!(add_member(&admin, room, agent.id(), "agent").await.0, 201);
    assert_eq!(
        agent.api.messages(room, "").await.expect("history").total,
        3
    );
    let stepped_in = send(&agent, room, "Support here: all sorted").await;
    assert_eq!(stepped_in.sender_id, agent.id());
}

/// The `(user_id, last_read_message_id)` of each entry of a room's receipts, as `user` sees
/// them.
async fn read_positions(user: &TestUser, room: Uuid) -> Vec<(Value, Value)> {
    let (status, body) = get(user, &format!("/chat/rooms/{room}/receipts")).await;
    assert_eq!(status, 200, "{body}");
    let receipts = body["receipts"].as_array().cloned().unwrap_or_default();
    receipts
        .iter()
        .map(|r| (r["user_id"].clone(), r["last_read_message_id"].clone()))
        .collect()
}

/// The `unread_count` `GET /chat/rooms` gives `user` for `room`.
async fn unread(user: &TestUser, room: Uuid) -> Value {
    let (status, list) = get(user, "/chat/rooms").await;
    assert_eq!(status, 200, "{list}");
    let rooms = list["rooms"].as_array().cloned().unwrap_or_default();
    let entry = rooms.iter().find(|r| r["id"] == json!(room));
    entry.unwrap_or_else(|| panic!("{room} in {list}"))["unread_count"].clone()
}

/// The `status` of message `id` in `room`'s history as `user` reads it.
async fn status_of(user: &TestUser, room: Uuid, id: Uuid) -> Value {
    let history = user.api.messages(room, "limit=100").await.expect("history");
    let message = history.messages.into_iter().find(|m| m.id == id);
    serde_json::to_value(message.expect("the message").status).expect("status")
}

async fn reads_are_per_member_in_receipts_unread_counts_and_statuses(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    let (friend, agent) = (app.customer().await, app.admin().await);
    // The agent joins first: participants come first, then members by the time they joined.
    assert_eq!(add_member(&admin, room, agent.id(), "agent").await.0, 201);
    companion(&c, room, &friend).await;
    let m1 = send(&o, room, "one").await;
    let m2 = send(&o, room, "two").await;
    let order = [c.id(), o.id(), agent.id(), friend.id()].map(|id| json!(id));
    let nobody: Vec<_> = order.iter().map(|id| (id.clone(), Value::Null)).collect();
    assert_eq!(read_positions(&friend, room).await, nobody);
    assert_ne!(status_of(&o, room, m1.id).await, json!("read"));
    let (_cs, mut c_events) = app.socket(&c).await;
    friend.api.mark_read(room).await.expect("read");
    let read = c_events
        .wait_for("messages_read", WAIT)
        .await
        .expect("messages_read");
    assert_eq!(
        (&read["roomId"], &read["userId"]),
        (&json!(room), &json!(friend.id()))
    );
    // The companion's own position moved, nobody else's.
    let mut expected = nobody.clone();
    expected[3].1 = json!(m2.id);
    assert_eq!(read_positions(&c, room).await, expected);
    assert_eq!(status_of(&o, room, m1.id).await, json!("read"));
    assert_eq!(status_of(&o, room, m2.id).await, json!("read"));
    assert_eq!(
        (unread(&friend, room).await, unread(&c, room).await),
        (json!(0), json!(2))
    );
    let m3 = send(&o, room, "three").await;
    assert_ne!(status_of(&o, room, m3.id).await, json!("read"));
    assert_eq!(
        (unread(&friend, room).await, unread(&c, room).await),
        (json!(1), json!(3))
    );
    // The companion's own message is not read because they sent it; the owner reads it.
    let mine = send(&friend, room, "four").await;
    assert_ne!(status_of(&o, room, mine.id).await, json!("read"));
    o.api.mark_read(room).await.expect("read");
    assert_eq!(status_of(&o, room, mine.id).await, json!("read"));
}

async fn online_users_lists_the_connected_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    let (friend, stranger) = (app.customer().await, app.customer().await);
    companion(&c, room, &friend).await;
    assert_eq!(add_member(&admin, room, admin.id(), "agent").await.0, 201);
    let _connections = (
        app.socket(&friend).await,
        app.socket(&admin).await,
        app.socket(&stranger).await,
    );
    let mut online = o.api.online_users(room).await.expect("online");
    online.sort();
    let mut expected = vec![friend.id(), admin.id()];
    expected.sort();
    assert_eq!(online, expected);
    // The companion asks too; once removed, they are no longer listed.
    assert_eq!(
        friend.api.online_users(room).await.expect("online").len(),
        2
    );
    assert_eq!(remove_member(&c, room, friend.id()).await.0, 200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        let online = o.api.online_users(room).await.expect("online");
        if online == vec![admin.id()] {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still listed: {online:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn deactivation_keeps_the_membership_and_reactivation_restores_access(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await.id;
    let friend = app.customer().await;
    companion(&c, room, &friend).await;
    set_active(&app, &friend, false).await;
    let (_, seen) = get(&c, &format!("/chat/rooms/{room}")).await;
    assert_eq!(
        role_of(&seen, friend.id()).as_deref(),
        Some("companion"),
        "{seen}"
    );
    send(&c, room, "while you were away").await;
    let (status, _) = get(&friend, &format!("/chat/rooms/{room}")).await;
    assert_eq!(status, 401, "a deactivated user's token is refused");
    set_active(&app, &friend, true).await;
    assert_eq!(access(&friend, room).await, MEMBER);
    let history = friend.api.messages(room, "").await.expect("history");
    assert_eq!(history.messages[0].content, "while you were away");
}
