//! Booking-platform safety: contact masking and blocked terms on every message and edit (the
//! send path and `chat::messages::edit` call [`screen_send`] and [`screen_edit`], once, before
//! anything is stored), and message reports ([`reports`]).

pub mod blocklist;
pub mod reports;

use serde_json::{Value, json};
use tigo_common::{SendMessage, User};

pub use crate::config::SafetyConfig;
pub use crate::moderation::Safety;

use crate::db::{AuditEntry, RoomAccess};
use crate::delivery::queue::Stored;
use crate::error::{AppError, AppResult};
use crate::moderation::mask::Counts;
use crate::state::AppState;

/// The refusal of a message or edit with a blocked term (the contract's words).
pub const BLOCKED: &str = "Message contains blocked content";

/// Refuses a text with a blocked term (audited: who, where; never the text).
async fn refuse_blocked(
    state: &AppState,
    caller: &User,
    access: &RoomAccess,
    text: &str,
    edit: bool,
) -> AppResult<()> {
    if !state.safety.blocklist.blocks(text) {
        return Ok(());
    }
    crate::chat::audit(
        state,
        AuditEntry {
            actor: Some(caller.id),
            action: "message.blocked",
            room: Some(access.id),
            detail: json!({ "edit": edit }),
            ..AuditEntry::default()
        },
    )
    .await;
    Err(AppError::BadRequest(BLOCKED.into()))
}

/// Sets `metadata.masked` to what was hidden (removes it when nothing was): in masked rooms
/// the server alone writes that key.
fn mark(metadata: Option<Value>, counts: Counts) -> Option<Value> {
    let mut object = match metadata {
        Some(Value::Object(map)) => map,
        None => serde_json::Map::new(),
        other => return other,
    };
    object.remove("masked");
    if counts.total() > 0 {
        object.insert("masked".into(), json!(counts.kinds()));
    }
    (!object.is_empty()).then_some(Value::Object(object))
}

/// Screens a message about to be queued: refused when it holds a blocked term; in a masked
/// room its contact details are replaced. Returns what was hidden.
pub async fn screen_send(
    state: &AppState,
    caller: &User,
    access: &RoomAccess,
    message: &mut SendMessage,
) -> AppResult<Counts> {
    refuse_blocked(state, caller, access, &message.content, false).await?;
    if !state.safety.masks(access.room_type) {
        return Ok(Counts::default());
    }
    let limit = state.config.limits.max_message_chars;
    let masked = state.safety.mask(&message.content, limit);
    message.content = masked.text;
    let had_mark = message
        .metadata
        .as_ref()
        .is_some_and(|m| m.get("masked").is_some());
    if masked.counts.total() > 0 || had_mark {
        message.metadata = mark(message.metadata.take(), masked.counts);
    }
    Ok(masked.counts)
}

/// Screens an edit's new content like a new message's; returns it (masked in a masked room)
/// and what was hidden (`None`: the room is not masked).
pub async fn screen_edit(
    state: &AppState,
    caller: &User,
    access: &RoomAccess,
    content: String,
) -> AppResult<(String, Option<Counts>)> {
    refuse_blocked(state, caller, access, &content, true).await?;
    if !state.safety.masks(access.room_type) {
        return Ok((content, None));
    }
    let masked = state
        .safety
        .mask(&content, state.config.limits.max_message_chars);
    Ok((masked.text, Some(masked.counts)))
}

/// After an edit in a masked room: `metadata.masked` says what the new text hides, and the
/// masking is audited. Returns the message as it now reads.
pub async fn after_edit(
    state: &AppState,
    caller: &User,
    mut edited: tigo_common::Message,
    counts: Counts,
) -> AppResult<tigo_common::Message> {
    let metadata = mark(edited.metadata.clone(), counts);
    if metadata != edited.metadata {
        state
            .store
            .set_message_metadata(edited.id, metadata.as_ref())
            .await?;
        edited.metadata = metadata;
    }
    if counts.total() > 0 {
        audit_masked(
            state,
            caller.id,
            edited.chat_room_id,
            edited.id,
            counts,
            true,
        )
        .await;
    }
    Ok(edited)
}

async fn audit_masked(
    state: &AppState,
    actor: uuid::Uuid,
    room: uuid::Uuid,
    message: uuid::Uuid,
    counts: Counts,
    edit: bool,
) {
    crate::chat::audit(
        state,
        AuditEntry {
            actor: Some(actor),
            action: "message.masked",
            room: Some(room),
            message: Some(message),
            detail: json!({
                "phone": counts.phone, "email": counts.email, "link": counts.link, "edit": edit,
            }),
            ..AuditEntry::default()
        },
    )
    .await;
}

/// Audits a masked message once it is stored (its id is known then), passing its receipt on.
pub fn audit_when_stored(
    state: &AppState,
    caller: &User,
    counts: Counts,
    stored: Stored,
) -> Stored {
    if counts.total() == 0 {
        return stored;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (state, actor) = (state.clone(), caller.id);
    // On the instance's tracker: shutdown waits for the audit line of a message it stored.
    let tasks = state.tasks.clone();
    tasks.spawn(async move {
        let result = stored
            .await
            .unwrap_or_else(|_| Err(AppError::unavailable("the message writer stopped")));
        let ids = result
            .as_ref()
            .ok()
            .map(|c| &c.inserted)
            .filter(|i| matches!(i, crate::db::Inserted::New(_)))
            .map(|i| (i.message().chat_room_id, i.message().id));
        // The sender's answer first; the audit line follows.
        let _ = tx.send(result);
        if let Some((room, message)) = ids {
            audit_masked(&state, actor, room, message, counts, false).await;
        }
    });
    rx
}
