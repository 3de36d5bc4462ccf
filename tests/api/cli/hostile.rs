//! Text from users in what the binary prints: escape sequences in names, report reasons and
//! messages reach the operator's terminal escaped (JSON stays exact); CSV cells a
//! spreadsheet would run are neutralised; exported file links start where the server listens.

use tigo_common::Role;
use tigo_server::accounts::{NewAccount, create_user};

use super::*;
use crate::attachments::{folder, get, upload_raw};
use crate::contract;
use crate::helpers::*;

const NAME: &str = "<b>Bob</b>\u{1b}[31m";
const REASON: &str = "look \u{1b}]52;c;cm0gLXJmIH4=\u{7} here";
const MESSAGE: &str = "wipe\u{1b}[2J\u{9b}H and \u{202e}reversed\nsecond line";

/// No raw escape, bell, C1 control or bidi override in `text`.
fn assert_inert(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "raw controls {bad:?} in:\n{text}");
}

async fn user_text_reaches_the_terminal_escaped_and_json_exact(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.safety.masked_types = vec![]).await;
    let email = format!("bob-{}@example.com", uuid::Uuid::new_v4().simple());
    create_user(
        app.state.store.as_ref(),
        NewAccount {
            email: email.clone(),
            password: PASSWORD.into(),
            first_name: NAME.into(),
            last_name: "X".into(),
            roles: vec![Role::Customer],
        },
    )
    .await
    .expect("create user");
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let m = send(&o, room.id, MESSAGE).await;
    assert_eq!(m.content, MESSAGE, "stored as sent");
    c.api.report(m.id, REASON).await.expect("report");

    let (code, out, err) = tigo(&app, &["admin", "users"], None).await;
    assert_eq!(code, 0, "{err}");
    assert_inert(&out);
    assert!(out.contains("<b>Bob</b>\\u{1b}[31m X"), "{out}");
    let (code, out, err) = tigo(&app, &["admin", "reports", "list"], None).await;
    assert_eq!(code, 0, "{err}");
    assert_inert(&out);
    assert!(
        out.contains("look \\u{1b}]52;c;cm0gLXJmIH4=\\u{7} here"),
        "{out}"
    );
    assert!(
        out.contains("wipe\\u{1b}[2J\\u{9b}H and \\u{202e}reversed\\nsecond line"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 3, "one line per report: {out}");

    let (code, out, err) = tigo(&app, &["admin", "reports", "list", "--json"], None).await;
    assert_eq!(code, 0, "{err}");
    let reports = json(&out);
    assert_eq!(reports[0]["reason"], REASON, "{out}");
    assert_eq!(reports[0]["message"]["content"], MESSAGE, "{out}");
    let (_, out, _) = tigo(&app, &["admin", "users", "--json"], None).await;
    let users = json(&out);
    let bob = users
        .as_array()
        .and_then(|all| all.iter().find(|u| u["email"] == email.as_str()))
        .expect("bob listed");
    assert_eq!(bob["first_name"], NAME);

    // An error that echoes what was given shows it escaped too.
    let (code, out, err) = tigo(&app, &["admin", "deactivate", "--user", NAME], None).await;
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_inert(&err);
    assert!(err.contains("\\u{1b}[31m"), "{err}");
    let (code, _, err) = tigo(&app, &["admin", "users", "--role", "\u{1b}[2J"], None).await;
    assert_eq!(code, 2, "{err}");
    assert_inert(&err);
    assert!(err.contains("\\u{1b}[2J"), "{err}");
}

async fn csv_cells_a_spreadsheet_would_run_are_neutralised(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.safety.masked_types = vec![]).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let sent = [
        "=HYPERLINK(\"http://evil.example\",\"Click\")",
        "+SUM(1,2)",
        "-2+3",
        "@cmd",
        "\tTAB",
        "\rCR",
        "plain, with \"quotes\"",
        "a = b",
    ];
    for text in sent {
        send(&c, room.id, text).await;
    }
    let room_id = room.id.to_string();
    let (code, out, err) = tigo(&app, &["admin", "export", "--room", &room_id], None).await;
    assert_eq!(code, 0, "{err}");
    let stored: Vec<String> = json(&out)
        .as_array()
        .expect("array")
        .iter()
        .map(|m| m["content"].as_str().expect("content").to_string())
        .collect();
    assert_eq!(stored[..4], sent[..4], "JSON stays exact");
    let (code, out, err) = tigo(
        &app,
        &["admin", "export", "--room", &room_id, "--format", "csv"],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let content = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "content")
        .expect("content column");
    let read: Vec<String> = reader
        .records()
        .map(|r| r.expect("record")[content].to_string())
        .collect();
    let expected: Vec<String> = stored
        .iter()
        .map(|t| {
            if t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{t}")
            } else {
                t.clone()
            }
        })
        .collect();
    assert_eq!(read, expected);
    assert_eq!(read[0], "'=HYPERLINK(\"http://evil.example\",\"Click\")");
    assert_eq!(read[3], "'@cmd");
    assert_eq!(read[6], "plain, with \"quotes\"");
    assert!(out.contains("\"'@cmd\""), "the cell stays quoted: {out}");
}

async fn exported_links_start_where_the_server_listens(backend: Backend) {
    let app = spawn_app(backend).await;
    let (guest, owner) = (app.customer().await, app.owner().await);
    let room = app.room(&guest, &owner).await;
    let (_, up) = upload_raw(&app, &guest, "notiz.txt", b"Zimmer 12: Dusche tropft\n").await;
    let id = up["id"].as_str().and_then(|i| i.parse().ok());
    guest
        .api
        .send(&tigo_common::SendMessage {
            attachment_id: id,
            ..text(room.id, "see file")
        })
        .await
        .expect("send the file");
    let store = folder(&app).display().to_string();
    let port = app.url.rsplit(':').next().expect("port").to_string();
    // PUBLIC_URL unset (tigo_command removes it); HOST as a server bound to every address.
    let (code, out, err) = tigo_env(
        &app,
        &["admin", "export", "--room", &room.id.to_string()],
        None,
        &[("FILE_STORE", &store), ("PORT", &port), ("HOST", "0.0.0.0")],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let file_url = json(&out)[0]["file_url"]
        .as_str()
        .expect("file_url")
        .to_string();
    assert!(file_url.starts_with(&format!("{}/", app.url)), "{file_url}");
    let (status, _, bytes) = get(&file_url, None).await;
    assert_eq!(status, 200, "{file_url}");
    assert_eq!(bytes, b"Zimmer 12: Dusche tropft\n");
}

contract!(
    user_text_reaches_the_terminal_escaped_and_json_exact,
    csv_cells_a_spreadsheet_would_run_are_neutralised,
    exported_links_start_where_the_server_listens,
);
