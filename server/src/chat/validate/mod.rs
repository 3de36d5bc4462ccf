//! Request validation with class-validator's wording: every problem in a body or query is
//! named, one message each, and the request is refused as a whole (400) when any is found.
//! Bodies here; path and query parameters in [`query`].

use serde_json::{Map, Value};
use tigo_common::{CreateRoom, MessageType, RoomType, SendMessage};
use uuid::Uuid;

mod query;

pub use self::query::{
    Bound, Params, bool_param, bound_param, checked_query, int_param, parse_query, path_uuid,
    room_type_param, uuid_param,
};
use crate::config::Limits;
use crate::error::{AppError, AppResult};

/// Collects problems while reading fields.
#[derive(Default)]
pub struct Problems(Vec<String>);

impl Problems {
    pub fn push(&mut self, message: impl Into<String>) {
        self.0.push(message.into())
    }

    /// Whether a problem of `field` is already listed (messages start with the field name).
    pub fn mentions(&self, field: &str) -> bool {
        self.0.iter().any(|m| m.split(' ').next() == Some(field))
    }

    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

/// Refuses text with NUL characters anywhere (PostgreSQL cannot store them; no client needs
/// them), in a JSON document or in query parameters.
pub fn reject_nul(value: &Value) -> AppResult<()> {
    fn has_nul(value: &Value) -> bool {
        match value {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().any(has_nul),
            Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
            _ => false,
        }
    }
    if has_nul(value) {
        Err(AppError::validation("text must not contain NUL characters"))
    } else {
        Ok(())
    }
}

/// The body as an object, or the one problem that it is not.
pub fn object(body: &Value) -> AppResult<&Map<String, Value>> {
    body.as_object()
        .ok_or_else(|| AppError::validation("request body must be a JSON object"))
}

fn uuid_field(
    obj: &Map<String, Value>,
    name: &str,
    required: bool,
    p: &mut Problems,
) -> Option<Uuid> {
    match obj.get(name) {
        None | Some(Value::Null) if !required => None,
        Some(Value::String(s)) => match Uuid::parse_str(s) {
            Ok(id) if s.len() == 36 => Some(id),
            _ => {
                p.push(format!("{name} must be a UUID"));
                None
            }
        },
        _ => {
            p.push(format!("{name} must be a UUID"));
            None
        }
    }
}

fn string_field(
    obj: &Map<String, Value>,
    name: &str,
    max_chars: usize,
    p: &mut Problems,
) -> Option<String> {
    match obj.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            if s.chars().count() > max_chars {
                p.push(format!(
                    "{name} must be shorter than or equal to {max_chars} characters"
                ));
            }
            Some(s.clone())
        }
        Some(_) => {
            p.push(format!("{name} must be a string"));
            None
        }
    }
}

pub(super) fn enum_message(name: &str, values: &[&str]) -> String {
    format!(
        "{name} must be one of the following values: {}",
        values.join(", ")
    )
}

/// `POST /chat/rooms`.
pub fn create_room(body: &Value) -> AppResult<CreateRoom> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let types: Vec<&str> = RoomType::ALL.iter().map(|t| t.as_str()).collect();
    let room_type = match obj.get("type") {
        Some(Value::String(s)) => RoomType::parse(s),
        _ => None,
    };
    if room_type.is_none() {
        p.push(enum_message("type", &types));
    }
    let p1 = uuid_field(obj, "participant1_id", true, &mut p);
    let p2 = uuid_field(obj, "participant2_id", true, &mut p);
    let hotel_id = uuid_field(obj, "hotel_id", false, &mut p);
    if let (Some(a), Some(b)) = (p1, p2)
        && a == b
    {
        p.push("participant1_id and participant2_id must be different users");
    }
    p.finish()?;
    match (room_type, p1, p2) {
        (Some(room_type), Some(participant1_id), Some(participant2_id)) => Ok(CreateRoom {
            room_type,
            participant1_id,
            participant2_id,
            hotel_id,
        }),
        _ => Err(AppError::validation("invalid room")),
    }
}

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

/// `POST /chat/messages` and `send_message`.
pub fn send_message(body: &Value, limits: &Limits) -> AppResult<SendMessage> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let room = uuid_field(obj, "chat_room_id", true, &mut p);
    let types: Vec<&str> = MessageType::ALL.iter().map(|t| t.as_str()).collect();
    let message_type = match obj.get("type") {
        None | Some(Value::Null) => Some(MessageType::Text),
        Some(Value::String(s)) => MessageType::parse(s),
        Some(_) => None,
    };
    if message_type.is_none() {
        p.push(enum_message("type", &types));
    }
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
    } else if !is_text && message_type.is_some() {
        if file_url.as_deref().is_none_or(str::is_empty) {
            p.push("file_url should not be empty for file and image messages");
        }
        if file_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            p.push("file_name should not be empty for file and image messages");
        }
    }
    let file_size = match obj.get("file_size") {
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
    };
    let metadata = match obj.get("metadata") {
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
    };
    let client_msg_id = match obj.get("client_msg_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 100 => Some(s.clone()),
        Some(_) => {
            p.push("client_msg_id must be a string of 1 to 100 characters");
            None
        }
    };
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

/// `PATCH /chat/messages/:id`: the new content.
pub fn edit_message(body: &Value, limits: &Limits) -> AppResult<String> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let content = content(obj, true, limits, &mut p);
    p.finish()?;
    Ok(content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(result: AppResult<impl std::fmt::Debug>) -> Vec<String> {
        match result {
            Err(AppError::Validation(p)) => p,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_room_body_names_every_problem() {
        let p = problems(create_room(
            &json!({"type": "x", "participant1_id": "nope", "hotel_id": 5}),
        ));
        assert_eq!(
            p,
            vec![
                "type must be one of the following values: customer_hotel_owner, customer_admin, hotel_owner_admin",
                "participant1_id must be a UUID",
                "participant2_id must be a UUID",
                "hotel_id must be a UUID",
            ]
        );
    }

    #[test]
    fn a_room_with_the_same_user_twice_is_refused() {
        let id = Uuid::new_v4().to_string();
        let p = problems(create_room(
            &json!({"type": "customer_admin", "participant1_id": id, "participant2_id": id}),
        ));
        assert_eq!(
            p,
            vec!["participant1_id and participant2_id must be different users"]
        );
    }

    #[test]
    fn message_rules_are_each_reported() {
        let limits = Limits {
            max_message_chars: 5,
            ..Limits::default()
        };
        let p = problems(send_message(
            &json!({"chat_room_id": "x", "content": "toolong", "type": "file",
                    "file_url": "javascript:alert(1)", "file_size": -1, "metadata": [1],
                    "client_msg_id": ""}),
            &limits,
        ));
        assert_eq!(
            p,
            vec![
                "chat_room_id must be a UUID",
                "content must be shorter than or equal to 5 characters",
                "file_url must be an absolute http or https URL",
                "file_name should not be empty for file and image messages",
                "file_size must not be less than 0",
                "metadata must be an object",
                "client_msg_id must be a string of 1 to 100 characters",
            ]
        );
    }

    #[test]
    fn empty_text_and_oversized_metadata_are_refused() {
        let room = Uuid::new_v4().to_string();
        let big = "x".repeat(5000);
        let p = problems(send_message(
            &json!({"chat_room_id": room, "content": "  ", "metadata": {"k": big}}),
            &Limits::default(),
        ));
        assert_eq!(
            p,
            vec![
                "content should not be empty",
                "metadata must not be larger than 4096 bytes"
            ]
        );
    }

    #[test]
    fn a_file_message_may_have_empty_content() {
        let room = Uuid::new_v4().to_string();
        let m = send_message(
            &json!({"chat_room_id": room, "content": "", "type": "file",
                    "file_url": "https://example.com/a.pdf", "file_name": "a.pdf", "file_size": 10}),
            &Limits::default(),
        )
        .expect("valid");
        assert_eq!(m.message_type, MessageType::File);
        assert_eq!(m.file_size, Some(10));
    }

    #[test]
    fn limit_outside_its_range_is_named() {
        let mut p = Problems::default();
        let params = parse_query("limit=101&page=0");
        assert_eq!(int_param(&params, "limit", 50, 1, 100, &mut p), 50);
        assert_eq!(int_param(&params, "page", 1, 1, u32::MAX, &mut p), 1);
        assert_eq!(
            problems(p.finish()),
            vec![
                "limit must not be greater than 100",
                "page must not be less than 1"
            ]
        );
    }
}
