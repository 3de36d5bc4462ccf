//! The replay of a resumed session: the logged events after its offset, read and rendered
//! before the client hears it is connected, then sent in order before anything live.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use serde_json::value::RawValue;
use tigo_common::{MessageDeleted, MessagesRead, ReactionUpdated};
use uuid::Uuid;

use crate::bus::RoomEvent;
use crate::db::LoggedEvent;
use crate::delivery::conn::{Conn, Sent};
use crate::delivery::cursor::{Cursor, Seen};
use crate::state::AppState;

/// How long a replay may wait for a slow client before it is dropped.
const REPLAY_PATIENCE: Duration = Duration::from_secs(10);
/// Log rows read per query while replaying.
const PAGE: i64 = 500;
/// The most events one reconnect replays; a client further behind gets a new session.
const MAX_REPLAY: usize = 20_000;

/// Missed events, read and rendered before the client hears it is connected (so that a log
/// that cannot be read gives a new session instead of a recovery with holes).
#[derive(Clone, Default)]
pub(in crate::realtime) struct Replay(Arc<std::sync::Mutex<Vec<Rendered>>>);

pub(super) struct Rendered {
    event: LoggedEvent,
    name: Option<RoomEvent>,
    data: Option<Arc<RawValue>>,
}

impl Replay {
    /// Reads and renders what a session at `cursor` missed (`newest`: each room's position).
    pub(super) async fn read(
        state: &AppState,
        cursor: &Cursor,
        newest: &HashMap<Uuid, i64>,
    ) -> Result<Replay, String> {
        let events = missed(state, cursor, newest).await?;
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            let rendered = render(state, &event).await;
            out.push(Rendered {
                name: rendered.as_ref().map(|r| r.0),
                data: rendered.map(|r| r.1),
                event,
            });
        }
        Ok(Replay(Arc::new(std::sync::Mutex::new(out))))
    }
}

/// Sends a resumed connection what it missed, in order per room (rooms interleaved by time);
/// its live events wait meanwhile and are de-duplicated after.
pub(in crate::realtime) async fn replay(state: &AppState, conn: &Arc<Conn>, replay: &Replay) {
    let events = std::mem::take(&mut *replay.0.lock().unwrap_or_else(|p| p.into_inner()));
    let count = events.len();
    for Rendered { event, name, data } in events {
        let seen = conn.with_cursor(|c| c.observe(event.room_id, event.seq));
        let (Some(name), Some(data), Some(Seen::New)) = (name, data, seen) else {
            continue;
        };
        match conn
            .emit_paced(name.as_str(), &*data, REPLAY_PATIENCE)
            .await
        {
            Sent::Queued => {}
            Sent::Closed | Sent::Dropped => return,
        }
        if name == RoomEvent::NewMessage
            && let Some(id) = event.message_id
        {
            conn.replayed_at_connect(event.room_id, id);
            if let Some(access) = state.rooms.get(&event.room_id)
                && state.events.is_member_cached(&access, conn.user_id)
            {
                state.events.delivered(id, conn.user_id);
            }
        }
    }
    tracing::debug!(user_id = %conn.user_id, count, "recovered connection replayed");
}

/// The logged events after the cursor's position in each of its rooms.
async fn missed(
    state: &AppState,
    cursor: &Cursor,
    newest: &HashMap<Uuid, i64>,
) -> Result<Vec<LoggedEvent>, String> {
    let mut events = Vec::new();
    for (room, upto, _) in cursor.positions() {
        let top = newest.get(&room).copied().unwrap_or(0);
        let mut after = upto;
        while after < top {
            if events.len() >= MAX_REPLAY {
                return Err("too far behind to recover".into());
            }
            let page = state
                .store
                .room_events_after(room, after, PAGE)
                .await
                .map_err(|e| e.to_string())?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.seq;
            events.extend(page);
        }
    }
    Ok(interleave(events))
}

/// Orders events by time across rooms while keeping each room's own order (its positions).
fn interleave(mut events: Vec<LoggedEvent>) -> Vec<LoggedEvent> {
    events.sort_by_key(|e| (e.room_id, e.seq));
    let mut slots: Vec<(chrono::DateTime<chrono::Utc>, Uuid, i64)> = events
        .iter()
        .map(|e| (e.created_at, e.room_id, e.seq))
        .collect();
    slots.sort();
    // Each slot takes the next event of the room it belongs to, in position order.
    let mut per_room: HashMap<Uuid, std::collections::VecDeque<LoggedEvent>> = HashMap::new();
    for e in events {
        per_room.entry(e.room_id).or_default().push_back(e);
    }
    slots
        .into_iter()
        .filter_map(|(_, room, _)| per_room.get_mut(&room)?.pop_front())
        .collect()
}

/// The event as the room would see it now: the message as it stands (a payload and its
/// message cannot disagree). `None` when its message is gone (a later delete says so).
async fn render(state: &AppState, e: &LoggedEvent) -> Option<(RoomEvent, Arc<RawValue>)> {
    let kind: RoomEvent = serde_json::from_value(Value::String(e.kind.clone())).ok()?;
    let message = match (kind, e.message_id) {
        (
            RoomEvent::NewMessage | RoomEvent::MessageEdited | RoomEvent::ReactionUpdated,
            Some(id),
        ) => {
            let mut m = state.store.message(id).await.ok()??;
            crate::files::sign_message(&state.files, &mut m, chrono::Utc::now());
            Some(m)
        }
        _ => None,
    };
    let data = match kind {
        RoomEvent::NewMessage | RoomEvent::MessageEdited => {
            serde_json::value::to_raw_value(&message?)
        }
        RoomEvent::ReactionUpdated => {
            let m = message?;
            serde_json::value::to_raw_value(&ReactionUpdated {
                message_id: m.id,
                room_id: m.chat_room_id,
                reactions: m.reactions,
            })
        }
        RoomEvent::MessageDeleted => serde_json::value::to_raw_value(&MessageDeleted {
            message_id: e.message_id?,
            room_id: e.room_id,
            deleted_by: e.actor_id?,
        }),
        RoomEvent::MessagesRead => serde_json::value::to_raw_value(&MessagesRead {
            user_id: e.actor_id?,
            room_id: e.room_id,
            read_at: e.created_at,
        }),
        _ => return None,
    };
    Some((kind, data.ok()?.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(room: u128, seq: i64, at: i64) -> LoggedEvent {
        LoggedEvent {
            room_id: Uuid::from_u128(room),
            seq,
            kind: "new_message".into(),
            message_id: None,
            actor_id: None,
            created_at: chrono::DateTime::from_timestamp(at, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn replay_keeps_each_rooms_order_even_when_clocks_disagree() {
        let out = interleave(vec![
            event(1, 2, 10),
            event(2, 1, 5),
            event(1, 1, 20),
            event(2, 2, 30),
        ]);
        let order: Vec<(u128, i64)> = out.iter().map(|e| (e.room_id.as_u128(), e.seq)).collect();
        assert_eq!(order, vec![(2, 1), (1, 1), (1, 2), (2, 2)]);
    }
}
