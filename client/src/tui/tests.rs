//! The terminal client's state transitions and what it draws (ratatui `TestBackend`): the shared
//! helpers the other `tests_*` modules use, and the login, room list and support queue tests.

use chrono::{Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tigo_common::{Message, MessageStatus, MessageType, Role, Room, RoomType, User, UserSummary};
use uuid::Uuid;

use super::app::{App, Cmd, Link, Msg, Screen};
use super::ui;

pub(super) fn user(first: &str, roles: &[Role]) -> User {
    User {
        id: Uuid::new_v4(),
        email: format!("{}@example.com", first.to_lowercase()),
        first_name: first.into(),
        last_name: "Test".into(),
        roles: roles.to_vec(),
    }
}

pub(super) fn room(a: &User, b: &User, minutes_ago: i64) -> Room {
    let at = Utc::now() - Duration::minutes(minutes_ago);
    Room {
        id: Uuid::new_v4(),
        room_type: RoomType::CustomerHotelOwner,
        participant1_id: a.id,
        participant2_id: b.id,
        participant1: a.summary(),
        participant2: b.summary(),
        hotel_id: None,
        last_message_content: Some("earlier".into()),
        last_message_at: Some(at),
        is_active: true,
        created_at: at,
        updated_at: at,
        unread_count: 0,
        assigned_admin_id: None,
        members: Vec::new(),
    }
}

pub(super) fn message(room: &Room, from: &User, content: &str) -> Message {
    let at = Utc::now();
    Message {
        id: Uuid::now_v7(),
        chat_room_id: room.id,
        sender_id: from.id,
        sender: UserSummary {
            id: from.id,
            first_name: from.first_name.clone(),
            last_name: from.last_name.clone(),
            email: from.email.clone(),
        },
        content: content.into(),
        message_type: MessageType::Text,
        status: MessageStatus::Sent,
        file_url: None,
        file_name: None,
        file_size: None,
        metadata: None,
        is_edited: false,
        edited_at: None,
        created_at: at,
        updated_at: at,
        reply_to: None,
        reactions: Vec::new(),
    }
}

pub(super) fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn typed(app: &mut App, text: &str) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for c in text.chars() {
        cmds.extend(app.update(key(KeyCode::Char(c))));
    }
    cmds
}

/// A signed-in customer with two rooms, the first focused.
pub(super) fn signed_in() -> (App, User, User, Room, Room) {
    let me = user("Carla", &[Role::Customer]);
    let owner = user("Oscar", &[Role::HotelOwner]);
    let other = user("Olga", &[Role::HotelOwner]);
    let mut app = App::new("http://127.0.0.1:3000", None);
    app.update(Msg::LoggedIn {
        user: me.clone(),
        token: "t".into(),
    });
    app.update(Msg::Link(Link::Online));
    let (r1, r2) = (room(&me, &owner, 1), room(&me, &other, 5));
    app.update(Msg::Rooms(vec![r2.clone(), r1.clone()]));
    (app, me, owner, r1, r2)
}

/// A test terminal of that size with the app drawn on it once.
pub(super) fn drawn(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| ui::draw(f, app)).expect("draw");
    terminal
}

pub(super) fn screen(app: &App, width: u16, height: u16) -> String {
    text_of(&drawn(app, width, height))
}

/// What a test terminal shows, row by row.
pub(super) fn text_of(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn logging_in_sends_the_credentials_and_a_failure_lets_the_user_retry() {
    let mut app = App::new("http://x", None);
    assert_eq!(app.screen, Screen::Login);
    typed(&mut app, "c@example.com");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "secret");
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Cmd::Login {
            email: "c@example.com".into(),
            password: "secret".into()
        }]
    );
    app.update(Msg::LoginFailed(
        "Wrong email or password, try again".into(),
    ));
    assert_eq!(app.screen, Screen::Login);
    assert!(
        app.login.password.is_empty(),
        "the wrong password is cleared"
    );
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Wrong email or password"), "{shown}");
    typed(&mut app, "right");
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Cmd::Login {
            email: "c@example.com".into(),
            password: "right".into()
        }]
    );
}

#[test]
fn rooms_sort_by_latest_activity_and_the_focused_one_is_marked_read() {
    let (mut app, me, owner, r1, r2) = signed_in();
    assert_eq!(app.chat.rooms[0].id, r1.id, "newest activity first");
    // A message in the unfocused room: unread there, and that room moves to the top.
    let cmds = app.update(Msg::Event {
        name: "new_message".into(),
        data: json!(message(&r2, &room_other(&r2, &me), "hi")),
    });
    assert!(cmds.is_empty());
    assert_eq!(app.chat.rooms[0].id, r2.id);
    assert_eq!(app.chat.rooms[0].unread_count, 1);
    // Focused room is still r1 (selection follows the room, not the index).
    assert_eq!(app.current_id(), Some(r1.id));
    // A message in the focused room is marked read at once.
    let cmds = app.update(Msg::Event {
        name: "new_message".into(),
        data: json!(message(&r1, &owner, "hello")),
    });
    assert_eq!(cmds, vec![Cmd::MarkRead(r1.id)]);
    // Focusing the other room marks it read.
    let cmds = app.update(key(KeyCode::Tab));
    assert!(cmds.contains(&Cmd::MarkRead(r2.id)), "{cmds:?}");
    assert_eq!(
        app.chat
            .rooms
            .iter()
            .find(|r| r.id == r2.id)
            .map(|r| r.unread_count),
        Some(0)
    );
}

fn room_other(room: &Room, me: &User) -> User {
    let o = room.other(me.id);
    User {
        id: o.id,
        email: o.email.clone(),
        first_name: o.first_name.clone(),
        last_name: o.last_name.clone(),
        roles: vec![Role::HotelOwner],
    }
}

#[test]
fn a_room_opened_with_new_gets_the_focus() {
    let (mut app, me, _owner, r1, _r2) = signed_in();
    let third = room(&me, &user("Nina", &[Role::HotelOwner]), 60);
    app.update(Msg::Event {
        name: "room_created".into(),
        data: json!(third),
    });
    assert_eq!(
        app.current_id(),
        Some(r1.id),
        "a room appearing does not steal the focus"
    );
    app.update(Msg::Focus(third.id));
    assert_eq!(app.current_id(), Some(third.id));
    typed(&mut app, "to Nina");
    let cmds = app.update(key(KeyCode::Enter));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Send { room, .. } if *room == third.id)),
        "{cmds:?}"
    );
}

#[test]
fn admins_get_the_support_queue_and_open_rooms_from_it() {
    let admin = user("Ada", &[Role::Admin]);
    let mut app = App::new("http://x", None);
    app.update(Msg::LoggedIn {
        user: admin,
        token: "t".into(),
    });
    let cmds = app.update(key(KeyCode::F(2)));
    assert_eq!(cmds, vec![Cmd::LoadQueue]);
    assert_eq!(app.screen, Screen::Queue);
    let waiting_room = Uuid::new_v4();
    app.update(Msg::Queue(vec![super::app::Waiting {
        room: waiting_room,
        kind: tigo_common::RoomType::CustomerAdmin,
        who: "Guest G <g@example.com>".into(),
        since: Utc::now() - Duration::minutes(42),
        preview: "where is my booking?".into(),
        assignee: None,
        assignee_id: None,
    }]));
    let shown = screen(&app, 100, 24);
    assert!(
        shown.contains("42m")
            && shown.contains("C↔A")
            && shown.contains("Guest G")
            && shown.contains("where is my booking?"),
        "{shown}"
    );
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Cmd::OpenRoom(waiting_room)]
    );
    assert_eq!(app.screen, Screen::Chat);
}

#[test]
fn after_a_delete_or_an_edit_the_room_list_shows_the_rooms_current_last_message() {
    let (mut app, me, _owner, r1, _) = signed_in();
    let first = message(&r1, &me, "first words");
    let last = message(&r1, &me, "last words");
    app.update(Msg::History {
        room: r1.id,
        messages: vec![first.clone(), last.clone()],
        older: false,
        total: 2,
    });
    let cmds = app.update(Msg::Event {
        name: "message_deleted".into(),
        data: json!({"messageId": last.id, "roomId": r1.id, "deletedBy": me.id}),
    });
    assert_eq!(cmds, vec![Cmd::RefreshRoom(r1.id)]);
    let mut now = r1.clone();
    now.last_message_content = Some("first words".into());
    now.last_message_at = Some(first.created_at);
    let last_of = |app: &App| {
        app.chat
            .rooms
            .iter()
            .find(|r| r.id == r1.id)
            .and_then(|r| r.last_message_content.clone())
    };
    assert_eq!(
        last_of(&app).as_deref(),
        Some("earlier"),
        "until the server says"
    );
    app.update(Msg::RoomChanged(now.clone()));
    assert_eq!(last_of(&app).as_deref(), Some("first words"));

    let mut edited = first.clone();
    edited.content = "first words, edited".into();
    edited.is_edited = true;
    let cmds = app.update(Msg::Event {
        name: "message_edited".into(),
        data: serde_json::to_value(&edited).expect("json"),
    });
    assert_eq!(cmds, vec![Cmd::RefreshRoom(r1.id)]);
    now.last_message_content = Some("edited again".into());
    app.update(Msg::RoomChanged(now));
    assert_eq!(last_of(&app).as_deref(), Some("edited again"));
    assert!(
        screen(&app, 120, 24).contains("edited again"),
        "the list shows it"
    );
}
