//! Reports of messages and their resolution, over REST and from the command line, on SQLite
//! and PostgreSQL.

use reqwest::Method;
use serde_json::{Value, json};

use crate::contract;
use crate::helpers::*;
use crate::safety::{audited, messages_texts};

async fn reports_are_made_listed_and_resolved(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a, x) = (
        app.customer().await,
        app.owner().await,
        app.admin().await,
        app.customer().await,
    );
    let room = app.room(&c, &o).await;
    let rude = send(&o, room.id, "rude words").await;
    let spam = send(&o, room.id, "spam").await;
    let path = format!("/chat/messages/{}/report", rude.id);
    let (status, first) = c
        .api
        .raw(Method::POST, &path, Some(&json!({"reason": "insulting"})))
        .await
        .expect("report");
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "open");
    assert_eq!(first["message_id"], json!(rude.id));
    assert_eq!(first["reporter_id"], json!(c.id()));
    let (status, again) = c
        .api
        .raw(Method::POST, &path, Some(&json!({"reason": "still"})))
        .await
        .expect("again");
    assert_eq!(status, 200);
    assert_eq!(
        again["id"], first["id"],
        "the open report, not a second one"
    );
    for (body, expected) in [
        (json!({"reason": ""}), 400),
        (json!({"reason": "x".repeat(501)}), 400),
        (json!({"reason": 5}), 400),
        (json!([]), 400),
    ] {
        let (status, err) = c
            .api
            .raw(Method::POST, &path, Some(&body))
            .await
            .expect("bad");
        assert_error(status, &err, expected);
    }
    let (status, err) = x
        .api
        .raw(Method::POST, &path, Some(&json!({"reason": "nosy"})))
        .await
        .expect("outsider");
    assert_error(status, &err, 403);
    let unknown = format!("/chat/messages/{}/report", uuid::Uuid::new_v4());
    let (status, err) = c
        .api
        .raw(Method::POST, &unknown, Some(&json!({"reason": "?"})))
        .await
        .expect("unknown");
    assert_error(status, &err, 404);
    let second = c.api.report(spam.id, "spam").await.expect("report spam");
    // Only Admins see and resolve reports.
    let (status, err) = c
        .api
        .raw(Method::GET, "/chat/admin/reports?status=open", None)
        .await
        .expect("list");
    assert_error(status, &err, 403);
    let (status, err) = a
        .api
        .raw(Method::GET, "/chat/admin/reports?status=closed", None)
        .await
        .expect("list");
    assert_error(status, &err, 400);
    let (status, list) = a
        .api
        .raw(Method::GET, "/chat/admin/reports?status=open", None)
        .await
        .expect("list");
    assert_eq!(status, 200);
    assert_eq!(list["total"], 2);
    assert_eq!(list["reports"][0]["message"]["content"], "rude words");
    let resolve = |id: &Value| {
        format!(
            "/chat/admin/reports/{}/resolve",
            id.as_str().unwrap_or_default()
        )
    };
    let (status, err) = c
        .api
        .raw(
            Method::POST,
            &resolve(&first["id"]),
            Some(&json!({"action": "dismiss"})),
        )
        .await
        .expect("resolve");
    assert_error(status, &err, 403);
    let (status, err) = a
        .api
        .raw(
            Method::POST,
            &resolve(&first["id"]),
            Some(&json!({"action": "ban"})),
        )
        .await
        .expect("resolve");
    assert_error(status, &err, 400);
    let (_os, mut o_events) = app.socket(&o).await;
    let deleted = a
        .api
        .resolve_report(
            first["id"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .expect("id"),
            "delete_message",
        )
        .await
        .expect("delete");
    assert_eq!(deleted.status, "resolved");
    assert_eq!(deleted.resolution.as_deref(), Some("delete_message"));
    let gone = o_events
        .wait_for("message_deleted", WAIT)
        .await
        .expect("deleted");
    assert_eq!(gone["messageId"], json!(rude.id));
    assert_eq!(
        messages_texts(&c.api.messages(room.id, "").await.expect("history")),
        vec!["spam"]
    );
    let (status, err) = a
        .api
        .raw(
            Method::POST,
            &resolve(&first["id"]),
            Some(&json!({"action": "dismiss"})),
        )
        .await
        .expect("twice");
    assert_error(status, &err, 409);
    let dismissed = a
        .api
        .resolve_report(second.id, "dismiss")
        .await
        .expect("dismiss");
    assert_eq!(dismissed.resolution.as_deref(), Some("dismiss"));
    let (_, resolved) = a
        .api
        .raw(Method::GET, "/chat/admin/reports?status=resolved", None)
        .await
        .expect("list");
    assert_eq!(resolved["total"], 2);
    assert_eq!(
        resolved["reports"][0]["message"],
        Value::Null,
        "the deleted message"
    );
    assert!(a.api.reports("open").await.expect("open").is_empty());
    assert_eq!(audited(&app, "report.create", 2).await.len(), 2);
    assert_eq!(audited(&app, "report.resolve", 2).await.len(), 2);
}

async fn admin_reports_lists_and_resolves_from_the_command_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let m = send(&o, room.id, "bad").await;
    let report = c.api.report(m.id, "bad words").await.expect("report");
    let (code, out, err) = crate::cli::tigo(&app, &["admin", "reports", "list"], None).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("bad words") && out.contains(&report.id.to_string()),
        "{out}"
    );
    let id = report.id.to_string();
    let email = a.user.email.clone();
    let (code, _, err) = crate::cli::tigo(
        &app,
        &[
            "admin",
            "reports",
            "resolve",
            &id,
            "delete_message",
            "--as",
            &email,
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = crate::cli::tigo(
        &app,
        &["admin", "reports", "list", "--status", "resolved", "--json"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let list: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(list[0]["resolution"], "delete_message");
    assert_eq!(list[0]["resolved_by"], json!(a.id()));
    assert!(app.state.store.message(m.id).await.expect("db").is_none());
    let (code, _, err) = crate::cli::tigo(
        &app,
        &[
            "admin", "reports", "resolve", &id, "dismiss", "--as", &email,
        ],
        None,
    )
    .await;
    assert_eq!(code, 1, "resolved already: {err}");
}

contract!(
    reports_are_made_listed_and_resolved,
    admin_reports_lists_and_resolves_from_the_command_line,
);
