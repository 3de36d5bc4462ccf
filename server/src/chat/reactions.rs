//! Reactions: one emoji per reaction, at most [`MAX_DISTINCT`] different ones on a message;
//! REST and Socket.IO both call these, and the room hears `reaction_updated`.

use serde_json::Value;
use tigo_common::{Message, ReactionUpdated, User};
use unicode_segmentation::UnicodeSegmentation;
use uuid::Uuid;

use super::room_access;
use super::validate;
use crate::db::ReactionOutcome;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Different emoji one message may carry.
pub const MAX_DISTINCT: usize = 20;

/// The emoji of `text` in Unicode's fully-qualified spelling (`❤` and `❤️` are one reaction),
/// when `text` is exactly one extended grapheme cluster that is an emoji: skin tones, flags,
/// keycaps and ZWJ sequences included; letters, digits, two emoji or a lone modifier not.
pub fn emoji(text: &str) -> AppResult<&'static str> {
    let mut clusters = text.graphemes(true);
    match (clusters.next(), clusters.next()) {
        (Some(one), None) => emojis::get(one).map(|e| e.as_str()),
        _ => None,
    }
    .ok_or_else(|| AppError::validation("emoji must be a single emoji"))
}

/// The `emoji` field of a body.
fn emoji_field(body: &Value) -> AppResult<&'static str> {
    match validate::object(body)?.get("emoji") {
        Some(Value::String(text)) => emoji(text),
        _ => Err(AppError::validation("emoji must be a single emoji")),
    }
}

/// The message, if the caller may read its room: 404, then 403.
async fn readable(state: &AppState, caller: &User, id: Uuid) -> AppResult<Message> {
    let message = state
        .store
        .message(id)
        .await?
        .ok_or_else(|| AppError::NotFound("Message not found".into()))?;
    room_access(state, caller, message.chat_room_id).await?;
    Ok(message)
}

/// `POST /chat/messages/:id/reactions` and `add_reaction`: adding one twice leaves one.
pub async fn add(state: &AppState, caller: &User, id: Uuid, body: &Value) -> AppResult<Message> {
    let emoji = emoji_field(body)?;
    change(state, caller, id, emoji, true).await
}

/// `DELETE /chat/messages/:id/reactions/:emoji` and `remove_reaction`: also when the caller had
/// no such reaction.
pub async fn remove(state: &AppState, caller: &User, id: Uuid, text: &str) -> AppResult<Message> {
    let emoji = emoji(text)?;
    change(state, caller, id, emoji, false).await
}

async fn change(
    state: &AppState,
    caller: &User,
    id: Uuid,
    emoji: &str,
    add: bool,
) -> AppResult<Message> {
    let message = readable(state, caller, id).await?;
    let _order = super::order::room(message.chat_room_id).await;
    let now = chrono::Utc::now();
    let outcome = if add {
        state
            .store
            .add_reaction(id, caller.id, emoji, MAX_DISTINCT, now)
            .await?
    } else {
        state.store.remove_reaction(id, caller.id, emoji).await?
    };
    let (mut message, seq) = match outcome {
        ReactionOutcome::Changed(message, seq) => (message, seq),
        ReactionOutcome::Unchanged(mut message) => {
            crate::files::sign_message(&state.files, &mut message, chrono::Utc::now());
            return Ok(message);
        }
        ReactionOutcome::TooMany => {
            return Err(AppError::validation(format!(
                "a message can carry at most {MAX_DISTINCT} different emoji"
            )));
        }
        ReactionOutcome::NoMessage => return Err(AppError::NotFound("Message not found".into())),
    };
    state.events.reaction_updated(
        &ReactionUpdated {
            message_id: message.id,
            room_id: message.chat_room_id,
            reactions: message.reactions.clone(),
        },
        seq,
    );
    crate::files::sign_message(&state.files, &mut message, chrono::Utc::now());
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_emoji_of_any_shape_is_accepted() {
        for text in ["👍", "❤️", "👍🏽", "🇫🇷", "👨‍👩‍👧", "1️⃣", "🏳️‍🌈"]
        {
            assert_eq!(emoji(text).ok(), Some(text), "{text:?}");
        }
    }

    #[test]
    fn spellings_of_one_emoji_are_one_reaction() {
        assert_eq!(emoji("❤").ok(), Some("❤\u{fe0f}"));
    }

    #[test]
    fn anything_but_one_emoji_is_refused() {
        for text in [
            "",
            "a",
            "1",
            "#",
            "ok",
            "👍👍",
            "👍 ",
            " 👍",
            "🏽",
            "🇫",
            "👍🏽\u{200d}",
            "<b>",
        ] {
            assert!(emoji(text).is_err(), "{text:?} should be refused");
        }
    }
}
