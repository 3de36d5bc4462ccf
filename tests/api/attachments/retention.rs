//! Retention: uploads never sent go after their TTL; `admin purge` removes the files that no
//! remaining message holds and keeps the others.

use std::time::Duration;

use serde_json::json;
use sqlx::Connection;
use tigo_server::db::DatabaseConfig;

use super::*;
use crate::contract;
use crate::helpers::*;

contract!(
    uploads_never_sent_are_removed_after_their_ttl,
    purge_removes_the_files_no_remaining_message_holds,
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
