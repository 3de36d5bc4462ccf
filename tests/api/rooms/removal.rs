//! A removed member tries to keep the room (contract v3, "Room members"): REST, the room list,
//! search, the history an export would read, attachments, live events, `join_room` and other
//! socket events, connection state recovery and offline notifications all refuse; adding them
//! back restores it.

use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use super::calls::*;
use crate::attachments::{get as download, png, upload_form};
use crate::contract;
use crate::helpers::*;

contract!(
    a_removed_companion_loses_rest_search_history_and_files,
    a_removed_members_connection_leaves_the_room_and_is_refused_in_it,
    recovery_does_not_replay_a_room_the_user_was_removed_from,
    a_removed_agent_is_an_admin_again_not_a_member,
    an_offline_member_is_notified_until_removed,
);

/// Who the next notifications go to, until none comes for `quiet`.
async fn notified(
    notes: &mut tokio::sync::broadcast::Receiver<tigo_server::delivery::followups::Notification>,
    quiet: Duration,
) -> Vec<Uuid> {
    let mut users = Vec::new();
    while let Ok(Ok(note)) = tokio::time::timeout(quiet, notes.recv()).await {
        users.push(note.user_id);
    }
    users.sort();
    users
}

/// An offline companion is notified of the room's messages like any member; once removed, no
/// notification of the room reaches them (the owner, offline too, still gets one).
async fn an_offline_member_is_notified_until_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await.id;
    let friend = app.customer().await;
    companion(&c, room, &friend).await;
    let mut notes = app.state.notifications.subscribe();
    send(&c, room, "We land at nine").await;
    let mut both = vec![o.id(), friend.id()];
    both.sort();
    assert_eq!(notified(&mut notes, Duration::from_secs(1)).await, both);
    assert_eq!(remove_member(&c, room, friend.id()).await.0, 200);
    send(&c, room, "Change of plans").await;
    assert_eq!(
        notified(&mut notes, Duration::from_secs(1)).await,
        vec![o.id()]
    );
}

/// A photo `by` uploads and sends to `room`: the file's id.
async fn photo_in(app: &TestApp, by: &TestUser, room: Uuid) -> String {
    let (status, up) = upload_form(app, by, &[("file", Some("pool.png"), &png(40, 30))]).await;
    assert_eq!(status, 201, "{up}");
    let body = json!({"chat_room_id": room, "content": "the pool at night",
                      "attachment_id": up["id"]});
    let (status, sent) = call(by, reqwest::Method::POST, "/chat/messages", Some(body)).await;
    assert_eq!(status, 201, "{sent}");
    up["id"].as_str().expect("upload id").to_string()
}

async fn a_removed_companion_loses_rest_search_history_and_files(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await.id;
    let friend = app.customer().await;
    companion(&c, room, &friend).await;
    let file = format!("{}/chat/files/{}", app.url, photo_in(&app, &c, room).await);
    let said = send(&friend, room, "Can we get a crib in the room?").await;
    assert_eq!(download(&file, Some(&friend.token)).await.0, 200);
    assert_eq!(remove_member(&c, room, friend.id()).await.0, 200);
    assert_eq!(access(&friend, room).await, OUTSIDER);
    let (status, body) = get(&friend, &format!("/chat/rooms/{room}/online-users")).await;
    assert_error(status, &body, 403);
    let reaction = friend.api.react(said.id, "👍").await.err();
    assert_eq!(reaction.and_then(|e| e.status()), Some(403));
    assert!(!listed(&friend).await.contains(&room));
    // An export is the whole history read page by page: every page is refused.
    for page in [
        "page=1&limit=100",
        "page=2&limit=1",
        "after=1970-01-01T00:00:00Z",
    ] {
        let (status, body) = get(&friend, &format!("/chat/rooms/{room}/messages?{page}")).await;
        assert_error(status, &body, 403);
    }
    crate::search::indexed(&app).await;
    let found = friend.api.search("crib", "").await.expect("search");
    assert_eq!(
        found.total, 0,
        "their own message, in a room no longer theirs"
    );
    let (status, body) = get(&friend, &format!("/chat/search?q=crib&room_id={room}")).await;
    assert_error(status, &body, 403);
    // The file, with their token: refused (and no fresh signed URL can be had, see above).
    assert_eq!(download(&file, Some(&friend.token)).await.0, 403);
    // Added back: all of it again.
    companion(&c, room, &friend).await;
    assert_eq!(access(&friend, room).await, MEMBER);
    assert_eq!(
        friend.api.search("crib", "").await.expect("search").total,
        1
    );
    assert_eq!(download(&file, Some(&friend.token)).await.0, 200);
    assert!(listed(&friend).await.contains(&room));
}

async fn a_removed_members_connection_leaves_the_room_and_is_refused_in_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await.id;
    let friend = app.customer().await;
    companion(&c, room, &friend).await;
    let (fs, mut f_events) = app.socket(&friend).await;
    let (_os, mut o_events) = app.socket(&o).await;
    send(&c, room, "before").await;
    assert_eq!(next_in(&mut f_events, room).await, "before");
    assert_eq!(next_in(&mut o_events, room).await, "before");
    assert_eq!(remove_member(&c, room, friend.id()).await.0, 200);
    let expected = json!({"roomId": room, "userId": friend.id()});
    for events in [&mut f_events, &mut o_events] {
        let removed = events
            .wait_for("member_removed", WAIT)
            .await
            .expect("member_removed");
        assert_eq!(removed, expected);
    }
    send(&c, room, "after").await;
    assert_eq!(next_in(&mut o_events, room).await, "after");
    let heard = heard_in(&mut f_events, room, Duration::from_secs(1)).await;
    assert!(heard.is_empty(), "the removed companion heard {heard:?}");
    let refused = [
        ("join_room", json!({"roomId": room})),
        (
            "send_message",
            json!({"chat_room_id": room, "content": "let me in"}),
        ),
        ("mark_messages_read", json!({"roomId": room})),
        ("typing_start", json!({"roomId": room})),
    ];
    for (event, data) in refused {
        let ack = fs.emit_ack(event, &data, WAIT).await.expect("ack");
        assert_eq!(ack["ok"], false, "{event}: {ack}");
        assert_eq!(ack["error"]["statusCode"], 403, "{event}: {ack}");
    }
    // Nothing of theirs reached the room.
    let typing = o_events
        .collect_named("user_typing", Duration::from_millis(300))
        .await;
    assert!(typing.is_empty(), "{typing:?}");
    assert_eq!(c.api.messages(room, "").await.expect("history").total, 2);
}

async fn recovery_does_not_replay_a_room_the_user_was_removed_from(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await.id;
    let friend = app.customer().await;
    companion(&c, room, &friend).await;
    // A room of their own, which recovery must still replay.
    let host = app.owner().await;
    let own = app.room(&friend, &host).await;
    let (socket, mut events) = crate::recovery::resume(&app, &friend, None).await;
    send(&o, room, "seen live").await;
    assert_eq!(next_in(&mut events, room).await, "seen live");
    let session = socket.resume().expect("the server offers recovery");
    socket.abort();
    drop(events);
    assert_eq!(remove_member(&c, room, friend.id()).await.0, 200);
    send(&o, room, "not for you").await;
    send(&host, own.id, "kept").await;
    let (again, mut events) = crate::recovery::resume(&app, &friend, Some(session)).await;
    assert!(again.recovered(), "the session resumed");
    send(&o, room, "not for you either").await;
    let window = Duration::from_secs(1);
    let replayed: Vec<_> = events
        .collect_named("new_message", window)
        .await
        .into_iter()
        .filter_map(|m| m["content"].as_str().map(String::from))
        .collect();
    assert_eq!(replayed, ["kept"]);
}

async fn a_removed_agent_is_an_admin_again_not_a_member(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, agent) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    assert_eq!(add_member(&agent, room, agent.id(), "agent").await.0, 201);
    assert!(listed(&agent).await.contains(&room));
    let (status, left) = remove_member(&agent, room, agent.id()).await;
    assert_eq!((status, role_of(&left, agent.id())), (200, None), "{left}");
    assert!(!listed(&agent).await.contains(&room), "listed as theirs");
    // As before v3: an Admin reads any room.
    let (status, seen) = get(&agent, &format!("/chat/rooms/{room}")).await;
    assert_eq!((status, role_of(&seen, agent.id())), (200, None), "{seen}");
    let (status, all) = get(&agent, "/chat/rooms?all=true&limit=100").await;
    assert_eq!(status, 200, "{all}");
    assert!(
        all["rooms"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["id"] == json!(room)))
    );
}
