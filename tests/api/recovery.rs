//! Connection state recovery through the terminal client's Socket.IO client (which resumes as
//! the official one does: `pid` and the last offset in the CONNECT auth), on both backends:
//! what was missed comes once and in order, sessions expire, a pid is bound to its user, and
//! recovery can be turned off. The official client itself is covered by
//! `tests/conformance/recovery.test.mjs`.

use std::time::Duration;

use tigo_client::sio::{Events, Resume, Socket, SocketOptions};

use crate::contract;
use crate::helpers::*;

pub(crate) async fn resume(
    app: &TestApp,
    user: &TestUser,
    resume: Option<Resume>,
) -> (Socket, Events) {
    let options = SocketOptions {
        resume,
        ..SocketOptions::with_token(&user.token)
    };
    let (socket, mut events) = Socket::connect(&app.url, options).await.expect("connect");
    events.wait_for("connected", WAIT).await.expect("connected");
    (socket, events)
}

/// The room events a connection got in a window, as comparable strings.
async fn room_events(events: &mut Events, window: Duration) -> Vec<String> {
    events
        .collect_for(window)
        .await
        .into_iter()
        .filter_map(|e| match e.name.as_str() {
            "new_message" => Some(format!("new:{}", e.data["content"].as_str()?)),
            "message_edited" => Some(format!("edited:{}", e.data["content"].as_str()?)),
            "message_deleted" => Some(format!("deleted:{}", e.data["messageId"].as_str()?)),
            "messages_read" => Some(format!("read:{}", e.data["userId"].as_str()?)),
            "reaction_updated" => Some(format!("reaction:{}", e.data["messageId"].as_str()?)),
            _ => None,
        })
        .collect()
}

async fn a_resumed_session_gets_what_it_missed_once_in_order_before_live_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (socket, mut events) = resume(&app, &c, None).await;
    assert!(!socket.recovered());
    let before = send(&o, room.id, "before").await;
    events.wait_for("new_message", WAIT).await.expect("live");
    let session = socket.resume().expect("the server offers recovery");
    socket.abort();
    drop(events);
    let a = send(&o, room.id, "one").await;
    o.api.edit(a.id, "one!").await.expect("edit");
    o.api.react(a.id, "👍").await.expect("react");
    o.api.delete(before.id).await.expect("delete");
    o.api.mark_read(room.id).await.expect("read");
    let (again, mut events) = resume(&app, &c, Some(session)).await;
    assert!(again.recovered(), "the session resumed");
    send(&o, room.id, "live").await;
    let got = room_events(&mut events, Duration::from_millis(800)).await;
    assert_eq!(
        got,
        vec![
            "new:one!".to_string(),
            "edited:one!".into(),
            format!("reaction:{}", a.id),
            format!("deleted:{}", before.id),
            format!("read:{}", o.id()),
            "new:live".into(),
        ]
    );
    // A second drop right away, with nothing new: nothing comes twice.
    let session = again.resume().expect("still recoverable");
    again.abort();
    drop(events);
    let (third, mut events) = resume(&app, &c, Some(session)).await;
    assert!(third.recovered());
    assert!(
        room_events(&mut events, Duration::from_millis(500))
            .await
            .is_empty()
    );
}

async fn a_pid_is_useless_without_its_users_token_and_expires(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.session_recovery = Duration::from_secs(1);
    })
    .await;
    let (c, c2) = (app.customer().await, app.customer().await);
    let (socket, events) = resume(&app, &c, None).await;
    let session = socket.resume().expect("recoverable");
    socket.abort();
    drop(events);
    let (other, _e) = resume(&app, &c2, Some(session.clone())).await;
    assert!(!other.recovered(), "another user's pid gives a new session");
    assert_ne!(other.resume().map(|r| r.pid), Some(session.pid.clone()));
    let forged = Resume {
        pid: "f".repeat(64),
        offset: Some("garbage;;:".into()),
    };
    let (fake, _e) = resume(&app, &c, Some(forged)).await;
    assert!(!fake.recovered(), "a forged pid gives a new session");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (late, _e) = resume(&app, &c, Some(session)).await;
    assert!(!late.recovered(), "an expired session gives a new one");
}

/// The log keeps what a session could still ask for, and no more: past `SESSION_RECOVERY`
/// (and its one-minute-at-most margin) the server's own upkeep deletes it.
async fn the_log_is_pruned_past_the_recovery_window(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.session_recovery = Duration::from_secs(1);
    })
    .await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    send(&o, room.id, "soon gone").await;
    let logged = || async {
        (app.state.store.room_events_after(room.id, 0, 100).await)
            .expect("log")
            .len()
    };
    assert_eq!(logged().await, 1, "the message's event is logged");
    // Window 1 s + margin 1 s, checked every second: gone within a few seconds.
    let mut left = 1;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = logged().await;
        if left == 0 {
            break;
        }
    }
    assert_eq!(left, 0, "pruned after the window");
    send(&o, room.id, "fresh").await;
    assert_eq!(logged().await, 1, "a new event is logged again");
}

async fn with_recovery_off_there_is_no_pid_and_no_offset(backend: Backend) {
    let app = spawn_app_with(backend, |config| config.session_recovery = Duration::ZERO).await;
    let c = app.customer().await;
    let (socket, _events) = resume(&app, &c, None).await;
    assert!(socket.resume().is_none(), "no pid in the CONNECT reply");
}

/// The terminal client's network side, signed in as a user and running (also used by the
/// `tui` tests).
pub(crate) struct Tui {
    pub(crate) task: tokio::task::JoinHandle<()>,
    msgs: tokio::sync::mpsc::UnboundedReceiver<tigo_client::tui::app::Msg>,
    /// What the UI would ask of it; the network side stops when its commands end.
    pub(crate) cmds: tokio::sync::mpsc::UnboundedSender<tigo_client::tui::app::Cmd>,
}

impl Tui {
    pub(crate) async fn start(app: &TestApp, user: &TestUser) -> Tui {
        use tigo_client::tui::net::{Net, run};
        let (msgs_tx, msgs) = tokio::sync::mpsc::unbounded_channel();
        let (cmds_tx, cmds) = tokio::sync::mpsc::unbounded_channel();
        let api = tigo_client::api::Api::new(&app.url).expect("api");
        let mut net = Net::new(api, msgs_tx, None);
        assert!(net.resume(&user.token).await, "signed in");
        Tui {
            task: tokio::spawn(run(net, cmds, None)),
            msgs,
            cmds: cmds_tx,
        }
    }

    /// What it tells the app next, if anything within 200 ms.
    pub(crate) async fn next(&mut self) -> Option<tigo_client::tui::app::Msg> {
        tokio::time::timeout(Duration::from_millis(200), self.msgs.recv())
            .await
            .ok()
            .flatten()
    }
}

/// The terminal client's network side: after a drop it resumes its session, and what was sent
/// meanwhile arrives once, as a live event (no `join_room` replay, no REST paging).
async fn the_terminal_client_resumes_its_session_after_a_drop(backend: Backend) {
    use tigo_client::tui::app::{Link, Msg};
    use tigo_client::tui::event::ServerEvent;
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let mut tui = Tui::start(&app, &c).await;
    let mut online = 0;
    let mut new = Vec::new();
    let mut pages = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut dropped = false;
    while tokio::time::Instant::now() < deadline && new.len() < 3 {
        let Some(msg) = tui.next().await else {
            continue;
        };
        match msg {
            Msg::Link(Link::Online) => {
                online += 1;
                if online == 1 {
                    send(&o, room.id, "before").await;
                }
            }
            Msg::Server(ServerEvent::NewMessage(m)) => {
                new.push(m.content.clone());
                if m.content == "before" && !dropped {
                    dropped = true;
                    for conn in app.state.events.hub().user_conns(c.id()) {
                        conn.cut();
                    }
                    // Its replay anchor gone, a `join_room {lastMessageId}` replay would find
                    // nothing: only a resumed session brings what follows.
                    o.api.delete(m.id).await.expect("delete");
                    send(&o, room.id, "missed 1").await;
                    send(&o, room.id, "missed 2").await;
                }
            }
            Msg::History { older: false, .. } if online >= 2 => pages += 1,
            _ => {}
        }
    }
    tui.task.abort();
    assert_eq!(online, 2, "connected, dropped, reconnected");
    assert_eq!(new, vec!["before", "missed 1", "missed 2"]);
    assert_eq!(pages, 0, "nothing paged over REST after the reconnect");
}

/// With recovery off, the terminal client catches up over REST after a drop, also when the
/// last message it had was deleted meanwhile (its `join_room` replay then finds no anchor).
async fn without_recovery_the_terminal_client_pages_what_it_missed_past_a_deleted_anchor(
    backend: Backend,
) {
    use tigo_client::tui::app::{Link, Msg};
    use tigo_client::tui::event::ServerEvent;
    let app = spawn_app_with(backend, |config| config.session_recovery = Duration::ZERO).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let mut tui = Tui::start(&app, &c).await;
    let (mut online, mut live, mut paged) = (0, Vec::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline && paged.len() < 2 {
        let Some(msg) = tui.next().await else {
            continue;
        };
        match msg {
            Msg::Link(Link::Online) => {
                online += 1;
                if online == 1 {
                    send(&o, room.id, "anchor").await;
                }
            }
            Msg::Server(ServerEvent::NewMessage(m)) if live.is_empty() => {
                live.push(m.content.clone());
                for conn in app.state.events.hub().user_conns(c.id()) {
                    conn.cut();
                }
                o.api.delete(m.id).await.expect("delete");
                send(&o, room.id, "missed 1").await;
                send(&o, room.id, "missed 2").await;
            }
            Msg::History {
                older: false,
                messages,
                ..
            } if online >= 2 => paged.extend(messages.into_iter().map(|m| m.content)),
            _ => {}
        }
    }
    tui.task.abort();
    assert_eq!(online, 2, "connected, dropped, reconnected");
    assert_eq!(live, ["anchor"]);
    assert_eq!(paged, ["missed 1", "missed 2"]);
}

contract!(
    without_recovery_the_terminal_client_pages_what_it_missed_past_a_deleted_anchor,
    a_resumed_session_gets_what_it_missed_once_in_order_before_live_events,
    a_pid_is_useless_without_its_users_token_and_expires,
    the_log_is_pruned_past_the_recovery_window,
    with_recovery_off_there_is_no_pid_and_no_offset,
    the_terminal_client_resumes_its_session_after_a_drop,
);
