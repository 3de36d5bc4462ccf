//! Bodies of the v3 team routes: a hotel, a staff member, a room member.

use serde_json::Value;
use tigo_common::{AddMember, AddStaff, MemberRole, PutHotel};

use super::{Problems, enum_message, object, string_field, uuid_field};
use crate::error::{AppError, AppResult};

/// Longest hotel name, in characters.
pub const MAX_HOTEL_NAME: usize = 200;

/// `PUT /chat/admin/hotels/:hotelId`: a name (trimmed, not empty) and the owner.
pub fn put_hotel(body: &Value) -> AppResult<PutHotel> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let name = string_field(obj, "name", MAX_HOTEL_NAME, &mut p).map(|n| n.trim().to_string());
    if name.as_deref().is_none_or(str::is_empty) && !p.mentions("name") {
        p.push("name should not be empty");
    }
    let owner_id = uuid_field(obj, "owner_id", true, &mut p);
    p.finish()?;
    match (name, owner_id) {
        (Some(name), Some(owner_id)) => Ok(PutHotel { name, owner_id }),
        _ => Err(AppError::validation("invalid hotel")),
    }
}

/// `POST /chat/hotels/:hotelId/staff`.
pub fn add_staff(body: &Value) -> AppResult<AddStaff> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let user_id = uuid_field(obj, "user_id", true, &mut p);
    p.finish()?;
    user_id
        .map(|user_id| AddStaff { user_id })
        .ok_or_else(|| AppError::validation("user_id must be a UUID"))
}

/// `POST /chat/rooms/:roomId/members`: only companions and agents are added this way.
pub fn add_member(body: &Value) -> AppResult<AddMember> {
    let obj = object(body)?;
    let mut p = Problems::default();
    let user_id = uuid_field(obj, "user_id", true, &mut p);
    let addable = [MemberRole::Companion, MemberRole::Agent];
    let role = match obj.get("role") {
        Some(Value::String(s)) => MemberRole::parse(s).filter(|r| addable.contains(r)),
        _ => None,
    };
    if role.is_none() {
        let names: Vec<&str> = addable.iter().map(|r| r.as_str()).collect();
        p.push(enum_message("role", &names));
    }
    p.finish()?;
    match (user_id, role) {
        (Some(user_id), Some(role)) => Ok(AddMember { user_id, role }),
        _ => Err(AppError::validation("invalid member")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn staff_and_participants_are_not_added_as_room_members() {
        for role in ["staff", "participant", "owner", ""] {
            let body = json!({"user_id": uuid::Uuid::nil(), "role": role});
            assert!(add_member(&body).is_err(), "{role}");
        }
        let body = json!({"user_id": uuid::Uuid::nil(), "role": "companion"});
        assert_eq!(
            add_member(&body).map(|m| m.role).ok(),
            Some(MemberRole::Companion)
        );
    }

    #[test]
    fn a_hotel_needs_a_name_and_an_owner() {
        assert!(put_hotel(&json!({"name": "  ", "owner_id": uuid::Uuid::nil()})).is_err());
        assert!(put_hotel(&json!({"name": "Sea View"})).is_err());
        let long = "x".repeat(MAX_HOTEL_NAME + 1);
        assert!(put_hotel(&json!({"name": long, "owner_id": uuid::Uuid::nil()})).is_err());
        let ok = put_hotel(&json!({"name": " Sea View ", "owner_id": uuid::Uuid::nil()}));
        assert_eq!(ok.map(|h| h.name).ok().as_deref(), Some("Sea View"));
    }
}
