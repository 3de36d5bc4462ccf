//! The terminal client's state transitions and what it draws (ratatui `TestBackend`).

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

pub(super) fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| ui::draw(f, app)).expect("draw");
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
fn repeats_are_dropped_and_history_merges_in_order() {
    let (mut app, _me, owner, r1, _) = signed_in();
    let a = message(&r1, &owner, "a");
    let mut b = message(&r1, &owner, "b");
    b.created_at = a.created_at + Duration::milliseconds(1);
    app.update(Msg::Event {
        name: "new_message".into(),
        data: json!(b),
    });
    app.update(Msg::Event {
        name: "new_message".into(),
        data: json!(b),
    });
    app.update(Msg::History {
        room: r1.id,
        messages: vec![a.clone(), b.clone()],
        older: false,
        total: 2,
    });
    let contents: Vec<&str> = app.chat.messages[&r1.id]
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(contents, vec!["a", "b"]);
}

#[test]
fn receipts_move_own_messages_from_sent_to_delivered_to_read() {
    let (mut app, me, owner, r1, _) = signed_in();
    let mine = message(&r1, &me, "mine");
    app.update(Msg::Event {
        name: "message_sent".into(),
        data: json!({"messageId": mine.id, "message": mine}),
    });
    app.update(Msg::Event {
        name: "message_delivered".into(),
        data: json!({"messageId": mine.id, "roomId": r1.id, "userId": owner.id}),
    });
    assert_eq!(
        app.chat.messages[&r1.id][0].status,
        MessageStatus::Delivered
    );
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("you: mine ✓✓"), "{shown}");
    app.update(Msg::Event {
        name: "messages_read".into(),
        data: json!({"userId": owner.id, "roomId": r1.id, "readAt": "2024-01-01T00:00:00Z"}),
    });
    assert_eq!(app.chat.messages[&r1.id][0].status, MessageStatus::Read);
    assert!(screen(&app, 80, 24).contains("✓✓ read"));
}

#[test]
fn typing_shows_and_clears() {
    let (mut app, _me, owner, r1, _) = signed_in();
    app.update(Msg::Event {
        name: "user_typing".into(),
        data: json!({"userId": owner.id, "roomId": r1.id, "isTyping": true}),
    });
    assert_eq!(app.typists(), vec!["Oscar".to_string()]);
    assert!(screen(&app, 80, 24).contains("Oscar is typing…"));
    app.update(Msg::Event {
        name: "user_typing".into(),
        data: json!({"userId": owner.id, "roomId": r1.id, "isTyping": false}),
    });
    assert!(app.typists().is_empty());
    assert!(!screen(&app, 80, 24).contains("is typing"));
}

#[test]
fn typing_a_line_announces_typing_once_then_sends_with_a_client_id() {
    let (mut app, _me, _owner, r1, _) = signed_in();
    let cmds = typed(&mut app, "hello");
    assert_eq!(
        cmds,
        vec![Cmd::Typing {
            room: r1.id,
            on: true
        }],
        "one start for the burst of keys"
    );
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(cmds.len(), 2);
    assert_eq!(
        cmds[0],
        Cmd::Typing {
            room: r1.id,
            on: false
        }
    );
    match &cmds[1] {
        Cmd::Send {
            room,
            content,
            client_msg_id,
            reply_to: None,
        } => {
            assert_eq!((*room, content.as_str()), (r1.id, "hello"));
            assert!(client_msg_id.starts_with("tui-"));
        }
        other => panic!("expected a send, got {other:?}"),
    }
    assert!(app.chat.input.is_empty());
}

#[test]
fn slash_commands_map_to_actions() {
    let (mut app, me, _owner, r1, _) = signed_in();
    let mine = message(&r1, &me, "oops");
    app.update(Msg::History {
        room: r1.id,
        messages: vec![mine.clone()],
        older: false,
        total: 1,
    });
    let run = |app: &mut App, line: &str| {
        typed(app, line);
        app.update(key(KeyCode::Enter))
    };
    assert_eq!(
        run(&mut app, "/edit fixed"),
        vec![Cmd::Edit {
            message: mine.id,
            content: "fixed".into()
        }]
    );
    assert_eq!(run(&mut app, "/delete"), vec![Cmd::Delete(mine.id)]);
    assert_eq!(
        run(&mut app, "/new olga@example.com"),
        vec![Cmd::NewRoom {
            email: "olga@example.com".into()
        }]
    );
    assert_eq!(run(&mut app, "/quit"), vec![Cmd::Quit]);
    assert!(run(&mut app, "/bogus").is_empty());
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.contains("unknown command"))
    );
    run(&mut app, "/help");
    assert_eq!(app.screen, Screen::Help);
    let shown = screen(&app, 80, 24);
    assert!(
        shown.contains("/new EMAIL") && shown.contains("/delete"),
        "{shown}"
    );
    app.update(key(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Chat);
    assert!(
        run(&mut app, "/queue").is_empty(),
        "a customer has no queue"
    );
    assert_eq!(run(&mut app, "/leave"), vec![Cmd::Leave(r1.id)]);
    assert!(!app.chat.rooms.iter().any(|r| r.id == r1.id));
}

#[test]
fn scrolling_past_the_loaded_history_asks_for_older_messages() {
    let (mut app, _me, owner, r1, _) = signed_in();
    let page: Vec<Message> = (0..3)
        .map(|i| message(&r1, &owner, &format!("m{i}")))
        .collect();
    let first = page[0].id;
    app.update(Msg::History {
        room: r1.id,
        messages: page,
        older: false,
        total: 200,
    });
    let cmds = app.update(key(KeyCode::PageUp));
    assert_eq!(
        cmds,
        vec![Cmd::LoadOlder {
            room: r1.id,
            before: first
        }]
    );
    assert!(
        app.update(key(KeyCode::PageUp)).is_empty(),
        "one request at a time"
    );
    app.update(Msg::History {
        room: r1.id,
        messages: vec![],
        older: true,
        total: 200,
    });
    assert!(
        app.chat.complete.contains(&r1.id),
        "an empty older page means the start was reached"
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
    let cmds = app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('w'),
        KeyModifiers::CONTROL,
    )));
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
fn the_chat_screen_fits_80_by_24_and_shows_everything_the_issue_lists() {
    let (mut app, _me, owner, r1, _) = signed_in();
    app.update(Msg::Online {
        room: r1.id,
        users: vec![owner.id],
    });
    let mut edited = message(&r1, &owner, "Welcome to the hotel!");
    edited.is_edited = true;
    app.update(Msg::History {
        room: r1.id,
        messages: vec![edited],
        older: false,
        total: 1,
    });
    let shown = screen(&app, 80, 24);
    for expected in [
        "rooms (2)",
        "● Oscar Test",
        "C↔H HotelOwner",
        "guest↔hotel",
        "Welcome to the hotel! (edited)",
        "● connected",
        "carla@example.com (Customer)",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} missing from\n{shown}"
        );
    }
    app.update(Msg::Link(Link::Reconnecting {
        attempt: 2,
        in_secs: 2,
    }));
    assert!(screen(&app, 80, 24).contains("reconnecting…"));
    // Tiny terminals do not panic.
    let _ = screen(&app, 20, 5);
    let _ = screen(&app, 1, 1);
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

/// Every word of `text` is on the screen whole (nothing cut mid-word at the edge).
fn shows_every_word(shown: &str, text: &str) {
    let words: Vec<&str> = shown.split_whitespace().collect();
    for word in text.split_whitespace() {
        assert!(
            words.iter().any(|w| w.contains(word)),
            "{word:?} is not on the screen whole:\n{shown}"
        );
    }
}

#[test]
fn the_help_box_and_the_status_line_fit_80_columns_without_cutting_words() {
    let (mut app, _me, _owner, _r1, _) = signed_in();
    app.update(Msg::Key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)));
    // Every page of the help box, turned with PgDn.
    let mut shown = String::new();
    for _ in 0..4 {
        shown.push_str(&screen(&app, 80, 24));
        app.update(key(KeyCode::PageDown));
    }
    assert_eq!(app.screen, super::app::Screen::Help, "PgDn keeps it open");
    for (key, what) in super::app::HELP {
        shows_every_word(&shown, key);
        shows_every_word(&shown, what);
    }

    let (mut app, _me, _owner, _r1, _) = signed_in();
    app.server = "http://chat-staging.internal.example.com:3000".into();
    app.link = Link::Reconnecting {
        attempt: 12,
        in_secs: 30,
    };
    app.status = Some("error: You do not have access to this chat room".into());
    let shown = screen(&app, 80, 24);
    shows_every_word(
        &shown,
        "reconnecting… (attempt 12, next in 30s) carla@example.com (Customer) \
         http://chat-staging.internal.example.com:3000 \
         error: You do not have access to this chat room",
    );
}

#[test]
fn react_and_reply_act_on_the_other_sides_newest_message_and_show_under_it() {
    let (mut app, me, owner, r1, _) = signed_in();
    let theirs = message(&r1, &owner, "Breakfast is at seven");
    let mine = message(&r1, &me, "Thanks");
    app.update(Msg::History {
        room: r1.id,
        messages: vec![theirs.clone(), mine.clone()],
        older: false,
        total: 2,
    });
    typed(&mut app, "/react 👍");
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Cmd::React {
            message: theirs.id,
            emoji: "👍".into()
        }]
    );
    app.update(Msg::Event {
        name: "reaction_updated".into(),
        data: json!({"messageId": theirs.id, "roomId": r1.id, "reactions": [
            {"emoji": "👍", "count": 2, "user_ids": [me.id, owner.id]},
            {"emoji": "❤️", "count": 1, "user_ids": [owner.id]}]}),
    });
    typed(&mut app, "/reply see you there");
    let cmds = app.update(key(KeyCode::Enter));
    let Some(Cmd::Send {
        content, reply_to, ..
    }) = cmds.iter().find(|c| matches!(c, Cmd::Send { .. }))
    else {
        panic!("expected a send, got {cmds:?}");
    };
    assert_eq!(
        (content.as_str(), *reply_to),
        ("see you there", Some(theirs.id))
    );
    let mut reply = message(&r1, &me, "see you there");
    reply.reply_to = Some(tigo_common::ReplyTo {
        id: theirs.id,
        sender_id: owner.id,
        content: theirs.content.clone(),
        message_type: MessageType::Text,
        deleted: false,
    });
    app.update(Msg::Event {
        name: "new_message".into(),
        data: serde_json::to_value(&reply).expect("json"),
    });
    let shown = screen(&app, 120, 24);
    let lines: Vec<&str> = shown.lines().collect();
    let at = |text: &str| {
        lines
            .iter()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("{text:?} not on screen:\n{shown}"))
    };
    // Wide characters take two cells: the test backend shows a blank after each.
    let counts = at("❤");
    assert_eq!(counts, at("Breakfast is at seven") + 1, "{shown}");
    let squeezed: String = lines[counts].split_whitespace().collect();
    assert!(squeezed.contains("👍2❤️1"), "{shown}");
    assert!(
        at("↪ Oscar: Breakfast is at seven") + 1 == at("you: see you there"),
        "{shown}"
    );
}

#[test]
fn react_and_reply_need_a_message_from_the_other_side() {
    let (mut app, me, _owner, r1, _) = signed_in();
    app.update(Msg::History {
        room: r1.id,
        messages: vec![message(&r1, &me, "only mine")],
        older: false,
        total: 1,
    });
    for line in ["/react 👍", "/reply hello"] {
        typed(&mut app, line);
        assert!(app.update(key(KeyCode::Enter)).is_empty(), "{line}");
        assert!(
            app.status
                .as_deref()
                .is_some_and(|s| s.contains("other side"))
        );
    }
}

#[test]
fn search_lists_results_and_enter_jumps_to_the_message_loading_older_pages() {
    let (mut app, me, owner, r1, r2) = signed_in();
    let old = message(&r2, &me, "where is the parking");
    let newer = message(&r2, &owner, "newest in that room");
    typed(&mut app, "/search parking");
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Cmd::Search {
            q: "parking".into()
        }]
    );
    assert_eq!(app.screen, Screen::Search);
    app.update(Msg::SearchResults {
        messages: vec![old.clone()],
        total: 1,
    });
    let shown = screen(&app, 100, 20);
    assert!(
        shown.contains("1 found") && shown.contains("where is the parking"),
        "{shown}"
    );
    assert!(
        shown.contains("Olga Test") && shown.contains("you"),
        "{shown}"
    );
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(app.screen, Screen::Chat);
    assert_eq!(app.current_id(), Some(r2.id));
    assert!(cmds.contains(&Cmd::OpenRoom(r2.id)), "{cmds:?}");
    // The room's newest page lacks the message: the page before it is fetched.
    let cmds = app.update(Msg::History {
        room: r2.id,
        messages: vec![newer.clone()],
        older: false,
        total: 2,
    });
    assert_eq!(
        cmds,
        vec![Cmd::LoadOlder {
            room: r2.id,
            before: newer.id
        }]
    );
    let cmds = app.update(Msg::History {
        room: r2.id,
        messages: vec![old.clone()],
        older: true,
        total: 2,
    });
    assert!(cmds.is_empty());
    assert!(screen(&app, 100, 20).contains("where is the parking"));
    assert!(app.chat.jump.is_some(), "marked until the user scrolls");
    app.update(key(KeyCode::Up));
    assert!(app.chat.jump.is_none());
    let _ = r1;
}
