//! The terminal client's network side against the real server: a deactivated account is told
//! why and stops reconnecting; `/save` never replaces a file unless told (`/save!`) and saves
//! into a folder under the attachment's name; a guest adds a companion and removes them, and
//! the companion's client hears it.

use std::time::Duration;

use tigo_client::tui::app::{Cmd, Link, Msg};
use tigo_common::SendMessage;

use crate::contract;
use crate::helpers::*;
use crate::recovery::Tui;

contract!(
    a_deactivated_users_terminal_client_says_so_and_stops_reconnecting,
    save_never_replaces_a_file_unless_told_and_saves_into_a_folder,
    a_guest_adds_and_removes_a_companion_from_the_terminal_client,
);

/// What the network side tells the UI within `window` (or until `done` says enough).
async fn told(tui: &mut Tui, window: Duration, done: impl Fn(&Msg) -> bool) -> Vec<Msg> {
    let deadline = tokio::time::Instant::now() + window;
    let mut msgs = Vec::new();
    while tokio::time::Instant::now() < deadline {
        if let Some(msg) = tui.next().await {
            let stop = done(&msg);
            msgs.push(msg);
            if stop {
                break;
            }
        }
    }
    msgs
}

async fn a_deactivated_users_terminal_client_says_so_and_stops_reconnecting(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let mut tui = Tui::start(&app, &c).await;
    let online = told(&mut tui, Duration::from_secs(10), |m| {
        matches!(m, Msg::Link(Link::Online))
    })
    .await;
    assert!(
        matches!(online.last(), Some(Msg::Link(Link::Online))),
        "{online:?}"
    );

    assert!(
        app.state
            .store
            .set_active(c.id(), false)
            .await
            .expect("deactivate")
    );
    // The server says which it is (once the change reaches its user cache, within a poll).
    let mut me = (0, serde_json::Value::Null);
    for _ in 0..50 {
        me = c
            .api
            .raw(reqwest::Method::GET, "/auth/me", None)
            .await
            .expect("me");
        if me.0 == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(me.0, 401, "{}", me.1);
    assert_eq!(me.1["message"], "This account is deactivated");
    let signed_out = told(&mut tui, Duration::from_secs(15), |m| {
        matches!(m, Msg::SignedOut(_))
    })
    .await;
    match signed_out.last() {
        Some(Msg::SignedOut(why)) => assert_eq!(why, "This account is deactivated"),
        other => panic!("not signed out: {other:?} after {signed_out:?}"),
    }
    // And then nothing tries again: no connecting, no reconnect countdown.
    let after = told(&mut tui, Duration::from_secs(4), |_| false).await;
    assert!(
        !after.iter().any(|m| matches!(m, Msg::Link(_))),
        "still reconnecting: {after:?}"
    );
    tui.task.abort();
}

async fn save_never_replaces_a_file_unless_told_and_saves_into_a_folder(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let note = b"Zimmer 12: die Dusche tropft.\n".to_vec();
    let up = o
        .api
        .upload("dusche-notiz.txt", note.clone())
        .await
        .expect("upload");
    let sent = o
        .api
        .send(&SendMessage {
            chat_room_id: room.id,
            attachment_id: Some(up.id),
            ..SendMessage::default()
        })
        .await
        .expect("send");
    let url = sent.file_url.clone().expect("a signed url");
    let dir = std::env::temp_dir().join(format!("tigo-save-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let existing = dir.join("mine.txt");
    std::fs::write(&existing, "my own notes").expect("write");

    let mut tui = Tui::start(&app, &c).await;
    let save = |path: &std::path::Path, overwrite: bool| Cmd::Save {
        url: url.clone(),
        path: path.display().to_string(),
        name: "dusche-notiz.txt".into(),
        overwrite,
    };
    let answer = |msg: &Msg| matches!(msg, Msg::Failed(_) | Msg::Notice(_));
    let said = |msgs: Vec<Msg>| match msgs.into_iter().rev().find(answer) {
        Some(Msg::Failed(text) | Msg::Notice(text)) => text,
        _ => String::new(),
    };

    tui.cmds.send(save(&existing, false)).expect("cmd");
    let text = said(told(&mut tui, Duration::from_secs(10), answer).await);
    assert!(text.contains("exists") && text.contains("/save!"), "{text}");
    assert_eq!(
        std::fs::read_to_string(&existing).expect("read"),
        "my own notes",
        "left as it was"
    );

    tui.cmds.send(save(&existing, true)).expect("cmd");
    let text = said(told(&mut tui, Duration::from_secs(10), answer).await);
    assert!(text.starts_with("saved 30 B to"), "{text}");
    assert_eq!(std::fs::read(&existing).expect("read"), note);

    tui.cmds.send(save(&dir, false)).expect("cmd");
    let text = said(told(&mut tui, Duration::from_secs(10), answer).await);
    assert!(text.contains("dusche-notiz.txt"), "{text}");
    assert_eq!(
        std::fs::read(dir.join("dusche-notiz.txt")).expect("saved into the folder"),
        note
    );
    tui.task.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_guest_adds_and_removes_a_companion_from_the_terminal_client(backend: Backend) {
    use tigo_client::tui::event::ServerEvent;
    use tigo_common::MemberRole;
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let friend = app.customer().await;
    let room = app.room(&c, &o).await;
    let mut guest = Tui::start(&app, &c).await;
    let mut companion = Tui::start(&app, &friend).await;
    let online = |m: &Msg| matches!(m, Msg::Link(Link::Online));
    for tui in [&mut guest, &mut companion] {
        told(tui, Duration::from_secs(10), online).await;
    }
    let member = |add: bool| Cmd::Member {
        room: room.id,
        email: Some(friend.user.email.clone()),
        role: MemberRole::Companion,
        add,
    };
    let answer = |msg: &Msg| matches!(msg, Msg::Failed(_) | Msg::Notice(_));
    guest.cmds.send(member(true)).expect("cmd");
    let msgs = told(&mut guest, Duration::from_secs(10), answer).await;
    assert!(
        matches!(msgs.last(), Some(Msg::Notice(t)) if t.contains("joined as companion")),
        "{msgs:?}"
    );
    let seen = friend
        .api
        .room(room.id)
        .await
        .expect("the companion reads the room");
    assert!(seen.members.iter().any(|m| m.role == MemberRole::Companion));
    let added = |m: &Msg| matches!(m, Msg::Server(ServerEvent::MemberAdded(_)));
    let msgs = told(&mut companion, Duration::from_secs(10), added).await;
    assert!(msgs.iter().any(added), "{msgs:?}");

    guest.cmds.send(member(false)).expect("cmd");
    let removed = |m: &Msg| matches!(m, Msg::Server(ServerEvent::MemberRemoved(r)) if r.user_id == friend.id());
    let msgs = told(&mut companion, Duration::from_secs(10), removed).await;
    assert!(msgs.iter().any(removed), "{msgs:?}");
    assert!(friend.api.room(room.id).await.is_err(), "gone at once");
    guest.task.abort();
    companion.task.abort();
}
