//! Deleting a message: by its sender, an Admin, or a moderator resolving a report (which is why
//! it is not in `messages`: that module calls moderation, and moderation calls this).

use tigo_common::{MessageDeleted, User};
use uuid::Uuid;

use super::is_admin;
use crate::db::AuditEntry;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// `DELETE /chat/messages/:id`: the sender or an Admin.
pub async fn delete(state: &AppState, caller: &User, id: Uuid) -> AppResult<MessageDeleted> {
    let message = state
        .store
        .message(id)
        .await?
        .ok_or_else(|| AppError::NotFound("Message not found".into()))?;
    if message.sender_id != caller.id && !is_admin(caller) {
        return Err(AppError::Forbidden(
            "You can only delete your own messages".into(),
        ));
    }
    let _order = super::order::room(message.chat_room_id).await;
    let (deleted, seq) = state
        .store
        .delete_message(id, caller.id)
        .await?
        .ok_or_else(|| AppError::NotFound("Message not found".into()))?;
    let event = MessageDeleted {
        message_id: deleted.id,
        room_id: deleted.chat_room_id,
        deleted_by: caller.id,
    };
    crate::chat::audit(
        state,
        AuditEntry {
            actor: Some(caller.id),
            action: "message.delete",
            room: Some(deleted.chat_room_id),
            message: Some(deleted.id),
            target_user: Some(deleted.sender_id),
            detail: serde_json::json!({ "by_admin": caller.id != deleted.sender_id }),
        },
    )
    .await;
    state.events.message_deleted(&event, seq);
    Ok(event)
}
