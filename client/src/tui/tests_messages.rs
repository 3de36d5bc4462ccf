//! The terminal client's messages: repeats dropped and history merged in order, receipts, typing,
//! sending a line, slash commands, paging back, and search jumping to a message.

use chrono::Duration;
use crossterm::event::KeyCode;
use serde_json::json;
use tigo_common::{Message, MessageStatus};

use super::app::{App, Cmd, Msg, Screen};
use super::tests::{key, message, screen, signed_in, typed};

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
    assert!(app.chat.input.value().is_empty());
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
    assert_eq!(run(&mut app, "/leave").first(), Some(&Cmd::Leave(r1.id)));
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
