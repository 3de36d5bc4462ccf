//! Reactions and replies in the terminal client: `/react` and `/reply` act on the other side's
//! newest message and show under it, and need such a message.

use crossterm::event::KeyCode;
use serde_json::json;
use tigo_common::MessageType;

use super::app::{Cmd, Msg};
use super::tests::{key, message, screen, signed_in, typed};

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
