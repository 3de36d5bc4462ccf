//! Message bodies: a send (`POST /chat/messages`, `send_message`) and an edit.

use serde_json::{Map, Value};
use tigo_common::{MessageType, SendMessage};

use super::{Problems, enum_message, object, string_field, uuid_field};
use crate::config::Limits;
use crate::error::{AppError, AppResult};

/// Checks message content: a string, not empty for text, at most `max` characters.
fn content(obj: &Map<String, Value>, text: bool, limits: &Limits, p: &mut Problems) -> String {
    match obj.get("content") {
        Some(Value::String(s)) => {
            if text && s.trim().is_empty() {
                p.push("content should not be empty");
            }
            if s.chars().count() > limits.max_message_chars {
                p.push(format!(
                    "content must be shorter than or equal to {} characters",
                    limits.max_message_chars
                ));
            }
            s.clone()
        }
        None | Some(Value::Null) => {
            if text {
                p.push("content should not be empty");
                p.push("content must be a string");
            }
            String::new()
        }
        Some(_) => {
            p.push("content must be a string");
            String::new()
        }
    }
}

/// An absolute http(s) URL a browser can safely render as a link.
fn is_web_url(text: &str) -> bool {
    match url::Url::parse(text) {
        Ok(url) => matches!(url.scheme(), "http" | "https") && url.host().is_some(),
        Err(_) => false,
    }
}

/// `POST /chat/messages` and `send_message`. Problems are listed in the order of the fields.
pub fn send_message(body: &Value, limits: &Limits) -> AppResult<SendMessage> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let room = uuid_field(obj, "chat_room_id", true, &mut p);
    let message_type = message_type(obj, &mut p);
    let is_text = message_type.unwrap_or_default() == MessageType::Text;
    // With an upload the server fills the file fields, and content may be empty.
    let attachment_id = uuid_field(obj, "attachment_id", false, &mut p);
    let attached = attachment_id.is_some() || p.mentions("attachment_id");
    let content = content(obj, is_text && !attached, limits, &mut p);
    let file_url = string_field(obj, "file_url", 2048, &mut p);
    if let Some(url) = &file_url
        && !is_web_url(url)
    {
        p.push("file_url must be an absolute http or https URL");
    }
    let file_name = string_field(obj, "file_name", 255, &mut p);
    if attached {
        for field in ["file_url", "file_name", "file_size"] {
            if obj.get(field).is_some_and(|v| !v.is_null()) {
                p.push(format!("{field} must not be given with attachment_id"));
            }
        }
    } else if message_type == Some(MessageType::Voice) {
        // A voice message is a recording the server has read: never a link from elsewhere.
        p.push("type voice needs an attachment_id of an audio upload");
    } else if !is_text && message_type.is_some() {
        if file_url.as_deref().is_none_or(str::is_empty) {
            p.push("file_url should not be empty for file and image messages");
        }
        if file_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            p.push("file_name should not be empty for file and image messages");
        }
    }
    let file_size = file_size(obj, &mut p);
    let metadata = metadata(obj, limits, &mut p);
    let client_msg_id = client_msg_id(obj, &mut p);
    let reply_to_id = uuid_field(obj, "reply_to_id", false, &mut p);
    p.finish()?;
    let chat_room_id = room.ok_or_else(|| AppError::validation("chat_room_id must be a UUID"))?;
    Ok(SendMessage {
        chat_room_id,
        content,
        message_type: message_type.unwrap_or_default(),
        file_url,
        file_name,
        file_size,
        metadata,
        client_msg_id,
        reply_to_id,
        attachment_id,
    })
}

/// `type`: one of the message types, text when absent; `None` (and a problem) otherwise.
fn message_type(obj: &Map<String, Value>, p: &mut Problems) -> Option<MessageType> {
    let message_type = match obj.get("type") {
        None | Some(Value::Null) => Some(MessageType::Text),
        Some(Value::String(s)) => MessageType::parse(s),
        Some(_) => None,
    };
    if message_type.is_none() {
        let types: Vec<&str> = MessageType::ALL.iter().map(|t| t.as_str()).collect();
        p.push(enum_message("type", &types));
    }
    message_type
}

/// `file_size`: a whole number of bytes, at least 0.
fn file_size(obj: &Map<String, Value>, p: &mut Problems) -> Option<i64> {
    match obj.get("file_size") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(size) if size >= 0 => Some(size),
            Some(_) => {
                p.push("file_size must not be less than 0");
                None
            }
            None => {
                p.push("file_size must be an integer number");
                None
            }
        },
        Some(_) => {
            p.push("file_size must be an integer number");
            None
        }
    }
}

/// `metadata`: an object of at most `max_metadata_bytes` as JSON text.
fn metadata(obj: &Map<String, Value>, limits: &Limits, p: &mut Problems) -> Option<Value> {
    match obj.get("metadata") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => {
            let size = v.to_string().len();
            if size > limits.max_metadata_bytes {
                p.push(format!(
                    "metadata must not be larger than {} bytes",
                    limits.max_metadata_bytes
                ));
            }
            Some(v.clone())
        }
        Some(_) => {
            p.push("metadata must be an object");
            None
        }
    }
}

/// `client_msg_id`: the sender's idempotency key, 1 to 100 characters.
fn client_msg_id(obj: &Map<String, Value>, p: &mut Problems) -> Option<String> {
    match obj.get("client_msg_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 100 => Some(s.clone()),
        Some(_) => {
            p.push("client_msg_id must be a string of 1 to 100 characters");
            None
        }
    }
}

/// `PATCH /chat/messages/:id`: the new content of a message of type `kind`. It may be empty
/// where a send may leave it empty: a file or image message loses its caption, and keeps its
/// file.
pub fn edit_message(body: &Value, kind: MessageType, limits: &Limits) -> AppResult<String> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let text = kind == MessageType::Text;
    // Absent is not empty: a caption is removed with "".
    if !text && obj.get("content").is_none_or(Value::is_null) {
        p.push("content must be a string");
    }
    let content = content(obj, text, limits, &mut p);
    p.finish()?;
    Ok(content)
}
