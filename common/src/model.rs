//! REST resources: users, rooms, their list envelopes and request bodies, and the support
//! queue. Messages (with their replies and reactions) are in `message`; auth, health and error
//! bodies in `bodies`; reaction bodies and search results in `threads`; uploads in `uploads`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A role exactly as the Tigo platform names it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Customer,
    HotelOwner,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Customer, Role::HotelOwner, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "Customer",
            Role::HotelOwner => "HotelOwner",
            Role::Admin => "Admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three kinds of conversation and the pair of roles each one needs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomType {
    CustomerHotelOwner,
    CustomerAdmin,
    HotelOwnerAdmin,
}

impl RoomType {
    pub const ALL: [RoomType; 3] = [
        RoomType::CustomerHotelOwner,
        RoomType::CustomerAdmin,
        RoomType::HotelOwnerAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoomType::CustomerHotelOwner => "customer_hotel_owner",
            RoomType::CustomerAdmin => "customer_admin",
            RoomType::HotelOwnerAdmin => "hotel_owner_admin",
        }
    }

    pub fn parse(text: &str) -> Option<RoomType> {
        RoomType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The two roles the participants must hold, one each.
    pub fn roles(self) -> (Role, Role) {
        match self {
            RoomType::CustomerHotelOwner => (Role::Customer, Role::HotelOwner),
            RoomType::CustomerAdmin => (Role::Customer, Role::Admin),
            RoomType::HotelOwnerAdmin => (Role::HotelOwner, Role::Admin),
        }
    }

    /// The room type that fits two users' roles, preferring the first listed type.
    pub fn infer(a: &[Role], b: &[Role]) -> Option<RoomType> {
        RoomType::ALL.into_iter().find(|t| t.fits(a, b))
    }

    /// Whether one user can take one role of this type and the other the other role.
    pub fn fits(self, a: &[Role], b: &[Role]) -> bool {
        let (x, y) = self.roles();
        (a.contains(&x) && b.contains(&y)) || (a.contains(&y) && b.contains(&x))
    }
}

impl std::fmt::Display for RoomType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user as every payload shows one: never a password hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(format = Email))]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: Vec<Role>,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
        }
    }
}

/// The short form of a user embedded in rooms and messages.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

impl UserSummary {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub room_type: RoomType,
    pub participant1_id: Uuid,
    pub participant2_id: Uuid,
    pub participant1: UserSummary,
    pub participant2: UserSummary,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub hotel_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_message_content: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(with = "crate::time::rfc3339_opt")]
    pub last_message_at: Option<DateTime<Utc>>,
    pub is_active: bool,
    #[serde(with = "crate::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// Messages from others the caller has not read (0 for non-participants).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub unread_count: i64,
    /// The Admin the room is assigned to (support desk).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(default)]
    pub assigned_admin_id: Option<Uuid>,
    /// Every user who may read the room, participants first (contract v3).
    #[serde(default)]
    pub members: Vec<crate::members::RoomMember>,
}

impl Room {
    pub fn has_participant(&self, user: Uuid) -> bool {
        self.participant1_id == user || self.participant2_id == user
    }

    /// The participant who is not `user` (the second one when `user` is neither).
    pub fn other(&self, user: Uuid) -> &UserSummary {
        if self.participant2_id == user {
            &self.participant1
        } else {
            &self.participant2
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomList {
    pub rooms: Vec<Room>,
    pub total: i64,
    pub page: u32,
    pub limit: u32,
}

/// `POST /chat/rooms`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateRoom {
    #[serde(rename = "type")]
    pub room_type: RoomType,
    pub participant1_id: Uuid,
    pub participant2_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotel_id: Option<Uuid>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineUsers {
    #[serde(rename = "onlineUsers")]
    pub online_users: Vec<Uuid>,
}

/// A room whose last message is from a non-admin and has no answer yet.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waiting {
    pub room: Room,
    pub last_sender: UserSummary,
    #[serde(with = "crate::time::rfc3339")]
    pub waiting_since: DateTime<Utc>,
    /// The room's type (also in `room`), for a queue that shows it.
    #[serde(rename = "type")]
    pub room_type: RoomType,
    /// The Admin the room is assigned to, `null` when nobody has taken it.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(default)]
    pub assignee: Option<UserSummary>,
}

/// `GET /chat/admin/queue`: oldest wait first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportQueue {
    pub rooms: Vec<Waiting>,
}
