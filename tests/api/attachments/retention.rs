//! Retention: uploads never sent go after their TTL; `admin purge` removes the files that no
//! remaining message holds and keeps the others; deleting the last message that holds a file
//! takes back the URLs already handed out.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;
use tigo_server::db::DatabaseConfig;

use super::*;
use crate::contract;
use crate::helpers::*;

contract!(
    uploads_never_sent_are_removed_after_their_ttl,
    purge_removes_the_files_no_remaining_message_holds,
    a_file_whose_messages_are_all_deleted_is_served_to_its_uploader_alone,
);

async fn uploads_never_sent_are_removed_after_their_ttl(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.files.unattached_ttl = Duration::from_secs(1);
        c.files.sweep_every = Duration::from_millis(200);
    })
    .await;
    let guest = app.customer().await;
    let owner = app.owner().await;
    let room = app.room(&guest, &owner).await;
    let (_, kept) = upload_raw(&app, &guest, "sent.png", &png(8, 8)).await;
    let (_, dropped) = upload_raw(&app, &guest, "forgotten.png", &png(8, 8)).await;
    let (status, _) = guest
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "", "attachment_id": kept["id"]})),
        )
        .await
        .expect("send");
    assert_eq!(status, 201);
    let url = |up: &serde_json::Value| {
        format!("{}/chat/files/{}", app.url, up["id"].as_str().expect("id"))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while get(&url(&dropped), Some(&guest.token)).await.0 != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "the unsent upload was not swept"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(get(&url(&kept), Some(&guest.token)).await.0, 200);
    let left = files_in(&folder(&app));
    let dropped_id = dropped["id"].as_str().expect("id");
    assert!(
        left.iter()
            .all(|p| !p.display().to_string().contains(dropped_id)),
        "{left:?}"
    );
    assert_eq!(
        left.len(),
        2,
        "the sent upload and its thumbnail stay: {left:?}"
    );
    // An upload sent after its TTL passed is gone: 404, not a message pointing at nothing.
    let (status, _) = guest
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room.id, "content": "", "attachment_id": dropped["id"]})),
        )
        .await
        .expect("send");
    assert_eq!(status, 404);
}

/// Moves every upload's `attached_at` an hour back (past the purge's grace period).
async fn backdate_attachments(app: &TestApp) {
    match &app.state.config.database {
        DatabaseConfig::Sqlite { path } => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .expect("open sqlite");
            sqlx::query("UPDATE chat_attachments SET attached_at = attached_at - 3600000000")
                .execute(&mut conn)
                .await
                .expect("backdate");
        }
        DatabaseConfig::Postgres { url } => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("open postgres");
            sqlx::query(
                "UPDATE chat_attachments SET attached_at = attached_at - interval '1 hour'",
            )
            .execute(&mut conn)
            .await
            .expect("backdate");
        }
    }
}

async fn purge_removes_the_files_no_remaining_message_holds(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let owner = app.owner().await;
    let room = app.room(&guest, &owner).await;
    let mut ids = Vec::new();
    for name in ["gone.pdf", "kept.pdf"] {
        let (_, up) = upload_raw(&app, &guest, name, PDF).await;
        let (status, message) = guest
            .api
            .raw(
                reqwest::Method::POST,
                "/chat/messages",
                Some(&json!({"chat_room_id": room.id, "content": name, "attachment_id": up["id"]})),
            )
            .await
            .expect("send");
        assert_eq!(status, 201);
        ids.push((
            up["id"].as_str().expect("id").to_string(),
            message["id"].as_str().expect("id").to_string(),
        ));
    }
    let gone_message = ids[0].1.parse().expect("uuid");
    guest.api.delete(gone_message).await.expect("delete");
    backdate_attachments(&app).await;
    let store = folder(&app).display().to_string();
    let (code, out, err) = crate::cli::tigo_env(
        &app,
        &["admin", "purge", "--older-than", "30d", "--yes", "--json"],
        None,
        &[("FILE_STORE", &store)],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(crate::cli::json(&out)["files_removed"], 1, "{out}");
    let url = |id: &str| format!("{}/chat/files/{id}", app.url);
    assert_eq!(get(&url(&ids[0].0), Some(&guest.token)).await.0, 404);
    assert_eq!(get(&url(&ids[1].0), Some(&guest.token)).await.0, 200);
    let left = files_in(&folder(&app));
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].display().to_string().contains(&ids[1].0));
}

/// Sends upload `up` into `room` as `sender`; the message as the send answers it.
async fn send_upload(sender: &TestUser, room: uuid::Uuid, up: &serde_json::Value) -> Value {
    let (status, message) = sender
        .api
        .raw(
            reqwest::Method::POST,
            "/chat/messages",
            Some(&json!({"chat_room_id": room, "content": "", "attachment_id": up["id"]})),
        )
        .await
        .expect("send");
    assert_eq!(status, 201, "{message}");
    message
}

async fn a_file_whose_messages_are_all_deleted_is_served_to_its_uploader_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let (guest, owner, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&guest, &owner).await;
    let (_, up) = upload_raw(&app, &guest, "zimmer.png", &png(8, 8)).await;
    let preview = up["file_url"].as_str().expect("file_url").to_string();
    assert_eq!(
        get(&preview, None).await.0,
        200,
        "not sent yet: its uploader's preview"
    );
    let first = send_upload(&guest, room.id, &up).await;
    let second = send_upload(&guest, room.id, &up).await;
    // The URLs the hotel holds, as the room's history handed them out.
    let seen = owner.api.messages(room.id, "").await.expect("history");
    let held = &seen.messages[0];
    let file_url = held.file_url.clone().expect("file_url");
    let thumb = held.metadata.as_ref().expect("metadata")["attachment"]["thumbnail_url"]
        .as_str()
        .expect("thumbnail_url")
        .to_string();
    for url in [&file_url, &thumb] {
        assert_eq!(get(url, None).await.0, 200);
    }
    // Its sender deletes one message: the other still holds the file.
    let id = |m: &Value| m["id"].as_str().expect("id").parse().expect("uuid");
    guest.api.delete(id(&first)).await.expect("delete");
    assert_eq!(get(&file_url, None).await.0, 200, "still in a message");
    // A moderator deletes the last one, resolving the hotel's report.
    let report = owner
        .api
        .report(id(&second), "not ours")
        .await
        .expect("report");
    admin
        .api
        .resolve_report(report.id, "delete_message")
        .await
        .expect("resolve");
    for url in [&file_url, &thumb, &preview] {
        let (status, _, body) = get(url, None).await;
        assert_eq!(status, 404, "{url}: {}", String::from_utf8_lossy(&body));
    }
    let direct = format!("{}/chat/files/{}", app.url, up["id"].as_str().expect("id"));
    for (who, token) in [("owner", &owner.token), ("admin", &admin.token)] {
        assert_eq!(get(&direct, Some(token)).await.0, 404, "{who}");
        assert_eq!(
            get(&file_url, Some(token)).await.0,
            404,
            "{who} with the URL"
        );
    }
    let (status, _, body) = get(&direct, Some(&guest.token)).await;
    assert_eq!((status, body), (200, png(8, 8)), "its uploader keeps it");
}
