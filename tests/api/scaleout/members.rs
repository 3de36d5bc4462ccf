//! Room members across two instances (contract v3, "Room members"): `member_added` and
//! `member_removed` cross the bus, a user added on one instance hears the room on the other
//! at once, and one removed there leaves it within 1 s.

use std::time::{Duration, Instant};

use serde_json::json;

use super::*;
use crate::helpers::*;
use crate::rooms::calls::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_added_and_removed_on_one_instance_join_and_leave_on_the_other() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await.id;
    let friend = a.customer().await;
    let friend_b = on(&b, &friend).await;
    // The guest and the owner on A, the friend's connection on B, opened before being added.
    let (_cs, mut c_events) = a.socket(&c).await;
    let (_os, mut o_events) = a.socket(&o).await;
    let (fs, mut f_events) = b.socket(&friend_b).await;
    let added = companion(&c, room, &friend).await;
    let member = added["members"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|m| m["user_id"] == json!(friend.id()))
                .cloned()
        })
        .unwrap_or_else(|| panic!("the friend in {added}"));
    let expected = json!({"roomId": room, "member": member});
    for events in [&mut f_events, &mut c_events] {
        let heard = events
            .wait_for("member_added", WAIT)
            .await
            .expect("member_added");
        assert_eq!(heard, expected);
    }
    send(&o, room, "sent on A").await;
    assert_eq!(next_in(&mut f_events, room).await, "sent on A");
    // The friend, on B, answers; A hears it.
    send(&friend_b, room, "sent on B").await;
    assert_eq!(next_in(&mut o_events, room).await, "sent on A");
    assert_eq!(next_in(&mut o_events, room).await, "sent on B");
    // The friend's own connection has their message too.
    assert_eq!(next_in(&mut f_events, room).await, "sent on B");
    // Removed through A: B's connection hears of it and leaves the room within 1 s.
    let removed_at = Instant::now();
    assert_eq!(remove_member(&c, room, friend.id()).await.0, 200);
    let expected = json!({"roomId": room, "userId": friend.id()});
    for events in [&mut f_events, &mut o_events] {
        let heard = events
            .wait_for("member_removed", WAIT)
            .await
            .expect("member_removed");
        assert_eq!(heard, expected);
    }
    let settle = Duration::from_secs(1).saturating_sub(removed_at.elapsed());
    tokio::time::sleep(settle).await;
    send(&o, room, "after the removal").await;
    let mut heard_by_c = Vec::new();
    for _ in 0..3 {
        heard_by_c.push(next_in(&mut c_events, room).await);
    }
    assert_eq!(heard_by_c, ["sent on A", "sent on B", "after the removal"]);
    let heard = heard_in(&mut f_events, room, Duration::from_secs(1)).await;
    assert!(
        heard.is_empty(),
        "B's connection still hears the room: {heard:?}"
    );
    let (status, body) = get(&friend_b, &format!("/chat/rooms/{room}")).await;
    assert_error(status, &body, 403);
    let ack = fs
        .emit_ack("join_room", &json!({"roomId": room}), WAIT)
        .await
        .expect("ack");
    assert_eq!(ack["error"]["statusCode"], 403, "{ack}");
}
