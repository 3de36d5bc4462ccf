//! Rooms: create-or-get (race-free per unordered pair and type, and per hotel for
//! customer–hotel-owner rooms), list, read, mark read, and who is online in one.

use serde_json::Value;
use tigo_common::{MessagesRead, Room, RoomList, RoomReceipts, User};
use uuid::Uuid;

use super::validate::{self, Params, Problems};
use super::{is_admin, room_access, user};
use crate::db::{NewRoom, RoomAccess, RoomQuery};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// `POST /chat/rooms`: the room and whether it was created now.
pub async fn create(state: &AppState, caller: &User, body: &Value) -> AppResult<(Room, bool)> {
    let req = validate::create_room(body)?;
    if !is_admin(caller) && caller.id != req.participant1_id && caller.id != req.participant2_id {
        return Err(AppError::Forbidden(
            "You can only create chat rooms you take part in".into(),
        ));
    }
    let mut users = Vec::with_capacity(2);
    for id in [req.participant1_id, req.participant2_id] {
        match user(state, id).await? {
            Some(record) if record.is_active => users.push(record.user),
            _ => return Err(AppError::NotFound(format!("User {id} not found"))),
        }
    }
    if !req.room_type.fits(&users[0].roles, &users[1].roles) {
        let (a, b) = req.room_type.roles();
        return Err(AppError::validation(format!(
            "A {} room needs one {a} and one {b}",
            req.room_type
        )));
    }
    super::hotels::check_room_owner(
        state,
        req.room_type,
        req.hotel_id,
        [req.participant1_id, req.participant2_id],
    )
    .await?;
    let new = NewRoom {
        id: Uuid::now_v7(),
        room_type: req.room_type,
        participant1_id: req.participant1_id,
        participant2_id: req.participant2_id,
        hotel_id: req.hotel_id,
        created_at: chrono::Utc::now(),
    };
    let (room, created) = state.store.create_room(&new, caller.id).await?;
    if created {
        state.rooms.insert(room.id, access_of(&room));
        crate::chat::audit(
            state,
            crate::db::AuditEntry {
                actor: Some(caller.id),
                action: "room.create",
                room: Some(room.id),
                detail: serde_json::json!({
                    "type": room.room_type,
                    "participants": [room.participant1_id, room.participant2_id],
                }),
                ..Default::default()
            },
        )
        .await;
        state.events.room_created(&room);
    }
    Ok((room, created))
}

pub fn access_of(room: &Room) -> RoomAccess {
    RoomAccess {
        id: room.id,
        room_type: room.room_type,
        participant1_id: room.participant1_id,
        participant2_id: room.participant2_id,
    }
}

/// `GET /chat/rooms`.
pub async fn list(state: &AppState, caller: &User, params: &Params) -> AppResult<RoomList> {
    let mut p = Problems::default();
    let page = validate::int_param(params, "page", 1, 1, 1_000_000, &mut p);
    let limit = validate::int_param(params, "limit", 20, 1, 100, &mut p);
    let room_type = validate::room_type_param(params, "type", &mut p);
    let participant_id = validate::uuid_param(params, "participant_id", &mut p);
    let all = validate::bool_param(params, "all", &mut p).unwrap_or(false);
    let search = params
        .get("search")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if search.as_ref().is_some_and(|s| s.chars().count() > 100) {
        p.push("search must be shorter than or equal to 100 characters");
    }
    p.finish()?;
    if all && !is_admin(caller) {
        return Err(AppError::Forbidden(
            "Only admins can list every room".into(),
        ));
    }
    let query = RoomQuery {
        viewer: caller.id,
        all,
        room_type,
        participant_id,
        search,
        active: None,
        offset: (i64::from(page) - 1) * i64::from(limit),
        limit: i64::from(limit),
    };
    let (rooms, total) = state.store.list_rooms(&query).await?;
    Ok(RoomList {
        rooms,
        total,
        page,
        limit,
    })
}

/// `GET /chat/rooms/:id`.
pub async fn get(state: &AppState, caller: &User, room: Uuid) -> AppResult<Room> {
    let access = room_access(state, caller, room).await?;
    crate::chat::audit_admin_read(state, caller, &access).await;
    super::room_as_seen(state, caller, room).await
}

/// `POST /chat/rooms/:id/read` and `mark_messages_read`: a member's read moves their
/// read position (and delivered position) to the room's newest message, so the other side's
/// messages up to it read as `read`, and tells the room. No message row is written.
pub async fn mark_read(state: &AppState, caller: &User, room: Uuid) -> AppResult<MessagesRead> {
    let access = room_access(state, caller, room).await?;
    let member = super::is_member(state, &access, caller.id).await?;
    let outcome = state
        .store
        .mark_read(room, caller.id, member, chrono::Utc::now())
        .await?;
    let read = MessagesRead {
        user_id: caller.id,
        room_id: room,
        read_at: outcome.read_at,
    };
    if member {
        state.events.messages_read(&read, outcome.seq);
        // The reader's other devices clear what they show for the room.
        state.notify.read(&state.tasks, caller.id, room);
    }
    Ok(read)
}

/// `GET /chat/rooms/:id/receipts`: each member's read and delivery positions.
pub async fn receipts(state: &AppState, caller: &User, room: Uuid) -> AppResult<RoomReceipts> {
    let access = room_access(state, caller, room).await?;
    crate::chat::audit_admin_read(state, caller, &access).await;
    let receipts = state.store.member_receipts(room).await?;
    Ok(RoomReceipts { receipts })
}

/// `GET /chat/rooms/:id/online-users`.
pub async fn online_users(state: &AppState, caller: &User, room: Uuid) -> AppResult<Vec<Uuid>> {
    let access = room_access(state, caller, room).await?;
    let members = super::member_ids(state, &access).await?;
    Ok(state.presence.online_among(members).await)
}

/// `GET /chat/admin/queue` (Admin only): rooms waiting for an answer, longest wait first.
pub async fn support_queue(
    state: &AppState,
    caller: &User,
    params: &Params,
) -> AppResult<tigo_common::SupportQueue> {
    if !is_admin(caller) {
        return Err(AppError::Forbidden(
            "The support queue is for admins".into(),
        ));
    }
    let mut p = Problems::default();
    let limit = validate::int_param(params, "limit", 50, 1, 100, &mut p);
    p.finish()?;
    let mut rooms = Vec::new();
    for (room, last_sender) in state
        .store
        .support_queue(caller.id, i64::from(limit))
        .await?
    {
        rooms.push(crate::chat::desk::waiting(state, room, last_sender).await);
    }
    Ok(tigo_common::SupportQueue { rooms })
}
