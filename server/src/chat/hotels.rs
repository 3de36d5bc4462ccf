//! Hotels and their teams: an Admin registers a hotel and its owner; the owner (or an Admin)
//! names its staff, who become members of every `customer_hotel_owner` room of the hotel,
//! present and future, until they are removed.

use serde_json::Value;
use tigo_common::{Hotel, MemberRemoved, Role, RoomType, User};
use uuid::Uuid;

use super::{audit, is_admin, room_facts, user, validate};
use crate::db::{AuditEntry, MemberChange};
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
    match user(state, req.owner_id).await? {
        Some(owner) if owner.is_active && owner.user.has_role(Role::HotelOwner) => {}
        _ => {
            return Err(AppError::validation(
                "owner_id must name an active hotel owner",
            ));
        }
    }
    if let Some(before) = state.store.hotel(hotel_id).await?
        && before.staff.iter().any(|s| s.user_id == req.owner_id)
    {
        return Err(AppError::validation(
            "The new owner is on the hotel's staff: remove them from it first",
        ));
    }
    let now = chrono::Utc::now();
    let (hotel, created) = state
        .store
        .put_hotel(hotel_id, &req.name, req.owner_id, now)
        .await?;
    let entry = AuditEntry {
        actor: Some(caller.id),
        action: "hotel.put",
        target_user: Some(req.owner_id),
        detail: serde_json::json!({ "hotel_id": hotel_id, "name": hotel.name }),
        ..Default::default()
    };
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
    let target = match user(state, req.user_id).await? {
        Some(record) if record.is_active => record.user,
        Some(_) => return Err(AppError::validation("This user is deactivated")),
        None => {
            return Err(AppError::NotFound(format!(
                "User {} not found",
                req.user_id
            )));
        }
    };
    if target.roles.iter().all(|r| *r == Role::Customer) {
        return Err(AppError::validation(
            "A customer account cannot be hotel staff",
        ));
    }
    if target.id == hotel.owner_id {
        return Err(AppError::validation("The hotel's owner is not its staff"));
    }
    let max = state.config.limits.max_hotel_staff;
    let now = chrono::Utc::now();
    let rooms = match state.store.add_staff(hotel_id, target.id, now, max).await? {
        MemberChange::Added(rooms) => rooms,
        MemberChange::Already | MemberChange::OtherRole(_) => return Ok(hotel),
        MemberChange::Full => {
            return Err(AppError::validation(format!(
                "A hotel has at most {max} staff"
            )));
        }
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
    let Some(rooms) = state.store.remove_staff(hotel_id, user_id).await? else {
        return Err(AppError::NotFound(
            "This user is not on the hotel's staff".into(),
        ));
    };
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
    let entry = AuditEntry {
        actor: Some(caller.id),
        action,
        target_user: Some(user),
        detail: serde_json::json!({ "hotel_id": hotel }),
        ..Default::default()
    };
    audit(state, entry).await;
}
