//! Room members as the stores read them: the JSON aggregate that `room_select!` adds to each
//! room (its `members` column), decoded into [`RoomMember`]s, and the side each member speaks
//! for (one mapping, from a participant's platform role or another member's role).

use chrono::{TimeZone, Utc};
use serde::Deserialize;
use tigo_common::{MemberRole, Role, RoomMember, RoomType, Side};
use uuid::Uuid;

use super::{StoreError, StoreResult};

/// One member in the aggregate: both dialects spell it alike (SQLite's ids are hex, which
/// `Uuid` reads as well), with the user's platform roles, from which a participant's side
/// follows.
#[derive(Deserialize)]
struct MemberJson {
    user_id: Uuid,
    first_name: String,
    last_name: String,
    role: String,
    roles: Vec<String>,
    /// Microseconds since the Unix epoch.
    joined_at: i64,
}

/// The room's members from its aggregate, in the aggregate's order (participants first).
pub(crate) fn decode(
    json: &str,
    room_type: RoomType,
    participants: [Uuid; 2],
) -> StoreResult<Vec<RoomMember>> {
    let found: Vec<MemberJson> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("room members: {e}")))?;
    let roles_of = |id: Uuid| -> Vec<Role> {
        found
            .iter()
            .find(|m| m.user_id == id)
            .map(|m| m.roles.iter().filter_map(|r| Role::parse(r)).collect())
            .unwrap_or_default()
    };
    let sides = participant_sides(
        room_type,
        &roles_of(participants[0]),
        &roles_of(participants[1]),
    );
    found
        .into_iter()
        .map(|m| {
            let role = role_of(&m.role)?;
            let side = match role {
                MemberRole::Participant if m.user_id == participants[0] => sides[0],
                MemberRole::Participant => sides[1],
                MemberRole::Staff => Side::Hotel,
                MemberRole::Companion => Side::Customer,
                MemberRole::Agent => Side::Support,
            };
            let joined_at = Utc
                .timestamp_micros(m.joined_at)
                .single()
                .ok_or_else(|| StoreError::Corrupt(format!("joined_at {}", m.joined_at)))?;
            Ok(RoomMember {
                user_id: m.user_id,
                first_name: m.first_name,
                last_name: m.last_name,
                role,
                side,
                joined_at,
            })
        })
        .collect()
}

/// A member's role as stored.
pub(crate) fn role_of(text: &str) -> StoreResult<MemberRole> {
    MemberRole::parse(text).ok_or_else(|| StoreError::Corrupt(format!("member role {text:?}")))
}

/// Which of the room type's two roles each participant takes: the first participant takes the
/// first role when the two users' roles allow it, else the second (a user may hold several
/// roles; the room was created because one of the two ways fits).
pub(crate) fn participant_sides(room_type: RoomType, first: &[Role], second: &[Role]) -> [Side; 2] {
    let (x, y) = room_type.roles();
    if first.contains(&x) && second.contains(&y) {
        [side_of(x), side_of(y)]
    } else {
        [side_of(y), side_of(x)]
    }
}

/// The side of a participant who takes `role` in the room's pair of roles.
fn side_of(role: Role) -> Side {
    match role {
        Role::Customer => Side::Customer,
        Role::HotelOwner => Side::Hotel,
        Role::Admin => Side::Support,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_participant_takes_the_role_that_fits_whichever_order_the_room_names_them() {
        let t = RoomType::CustomerHotelOwner;
        let customer = [Role::Customer];
        let owner = [Role::HotelOwner];
        assert_eq!(
            participant_sides(t, &customer, &owner),
            [Side::Customer, Side::Hotel]
        );
        assert_eq!(
            participant_sides(t, &owner, &customer),
            [Side::Hotel, Side::Customer]
        );
        let admin = [Role::Admin];
        let both = [Role::Customer, Role::HotelOwner];
        assert_eq!(
            participant_sides(RoomType::HotelOwnerAdmin, &admin, &both),
            [Side::Support, Side::Hotel]
        );
    }

    #[test]
    fn members_decode_from_either_dialects_spelling() {
        let p1 = Uuid::from_u128(1);
        let p2 = Uuid::from_u128(2);
        let json = format!(
            r#"[{{"user_id":"{}","first_name":"A","last_name":"B","role":"participant","roles":["Customer"],"joined_at":1}},
               {{"user_id":"{}","first_name":"C","last_name":"D","role":"participant","roles":["Admin"],"joined_at":2}},
               {{"user_id":"{}","first_name":"E","last_name":"F","role":"companion","roles":["Admin"],"joined_at":3}}]"#,
            p1,
            p2.simple().to_string().to_uppercase(),
            Uuid::from_u128(3)
        );
        let members = decode(&json, RoomType::CustomerAdmin, [p1, p2]).expect("decodes");
        assert_eq!(members.len(), 3);
        assert_eq!((members[0].user_id, members[0].side), (p1, Side::Customer));
        assert_eq!((members[1].user_id, members[1].side), (p2, Side::Support));
        // A companion is on the guest's side whatever their platform roles.
        assert_eq!(
            (members[2].role, members[2].side),
            (MemberRole::Companion, Side::Customer)
        );
        assert!(decode("[{}]", RoomType::CustomerAdmin, [p1, p2]).is_err());
    }
}
