//! The support desk: Admins take support rooms (assignment, announced to every Admin
//! connection on every instance as `room_assigned`), see who holds each waiting room in the
//! queue, and share saved replies ([`replies`]).

pub mod replies;

use serde_json::{Value, json};
use tigo_common::{Role, Room, RoomAssigned, User, UserSummary, Waiting};
use uuid::Uuid;

use crate::chat::{is_admin, validate};
use crate::db::AuditEntry;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub(crate) fn admin_only(caller: &User, what: &str) -> AppResult<()> {
    if is_admin(caller) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("Only admins can {what}")))
    }
}

/// The Admin a body names (`admin_id`), the caller when it names none.
async fn assignee(state: &AppState, caller: &User, body: &Value) -> AppResult<Uuid> {
    let obj = validate::object(body)?;
    let id = match obj.get("admin_id") {
        None | Some(Value::Null) => return Ok(caller.id),
        Some(Value::String(s)) if s.len() == 36 => Uuid::parse_str(s).ok(),
        Some(_) => None,
    }
    .ok_or_else(|| AppError::validation("admin_id must be a UUID"))?;
    match crate::chat::user(state, id).await? {
        None => Err(AppError::NotFound("User not found".into())),
        Some(u) if u.is_active && u.user.roles.contains(&Role::Admin) => Ok(id),
        Some(_) => Err(AppError::validation(
            "admin_id must be the id of an active Admin",
        )),
    }
}

/// `POST /chat/rooms/:id/assign {admin_id?}` and `DELETE /chat/rooms/:id/assign` (`None`).
pub async fn assign(
    state: &AppState,
    caller: &User,
    room: Uuid,
    body: Option<&Value>,
) -> AppResult<Room> {
    admin_only(caller, "assign rooms")?;
    let admin = match body {
        Some(body) => Some(assignee(state, caller, body).await?),
        None => None,
    };
    crate::chat::room_facts(state, room).await?;
    if !state.store.assign_room(room, admin).await? {
        return Err(AppError::NotFound("Chat room not found".into()));
    }
    crate::chat::audit(
        state,
        AuditEntry {
            actor: Some(caller.id),
            action: if admin.is_some() {
                "room.assign"
            } else {
                "room.unassign"
            },
            room: Some(room),
            target_user: admin,
            detail: json!({ "admin_id": admin }),
            ..AuditEntry::default()
        },
    )
    .await;
    state.events.room_assigned(&RoomAssigned {
        room_id: room,
        admin_id: admin,
    });
    crate::chat::room_as_seen(state, caller, room).await
}

/// A queue entry: the room with its type and the Admin holding it.
pub async fn waiting(state: &AppState, room: Room, last_sender: UserSummary) -> Waiting {
    let assignee = match room.assigned_admin_id {
        Some(id) => match crate::chat::user(state, id).await {
            Ok(Some(record)) => Some(record.user.summary()),
            _ => None,
        },
        None => None,
    };
    Waiting {
        waiting_since: room.last_message_at.unwrap_or(room.created_at),
        room_type: room.room_type,
        assignee,
        room,
        last_sender,
    }
}
