//! The smoke test's attachment step: A uploads a small image and sends it, B gets it and
//! downloads it back through the signed URL (no header, as `<img src>` would); and the pieces
//! the voice step shares with it (upload, find, download back).

use std::time::Duration;

use tigo_common::{Message, SendMessage, Upload};
use uuid::Uuid;

use super::Run;
use crate::api::Api;

/// A 2×2 PNG.
const PNG: [u8; 73] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xb8, 0xe0, 0xa0, 0x00,
    0x44, 0x0c, 0x10, 0x0a, 0x00, 0x24, 0x0e, 0x04, 0xc1, 0xe2, 0x45, 0x12, 0x8e, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

pub(super) async fn step(
    run: &mut Run<'_>,
    t: Duration,
    a_api: &Api,
    b_api: &Api,
    room: Uuid,
    sent: &mut Vec<(Api, Uuid)>,
) {
    let work = async {
        let up = upload_within(a_api, t, "smoke.png", &PNG).await?;
        let req = SendMessage {
            chat_room_id: room,
            attachment_id: Some(up.id),
            client_msg_id: Some(format!("smoke-file-{}", Uuid::new_v4().simple())),
            ..SendMessage::default()
        };
        let message: Message = a_api.send(&req).await.map_err(|e| format!("send: {e}"))?;
        sent.push((a_api.clone(), message.id));
        // B reads the message from the room and fetches its file with no credentials.
        let seen = seen_by(b_api, room, message.id, "B does not see the message").await?;
        let url = seen
            .file_url
            .as_deref()
            .ok_or("the message has no file_url")?;
        download_back(b_api, url, &PNG).await?;
        if let Some(thumb) = up.thumbnail_url.as_deref() {
            Api::new(b_api.base())
                .map_err(|e| e.to_string())?
                .download(thumb)
                .await
                .map_err(|e| format!("thumbnail: {e}"))?;
        }
        Ok(())
    };
    run.step("A sends an image, B downloads it back", work)
        .await;
}

/// Uploads `bytes` as `name`, within `t`.
pub(super) async fn upload_within(
    api: &Api,
    t: Duration,
    name: &str,
    bytes: &[u8],
) -> Result<Upload, String> {
    tokio::time::timeout(t, api.upload(name, bytes.to_vec()))
        .await
        .map_err(|_| "upload timed out".to_string())?
        .map_err(|e| format!("upload: {e}"))
}

/// Message `id` as `api`'s user finds it among the room's newest; `missing` says it is not.
pub(super) async fn seen_by(
    api: &Api,
    room: Uuid,
    id: Uuid,
    missing: &str,
) -> Result<Message, String> {
    let page = api
        .messages(room, "limit=5")
        .await
        .map_err(|e| format!("history: {e}"))?;
    page.messages
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| missing.to_string())
}

/// Downloads signed `url` with no credentials (as `<img src>` or `<audio src>` would) and
/// checks it holds the bytes that were `sent`.
pub(super) async fn download_back(api: &Api, url: &str, sent: &[u8]) -> Result<(), String> {
    let plain = Api::new(api.base()).map_err(|e| e.to_string())?;
    let file = plain
        .download(url)
        .await
        .map_err(|e| format!("download: {e}"))?;
    if file.bytes != sent {
        return Err(format!(
            "downloaded {} bytes, not the {} sent",
            file.bytes.len(),
            sent.len()
        ));
    }
    Ok(())
}
