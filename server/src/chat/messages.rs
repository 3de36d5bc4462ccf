//! Messages: send (through the group-commit writer), history pages and edit. Delete is in
//! `removal`, which moderation calls too.

use serde_json::Value;
use tigo_common::{Message, MessageList, User};
use uuid::Uuid;

use super::room_access;
use super::validate::{self, Bound, Params, Problems};
use crate::db::{AuditEntry, Cursor, Inserted, MessageQuery};
use crate::delivery::queue::{Draft, Stored};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Validates and access-checks a message, then queues it; the receipt resolves once it is
/// stored. Queue order is storage and delivery order.
pub async fn enqueue(state: &AppState, caller: &User, body: &Value) -> AppResult<Stored> {
    if let Err(wait) = state.limits.message(caller.id) {
        state.metrics.rate_limited("messages");
        let secs = crate::limits::retry_after(wait);
        return Err(AppError::TooManyRequests {
            message: format!("Too many messages; retry in {secs} s"),
            retry_after_secs: secs,
        });
    }
    let mut message = validate::send_message(body, &state.config.limits)?;
    let access = room_access(state, caller, message.chat_room_id).await?;
    let reply_to = match message.reply_to_id {
        Some(id) => Some(super::replies::quote(state, access.id, id).await?),
        None => None,
    };
    crate::files::resolve_attachment(
        &state.files,
        state.store.as_ref(),
        caller.id,
        access.room_type,
        &mut message,
    )
    .await?;
    let masked = crate::chat::safety::screen_send(state, caller, &access, &mut message).await?;
    let stored = state.writer.enqueue(Draft {
        access,
        sender: caller.summary(),
        message,
        reply_to,
    })?;
    Ok(crate::chat::safety::audit_when_stored(
        state, caller, masked, stored,
    ))
}

/// `POST /chat/messages`.
pub async fn send(state: &AppState, caller: &User, body: &Value) -> AppResult<Inserted> {
    let receipt = enqueue(state, caller, body).await?;
    let mut inserted = crate::delivery::writer::wait(receipt).await?;
    // A repeated client_msg_id answers a message stored earlier: its URLs are signed anew.
    match &mut inserted {
        Inserted::New(m) | Inserted::Existing(m) => {
            crate::files::sign_message(&state.files, m, chrono::Utc::now())
        }
    }
    Ok(inserted)
}

/// Turns a `before`/`after` parameter into a position in the room's history.
async fn cursor(
    state: &AppState,
    room: Uuid,
    name: &str,
    bound: Option<Bound>,
    after: bool,
) -> AppResult<Option<Cursor>> {
    Ok(match bound {
        None => None,
        Some(Bound::At(at)) if after => Some(Cursor::after_instant(at)),
        Some(Bound::At(at)) => Some(Cursor::before_instant(at)),
        Some(Bound::Message(id)) => match state.store.message(id).await? {
            Some(m) if m.chat_room_id == room => Some(Cursor::of(&m)),
            _ => {
                return Err(AppError::validation(format!(
                    "{name} must be an RFC 3339 timestamp or the id of a message in this room"
                )));
            }
        },
    })
}

/// `GET /chat/rooms/:id/messages`: oldest first within the page. Without `after`, page 1 is
/// the newest `limit` messages (before `before`, when given); with `after`, page 1 is the
/// oldest `limit` messages after it. `total` is the room's message count.
pub async fn history(
    state: &AppState,
    caller: &User,
    room: Uuid,
    params: &Params,
) -> AppResult<MessageList> {
    let mut p = Problems::default();
    let page = validate::int_param(params, "page", 1, 1, 1_000_000, &mut p);
    let limit = validate::int_param(params, "limit", 50, 1, 100, &mut p);
    let before = validate::bound_param(params, "before", &mut p);
    let after = validate::bound_param(params, "after", &mut p);
    p.finish()?;
    let access = room_access(state, caller, room).await?;
    crate::chat::audit_admin_read(state, caller, &access).await;
    let query = MessageQuery {
        room_id: room,
        before: cursor(state, room, "before", before, false).await?,
        after: cursor(state, room, "after", after, true).await?,
        offset: (i64::from(page) - 1) * i64::from(limit),
        limit: i64::from(limit),
    };
    let (mut messages, total) = state.store.list_messages(&query).await?;
    crate::files::sign_messages(&state.files, &mut messages);
    Ok(MessageList {
        messages,
        total,
        page,
        limit,
    })
}

/// `PATCH /chat/messages/:id`: only the sender edits.
pub async fn edit(state: &AppState, caller: &User, id: Uuid, body: &Value) -> AppResult<Message> {
    let message = state
        .store
        .message(id)
        .await?
        .ok_or_else(|| AppError::NotFound("Message not found".into()))?;
    if message.sender_id != caller.id {
        return Err(AppError::Forbidden(
            "You can only edit your own messages".into(),
        ));
    }
    let content = validate::edit_message(body, message.message_type, &state.config.limits)?;
    let access = room_access(state, caller, message.chat_room_id).await?;
    let (content, masked) =
        crate::chat::safety::screen_edit(state, caller, &access, content).await?;
    let _order = super::order::room(message.chat_room_id).await;
    let (mut edited, seq) = state
        .store
        .edit_message(id, &content, chrono::Utc::now())
        .await?
        .ok_or_else(|| AppError::NotFound("Message not found".into()))?;
    if let Some(counts) = masked {
        edited = crate::chat::safety::after_edit(state, caller, edited, counts).await?;
    }
    crate::files::sign_message(&state.files, &mut edited, chrono::Utc::now());
    crate::chat::audit(
        state,
        AuditEntry {
            actor: Some(caller.id),
            action: "message.edit",
            room: Some(edited.chat_room_id),
            message: Some(edited.id),
            target_user: Some(edited.sender_id),
            ..AuditEntry::default()
        },
    )
    .await;
    state.events.message_edited(&edited, seq);
    Ok(edited)
}
