//! Replies: checking the message a new one answers and taking its quote.

use tigo_common::ReplyTo;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub use tigo_common::QUOTE_CHARS;

/// The quote of message `id` for a reply posted in `room`: 404 when it does not exist, 400
/// when it belongs to another room.
pub async fn quote(state: &AppState, room: Uuid, id: Uuid) -> AppResult<ReplyTo> {
    let quoted = state
        .store
        .message(id)
        .await?
        .ok_or_else(|| AppError::NotFound("Replied-to message not found".into()))?;
    if quoted.chat_room_id != room {
        return Err(AppError::validation(
            "reply_to_id must be a message of the same chat room",
        ));
    }
    Ok(ReplyTo {
        id: quoted.id,
        sender_id: quoted.sender_id,
        content: quoted.content.chars().take(QUOTE_CHARS).collect(),
        message_type: quoted.message_type,
        deleted: false,
    })
}
