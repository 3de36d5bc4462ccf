//! Attachments in messages: a send with `attachment_id` gets the upload's facts filled in, and
//! every message handed out gets fresh signed URLs for its attachment. `metadata.attachment`
//! belongs to the server: a client's own is dropped, so what it names was checked here.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use tigo_common::{Message, MessageType, SendMessage};
use uuid::Uuid;

use super::{Files, Variant, detect};
use crate::db::Store;
use crate::error::{AppError, AppResult};

/// Takes `metadata.attachment` off what the client sent, and when the message names an
/// upload of the sender's, fills `file_url`, `file_name`, `file_size`, `type` and
/// `metadata.attachment`. Someone else's or an unknown upload is 404.
pub async fn resolve(
    files: &Files,
    store: &dyn Store,
    sender: Uuid,
    message: &mut SendMessage,
) -> AppResult<()> {
    if let Some(Value::Object(meta)) = &mut message.metadata {
        meta.remove("attachment");
    }
    let Some(id) = message.attachment_id else {
        return Ok(());
    };
    let now = Utc::now();
    let upload = store
        .attach(id, sender, now)
        .await?
        .ok_or_else(|| AppError::NotFound("Attachment not found".into()))?;
    let image = detect::is_image(&upload.content_type);
    message.message_type = match message.message_type {
        // `type` absent or `text` both read as text: an attachment decides.
        MessageType::Text => {
            if image {
                MessageType::Image
            } else {
                MessageType::File
            }
        }
        MessageType::Image if !image => {
            return Err(AppError::validation(
                "type image needs an attachment that is an image",
            ));
        }
        chosen => chosen,
    };
    message.file_url = Some(files.signer.url(id, Variant::Original, now));
    message.file_name = Some(upload.file_name.clone());
    message.file_size = Some(upload.file_size);
    let thumbnail = upload
        .thumbnail_size
        .map(|_| files.signer.url(id, Variant::Thumbnail, now));
    let attachment = json!({
        "id": id,
        "content_type": upload.content_type,
        "width": upload.width,
        "height": upload.height,
        "thumbnail_url": thumbnail,
    });
    match &mut message.metadata {
        Some(Value::Object(meta)) => {
            meta.insert("attachment".into(), attachment);
        }
        _ => {
            let mut meta = Map::new();
            meta.insert("attachment".into(), attachment);
            message.metadata = Some(Value::Object(meta));
        }
    }
    Ok(())
}

/// The upload a message holds, by `metadata.attachment.id`.
fn attachment_of(message: &Message) -> Option<Uuid> {
    let id = message.metadata.as_ref()?.get("attachment")?.get("id")?;
    Uuid::parse_str(id.as_str()?).ok()
}

/// Replaces a message's attachment URLs with ones signed `now`, so that a message stored long
/// ago still comes with URLs that work.
pub fn sign_message(files: &Files, message: &mut Message, now: DateTime<Utc>) {
    let Some(id) = attachment_of(message) else {
        return;
    };
    message.file_url = Some(files.signer.url(id, Variant::Original, now));
    if let Some(attachment) = message
        .metadata
        .as_mut()
        .and_then(|m| m.get_mut("attachment"))
        .and_then(Value::as_object_mut)
        && attachment
            .get("thumbnail_url")
            .is_some_and(|t| !t.is_null())
    {
        attachment.insert(
            "thumbnail_url".into(),
            Value::String(files.signer.url(id, Variant::Thumbnail, now)),
        );
    }
}

pub fn sign_messages(files: &Files, messages: &mut [Message]) {
    let now = Utc::now();
    for message in messages {
        sign_message(files, message, now);
    }
}
