//! `join_room` (with the replay of what a client missed after `lastMessageId`) and
//! `leave_room`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tigo_common::{JoinedRoom, RoomRef, server_events as se};
use uuid::Uuid;

use super::inbound::{Answer, Outcome, caller};
use super::payload;
use crate::chat;
use crate::db::{Cursor, MessageQuery};
use crate::delivery::conn::{Conn, Sent};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How long a replay may wait for a slow client before it is dropped.
const REPLAY_PATIENCE: Duration = Duration::from_secs(10);

#[tracing::instrument(level = "debug", skip_all, fields(user_id = %conn.user_id, room_id))]
pub(super) async fn join(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let payload::JoinRoom {
        room_id: room,
        last_message_id: last,
    } = payload::join_room(&data)?;
    let user = caller(&state, &conn).await?;
    let access = chat::room_access(&state, &user, room).await?;
    if !conn.joined(room) && conn.joined_rooms().len() >= state.config.limits.max_rooms_joined {
        state.metrics.rate_limited("rooms_joined");
        return Err(AppError::TooManyRequests {
            message: "This connection has joined too many rooms; leave some first".into(),
            retry_after_secs: 1,
        });
    }
    chat::audit_admin_read(&state, &user, &access).await;
    let hub = state.events.hub();
    let mut joined = JoinedRoom {
        room_id: room,
        replayed: 0,
        has_more: false,
    };
    if let Some(last) = last {
        // Live events wait behind the replay; what this connection already got is skipped.
        let seen = hub.join_for_replay(&conn, access);
        let mut replayed = HashSet::new();
        let outcome = replay(&state, &conn, &access, last, &seen, &mut replayed).await;
        conn.end_replay(room, &replayed);
        (joined.replayed, joined.has_more) = outcome?;
    } else {
        hub.join(&conn, access, false);
    }
    super::recovery::joined(&state, &conn, room).await;
    state.presence.joined(user.id, room).await;
    Ok(Outcome::Done(Answer::with_event(se::JOINED_ROOM, &joined)))
}

/// Emits the messages after `last`, oldest first, up to the replay limit.
async fn replay(
    state: &AppState,
    conn: &Conn,
    access: &crate::db::RoomAccess,
    last: Uuid,
    seen: &HashSet<Uuid>,
    replayed: &mut HashSet<Uuid>,
) -> AppResult<(u32, bool)> {
    let limit = state.config.limits.max_replay;
    // Only a member's delivered position moves (an Admin reading along has none).
    let member = chat::is_member(state, access, conn.user_id).await?;
    let Some(anchor) = state
        .store
        .message(last)
        .await?
        .filter(|m| m.chat_room_id == access.id)
    else {
        // Unknown or deleted anchor: the client must catch up over REST.
        return Ok((0, true));
    };
    let query = MessageQuery {
        room_id: access.id,
        before: None,
        after: Some(Cursor::of(&anchor)),
        offset: 0,
        limit: limit as i64 + 1,
    };
    let (mut messages, _) = state.store.list_messages(&query).await?;
    crate::files::sign_messages(&state.files, &mut messages);
    let has_more = messages.len() > limit;
    let mut count = 0;
    for message in messages.iter().take(limit) {
        replayed.insert(message.id);
        if seen.contains(&message.id) {
            continue;
        }
        match conn
            .emit_paced(se::NEW_MESSAGE, message, REPLAY_PATIENCE)
            .await
        {
            Sent::Queued => count += 1,
            Sent::Closed | Sent::Dropped => break,
        }
        if member && message.sender_id != conn.user_id {
            state.events.delivered(message.id, conn.user_id);
        }
    }
    Ok((count, has_more))
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = %conn.user_id, room_id))]
pub(super) async fn leave(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let RoomRef { room_id: room } = payload::room_ref(&data)?;
    let user = caller(&state, &conn).await?;
    chat::room_access(&state, &user, room).await?;
    state.events.hub().leave(&conn, room);
    super::recovery::left(&state, &conn, room).await;
    Ok(Outcome::Done(Answer::with_event(
        se::LEFT_ROOM,
        &RoomRef { room_id: room },
    )))
}
