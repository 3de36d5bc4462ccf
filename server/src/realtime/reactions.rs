//! `add_reaction` and `remove_reaction {messageId, emoji}`: the room hears
//! `reaction_updated`; the acknowledgement carries the message's reactions.

use std::sync::Arc;

use serde_json::{Value, json};

use super::inbound::{Answer, Outcome, caller};
use super::payload;
use crate::chat::reactions;
use crate::delivery::conn::Conn;
use crate::error::AppResult;
use crate::state::AppState;

#[tracing::instrument(level = "debug", skip_all, fields(user_id = %conn.user_id, message_id))]
pub(super) async fn add(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let change = payload::reaction_change(&data)?;
    let user = caller(&state, &conn).await?;
    let body = json!({ "emoji": change.emoji });
    let message = reactions::add(&state, &user, change.message_id, &body).await?;
    Ok(answer(&message))
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = %conn.user_id, message_id))]
pub(super) async fn remove(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let change = payload::reaction_change(&data)?;
    let user = caller(&state, &conn).await?;
    let message = reactions::remove(&state, &user, change.message_id, &change.emoji).await?;
    Ok(answer(&message))
}

fn answer(message: &tigo_common::Message) -> Outcome {
    Outcome::Done(Answer {
        event: None,
        ack: json!({
            "messageId": message.id,
            "roomId": message.chat_room_id,
            "reactions": message.reactions,
        }),
    })
}
