//! Socket.IO `/chat` events: their names and payloads (camelCase where the seed shows it).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::message::{Message, Reaction};
use crate::model::Room;

/// The namespace every client connects to.
pub const NAMESPACE: &str = "/chat";

/// Event names, client to server.
pub mod client_events {
    pub const JOIN_ROOM: &str = "join_room";
    pub const LEAVE_ROOM: &str = "leave_room";
    pub const SEND_MESSAGE: &str = "send_message";
    pub const MARK_MESSAGES_READ: &str = "mark_messages_read";
    pub const TYPING_START: &str = "typing_start";
    pub const TYPING_STOP: &str = "typing_stop";
    pub const ADD_REACTION: &str = "add_reaction";
    pub const REMOVE_REACTION: &str = "remove_reaction";
}

/// Event names, server to client.
pub mod server_events {
    pub const CONNECTED: &str = "connected";
    pub const JOINED_ROOM: &str = "joined_room";
    pub const LEFT_ROOM: &str = "left_room";
    pub const MESSAGE_SENT: &str = "message_sent";
    pub const NEW_MESSAGE: &str = "new_message";
    pub const MESSAGES_MARKED_READ: &str = "messages_marked_read";
    pub const MESSAGES_READ: &str = "messages_read";
    pub const MESSAGE_DELETED: &str = "message_deleted";
    pub const MESSAGE_EDITED: &str = "message_edited";
    pub const MESSAGE_DELIVERED: &str = "message_delivered";
    pub const USER_TYPING: &str = "user_typing";
    pub const USER_ONLINE: &str = "user_online";
    pub const USER_OFFLINE: &str = "user_offline";
    pub const ROOM_CREATED: &str = "room_created";
    pub const REACTION_UPDATED: &str = "reaction_updated";
    pub const ROOM_ASSIGNED: &str = "room_assigned";
    pub const MEMBER_ADDED: &str = "member_added";
    pub const MEMBER_REMOVED: &str = "member_removed";
    pub const ERROR: &str = "error";
}

/// `{roomId}`: leave_room, mark_messages_read, typing_start/stop, and their replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRef {
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
}

/// `join_room {roomId, lastMessageId?}`: with `lastMessageId`, every later message is
/// replayed as `new_message` before live ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRoom {
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    #[serde(
        rename = "lastMessageId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_message_id: Option<Uuid>,
}

/// `joined_room`: the room, and how many missed messages were replayed before it.
/// `hasMore` means the gap was larger than one replay: page the rest with REST `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinedRoom {
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    #[serde(default)]
    pub replayed: u32,
    #[serde(rename = "hasMore", default)]
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connected {
    pub message: String,
    #[serde(rename = "userId")]
    pub user_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSent {
    #[serde(rename = "messageId")]
    pub message_id: Uuid,
    pub message: Message,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesRead {
    #[serde(rename = "userId")]
    pub user_id: Uuid,
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    #[serde(rename = "readAt", with = "crate::time::rfc3339")]
    pub read_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDeleted {
    #[serde(rename = "messageId")]
    pub message_id: Uuid,
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    #[serde(rename = "deletedBy")]
    pub deleted_by: Uuid,
}

/// `message_delivered`: a connection of a recipient received the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDelivered {
    #[serde(rename = "messageId")]
    pub message_id: Uuid,
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    #[serde(rename = "userId")]
    pub user_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTyping {
    #[serde(rename = "userId")]
    pub user_id: Uuid,
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    #[serde(rename = "isTyping")]
    pub is_typing: bool,
}

/// `user_online` / `user_offline`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPresence {
    #[serde(rename = "userId")]
    pub user_id: Uuid,
}

/// `add_reaction` / `remove_reaction {messageId, emoji}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionChange {
    #[serde(rename = "messageId")]
    pub message_id: Uuid,
    pub emoji: String,
}

/// `reaction_updated`: a message's reactions after a change, to everyone in its room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionUpdated {
    #[serde(rename = "messageId")]
    pub message_id: Uuid,
    #[serde(rename = "roomId")]
    pub room_id: Uuid,
    pub reactions: Vec<Reaction>,
}

/// `room_created`: a room the user is in was created; the connection has joined it.
pub type RoomCreated = Room;

/// `error` for a failed event that had no acknowledgement, and the `error` of a failed ack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventError {
    pub message: String,
    #[serde(rename = "statusCode")]
    pub status_code: u16,
}

/// The acknowledgement of every client event: `{ok: true, ...}` or `{ok: false, error}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AckReply {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AckError>,
    #[serde(flatten)]
    pub data: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckError {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    pub message: String,
}

/// The `/chat` CONNECT auth payload: the access token (or `Authorization` / `?token=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectAuth {
    pub token: String,
}

/// Added to the CONNECT auth to resume a session (connection state recovery), as the official
/// client sends them: the `pid` of the last CONNECT reply and the offset of the last event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeAuth {
    pub pid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
}

/// The CONNECT reply: the connection's `sid` and, with recovery on, its private `pid`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectReply {
    #[serde(default)]
    pub sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
}

/// `connect_error`: why the namespace refused the connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectRefused {
    pub message: String,
}
