//! Connection state recovery, as the official client does it: the CONNECT reply carries a
//! private session id (`pid`); a client that comes back within `SESSION_RECOVERY` sends that
//! `pid` and the last offset it got in its CONNECT auth, and gets its rooms back and every
//! room event it missed, from the database's room event log, before any live one. Sessions
//! live in the database, so any instance resumes them, also after a restart.
//!
//! A `pid` is only looked up for the user whose token came with it; anything unknown, expired,
//! damaged or someone else's gives an ordinary new session. The replay itself is [`replay`]'s.

mod replay;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tigo_common::User;
use uuid::Uuid;

use crate::db::{RecoverySession, RoomAccess};
use crate::delivery::conn::Conn;
use crate::delivery::cursor::Cursor;
use crate::state::AppState;
use crate::stripes::Stripes;

pub(super) use self::replay::{Replay, replay};

/// Longest `pid` looked up (ours are 64 characters).
const MAX_PID: usize = 128;

/// What the connect middleware decided about recovery.
pub(super) struct Plan {
    pid: String,
    hash: String,
    /// The session resumed, and the offset the client sent.
    resumed: Option<(RecoverySession, String)>,
}

/// What a session is stored under: the SHA-256 of its `pid`, in hex.
pub fn hash(pid: &str) -> String {
    hex::encode(Sha256::digest(pid.as_bytes()))
}

/// A new private session id: 244 random bits, as two v4 UUIDs.
fn new_pid() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// Reads `pid` and `offset` from the CONNECT auth and finds the session they name, if it is
/// this user's and still valid. `None` when recovery is off.
pub(super) async fn plan(state: &AppState, user: &User, auth: &Value) -> Option<Plan> {
    if state.config.session_recovery.is_zero() {
        return None;
    }
    let presented = auth
        .get("pid")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty() && p.len() <= MAX_PID);
    if let Some(pid) = presented {
        let h = hash(pid);
        match state.store.recovery_session(&h, chrono::Utc::now()).await {
            Ok(Some(session)) if session.user_id == user.id => {
                let offset = auth
                    .get("offset")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                return Some(Plan {
                    pid: pid.to_string(),
                    hash: h,
                    resumed: Some((session, offset)),
                });
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "could not look up a recovery session"),
        }
    }
    let pid = new_pid();
    Some(Plan {
        hash: hash(&pid),
        pid,
        resumed: None,
    })
}

/// The rooms a resumed session joins: those it had that the user may still read (all of them
/// for an Admin), and the user's rooms it did not have (created while it was away).
pub(super) async fn rooms_to_join(
    state: &AppState,
    plan: &Plan,
    is_admin: bool,
    own: Vec<RoomAccess>,
) -> Vec<RoomAccess> {
    let Some((session, _)) = &plan.resumed else {
        return own;
    };
    let mut rooms = own;
    let mine: HashSet<Uuid> = rooms.iter().map(|r| r.id).collect();
    if is_admin {
        for (room, _) in &session.rooms {
            if !mine.contains(room)
                && let Ok(Some(access)) = state.store.room_access(*room).await
            {
                rooms.push(access);
            }
        }
    }
    rooms
}

/// After the rooms are joined (so what commits from here on waits in their gates): resumes
/// the session, with what it missed, or stores a new one, and makes the connection
/// recoverable. Returns the replay of a resumed session. On a storage error the connection
/// goes without recovery (or, resuming, as a new session).
pub(super) async fn begin(state: &AppState, conn: &Conn, plan: &mut Plan) -> Option<Replay> {
    let joined = conn.joined_rooms();
    let positions = match state.store.room_positions(&joined).await {
        Ok(p) => p,
        Err(err) => {
            tracing::warn!(%err, "could not read room positions; connection not recoverable");
            return None;
        }
    };
    let now = chrono::Utc::now();
    let mut resumed = None;
    if let Some((session, offset)) = &plan.resumed {
        let cursor = resumed_cursor(session, offset, &joined, &positions);
        match Replay::read(state, &cursor, &positions).await {
            Ok(replay) => resumed = Some((cursor, session.created_at, replay)),
            Err(err) => tracing::warn!(%err, "could not read missed events; a new session"),
        }
    }
    let (cursor, created_at, replay) = match resumed {
        Some((cursor, created_at, replay)) => (cursor, created_at, Some(replay)),
        None => {
            if plan.resumed.take().is_some() {
                plan.pid = new_pid();
                plan.hash = hash(&plan.pid);
            }
            let fresh: Vec<(Uuid, i64)> = joined
                .iter()
                .map(|r| (*r, positions.get(r).copied().unwrap_or(0)))
                .collect();
            (Cursor::fresh(&fresh), now, None)
        }
    };
    let session = RecoverySession {
        pid_hash: plan.hash.clone(),
        user_id: conn.user_id,
        rooms: cursor.base_rooms(),
        created_at,
        expires_at: now + state.config.session_recovery,
    };
    if let Err(err) = state.store.save_session(&session).await {
        tracing::warn!(%err, "could not store the recovery session; connection not recoverable");
        plan.resumed = None;
        return None;
    }
    conn.set_recovery(plan.hash.clone(), cursor);
    conn.socket.set_connect_pid(plan.pid.clone());
    replay
}

/// A resumed session's cursor over the rooms joined now.
fn resumed_cursor(
    session: &RecoverySession,
    offset: &str,
    joined: &[Uuid],
    positions: &HashMap<Uuid, i64>,
) -> Cursor {
    let had: HashMap<Uuid, i64> = session.rooms.iter().copied().collect();
    let named: HashSet<&str> = offset
        .split(';')
        .filter_map(|e| e.split_once(':').map(|(r, _)| r))
        .collect();
    let base: Vec<(Uuid, i64)> = joined
        .iter()
        .map(|r| {
            let base = match had.get(r) {
                Some(b) => *b,
                // Joined after the session began: from where the offset says, if it names the
                // room, else from now.
                None if named.contains(r.simple().to_string().as_str()) => 0,
                None => positions.get(r).copied().unwrap_or(0),
            };
            (*r, base)
        })
        .collect();
    Cursor::resumed(&base, offset)
}
/// `join_room` on a recoverable connection: the session resumes with the room, from its
/// position now.
pub(super) async fn joined(state: &AppState, conn: &Conn, room: Uuid) {
    if conn.session().is_none() {
        return;
    }
    let pos = match state.store.room_positions(&[room]).await {
        Ok(p) => p.get(&room).copied().unwrap_or(0),
        Err(err) => {
            tracing::warn!(%err, "could not read a room position");
            return;
        }
    };
    conn.with_cursor(|c| c.add_room(room, pos));
    save(state, conn).await;
}

/// `leave_room`: a resumed session does not join it again.
pub(super) async fn left(state: &AppState, conn: &Conn, room: Uuid) {
    if conn.with_cursor(|c| c.remove_room(room)).is_some() {
        save(state, conn).await;
    }
}

/// Saves of one user's sessions take turns, each reading the rooms only once the previous
/// write is done. Without that, a `join_room` save and the hub's hand-off of a new room could
/// write in the opposite order to their reads, and the older list of rooms would be stored.
/// Stripes of their own, not `chat::order`'s: a save never waits behind a room's store call.
static SAVES: LazyLock<Stripes> = LazyLock::new(|| Stripes::new(64));

/// Stores the session's rooms as they stand.
async fn save(state: &AppState, conn: &Conn) {
    let _turn = SAVES.lock(conn.user_id).await;
    let (Some(hash), Some(rooms)) = (conn.session(), conn.with_cursor(|c| c.base_rooms())) else {
        return;
    };
    let now = chrono::Utc::now();
    let session = RecoverySession {
        pid_hash: hash.to_string(),
        user_id: conn.user_id,
        rooms,
        created_at: now,
        expires_at: now + state.config.session_recovery,
    };
    if let Err(err) = state.store.save_session(&session).await {
        tracing::warn!(%err, "could not update the recovery session");
    }
}

/// Recoverable connections closed: their sessions can be resumed for `SESSION_RECOVERY` from
/// now (one write for all of them).
pub(super) async fn closed(state: &AppState, conns: &[Arc<Conn>]) {
    let hashes: Vec<String> = conns
        .iter()
        .filter_map(|c| c.session().map(str::to_owned))
        .collect();
    if hashes.is_empty() {
        return;
    }
    let until = chrono::Utc::now() + state.config.session_recovery;
    if let Err(err) = state.store.touch_sessions(&hashes, until).await {
        tracing::warn!(%err, "could not extend a recovery session");
    }
}

/// Keeps live connections' sessions from expiring, stores those that gained a room (sent by
/// the hub), and prunes the log and the sessions past `SESSION_RECOVERY`, until `shutdown`.
pub async fn maintain(state: AppState, shutdown: tokio_util::sync::CancellationToken) {
    let window = state.config.session_recovery;
    if window.is_zero() {
        return;
    }
    let (saves_tx, mut saves) = tokio::sync::mpsc::unbounded_channel();
    state.events.hub().save_sessions_to(saves_tx);
    let tick = (window / 3).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut every = tokio::time::interval(tick);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            Some(conn) = saves.recv() => {
                if let Some(conn) = std::sync::Weak::upgrade(&conn) {
                    save(&state, &conn).await;
                }
                continue;
            }
            () = shutdown.cancelled() => return,
        }
        let live: Vec<String> = state
            .events
            .hub()
            .all_conns()
            .iter()
            .filter_map(|c| c.session().map(str::to_string))
            .collect();
        let now = chrono::Utc::now();
        if let Err(err) = state.store.touch_sessions(&live, now + window).await {
            tracing::warn!(%err, "could not extend live recovery sessions");
        }
        // Events a session could still ask for are newer than its drop, which is at most
        // `window` ago; the margin covers what was in flight when it dropped.
        let margin = window.min(Duration::from_secs(60));
        match state.store.prune_recovery(now - window - margin, now).await {
            Ok((events, sessions)) if events + sessions > 0 => {
                state
                    .metrics
                    .sessions_pruned
                    .fetch_add(sessions, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(events, sessions, "pruned the recovery log")
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "could not prune the recovery log"),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_are_long_random_and_stored_only_as_hashes() {
        let (a, b) = (new_pid(), new_pid());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
    }
}
