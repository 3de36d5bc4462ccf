//! `admin list-rooms`, `admin purge` and `admin export`: rooms with their counts and filters,
//! old messages purged in batches, whole histories exported in order.

use tigo_server::db::NewMessage;
use uuid::Uuid;

use super::*;
use crate::contract;
use crate::helpers::*;

async fn list_rooms_shows_participants_counts_unread_and_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, o2) = (app.customer().await, app.owner().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let other = app.room(&c, &o2).await;
    for i in 0..3 {
        send(&c, room.id, &format!("m{i}")).await;
    }
    send(&o, room.id, "reply").await;
    let (code, out, _) = tigo(&app, &["admin", "list-rooms", "--json"], None).await;
    assert_eq!(code, 0);
    let rows = json(&out);
    let row = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == serde_json::json!(room.id))
        .expect("room listed");
    assert_eq!(row["messages"], 4);
    assert_eq!(row["unread"], serde_json::json!([1, 3]));
    assert_eq!(row["type"], "customer_hotel_owner");
    let (code, out, _) = tigo(
        &app,
        &["admin", "list-rooms", "--user", &o2.user.email, "--json"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let rows = json(&out);
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["id"], serde_json::json!(other.id));
    let (code, out, _) = tigo(
        &app,
        &["admin", "list-rooms", "--type", "customer_admin", "--json"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out), serde_json::json!([]));
    let (code, out, _) = tigo(&app, &["admin", "list-rooms", "--inactive", "--json"], None).await;
    assert_eq!(code, 0);
    assert_eq!(json(&out), serde_json::json!([]));
    let (code, out, _) = tigo(&app, &["admin", "list-rooms", "--limit", "1"], None).await;
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3, "header, rule, one row: {out}");
}

async fn purge_deletes_old_messages_in_batches_and_keeps_rooms_right(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let old: Vec<NewMessage> = (0..25)
        .map(|i| stored_text(&c, room.id, format!("old {i}"), chrono::Utc::now()))
        .collect();
    app.state
        .store
        .insert_messages(&old)
        .await
        .expect("old messages");
    let ids: Vec<Uuid> = old.iter().map(|m| m.id).collect();
    backdate(&app, &ids, chrono::Duration::days(100)).await;
    let keep = send(&c, room.id, "recent").await;
    let (code, out, _) = tigo(
        &app,
        &[
            "admin",
            "purge",
            "--older-than",
            "90d",
            "--dry-run",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["would_delete"], 25);
    assert_eq!(
        c.api.messages(room.id, "").await.expect("history").total,
        26,
        "dry run changes nothing"
    );
    let (code, _, err) = tigo(&app, &["admin", "purge", "--older-than", "90d"], None).await;
    assert_eq!(code, 1, "no confirmation, no purge");
    assert!(err.contains("--yes"), "{err}");
    let (code, out, _) = tigo(
        &app,
        &[
            "admin",
            "purge",
            "--older-than",
            "90d",
            "--yes",
            "--batch",
            "7",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["deleted"], 25);
    let history = c.api.messages(room.id, "").await.expect("history");
    assert_eq!(history.total, 1);
    assert_eq!(history.messages[0].id, keep.id);
    // Purging everything leaves the room with no last message.
    let (code, out, _) = tigo(
        &app,
        &[
            "admin",
            "purge",
            "--older-than",
            "0s",
            "--room",
            &room.id.to_string(),
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("deleted 1"), "{out}");
    let r = c.api.room(room.id).await.expect("room");
    assert!(r.last_message_content.is_none() && r.last_message_at.is_none());
    let (code, _, _) = tigo(
        &app,
        &["admin", "purge", "--older-than", "ninety days"],
        None,
    )
    .await;
    assert_eq!(code, 2);
}

async fn export_writes_the_whole_history_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    for i in 0..12 {
        send(
            if i % 2 == 0 { &c } else { &o },
            room.id,
            &format!("line {i}, with \"quotes\""),
        )
        .await;
    }
    let (code, out, _) = tigo(
        &app,
        &["admin", "export", "--room", &room.id.to_string()],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let messages = json(&out);
    let contents: Vec<&str> = messages
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    let expected: Vec<String> = (0..12)
        .map(|i| format!("line {i}, with \"quotes\""))
        .collect();
    assert_eq!(contents, expected);
    let file = std::env::temp_dir().join(format!("export-{}.csv", Uuid::new_v4().simple()));
    let (code, _, err) = tigo(
        &app,
        &[
            "admin",
            "export",
            "--room",
            &room.id.to_string(),
            "--format",
            "csv",
            "--output",
            file.to_str().expect("path"),
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(&file).expect("csv file");
    let _ = std::fs::remove_file(&file);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("id,created_at,sender_id"))
    );
    assert_eq!(lines.count(), 12);
    assert!(csv.contains("\"line 3, with \"\"quotes\"\"\""), "{csv}");
    let (code, _, err) = tigo(
        &app,
        &["admin", "export", "--room", &Uuid::new_v4().to_string()],
        None,
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("no room"), "{err}");
}

contract!(
    list_rooms_shows_participants_counts_unread_and_filters,
    purge_deletes_old_messages_in_batches_and_keeps_rooms_right,
    export_writes_the_whole_history_in_order,
);
