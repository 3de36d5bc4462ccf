//! A message as every payload shows one: its type and receipt status, the reply it quotes and
//! the reactions on it, the list envelope, and the bodies that send and edit one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::model::UserSummary;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    #[default]
    Text,
    File,
    Image,
    /// A recording: `metadata.attachment` carries its `duration_ms` and `waveform`.
    Voice,
}

impl MessageType {
    pub const ALL: [MessageType; 4] = [
        MessageType::Text,
        MessageType::File,
        MessageType::Image,
        MessageType::Voice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Text => "text",
            MessageType::File => "file",
            MessageType::Image => "image",
            MessageType::Voice => "voice",
        }
    }

    pub fn parse(text: &str) -> Option<MessageType> {
        MessageType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Receipt state of a message, as seen by its sender.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Sent,
    Delivered,
    Read,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
        }
    }

    pub fn parse(text: &str) -> Option<MessageStatus> {
        [
            MessageStatus::Sent,
            MessageStatus::Delivered,
            MessageStatus::Read,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    pub chat_room_id: Uuid,
    pub sender_id: Uuid,
    pub sender: UserSummary,
    pub content: String,
    #[serde(rename = "type")]
    pub message_type: MessageType,
    /// Derived from the room members' positions: `read` once another member has read up to
    /// the message, `delivered` once one has had it (or a later message) delivered.
    pub status: MessageStatus,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub file_url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub file_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub file_size: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub metadata: Option<Value>,
    pub is_edited: bool,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(with = "crate::time::rfc3339_opt")]
    pub edited_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Changes on edits only: receipts move positions, not the message.
    #[serde(with = "crate::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// The message this one answers (`null`: none).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(default)]
    pub reply_to: Option<ReplyTo>,
    /// In the order each emoji was first used; `[]` when none.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
}

/// The quoted message of a reply, as it reads now: a deleted one shows `deleted: true` and
/// no text.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTo {
    pub id: Uuid,
    pub sender_id: Uuid,
    /// The quoted message's current text, cut to 200 characters (`""` once deleted).
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub content: String,
    #[serde(rename = "type")]
    pub message_type: MessageType,
    pub deleted: bool,
}

/// One emoji on a message and who reacted with it (first reactor first).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub count: i64,
    pub user_ids: Vec<Uuid>,
}

/// How much of the quoted text a reply carries (characters).
pub const QUOTE_CHARS: usize = 200;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageList {
    /// Oldest first within the page.
    pub messages: Vec<Message>,
    /// Messages in the room.
    pub total: i64,
    pub page: u32,
    pub limit: u32,
}

/// `POST /chat/messages` and the `send_message` event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SendMessage {
    pub chat_room_id: Uuid,
    /// Not empty for text messages.
    #[cfg_attr(feature = "openapi", schema(max_length = 10000))]
    pub content: String,
    #[cfg_attr(feature = "openapi", schema(default = "text"))]
    #[serde(rename = "type", default)]
    pub message_type: MessageType,
    /// Absolute http(s) URL; required for file and image.
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, format = "uri", max_length = 2048)
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// Required for file and image.
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 255))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(nullable = false, minimum = 0))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<i64>,
    /// At most 4096 bytes of JSON.
    #[cfg_attr(feature = "openapi", schema(nullable = false, value_type = Option<Object>))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Idempotency key per sender: a retry returns the first message.
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, min_length = 1, max_length = 100)
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    /// A message of the same room that this one answers.
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_id: Option<Uuid>,
    /// An upload of the sender's (`POST /chat/uploads`): the server fills `file_url`,
    /// `file_name`, `file_size`, `metadata.attachment` and the type; `content` may be empty.
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_id: Option<Uuid>,
}

/// `PATCH /chat/messages/:id`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditMessage {
    /// The new text; empty only for a file or image message (it removes the caption).
    #[cfg_attr(feature = "openapi", schema(max_length = 10000))]
    pub content: String,
}
