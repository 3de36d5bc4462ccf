//! Hotels and their teams: an Admin registers a hotel and its owner; the owner (or an Admin)
//! names its staff, who become members of every `customer_hotel_owner` room of the hotel,
//! present and future, until they are removed.

use serde_json::Value;
use tigo_common::{Hotel, MemberRemoved, Role, RoomType, User};
use uuid::Uuid;

use super::{audit, is_admin, room_facts, user, validate};
use crate::db::{AuditEntry, MemberChange, UserRecord};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// `PUT /chat/admin/hotels/:hotelId` (Admin): the hotel, and whether it was created now.
pub async fn put(
    state: &AppState,
    caller: &User,
    hotel_id: Uuid,
    body: &Value,
) -> AppResult<(Hotel, bool)> {
    if !is_admin(caller) {
        return Err(AppError::Forbidden("Only admins register hotels".into()));
    }
    let req = validate::put_hotel(body)?;
    let owner = user(state, req.owner_id).await?;
    let before = state.store.hotel(hotel_id).await?;
    check_owner(owner.as_ref(), before.as_ref(), req.owner_id)?;
    let now = chrono::Utc::now();
    let (hotel, created) = state
        .store
        .put_hotel(hotel_id, &req.name, req.owner_id, now)
        .await?;
    let entry = put_entry(Some(caller.id), &hotel);
    audit(state, entry).await;
    Ok((hotel, created))
}

/// `GET /chat/hotels/:hotelId`: its owner, its staff and Admins. 404, then 403.
pub async fn get(state: &AppState, caller: &User, hotel_id: Uuid) -> AppResult<Hotel> {
    let hotel = find(state, hotel_id).await?;
    let on_team = hotel.owner_id == caller.id || hotel.staff.iter().any(|s| s.user_id == caller.id);
    if on_team || is_admin(caller) {
        Ok(hotel)
    } else {
        Err(AppError::Forbidden(
            "You are not on this hotel's team".into(),
        ))
    }
}

/// `POST /chat/hotels/:hotelId/staff` (its owner or an Admin): the hotel.
pub async fn add_staff(
    state: &AppState,
    caller: &User,
    hotel_id: Uuid,
    body: &Value,
) -> AppResult<Hotel> {
    let req = validate::add_staff(body)?;
    let hotel = managed(state, caller, hotel_id).await?;
    let record = user(state, req.user_id).await?;
    let target = staff_candidate(record, req.user_id, &hotel)?;
    let max = state.config.limits.max_hotel_staff;
    let now = chrono::Utc::now();
    let change = state.store.add_staff(hotel_id, target.id, now, max).await?;
    let Some(rooms) = staff_added(change, max)? else {
        return Ok(hotel);
    };
    for room_id in rooms {
        let access = room_facts(state, room_id).await?;
        if let Some(room) = state.store.room(room_id, target.id).await? {
            super::members::announce_added(state, access, &room, target.id);
        }
    }
    audit_staff(state, caller, hotel_id, target.id, "hotel.staff_add").await;
    find(state, hotel_id).await
}

/// `DELETE /chat/hotels/:hotelId/staff/:userId` (its owner or an Admin): the hotel.
pub async fn remove_staff(
    state: &AppState,
    caller: &User,
    hotel_id: Uuid,
    user_id: Uuid,
) -> AppResult<Hotel> {
    managed(state, caller, hotel_id).await?;
    let rooms = staff_removed(state.store.remove_staff(hotel_id, user_id).await?)?;
    for room_id in rooms {
        state
            .events
            .member_removed(&MemberRemoved { room_id, user_id });
    }
    audit_staff(state, caller, hotel_id, user_id, "hotel.staff_remove").await;
    find(state, hotel_id).await
}

/// A new `customer_hotel_owner` room of a registered hotel must be with its owner; a hotel
/// the platform never registered is not checked (rooms behave as before v3).
pub async fn check_room_owner(
    state: &AppState,
    room_type: RoomType,
    hotel_id: Option<Uuid>,
    participants: [Uuid; 2],
) -> AppResult<()> {
    let Some(hotel_id) = hotel_id.filter(|_| room_type == RoomType::CustomerHotelOwner) else {
        return Ok(());
    };
    match state.store.hotel(hotel_id).await? {
        Some(hotel) if !participants.contains(&hotel.owner_id) => Err(AppError::validation(
            "This hotel's rooms are with its owner",
        )),
        _ => Ok(()),
    }
}

async fn find(state: &AppState, hotel_id: Uuid) -> AppResult<Hotel> {
    state
        .store
        .hotel(hotel_id)
        .await?
        .ok_or_else(|| AppError::NotFound("Hotel not found".into()))
}

/// The hotel, if `caller` may change its staff (its owner or an Admin). 404, then 403.
async fn managed(state: &AppState, caller: &User, hotel_id: Uuid) -> AppResult<Hotel> {
    let hotel = find(state, hotel_id).await?;
    if hotel.owner_id == caller.id || is_admin(caller) {
        Ok(hotel)
    } else {
        Err(AppError::Forbidden(
            "Only the hotel's owner or an admin changes its staff".into(),
        ))
    }
}

async fn audit_staff(
    state: &AppState,
    caller: &User,
    hotel: Uuid,
    user: Uuid,
    action: &'static str,
) {
    audit(state, staff_entry(Some(caller.id), hotel, user, action)).await;
}

/// The rules for a hotel's owner, shared with `tigo-chat admin hotels set`: an active
/// HotelOwner who is not on the hotel's staff (`before`: the hotel as it is, if it exists).
pub fn check_owner(
    owner: Option<&UserRecord>,
    before: Option<&Hotel>,
    owner_id: Uuid,
) -> AppResult<()> {
    match owner {
        Some(owner) if owner.is_active && owner.user.has_role(Role::HotelOwner) => {}
        _ => {
            return Err(AppError::validation(
                "owner_id must name an active hotel owner",
            ));
        }
    }
    if before.is_some_and(|h| h.staff.iter().any(|s| s.user_id == owner_id)) {
        return Err(AppError::validation(
            "The new owner is on the hotel's staff: remove them from it first",
        ));
    }
    Ok(())
}

/// The user `user_id` (found as `record`) if they may join `hotel`'s staff: active, not a
/// Customer-only account, not its owner.
pub fn staff_candidate(
    record: Option<UserRecord>,
    user_id: Uuid,
    hotel: &Hotel,
) -> AppResult<User> {
    let target = super::active_user(record, user_id)?;
    if target.roles.iter().all(|r| *r == Role::Customer) {
        return Err(AppError::validation(
            "A customer account cannot be hotel staff",
        ));
    }
    if target.id == hotel.owner_id {
        return Err(AppError::validation("The hotel's owner is not its staff"));
    }
    Ok(target)
}

/// What a stored staff addition means: the rooms joined, `None` when already on the staff,
/// an error when the staff is full (`max`).
pub fn staff_added(change: MemberChange, max: usize) -> AppResult<Option<Vec<Uuid>>> {
    match change {
        MemberChange::Added(rooms) => Ok(Some(rooms)),
        MemberChange::Already | MemberChange::OtherRole(_) => Ok(None),
        MemberChange::Full => Err(AppError::validation(format!(
            "A hotel has at most {max} staff"
        ))),
    }
}

/// What a stored staff removal means: the rooms left, or 404 when not on the staff.
pub fn staff_removed(rooms: Option<Vec<Uuid>>) -> AppResult<Vec<Uuid>> {
    rooms.ok_or_else(|| AppError::NotFound("This user is not on the hotel's staff".into()))
}

/// The audit entry of a hotel registered or changed (`actor` `None`: an operator command).
pub fn put_entry(actor: Option<Uuid>, hotel: &Hotel) -> AuditEntry {
    AuditEntry {
        actor,
        action: "hotel.put",
        target_user: Some(hotel.owner_id),
        detail: serde_json::json!({ "hotel_id": hotel.id, "name": hotel.name }),
        ..Default::default()
    }
}

/// The audit entry of a staff change (`actor` `None`: an operator command).
pub fn staff_entry(
    actor: Option<Uuid>,
    hotel: Uuid,
    user: Uuid,
    action: &'static str,
) -> AuditEntry {
    AuditEntry {
        actor,
        action,
        target_user: Some(user),
        detail: serde_json::json!({ "hotel_id": hotel }),
        ..Default::default()
    }
}
