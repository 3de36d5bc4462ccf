//! Client event payloads decoded into `common`'s types, with the contract's messages for
//! what does not fit (a bare value, a missing or malformed id).

use serde_json::Value;
pub(super) use tigo_common::{JoinRoom, ReactionChange, RoomRef};
use uuid::Uuid;

use crate::chat::validate;
use crate::error::{AppError, AppResult};

/// `{roomId}`.
pub(super) fn room_ref(data: &Value) -> AppResult<RoomRef> {
    let room = id_field(object(data)?, "roomId")?;
    record_room(room);
    Ok(RoomRef { room_id: room })
}

/// `{roomId, lastMessageId?}`.
pub(super) fn join_room(data: &Value) -> AppResult<JoinRoom> {
    let RoomRef { room_id } = room_ref(data)?;
    let last_message_id = match data.get("lastMessageId") {
        None | Some(Value::Null) => None,
        Some(_) => Some(id_field(object(data)?, "lastMessageId")?),
    };
    Ok(JoinRoom {
        room_id,
        last_message_id,
    })
}

/// `{messageId, emoji}` (the emoji itself is checked where reactions are).
pub(super) fn reaction_change(data: &Value) -> AppResult<ReactionChange> {
    let obj = data.as_object().ok_or_else(|| {
        AppError::validation("the payload must be an object {messageId, emoji}, not a bare value")
    })?;
    let message_id = id_field(obj, "messageId")?;
    tracing::Span::current().record("message_id", tracing::field::display(message_id));
    let emoji = obj
        .get("emoji")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::validation("emoji must be a single emoji"))?;
    Ok(ReactionChange {
        message_id,
        emoji: emoji.to_string(),
    })
}

fn object(data: &Value) -> AppResult<&serde_json::Map<String, Value>> {
    data.as_object().ok_or_else(|| {
        AppError::validation("the payload must be an object {roomId}, not a bare value")
    })
}

fn id_field(data: &serde_json::Map<String, Value>, name: &str) -> AppResult<Uuid> {
    let problem = || AppError::validation(format!("{name} must be a UUID"));
    let text = data.get(name).and_then(Value::as_str).ok_or_else(problem)?;
    validate::path_uuid(name, text).map_err(|_| problem())
}

/// The room goes on the event's span once it is known.
fn record_room(room: Uuid) {
    tracing::Span::current().record("room_id", tracing::field::display(room));
}
