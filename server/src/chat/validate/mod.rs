//! Request validation with class-validator's wording: every problem in a body or query is
//! named, one message each, and the request is refused as a whole (400) when any is found.
//! Bodies here; path and query parameters in [`query`].

use serde_json::{Map, Value};
use tigo_common::{CreateRoom, RoomType};
use uuid::Uuid;

mod members;
mod message;
mod query;

pub use self::members::{MAX_HOTEL_NAME, add_member, add_staff, put_hotel};
pub use self::message::{edit_message, send_message};
pub use self::query::{
    Bound, Params, bool_param, bound_param, checked_query, int_param, parse_query, path_uuid,
    room_type_param, uuid_param,
};
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

pub(super) fn uuid_field(
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

pub(super) fn string_field(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Limits;
    use serde_json::json;
    use tigo_common::MessageType;

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
