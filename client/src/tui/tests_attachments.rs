//! The terminal client's attachments: how they read in the message pane, and what `/upload`
//! and `/save` ask the network side to do.

use crossterm::event::KeyCode;
use tigo_common::MessageType;

use super::app::{Cmd, Msg};
use super::tests::{key, message, screen, signed_in, typed};

#[test]
fn attachments_show_with_name_and_size_and_upload_and_save_map_to_commands() {
    let (mut app, me, owner, r1, _) = signed_in();
    let mut photo = message(&r1, &owner, "");
    photo.message_type = MessageType::Image;
    photo.file_url = Some("http://127.0.0.1:3000/chat/files/x?exp=1&sig=ab".into());
    photo.file_name = Some("dusche.jpg".into());
    photo.file_size = Some(48_000);
    let text = message(&r1, &me, "see above");
    app.update(Msg::History {
        room: r1.id,
        messages: vec![photo.clone(), text],
        older: false,
        total: 2,
    });
    // The paperclip is two cells wide: the test backend shows its second cell as a space.
    let shown = screen(&app, 100, 24).replace("📎 ", "📎");
    assert!(shown.contains("📎 dusche.jpg (46.9 KB) [image]"), "{shown}");
    let run = |app: &mut super::app::App, line: &str| {
        typed(app, line);
        app.update(key(KeyCode::Enter))
    };
    match run(&mut app, "/upload /tmp/rechnung.pdf").as_slice() {
        [
            Cmd::Upload {
                room,
                path,
                client_msg_id,
            },
        ] => {
            assert_eq!(*room, r1.id);
            assert_eq!(path, "/tmp/rechnung.pdf");
            assert!(client_msg_id.starts_with("tui-"));
        }
        other => panic!("expected an upload, got {other:?}"),
    }
    assert_eq!(
        run(&mut app, "/save /tmp/dusche.jpg"),
        vec![Cmd::Save {
            url: photo.file_url.clone().unwrap_or_default(),
            path: "/tmp/dusche.jpg".into(),
            name: "dusche.jpg".into(),
            overwrite: false,
        }]
    );
    assert!(run(&mut app, "/upload").is_empty());
    assert!(
        app.status
            .as_deref()
            .is_some_and(|s| s.contains("usage: /upload"))
    );
    app.update(Msg::Notice("saved 46.9 KB to /tmp/dusche.jpg".into()));
    assert!(screen(&app, 100, 24).contains("saved 46.9 KB"));
}

#[test]
fn a_voice_message_shows_its_length_and_waveform_and_saves_like_a_file() {
    let (mut app, _, owner, r1, _) = signed_in();
    let mut voice = message(&r1, &owner, "");
    voice.message_type = MessageType::Voice;
    voice.file_url = Some("http://127.0.0.1:3000/chat/files/v?exp=1&sig=ab".into());
    voice.file_name = Some("voice.webm".into());
    voice.file_size = Some(9_000);
    // Loud, a quiet middle, loud again.
    let waveform: Vec<f64> = (0..64)
        .map(|i| if (16..48).contains(&i) { 0.05 } else { 0.9 })
        .collect();
    voice.metadata = Some(serde_json::json!({
        "attachment": {"content_type": "audio/webm", "duration_ms": 42_400, "waveform": waveform}
    }));
    app.update(Msg::History {
        room: r1.id,
        messages: vec![voice.clone()],
        older: false,
        total: 1,
    });
    // The microphone is two cells wide: the test backend shows its second cell as a space.
    let shown = screen(&app, 100, 24).replace("🎤 ", "🎤");
    assert!(shown.contains("🎤 0:42 ▇▇▇▇▁▁▁▁▁▁▁▁▇▇▇▇"), "{shown}");
    typed(&mut app, "/save /tmp/answer.webm");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Cmd::Save {
            url: voice.file_url.clone().unwrap_or_default(),
            path: "/tmp/answer.webm".into(),
            name: "voice.webm".into(),
            overwrite: false,
        }]
    );
}
