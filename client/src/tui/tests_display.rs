//! What the terminal client shows (issue 26, item 18): the help box's two columns apart and
//! only the role's own commands, the login error wrapped, messages wrapped between words, a
//! quote of an image, a report opened from Ctrl-R marked like a search jump, a deactivated
//! account signed out with the reason, feedback for `/leave`, status lines that go, `/save!`.

use chrono::{Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Modifier;
use tigo_common::{MessageType, ReplyTo, Role};
use uuid::Uuid;

use super::app::attachments::{expand_home, quoted};
use super::app::{App, Cmd, Link, Msg, ReportItem, Screen};
use super::tests::{drawn, key, message, room, screen, signed_in, typed, user};
use super::tests_screen::shows_every_word;

fn run(app: &mut App, line: &str) -> Vec<Cmd> {
    typed(app, line);
    app.update(key(KeyCode::Enter))
}

/// Every page of the help box, as the user turns them.
fn help_pages(app: &mut App) -> String {
    app.update(key(KeyCode::F(1)));
    let mut shown = String::new();
    for _ in 0..4 {
        shown.push_str(&screen(app, 80, 24));
        app.update(key(KeyCode::PageDown));
    }
    app.update(key(KeyCode::Esc));
    shown
}

/// What is drawn reversed (a search jump's mark, the room list's focus), row by row.
fn reversed_rows(app: &App, width: u16, height: u16) -> Vec<String> {
    let buffer = drawn(app, width, height).backend().buffer().clone();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| &buffer[(x, y)])
                .filter(|cell| cell.modifier.contains(Modifier::REVERSED))
                .map(|cell| cell.symbol())
                .collect()
        })
        .collect()
}

#[test]
fn the_help_box_keeps_its_columns_apart_and_shows_a_customer_no_admin_commands() {
    let (mut app, ..) = signed_in();
    let shown = help_pages(&mut app);
    // The longest key and its description, two columns apart at least.
    assert!(shown.contains("Up / Down, PgUp / PgDn  "), "{shown}");
    assert!(!shown.contains("PgDnscroll"), "{shown}");
    for admin_only in [
        "/assign", "/resolve", "/replies", "Ctrl-R,", "F2", "/reports",
    ] {
        assert!(
            !shown.contains(admin_only),
            "{admin_only:?} shown:\n{shown}"
        );
    }
    let mut admin = App::new("http://x", None);
    admin.update(Msg::LoggedIn {
        user: user("Ada", &[Role::Admin]),
        token: "t".into(),
    });
    let shown = help_pages(&mut admin);
    for command in ["/assign", "/resolve", "/replies", "Ctrl-R", "F2, /queue"] {
        assert!(shown.contains(command), "{command:?} missing:\n{shown}");
    }
}

#[test]
fn a_long_login_error_is_wrapped_whole() {
    let mut app = App::new("http://chat-staging.internal.example.com:3000", None);
    let why = "cannot connect to http://chat-staging.internal.example.com:3000: \
               is the server running?";
    app.update(Msg::LoginFailed(why.into()));
    let shown = screen(&app, 80, 24);
    shows_every_word(&shown, why);
    shows_every_word(&shown, &app.server);
}

#[test]
fn messages_wrap_between_words() {
    let (mut app, me, _owner, r1, _) = signed_in();
    let text = "Hi! Is an early check-in possible on Friday? We land at nine and would \
                love to drop our bags before a walk along the harbour.";
    app.update(Msg::History {
        room: r1.id,
        messages: vec![message(&r1, &me, text)],
        older: false,
        total: 1,
    });
    let shown = screen(&app, 80, 24);
    shows_every_word(&shown, text);
}

#[test]
fn a_reply_to_an_image_quotes_it_by_its_name() {
    let (mut app, me, owner, r1, _) = signed_in();
    let mut photo = message(&r1, &owner, "");
    photo.message_type = MessageType::Image;
    photo.file_name = Some("dusche.jpg".into());
    photo.file_url = Some("http://x/chat/files/1".into());
    let quote = |id| ReplyTo {
        id,
        sender_id: owner.id,
        content: String::new(),
        message_type: MessageType::Image,
        deleted: false,
    };
    let mut reply = message(&r1, &me, "that shower?");
    reply.reply_to = Some(quote(photo.id));
    // A reply to an image not loaded here: its kind at least.
    let mut older = message(&r1, &me, "and that one?");
    older.reply_to = Some(quote(Uuid::new_v4()));
    app.update(Msg::History {
        room: r1.id,
        messages: vec![photo, reply, older],
        older: false,
        total: 3,
    });
    let shown = screen(&app, 100, 24);
    assert!(shown.contains("↪ Oscar: [image] dusche.jpg"), "{shown}");
    assert!(shown.contains("↪ Oscar: [image] "), "{shown}");
    assert_eq!(
        quoted(MessageType::File, "", Some("rechnung.pdf")),
        "📎 rechnung.pdf"
    );
    assert_eq!(
        quoted(MessageType::Image, "the view", None),
        "[image] the view"
    );
    assert_eq!(quoted(MessageType::Text, "hello", None), "hello");
}

#[test]
fn a_report_opened_from_ctrl_r_is_marked_like_a_search_jump() {
    let admin = user("Ada", &[Role::Admin]);
    let guest = user("Gina", &[Role::Customer]);
    let mut app = App::new("http://x", None);
    app.update(Msg::LoggedIn {
        user: admin.clone(),
        token: "t".into(),
    });
    let support = room(&guest, &admin, 3);
    app.update(Msg::Rooms(vec![support.clone()]));
    let rude = message(&support, &guest, "you are all useless");
    let later = message(&support, &guest, "hello?");
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    app.update(Msg::Reports(vec![ReportItem {
        id: Uuid::new_v4(),
        room: support.id,
        message: rude.id,
        reason: "insulting".into(),
        content: rude.content.clone(),
        author: "Gina Test".into(),
    }]));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.screen, Screen::Chat);
    app.update(Msg::History {
        room: support.id,
        messages: vec![rude, later],
        older: false,
        total: 2,
    });
    let marked = reversed_rows(&app, 100, 24);
    assert!(
        marked.iter().any(|r| r.contains("you are all useless")),
        "{marked:?}"
    );
    assert!(
        !marked.iter().any(|r| r.contains("hello?")),
        "only the reported message: {marked:?}"
    );
}

#[test]
fn a_deactivated_account_is_signed_out_with_the_reason() {
    let (mut app, me, ..) = signed_in();
    typed(&mut app, "half a line");
    app.update(Msg::SignedOut("This account is deactivated".into()));
    assert_eq!(app.screen, Screen::Login);
    assert!(app.me.is_none() && app.chat.rooms.is_empty());
    assert_eq!(app.login.email, me.email, "ready to log in again");
    let shown = screen(&app, 80, 24);
    assert!(
        shown.contains("Signed out: This account is deactivated"),
        "{shown}"
    );
    assert!(!shown.contains("reconnecting"), "{shown}");
}

#[test]
fn reconnecting_says_why_the_last_attempt_failed() {
    let (mut app, ..) = signed_in();
    app.update(Msg::Link(Link::Reconnecting {
        attempt: 2,
        in_secs: 2,
        why: Some("refused: Too many connections for this user".into()),
    }));
    let shown = screen(&app, 100, 24);
    assert!(shown.contains("Too many connections"), "{shown}");
}

#[test]
fn leave_says_what_it_did_and_status_lines_go_by_themselves() {
    let (mut app, _me, _owner, r1, r2) = signed_in();
    let cmds = run(&mut app, "/leave");
    assert_eq!(cmds.first(), Some(&Cmd::Leave(r1.id)));
    assert!(cmds.contains(&Cmd::OpenRoom(r2.id)), "{cmds:?}");
    assert_eq!(
        app.current_id(),
        Some(r2.id),
        "the next room takes the focus"
    );
    let status = app.status.clone().unwrap_or_default();
    assert!(status.contains("left the room with Oscar Test"), "{status}");
    assert!(screen(&app, 100, 24).contains("left the room with Oscar Test"));
    // A newer line replaces it; then it goes by itself.
    run(&mut app, "/bogus");
    assert!(app.status.as_deref().is_some_and(|s| s.contains("unknown")));
    app.expire_status(Utc::now() + Duration::seconds(5));
    assert!(app.status.is_some(), "still shown after 5 s");
    app.expire_status(Utc::now() + Duration::seconds(11));
    assert_eq!(app.status, None);
    assert!(!screen(&app, 100, 24).contains("unknown command"));
}

#[test]
fn save_bang_overwrites_and_a_tilde_is_the_home_folder() {
    let (mut app, _me, owner, r1, _) = signed_in();
    let mut file = message(&r1, &owner, "");
    file.message_type = MessageType::File;
    file.file_name = Some("rechnung.pdf".into());
    file.file_url = Some("http://x/chat/files/1".into());
    app.update(Msg::History {
        room: r1.id,
        messages: vec![file],
        older: false,
        total: 1,
    });
    let save = |path: &str, overwrite| Cmd::Save {
        url: "http://x/chat/files/1".into(),
        path: path.into(),
        name: "rechnung.pdf".into(),
        overwrite,
    };
    assert_eq!(run(&mut app, "/save ~/r.pdf"), vec![save("~/r.pdf", false)]);
    assert_eq!(run(&mut app, "/save! ~/r.pdf"), vec![save("~/r.pdf", true)]);
    assert!(run(&mut app, "/save!").is_empty());
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.contains("usage: /save! PATH"))
    );
    let home = std::path::Path::new("/home/carla");
    assert_eq!(
        expand_home("~/Downloads/r.pdf", Some(home)),
        home.join("Downloads/r.pdf")
    );
    assert_eq!(expand_home("~", Some(home)), home);
    assert_eq!(
        expand_home("~bob/r.pdf", Some(home)),
        std::path::PathBuf::from("~bob/r.pdf"),
        "another user's home is not guessed"
    );
    assert_eq!(
        expand_home("/tmp/r.pdf", Some(home)),
        std::path::PathBuf::from("/tmp/r.pdf")
    );
}
