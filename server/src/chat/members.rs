//! Room members other than the participants: a guest adds a travel companion, support steps
//! in as an agent; either leaves, or is removed, at once and completely (the member cache on
//! every instance forgets the room, and the removed user's connections leave it).

use serde_json::Value;
use tigo_common::{MemberAdded, MemberRemoved, MemberRole, Room, RoomType, Side, User};
use uuid::Uuid;

use super::{audit, is_admin, room_access, room_as_seen, user, validate};
use crate::db::{AuditEntry, MemberChange, RoomAccess};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// `POST /chat/rooms/:roomId/members`: the room, and whether the member was added now.
pub async fn add(
    state: &AppState,
    caller: &User,
    room_id: Uuid,
    body: &Value,
) -> AppResult<(Room, bool)> {
    let req = validate::add_member(body)?;
    let access = room_access(state, caller, room_id).await?;
    let room = room_as_seen(state, caller, room_id).await?;
    may_manage(caller, &room, req.role)?;
    if req.role == MemberRole::Companion
        && !matches!(
            room.room_type,
            RoomType::CustomerHotelOwner | RoomType::CustomerAdmin
        )
    {
        return Err(AppError::validation(
            "Companions join customer_hotel_owner and customer_admin rooms only",
        ));
    }
    let target = super::active_user(user(state, req.user_id).await?, req.user_id)?;
    if req.role == MemberRole::Agent && !is_admin(&target) {
        return Err(AppError::validation("An agent must be an Admin"));
    }
    let max = state.config.limits.max_room_members;
    let now = chrono::Utc::now();
    match state
        .store
        .add_member(room_id, target.id, req.role, now, max)
        .await?
    {
        MemberChange::Added(_) => {}
        MemberChange::Already => return Ok((room, false)),
        MemberChange::OtherRole(role) => {
            return Err(AppError::validation(format!(
                "This user is a member of the room already, as {}",
                role.as_str()
            )));
        }
        MemberChange::Full => {
            return Err(AppError::validation(format!(
                "A room has at most {max} members"
            )));
        }
    }
    let room = room_as_seen(state, caller, room_id).await?;
    announce_added(state, access, &room, target.id);
    let entry = AuditEntry {
        actor: Some(caller.id),
        action: "room.member_add",
        room: Some(room_id),
        target_user: Some(target.id),
        detail: serde_json::json!({ "role": req.role }),
        ..Default::default()
    };
    audit(state, entry).await;
    Ok((room, true))
}

/// `DELETE /chat/rooms/:roomId/members/:userId`: whoever may add the member's role, or the
/// member themselves.
pub async fn remove(
    state: &AppState,
    caller: &User,
    room_id: Uuid,
    user_id: Uuid,
) -> AppResult<Room> {
    room_access(state, caller, room_id).await?;
    let mut room = room_as_seen(state, caller, room_id).await?;
    let Some(member) = room.members.iter().find(|m| m.user_id == user_id) else {
        return Err(AppError::NotFound(
            "This user is not a member of the room".into(),
        ));
    };
    match member.role {
        MemberRole::Participant => {
            return Err(AppError::validation("A participant cannot be removed"));
        }
        MemberRole::Staff => {
            return Err(AppError::validation(
                "Staff follow the hotel's team: remove them from the hotel's staff",
            ));
        }
        MemberRole::Companion | MemberRole::Agent if caller.id != user_id => {
            may_manage(caller, &room, member.role)?;
        }
        MemberRole::Companion | MemberRole::Agent => {}
    }
    let Some(role) = state.store.remove_member(room_id, user_id).await? else {
        return Err(AppError::NotFound(
            "This user is not a member of the room".into(),
        ));
    };
    state
        .events
        .member_removed(&MemberRemoved { room_id, user_id });
    room.members.retain(|m| m.user_id != user_id);
    let entry = AuditEntry {
        actor: Some(caller.id),
        action: "room.member_remove",
        room: Some(room_id),
        target_user: Some(user_id),
        detail: serde_json::json!({ "role": role }),
        ..Default::default()
    };
    audit(state, entry).await;
    Ok(room)
}

/// `member_added` for a user stored as a member of `room` (read after the change).
pub fn announce_added(state: &AppState, access: RoomAccess, room: &Room, user: Uuid) {
    if let Some(member) = room.members.iter().find(|m| m.user_id == user) {
        let added = MemberAdded {
            room_id: room.id,
            member: member.clone(),
        };
        state.events.member_added(access, &added);
    }
}

/// Who may add (and remove) a role: companions, the guest's side participant or an Admin;
/// agents, any Admin.
fn may_manage(caller: &User, room: &Room, role: MemberRole) -> AppResult<()> {
    let guest = room.members.iter().any(|m| {
        m.user_id == caller.id && m.role == MemberRole::Participant && m.side == Side::Customer
    });
    let allowed = match role {
        MemberRole::Companion => guest || is_admin(caller),
        MemberRole::Agent => is_admin(caller),
        MemberRole::Participant | MemberRole::Staff => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "You may not add or remove a room's {}s",
            role.as_str()
        )))
    }
}
