//! The records and queries that cross the store traits: what callers pass in and get back,
//! whichever backend holds the data.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tigo_common::{Message, MessageType, ReplyTo, Role, RoomType, User, UserSummary};
use uuid::Uuid;

/// A user as stored, with what never leaves the server.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone)]
pub struct NewRoom {
    pub id: Uuid,
    pub room_type: RoomType,
    pub participant1_id: Uuid,
    pub participant2_id: Uuid,
    pub hotel_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The immutable facts about a room that access checks need (members other than the two
/// participants change, and are cached apart: `cache::MemberCache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoomAccess {
    pub id: Uuid,
    pub room_type: RoomType,
    pub participant1_id: Uuid,
    pub participant2_id: Uuid,
}

impl RoomAccess {
    pub fn has_participant(&self, user: Uuid) -> bool {
        self.participant1_id == user || self.participant2_id == user
    }

    pub fn participants(&self) -> [Uuid; 2] {
        [self.participant1_id, self.participant2_id]
    }
}

/// What adding a member (or a hotel's staff member) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// Added; for staff, the rooms they became a member of.
    Added(Vec<Uuid>),
    /// A member already, with that role (or on the staff already).
    Already,
    /// A member already, with another role.
    OtherRole(tigo_common::MemberRole),
    /// The room or the staff is at its limit.
    Full,
}

/// `GET /chat/rooms` filters, already validated.
#[derive(Debug, Clone)]
pub struct RoomQuery {
    /// Whose unread counts, and (unless `all`) whose rooms.
    pub viewer: Uuid,
    /// Every room, not only the viewer's (Admin only).
    pub all: bool,
    pub room_type: Option<RoomType>,
    pub participant_id: Option<Uuid>,
    /// Case-insensitive match on a participant's first name, last name or email.
    pub search: Option<String>,
    /// Only rooms with (`Some(true)`) or without (`Some(false)`) `is_active`.
    pub active: Option<bool>,
    pub offset: i64,
    pub limit: i64,
}

/// A position in a room's history: messages are ordered by `(created_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// The position just before every message created at `at`.
    pub fn before_instant(at: DateTime<Utc>) -> Cursor {
        Cursor {
            at,
            id: Uuid::nil(),
        }
    }

    /// The position just after every message created at `at`.
    pub fn after_instant(at: DateTime<Utc>) -> Cursor {
        Cursor {
            at,
            id: Uuid::max(),
        }
    }

    pub fn of(message: &Message) -> Cursor {
        Cursor {
            at: message.created_at,
            id: message.id,
        }
    }
}

/// `GET /chat/rooms/:id/messages`, already validated. Bounds are exclusive.
#[derive(Debug, Clone)]
pub struct MessageQuery {
    pub room_id: Uuid,
    pub before: Option<Cursor>,
    pub after: Option<Cursor>,
    pub offset: i64,
    pub limit: i64,
}

/// A message accepted for storage, with its id and timestamp already assigned.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: Uuid,
    pub room_id: Uuid,
    pub sender: UserSummary,
    pub content: String,
    pub message_type: MessageType,
    pub file_url: Option<String>,
    pub file_name: Option<String>,
    pub file_size: Option<i64>,
    pub metadata: Option<Value>,
    pub client_msg_id: Option<String>,
    /// The quoted message as it read when this one was accepted.
    pub reply_to: Option<ReplyTo>,
    pub created_at: DateTime<Utc>,
}

impl NewMessage {
    /// The message as it reads once stored.
    pub fn to_message(&self) -> Message {
        Message {
            id: self.id,
            chat_room_id: self.room_id,
            sender_id: self.sender.id,
            sender: self.sender.clone(),
            content: self.content.clone(),
            message_type: self.message_type,
            status: tigo_common::MessageStatus::Sent,
            file_url: self.file_url.clone(),
            file_name: self.file_name.clone(),
            file_size: self.file_size,
            metadata: self.metadata.clone(),
            is_edited: false,
            edited_at: None,
            created_at: self.created_at,
            updated_at: self.created_at,
            reply_to: self.reply_to.clone(),
            reactions: Vec::new(),
        }
    }

    /// What the room list shows as the last message.
    pub fn preview(&self) -> &str {
        preview(&self.content, self.file_name.as_deref())
    }
}

/// What a room's `last_message_content` shows for a message.
pub fn preview<'a>(content: &'a str, file_name: Option<&'a str>) -> &'a str {
    match file_name {
        Some(name) if content.is_empty() => name,
        _ => content,
    }
}

/// The result of storing one [`NewMessage`].
#[derive(Debug, Clone)]
pub enum Inserted {
    /// Stored now.
    New(Message),
    /// The sender already sent this `client_msg_id`: the first message, nothing stored.
    Existing(Message),
}

impl Inserted {
    pub fn message(&self) -> &Message {
        match self {
            Inserted::New(m) | Inserted::Existing(m) => m,
        }
    }
}

/// What marking a room read changed.
#[derive(Debug, Clone)]
pub struct ReadOutcome {
    pub read_at: DateTime<Utc>,
    /// Its position in the room's event log (a participant's read only).
    pub seq: Option<i64>,
}

/// What one group commit did.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    /// One outcome per message of the batch, in order.
    pub inserted: Vec<Inserted>,
    /// Messages that moved from `sent` to `delivered`.
    pub delivered: Vec<Delivered>,
    /// The room-event-log position of each new message (by message id).
    pub seqs: std::collections::HashMap<Uuid, i64>,
}

/// A message that moved from `sent` to `delivered`, and the member it reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub message_id: Uuid,
    pub room_id: Uuid,
    pub user_id: Uuid,
}

/// A delivery receipt: `message_id` reached a connection of `recipient` (its room is the
/// message's; the commit reads it there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Receipt {
    pub message_id: Uuid,
    pub recipient: Uuid,
}

/// One line for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    /// `None`: an operator command.
    pub actor: Option<Uuid>,
    pub action: &'static str,
    pub room: Option<Uuid>,
    pub message: Option<Uuid>,
    pub target_user: Option<Uuid>,
    pub detail: Value,
}

/// An audit line as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub action: String,
    pub room_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub target_user_id: Option<Uuid>,
    pub detail: Value,
}

/// Counts for `admin stats` (decoded straight from the one row that both dialects' query
/// returns).
#[derive(Debug, Clone, Default, serde::Serialize, sqlx::FromRow)]
pub struct Stats {
    pub users: i64,
    pub rooms: i64,
    pub messages: i64,
    pub messages_last_hour: i64,
    pub messages_last_day: i64,
}

/// A room waiting for an answer: room id, then the waiting sender's id, first name, last name
/// and email.
pub type WaitingRow = (Uuid, Uuid, String, String, String);

/// What a reaction change did.
#[derive(Debug, Clone)]
pub enum ReactionOutcome {
    /// Stored; the message with its reactions now, and the change's room-event-log position.
    Changed(Message, i64),
    /// Already so (the same reaction twice, or removing one that is not there).
    Unchanged(Message),
    /// A new emoji beyond the limit of different ones.
    TooMany,
    /// No such message.
    NoMessage,
}
