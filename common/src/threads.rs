//! Replies, reactions and search results: the parts of a message object that answer or mark
//! other messages, and the search answer.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{Message, MessageType};

/// How much of the quoted text a reply carries (characters).
pub const QUOTE_CHARS: usize = 200;

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

/// `POST /chat/messages/:id/reactions`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddReaction {
    /// One emoji (a single extended grapheme cluster): `👍`, `❤️`, `👍🏽`, `🇫🇷`, `👨‍👩‍👧`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub emoji: String,
}

/// `GET /chat/search`: newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub messages: Vec<Message>,
    /// Messages matching, over every page: exact up to 1,000, and 1,000 when more match.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1000))]
    pub total: i64,
    pub page: u32,
    pub limit: u32,
}
