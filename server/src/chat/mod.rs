//! What the service does, whoever asks: REST handlers and Socket.IO events both call these,
//! so access rules, validation and events are the same on both paths.

pub mod desk;
pub mod hotels;
pub mod members;
pub mod messages;
pub mod notifications;
pub mod order;
pub mod reactions;
pub mod removal;
pub mod replies;
pub mod rooms;
pub mod safety;
pub mod search;
pub mod stats;
pub mod validate;

use tigo_common::{Role, Room, User};
use uuid::Uuid;

use crate::db::{RoomAccess, UserRecord};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn is_admin(user: &User) -> bool {
    user.has_role(Role::Admin)
}

/// Appends to the audit log; a failure is logged, never fails the operation it records.
pub async fn audit(state: &AppState, entry: crate::db::AuditEntry) {
    if let Err(err) = state.store.audit(&entry).await {
        tracing::warn!(%err, action = entry.action, "could not write the audit log");
    }
}

/// An Admin reading a room they are not a member of is audited (also when whether they are
/// cannot be read: the audit log errs on the side of a line too many).
pub async fn audit_admin_read(state: &AppState, caller: &User, access: &RoomAccess) {
    if is_admin(caller) && !is_member(state, access, caller.id).await.unwrap_or(false) {
        audit(
            state,
            crate::db::AuditEntry {
                actor: Some(caller.id),
                action: "room.admin_read",
                room: Some(access.id),
                ..Default::default()
            },
        )
        .await;
    }
}

/// A user by id, through the cache.
pub async fn user(state: &AppState, id: Uuid) -> AppResult<Option<UserRecord>> {
    if let Some(record) = state.users.get(&id) {
        return Ok(Some(record));
    }
    let record = state.store.user_by_id(id).await?;
    if let Some(record) = &record {
        state.users.insert(id, record.clone());
    }
    Ok(record)
}

/// A user someone names to add (a member, a staff member), found as `record`: 404 when there
/// is no such user, 400 when deactivated.
pub fn active_user(record: Option<UserRecord>, id: Uuid) -> AppResult<User> {
    match record {
        Some(record) if record.is_active => Ok(record.user),
        Some(_) => Err(AppError::validation("This user is deactivated")),
        None => Err(AppError::NotFound(format!("User {id} not found"))),
    }
}

/// The active user a bearer token names, or 401.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<User> {
    let (id, _claims) = state
        .keys
        .verify(token)
        .map_err(|e| AppError::Unauthorized(e.to_string()))?;
    // The holder of a validly signed token knows whose it is: saying which of the two it is
    // tells them nothing new, and lets a client say "deactivated" rather than guess.
    match user(state, id).await? {
        Some(record) if record.is_active => Ok(record.user),
        Some(_) => Err(AppError::Unauthorized("This account is deactivated".into())),
        None => Err(AppError::Unauthorized(
            "The user of this token does not exist".into(),
        )),
    }
}

/// A room's participants and type, through the cache; 404 when there is no such room.
pub async fn room_facts(state: &AppState, room: Uuid) -> AppResult<RoomAccess> {
    if let Some(access) = state.rooms.get(&room) {
        return Ok(access);
    }
    let access = state
        .store
        .room_access(room)
        .await?
        .ok_or_else(|| AppError::NotFound("Chat room not found".into()))?;
    state.rooms.insert(room, access);
    Ok(access)
}

/// The room's members other than its participants, through the cache (a load that raced a
/// change is not kept).
pub async fn other_members(state: &AppState, room: Uuid) -> AppResult<std::sync::Arc<[Uuid]>> {
    let cache = state.events.members();
    if let Some(others) = cache.get(&room) {
        return Ok(others);
    }
    let generation = cache.generation();
    let others: std::sync::Arc<[Uuid]> = state
        .store
        .extra_members(room)
        .await?
        .into_iter()
        .map(|(user, _)| user)
        .collect();
    cache.insert_since(room, others.clone(), generation);
    Ok(others)
}

/// The room as `caller` sees it (their unread count); 404 when it is gone.
pub async fn room_as_seen(state: &AppState, caller: &User, room: Uuid) -> AppResult<Room> {
    state
        .store
        .room(room, caller.id)
        .await?
        .ok_or_else(|| AppError::NotFound("Chat room not found".into()))
}

/// Every member of the room: its participants, then the others (through the cache).
pub async fn member_ids(state: &AppState, access: &RoomAccess) -> AppResult<Vec<Uuid>> {
    let mut ids = access.participants().to_vec();
    ids.extend(other_members(state, access.id).await?.iter().copied());
    Ok(ids)
}

/// Whether `user` is a member of the room (read from the database when the cache does not
/// hold the room, unlike [`crate::delivery::events::Events::is_member_cached`]).
pub async fn is_member(state: &AppState, access: &RoomAccess, user: Uuid) -> AppResult<bool> {
    Ok(access.has_participant(user) || other_members(state, access.id).await?.contains(&user))
}

/// The room if `caller` may read and post in it: a member or an Admin. 404, then 403. The
/// room's other members are loaded into the cache whoever asks: delivering the message that
/// usually follows needs them.
pub async fn room_access(state: &AppState, caller: &User, room: Uuid) -> AppResult<RoomAccess> {
    let access = room_facts(state, room).await?;
    let others = other_members(state, room).await?;
    if access.has_participant(caller.id) || others.contains(&caller.id) || is_admin(caller) {
        Ok(access)
    } else {
        Err(AppError::Forbidden(
            "You do not have access to this chat room".into(),
        ))
    }
}
