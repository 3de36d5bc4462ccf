//! The body that adds a reaction, and the search answer. The reply and reaction objects a
//! message carries are in `message`.

use serde::{Deserialize, Serialize};

use crate::message::Message;

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
