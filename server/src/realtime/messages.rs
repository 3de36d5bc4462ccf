//! `send_message` (queued for the writer, answered once durable) and `mark_messages_read`.

use std::sync::Arc;

use serde_json::{Value, json};
use tigo_common::server_events as se;

use super::inbound::{Answer, Outcome, caller};
use super::payload;
use crate::chat::{messages, rooms};
use crate::delivery::conn::Conn;
use crate::error::AppResult;
use crate::state::AppState;

#[tracing::instrument(level = "debug", skip_all, fields(user_id = %conn.user_id))]
pub(super) async fn send(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let user = caller(&state, &conn).await?;
    Ok(Outcome::Queued(
        messages::enqueue(&state, &user, &data).await?,
    ))
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = %conn.user_id, room_id))]
pub(super) async fn mark_read(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let room = payload::room_ref(&data)?.room_id;
    let user = caller(&state, &conn).await?;
    let read = rooms::mark_read(&state, &user, room).await?;
    Ok(Outcome::Done(Answer {
        event: Some((se::MESSAGES_MARKED_READ, json!({ "roomId": room }))),
        ack: json!({"roomId": room, "readAt": tigo_common::time::format(&read.read_at)}),
    }))
}
