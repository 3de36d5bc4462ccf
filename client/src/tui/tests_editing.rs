//! The input line is a line editor (`tui-input`): readline's keys move and delete, the cursor
//! sits by display columns (`日本語 👍🏽 café`), a line wider than the box scrolls sideways,
//! and the chat screen's own keys (Enter, Esc, Tab, Up/Down, Ctrl-N, F2) still work.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tigo_common::Role;

use super::app::{App, Cmd, Msg, Screen};
use super::tests::{drawn, key, signed_in, text_of, typed, user};

fn with(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn ctrl(c: char) -> Msg {
    with(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn press(app: &mut App, keys: &[Msg]) {
    for k in keys {
        app.update(k.clone());
    }
}

/// The same key `n` times.
fn times(code: KeyCode, n: usize) -> Vec<Msg> {
    vec![key(code); n]
}

/// The screen's text and where the terminal's cursor is.
fn drawn_at(app: &App, width: u16, height: u16) -> (String, (u16, u16)) {
    let mut terminal = drawn(app, width, height);
    let cursor = terminal.get_cursor_position().expect("cursor");
    (text_of(&terminal), (cursor.x, cursor.y))
}

/// The row of the screen that holds the input line (`│> …`).
fn input_row(shown: &str) -> (usize, String) {
    shown
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("│> "))
        .map(|(i, l)| (i, l.to_string()))
        .expect("an input line")
}

#[test]
fn readline_keys_move_and_delete_in_the_line() {
    let (mut app, ..) = signed_in();
    typed(&mut app, "see you friday");
    press(&mut app, &times(KeyCode::Left, 6));
    typed(&mut app, "on ");
    assert_eq!(app.chat.input.value(), "see you on friday");
    press(&mut app, &[key(KeyCode::Home)]);
    typed(&mut app, "ok, ");
    press(&mut app, &[ctrl('e')]);
    typed(&mut app, "!");
    assert_eq!(app.chat.input.value(), "ok, see you on friday!");
    // Ctrl-A / Ctrl-F / Ctrl-B move like Home / Right / Left.
    press(&mut app, &[ctrl('a'), ctrl('f'), ctrl('f'), ctrl('b')]);
    typed(&mut app, "k");
    assert_eq!(app.chat.input.value(), "okk, see you on friday!");
    press(&mut app, &[key(KeyCode::Backspace), key(KeyCode::Delete)]);
    assert_eq!(app.chat.input.value(), "o, see you on friday!");
    // Ctrl-W deletes the word before the cursor, Ctrl-K the rest, Ctrl-U up to the cursor.
    press(&mut app, &[key(KeyCode::End), ctrl('w')]);
    assert_eq!(app.chat.input.value(), "o, see you on ");
    press(
        &mut app,
        &[key(KeyCode::Home), ctrl('f'), ctrl('f'), ctrl('k')],
    );
    assert_eq!(app.chat.input.value(), "o,");
    typed(&mut app, " bye");
    press(
        &mut app,
        &[key(KeyCode::Left), key(KeyCode::Left), ctrl('u')],
    );
    assert_eq!(app.chat.input.value(), "ye");
    // Enter sends the line as edited, and empties it.
    let cmds = app.update(key(KeyCode::Enter));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Send { content, .. } if content == "ye")),
        "{cmds:?}"
    );
    assert_eq!(app.chat.input.value(), "");
}

#[test]
fn the_cursor_sits_by_display_width_and_moves_a_whole_character_at_a_time() {
    let (mut app, ..) = signed_in();
    typed(&mut app, "日本語 👍🏽 café");
    let (shown, (x, y)) = drawn_at(&app, 80, 24);
    let (row, line) = input_row(&shown);
    assert_eq!(y as usize, row, "{shown}");
    // `│> ` then 日本語 (6 columns), a space, 👍🏽 (2), a space, café (4): column 3 + 14.
    assert_eq!(x, 3 + 14, "{line}");
    // Left over é, f, a, c, the space and the emoji with its skin tone (one character).
    press(&mut app, &times(KeyCode::Left, 6));
    assert_eq!(drawn_at(&app, 80, 24).1.0, 3 + 7);
    typed(&mut app, "!");
    assert_eq!(app.chat.input.value(), "日本語 !👍🏽 café");
    press(&mut app, &[key(KeyCode::Home), key(KeyCode::Right)]);
    assert_eq!(drawn_at(&app, 80, 24).1.0, 3 + 2, "past one wide character");
}

#[test]
fn a_line_wider_than_the_box_scrolls_to_keep_the_cursor_in_view() {
    let (mut app, ..) = signed_in();
    let words: Vec<String> = (0..30).map(|i| format!("word{i:02}")).collect();
    typed(&mut app, &words.join(" "));
    let (shown, (x, _)) = drawn_at(&app, 80, 24);
    let (_, line) = input_row(&shown);
    assert!(
        line.contains("word29") && !line.contains("word00"),
        "{line}"
    );
    assert!(x < 79, "the cursor is inside the box: {x}");
    press(&mut app, &[key(KeyCode::Home)]);
    let (shown, (x, _)) = drawn_at(&app, 80, 24);
    let (_, line) = input_row(&shown);
    assert!(
        line.contains("word00") && !line.contains("word29"),
        "{line}"
    );
    assert_eq!(x, 3);
    assert_eq!(app.chat.input.value(), words.join(" "), "nothing lost");
}

#[test]
fn the_chat_screens_own_keys_still_work_around_the_editor() {
    let (mut app, _me, _owner, r1, r2) = signed_in();
    typed(&mut app, "half a thought");
    // Tab switches rooms; the line stays as typed.
    assert!(
        app.update(key(KeyCode::Tab))
            .contains(&Cmd::OpenRoom(r2.id))
    );
    assert_eq!(app.current_id(), Some(r2.id));
    assert_eq!(app.chat.input.value(), "half a thought");
    // Up / Down scroll the messages rather than move in the line.
    app.update(key(KeyCode::Up));
    assert_eq!(app.chat.input.value(), "half a thought");
    // Esc clears the line; Ctrl-N starts /new with the cursor after it.
    app.update(key(KeyCode::Esc));
    assert_eq!(app.chat.input.value(), "");
    app.update(ctrl('n'));
    typed(&mut app, "olga@example.com");
    assert!(app.update(key(KeyCode::Enter)).contains(&Cmd::NewRoom {
        email: "olga@example.com".into()
    }));
    let _ = r1;

    // An Admin's Ctrl-W deletes a word like anyone's; F2 is the support queue.
    let mut app = App::new("http://x", None);
    app.update(Msg::LoggedIn {
        user: user("Ada", &[Role::Admin]),
        token: "t".into(),
    });
    typed(&mut app, "two words");
    assert!(app.update(ctrl('w')).is_empty());
    assert_eq!(app.screen, Screen::Chat);
    assert_eq!(app.chat.input.value(), "two ");
    assert_eq!(app.update(key(KeyCode::F(2))), vec![Cmd::LoadQueue]);
    assert_eq!(app.screen, Screen::Queue);
}
