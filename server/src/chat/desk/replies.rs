//! Saved replies shared by the Admins: named texts an Admin puts into a message and edits
//! before sending (`/r NAME` in the terminal client).

use serde_json::Value;
use tigo_common::{SavedReplies, SavedReply, User};
use uuid::Uuid;

use super::admin_only;
use crate::chat::validate::{self, Problems};
use crate::db::StoreError;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Longest name; names are what `/r NAME` types, so one word.
pub const MAX_NAME: usize = 64;

/// Whether `name` may name a saved reply: 1–64 letters, digits, `-`, `_`, `.`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Checks a new reply: `{name, text}`.
pub fn new_reply(body: &Value, max_chars: usize) -> AppResult<SavedReply> {
    let obj = validate::object(body)?;
    let mut p = Problems::default();
    let name = match obj.get("name") {
        Some(Value::String(n)) if valid_name(n) => n.clone(),
        _ => {
            p.push(format!(
                "name must be 1 to {MAX_NAME} letters, digits, '-', '_' or '.'"
            ));
            String::new()
        }
    };
    let text = match obj.get("text") {
        Some(Value::String(t)) if t.trim().is_empty() => {
            p.push("text should not be empty");
            String::new()
        }
        Some(Value::String(t)) if t.chars().count() > max_chars => {
            p.push(format!(
                "text must be shorter than or equal to {max_chars} characters"
            ));
            String::new()
        }
        Some(Value::String(t)) => t.clone(),
        _ => {
            p.push("text must be a string");
            String::new()
        }
    };
    p.finish()?;
    Ok(SavedReply {
        id: Uuid::now_v7(),
        name,
        text,
    })
}

/// Stores a reply; 409 when the name is taken.
pub async fn store(state: &AppState, reply: &SavedReply, by: Option<Uuid>) -> AppResult<()> {
    match state.store.add_saved_reply(reply, by).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict(format!(
            "A saved reply named {:?} exists already",
            reply.name
        ))),
        Err(err) => Err(err.into()),
    }
}

/// `GET /chat/admin/replies`.
pub async fn list(state: &AppState, caller: &User) -> AppResult<SavedReplies> {
    admin_only(caller, "use saved replies")?;
    Ok(SavedReplies {
        replies: state.store.saved_replies().await?,
    })
}

/// `POST /chat/admin/replies`.
pub async fn add(state: &AppState, caller: &User, body: &Value) -> AppResult<SavedReply> {
    admin_only(caller, "use saved replies")?;
    let reply = new_reply(body, state.config.limits.max_message_chars)?;
    store(state, &reply, Some(caller.id)).await?;
    Ok(reply)
}

/// `DELETE /chat/admin/replies/:id`.
pub async fn remove(state: &AppState, caller: &User, id: Uuid) -> AppResult<()> {
    admin_only(caller, "use saved replies")?;
    if state.store.remove_saved_reply(id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("Saved reply not found".into()))
    }
}
