//! `typing_start` and `typing_stop`: the others in the room hear `user_typing`.

use std::sync::Arc;

use serde_json::{Value, json};

use super::inbound::{Answer, Outcome, caller};
use super::payload;
use crate::chat;
use crate::delivery::conn::Conn;
use crate::error::AppResult;
use crate::state::AppState;

async fn typing(
    state: &AppState,
    conn: &Conn,
    data: &Value,
    is_typing: bool,
) -> AppResult<Outcome> {
    let room = payload::room_ref(data)?.room_id;
    let user = caller(state, conn).await?;
    chat::room_access(state, &user, room).await?;
    if is_typing {
        state.typing.start(user.id, room);
    } else {
        state.typing.stop(user.id, room);
    }
    Ok(Outcome::Done(Answer {
        event: None,
        ack: json!({ "roomId": room }),
    }))
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = %conn.user_id, room_id))]
pub(super) async fn start(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    typing(&state, &conn, &data, true).await
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = %conn.user_id, room_id))]
pub(super) async fn stop(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    typing(&state, &conn, &data, false).await
}
