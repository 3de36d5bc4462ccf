//! The terminal client's quotes follow the quoted message: an edit shows its new text, a
//! deletion shows "(deleted message)" and never the text again.

use serde_json::json;
use tigo_common::{MessageType, ReplyTo};

use super::app::Msg;
use super::tests::{message, screen, signed_in};

#[test]
fn a_quote_shows_the_quoted_messages_edit_and_never_its_text_once_deleted() {
    let (mut app, me, owner, r1, _) = signed_in();
    let theirs = message(&r1, &owner, "Pool opens at nine");
    let mut reply = message(&r1, &me, "thanks");
    reply.reply_to = Some(ReplyTo {
        id: theirs.id,
        sender_id: owner.id,
        content: theirs.content.clone(),
        message_type: MessageType::Text,
        deleted: false,
    });
    app.update(Msg::History {
        room: r1.id,
        messages: vec![theirs.clone(), reply],
        older: false,
        total: 2,
    });
    assert!(screen(&app, 120, 24).contains("↪ Oscar: Pool opens at nine"));

    let mut edited = theirs.clone();
    edited.content = format!("Pool opens at ten{}", " and closes late".repeat(20));
    edited.is_edited = true;
    app.update(Msg::Event {
        name: "message_edited".into(),
        data: serde_json::to_value(&edited).expect("json"),
    });
    let quote = |app: &super::app::App| {
        app.chat.messages[&r1.id]
            .iter()
            .find_map(|m| m.reply_to.clone())
            .expect("the reply is held")
    };
    assert_eq!(
        quote(&app).content.chars().count(),
        tigo_common::QUOTE_CHARS,
        "cut as the server cuts it"
    );
    assert!(screen(&app, 120, 24).contains("↪ Oscar: Pool opens at ten"));

    app.update(Msg::Event {
        name: "message_deleted".into(),
        data: json!({"messageId": theirs.id, "roomId": r1.id, "deletedBy": owner.id}),
    });
    let shown = screen(&app, 120, 24);
    assert!(shown.contains("↪ Oscar: (deleted message)"), "{shown}");
    assert!(!shown.contains("Pool opens"), "{shown}");
    let q = quote(&app);
    assert!(q.deleted && q.content.is_empty());
}
