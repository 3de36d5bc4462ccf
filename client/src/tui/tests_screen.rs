//! What the terminal client draws: the chat screen at 80×24 (and tiny terminals without a panic),
//! the help box and the status line at 80 columns without a word cut.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Link, Msg};
use super::tests::{key, message, screen, signed_in};

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
        why: None,
    }));
    assert!(screen(&app, 80, 24).contains("reconnecting…"));
    // Tiny terminals do not panic.
    let _ = screen(&app, 20, 5);
    let _ = screen(&app, 1, 1);
}

/// Every word of `text` is on the screen whole (nothing cut mid-word at the edge).
pub(super) fn shows_every_word(shown: &str, text: &str) {
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
    let customers = super::app::HELP
        .iter()
        .filter(|(_, _, audience)| *audience == super::app::For::Everyone);
    for (key, what, _) in customers {
        shows_every_word(&shown, key);
        shows_every_word(&shown, what);
    }

    let (mut app, _me, _owner, _r1, _) = signed_in();
    app.server = "http://chat-staging.internal.example.com:3000".into();
    app.link = Link::Reconnecting {
        attempt: 12,
        in_secs: 30,
        why: None,
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
