//! Attachments in messages: a send with `attachment_id` gets the upload's facts filled in, and
//! every message handed out gets fresh signed URLs for its attachment. `metadata.attachment`
//! belongs to the server: a client's own is dropped, so what it names was checked here.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use tigo_common::{Message, MessageType, RoomType, SendMessage};
use uuid::Uuid;

use super::{AudioFormat, Files, Variant, detect};
use crate::db::Store;
use crate::error::{AppError, AppResult};

/// Takes `metadata.attachment` off what the client sent, and when the message names an
/// upload of the sender's, fills `file_url`, `file_name`, `file_size`, `type` and
/// `metadata.attachment`. Someone else's or an unknown upload is 404; a recording, as a voice
/// message or a file, in a room type not in `VOICE_MESSAGES` is 403.
pub async fn resolve(
    files: &Files,
    store: &dyn Store,
    sender: Uuid,
    room_type: RoomType,
    message: &mut SendMessage,
) -> AppResult<()> {
    if let Some(Value::Object(meta)) = &mut message.metadata {
        meta.remove("attachment");
    }
    if message.message_type == MessageType::Voice && !files.voice_allowed(room_type) {
        return Err(voice_not_allowed());
    }
    let Some(id) = message.attachment_id else {
        return Ok(());
    };
    let now = Utc::now();
    let upload = store
        .attach(id, sender, now)
        .await?
        .ok_or_else(|| AppError::NotFound("Attachment not found".into()))?;
    // Spoken contact details cannot be masked: a recording sent as a file is no exception.
    if AudioFormat::of(&upload.content_type).is_some() && !files.voice_allowed(room_type) {
        return Err(voice_not_allowed());
    }
    message.message_type = message_type(message.message_type, &upload.content_type)?;
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
        "duration_ms": upload.duration_ms,
        "waveform": upload.waveform,
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

/// A message's type with an upload of `content_type`: `type` absent (or `text`) takes the
/// upload's kind (`image`, `voice` for audio, else `file`); `file` is always possible (an
/// image or a recording sent as a file); `image` and `voice` need an upload of that kind.
fn message_type(asked: MessageType, content_type: &str) -> AppResult<MessageType> {
    let image = detect::is_image(content_type);
    let audio = AudioFormat::of(content_type).is_some();
    match asked {
        MessageType::Text if image => Ok(MessageType::Image),
        MessageType::Text if audio => Ok(MessageType::Voice),
        MessageType::Text => Ok(MessageType::File),
        MessageType::Image if !image => Err(AppError::validation(
            "type image needs an attachment that is an image",
        )),
        MessageType::Voice if !audio => Err(AppError::validation(
            "type voice needs an attachment_id of an audio upload",
        )),
        chosen => Ok(chosen),
    }
}

fn voice_not_allowed() -> AppError {
    AppError::Forbidden("Voice messages are not allowed in this room".into())
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
