//! The Admin desk in the terminal client, driven through `App::update` like the other screen
//! tests: reports (Ctrl-R, Enter, /resolve), assignment (/assign, /unassign, the queue's
//! assignee following `room_assigned`) and saved replies (/r NAME, /replies).

use chrono::{Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use tigo_common::{Role, RoomType, SavedReply};
use uuid::Uuid;

use super::app::{App, Cmd, Msg, ReportItem, Screen, Waiting};
use super::tests::{key, room, screen, typed, user};

fn admin_app() -> (App, tigo_common::User) {
    let admin = user("Ada", &[Role::Admin]);
    let mut app = App::new("http://x", None);
    app.update(Msg::LoggedIn {
        user: admin.clone(),
        token: "t".into(),
    });
    (app, admin)
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

#[test]
fn ctrl_r_lists_open_reports_and_enter_opens_the_message_to_resolve() {
    let (mut app, _admin) = admin_app();
    assert_eq!(app.update(ctrl('r')), vec![Cmd::LoadReports]);
    assert_eq!(app.screen, Screen::Reports);
    let (report, room) = (Uuid::new_v4(), Uuid::new_v4());
    app.update(Msg::Reports(vec![ReportItem {
        id: report,
        room,
        message: Uuid::new_v4(),
        reason: "insulting".into(),
        content: "rude words".into(),
        author: "Oscar Tester".into(),
    }]));
    let shown = screen(&app, 100, 24);
    assert!(
        shown.contains("1 open") && shown.contains("insulting") && shown.contains("rude words"),
        "{shown}"
    );
    assert_eq!(app.update(key(KeyCode::Enter)), vec![Cmd::OpenRoom(room)]);
    assert_eq!(app.screen, Screen::Chat);
    assert!(
        app.status
            .as_deref()
            .unwrap_or_default()
            .contains("/resolve")
    );
    typed(&mut app, "/resolve delete");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Cmd::Resolve {
            report,
            action: "delete_message".into()
        }]
    );
    typed(&mut app, "/resolve dismiss");
    assert_eq!(app.update(key(KeyCode::Enter)), Vec::<Cmd>::new());
    assert!(
        app.status
            .as_deref()
            .unwrap_or_default()
            .contains("no report open")
    );
}

#[test]
fn reports_are_for_admins() {
    let customer = user("Carla", &[Role::Customer]);
    let mut app = App::new("http://x", None);
    app.update(Msg::LoggedIn {
        user: customer,
        token: "t".into(),
    });
    assert!(app.update(ctrl('r')).is_empty());
    assert_eq!(app.screen, Screen::Chat);
}

#[test]
fn assign_and_unassign_take_the_room_in_focus() {
    let (mut app, admin) = admin_app();
    let guest = user("Gina", &[Role::Customer]);
    let mut support = room(&guest, &admin, 3);
    support.room_type = RoomType::CustomerAdmin;
    app.update(Msg::Rooms(vec![support.clone()]));
    typed(&mut app, "/assign");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Cmd::Assign {
            room: support.id,
            take: true
        }]
    );
    typed(&mut app, "/unassign");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Cmd::Assign {
            room: support.id,
            take: false
        }]
    );
}

#[test]
fn the_queue_shows_the_assignee_and_follows_room_assigned() {
    let (mut app, admin) = admin_app();
    app.update(key(KeyCode::F(2)));
    let (room, other) = (Uuid::new_v4(), Uuid::new_v4());
    app.update(Msg::Queue(vec![Waiting {
        room,
        kind: RoomType::HotelOwnerAdmin,
        who: "Oscar Tester <o@example.com>".into(),
        since: Utc::now() - Duration::minutes(7),
        preview: "payout?".into(),
        assignee: Some("Bea Tester".into()),
        assignee_id: Some(other),
    }]));
    let shown = screen(&app, 110, 24);
    assert!(
        shown.contains("H↔A") && shown.contains("7m") && shown.contains("Bea Tester"),
        "{shown}"
    );
    let cmds = app.update(Msg::Event {
        name: "room_assigned".into(),
        data: json!({"roomId": room, "adminId": admin.id}),
    });
    assert_eq!(cmds, vec![Cmd::LoadQueue], "the open queue reloads");
    assert!(screen(&app, 110, 24).contains("me"), "shown at once");
    app.update(Msg::Event {
        name: "room_assigned".into(),
        data: json!({"roomId": room, "adminId": null}),
    });
    assert!(screen(&app, 110, 24).contains("unassigned"));
}

#[test]
fn r_name_puts_a_saved_reply_into_the_line_for_editing() {
    let (mut app, _admin) = admin_app();
    typed(&mut app, "/r checkin");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Cmd::LoadReplies {
            then_use: Some("checkin".into())
        }]
    );
    let replies = vec![SavedReply {
        id: Uuid::new_v4(),
        name: "checkin".into(),
        text: "Check-in is from 14:00.".into(),
    }];
    app.update(Msg::Replies {
        replies,
        then_use: Some("checkin".into()),
    });
    assert_eq!(app.chat.input.value(), "Check-in is from 14:00.");
    // Known now: no round trip; the text stays editable before Enter.
    app.chat.input.reset();
    typed(&mut app, "/r checkin");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    app.update(key(KeyCode::Backspace));
    assert_eq!(app.chat.input.value(), "Check-in is from 14:00");
    app.chat.input.reset();
    typed(&mut app, "/replies");
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(cmds, vec![Cmd::LoadReplies { then_use: None }]);
    let listed = app.desk.replies.clone();
    app.update(Msg::Replies {
        replies: listed,
        then_use: None,
    });
    assert!(
        app.status
            .as_deref()
            .unwrap_or_default()
            .contains("checkin")
    );
}
