//! Room members (contract v3): who may read a room, in what role and on which side, each
//! member's read and delivery positions (`GET /chat/rooms/:roomId/receipts`), the events that
//! announce a member coming and going, and hotels with their staff.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a user is a member of a room.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// `participant1_id` or `participant2_id`: never removable.
    Participant,
    /// A member of the hotel's team.
    Staff,
    /// Travelling with the guest.
    Companion,
    /// Support stepping in.
    Agent,
}

impl MemberRole {
    pub const ALL: [MemberRole; 4] = [
        MemberRole::Participant,
        MemberRole::Staff,
        MemberRole::Companion,
        MemberRole::Agent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Participant => "participant",
            MemberRole::Staff => "staff",
            MemberRole::Companion => "companion",
            MemberRole::Agent => "agent",
        }
    }

    pub fn parse(text: &str) -> Option<MemberRole> {
        MemberRole::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Which side of a conversation a member speaks for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Customer,
    Hotel,
    Support,
}

/// A member as the room object lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMember {
    pub user_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub role: MemberRole,
    pub side: Side,
    #[serde(with = "crate::time::rfc3339")]
    pub joined_at: DateTime<Utc>,
}

/// One member's positions in a room: the newest message they have read, and the newest one
/// any of their connections received (never older than the one read).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberReceipt {
    pub user_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_read_message_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(with = "crate::time::rfc3339_opt")]
    pub last_read_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_delivered_message_id: Option<Uuid>,
}

/// `GET /chat/rooms/:roomId/receipts`: one entry per member, participants first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomReceipts {
    pub receipts: Vec<MemberReceipt>,
}

/// `member_added`: to every member's connections, the added user's included.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAdded {
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    pub member: RoomMember,
}

/// `member_removed`: to every member's connections and the removed user's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRemoved {
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    #[serde(rename = "userId")]
    pub user_id: Uuid,
}

/// `POST /chat/rooms/:roomId/members`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddMember {
    pub user_id: Uuid,
    pub role: MemberRole,
}

/// One of a hotel's staff.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotelStaff {
    pub user_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    #[serde(with = "crate::time::rfc3339")]
    pub added_at: DateTime<Utc>,
}

/// A hotel the platform registered: its owner answers its guests with its staff.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hotel {
    pub id: Uuid,
    pub name: String,
    pub owner_id: Uuid,
    /// Oldest first.
    pub staff: Vec<HotelStaff>,
}

/// `PUT /chat/admin/hotels/:hotelId`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutHotel {
    pub name: String,
    pub owner_id: Uuid,
}

/// `POST /chat/hotels/:hotelId/staff`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddStaff {
    pub user_id: Uuid,
}
