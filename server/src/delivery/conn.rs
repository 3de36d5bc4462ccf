//! One Socket.IO connection's state: who it is, which rooms it has joined (each behind its
//! [`super::gate::Gate`]), and the turnstiles that process and answer its events in
//! arrival order.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use socketioxide::extract::SocketRef;
use socketioxide::{SendError, SocketError};
use uuid::Uuid;

use super::cursor::{Cursor, Seen};
use super::turnstile::{Turn, Turnstile};
use crate::bus::RoomEvent;
use crate::killable::ConnKill;

pub use super::gate::Outgoing;
use super::gate::{Gate, Pass};

pub struct Conn {
    pub socket: SocketRef,
    pub user_id: Uuid,
    pub is_admin: bool,
    /// Identifies this connection for per-connection limits.
    pub key: Uuid,
    /// The client's address (per-address limits).
    pub addr: Option<std::net::IpAddr>,
    pub(crate) rooms: Mutex<HashMap<Uuid, Gate>>,
    next_ticket: AtomicU64,
    processing: Turnstile,
    replying: Turnstile,
    /// Events that may wait for their turn before new ones are refused.
    max_backlog: u64,
    /// The client heard it is connected.
    ready: AtomicBool,
    /// Wakes the client's events that arrived before `ready` (see [`Conn::until_connected`]).
    settled: tokio::sync::Notify,
    /// Events for the user (presence, new rooms) that came before `ready`: until then the
    /// socket may not take them yet. They go out, in order, right after `connected`.
    held: Mutex<Vec<Outgoing>>,
    created: std::time::Instant,
    /// Cut off for being too slow: emits stop, the transport is closing.
    cut: AtomicBool,
    /// Connection state recovery: where this connection stands in its rooms' logs (every
    /// event carries it as an offset), and its session's hash; `None`: recovery is off.
    cursor: Mutex<Option<Cursor>>,
    session: std::sync::OnceLock<String>,
    /// Counts this state as alive until it is freed (`tigo_live_objects`).
    _live: crate::metrics::Counted,
}

/// What handing a packet to the connection's queue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Queued,
    /// The connection is gone.
    Closed,
    /// Its queue is full: it cannot keep up and has been disconnected.
    Dropped,
}

impl Conn {
    pub fn new(
        socket: SocketRef,
        user_id: Uuid,
        is_admin: bool,
        max_backlog: u64,
        live: crate::metrics::Counted,
    ) -> Conn {
        let addr = socket
            .req_parts()
            .extensions
            .get::<crate::peer::PeerAddr>()
            .map(|p| p.0.ip());
        Conn {
            socket,
            user_id,
            is_admin,
            key: Uuid::new_v4(),
            addr,
            rooms: Mutex::new(HashMap::new()),
            next_ticket: AtomicU64::new(0),
            processing: Turnstile::default(),
            replying: Turnstile::default(),
            max_backlog,
            ready: AtomicBool::new(false),
            settled: tokio::sync::Notify::new(),
            held: Mutex::new(Vec::new()),
            created: std::time::Instant::now(),
            cut: AtomicBool::new(false),
            cursor: Mutex::new(None),
            session: std::sync::OnceLock::new(),
            _live: live,
        }
    }

    /// Makes this connection recoverable: from now on every event carries its offset.
    pub fn set_recovery(&self, session: String, cursor: Cursor) {
        *self.lock_cursor() = Some(cursor);
        let _ = self.session.set(session);
    }

    /// The hash of this connection's recoverable session, if it has one.
    pub fn session(&self) -> Option<&str> {
        self.session.get().map(String::as_str)
    }

    /// Runs `f` on the cursor, when the connection is recoverable.
    pub fn with_cursor<R>(&self, f: impl FnOnce(&mut Cursor) -> R) -> Option<R> {
        self.lock_cursor().as_mut().map(f)
    }

    fn lock_cursor(&self) -> std::sync::MutexGuard<'_, Option<Cursor>> {
        self.cursor.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client now knows it is connected: what waited goes out, in order, and live events
    /// flow from here on.
    pub fn connected(&self) {
        let mut rooms = self.lock_rooms();
        let held = std::mem::take(&mut *self.held.lock().unwrap_or_else(|p| p.into_inner()));
        self.emit_in_order(None, held);
        for (room, gate) in rooms.iter_mut() {
            // What recovery replayed counts as received too: a `join_room {lastMessageId}`
            // right after must not send it a second time.
            let held = gate.open();
            self.emit_in_order(Some(*room), held);
        }
        self.ready.store(true, Ordering::Release);
        self.settled.notify_waiters();
    }

    /// Waits until [`Conn::connected`] has run (at most `patience`). A client may emit as soon
    /// as it hears `connect`, while the recovery replay is still going out and the rooms'
    /// gates still hold what came meanwhile: a `join_room {lastMessageId}` processed then
    /// would find no record of what the replay sent and send it a second time.
    pub async fn until_connected(&self, patience: std::time::Duration) {
        let settled = self.settled.notified();
        tokio::pin!(settled);
        // Registered before the check, so a `connected` in between is not missed.
        settled.as_mut().enable();
        if self.ready.load(Ordering::Acquire) {
            return;
        }
        let _ = tokio::time::timeout(patience, settled).await;
    }

    /// Registered, but its socket is gone, or never got connected: the hub's sweep removes
    /// such leftovers (normally the disconnect handler does).
    pub fn is_stale(&self) -> bool {
        !self.socket.connected()
            && (self.ready.load(Ordering::Acquire)
                || self.created.elapsed() > std::time::Duration::from_secs(60))
    }

    /// Emits an event addressed to the user rather than to a room (presence, a new room). Until
    /// the client has been told it is connected, socketioxide may still refuse to send: such
    /// events are held and go out with `connected`.
    pub fn emit_or_hold(&self, event: RoomEvent, data: &serde_json::value::RawValue) -> Sent {
        if !self.ready.load(Ordering::Acquire) {
            let _rooms = self.lock_rooms();
            if !self.ready.load(Ordering::Acquire) {
                let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
                held.push(Outgoing {
                    event,
                    data: std::sync::Arc::from(data.to_owned()),
                    message_id: None,
                    seq: None,
                });
                return Sent::Queued;
            }
        }
        self.emit(event.as_str(), data)
    }

    /// Emits events that waited, in order, stopping at the first the connection cannot take.
    fn emit_in_order(&self, room: Option<Uuid>, events: impl IntoIterator<Item = Outgoing>) {
        for out in events {
            let sent = match room {
                Some(room) => self.emit_room_event(room, &out),
                None => self.emit(out.event.as_str(), &*out.data),
            };
            if sent != Sent::Queued {
                break;
            }
        }
    }

    /// Emits a room event unless this connection has it already (recovery replayed it).
    pub(crate) fn emit_room_event(&self, room: Uuid, out: &Outgoing) -> Sent {
        if let Some(seq) = out.seq
            && self.with_cursor(|c| c.observe(room, seq)) == Some(Seen::Duplicate)
        {
            return Sent::Queued;
        }
        self.emit(out.event.as_str(), &*out.data)
    }

    /// Emits one event (with the offset as its last argument when the connection is
    /// recoverable); a connection whose queue is full is cut off, never buffered.
    pub fn emit<T: serde::Serialize + ?Sized>(&self, event: &str, data: &T) -> Sent {
        if self.cut.load(Ordering::Acquire) {
            return Sent::Dropped;
        }
        let offset = self.lock_cursor().as_ref().map(Cursor::offset);
        let sent = match offset {
            Some(offset) => self.socket.emit(event, &(data, offset)),
            None => self.socket.emit(event, data),
        };
        match sent {
            Ok(()) => Sent::Queued,
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                tracing::warn!(user_id = %self.user_id, "connection cannot keep up; cutting it off");
                self.cut();
                Sent::Dropped
            }
            Err(_) => Sent::Closed,
        }
    }

    /// Ends the connection now. A polite `disconnect` needs room in the queue; when there is
    /// none, the TCP connection is cut (and the engine's heartbeat is the last resort).
    pub fn cut(&self) {
        if self.cut.swap(true, Ordering::AcqRel) {
            return;
        }
        crate::metrics::CUT_OFF.fetch_add(1, Ordering::Relaxed);
        if self.socket.clone().disconnect().is_err()
            && let Some(ConnKill(kill)) = self.socket.req_parts().extensions.get::<ConnKill>()
        {
            kill.cancel();
        }
    }

    /// Emits, waiting for room in the queue (for replays, which may exceed it). Gives up and
    /// disconnects after `patience`.
    pub async fn emit_paced<T: serde::Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
        patience: std::time::Duration,
    ) -> Sent {
        let deadline = tokio::time::Instant::now() + patience;
        let offset = self.lock_cursor().as_ref().map(Cursor::offset);
        loop {
            let sent = match &offset {
                Some(offset) => self.socket.emit(event, &(data, offset)),
                None => self.socket.emit(event, data),
            };
            match sent {
                Ok(()) => return Sent::Queued,
                Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                    if tokio::time::Instant::now() >= deadline {
                        self.cut();
                        return Sent::Dropped;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                Err(_) => return Sent::Closed,
            }
        }
    }

    pub fn joined(&self, room: Uuid) -> bool {
        self.lock_rooms().contains_key(&room)
    }

    pub fn joined_rooms(&self) -> Vec<Uuid> {
        self.lock_rooms().keys().copied().collect()
    }

    pub(crate) fn lock_rooms(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Gate>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a replay for `room`: from now on live events for it wait. Returns the ids this
    /// connection already received live since connecting (the replay must skip them), and
    /// whether it was in the room already.
    pub(crate) fn begin_replay(&self, room: Uuid) -> (HashSet<Uuid>, bool) {
        let mut rooms = self.lock_rooms();
        let was_joined = rooms.contains_key(&room);
        let (gate, seen) = Gate::begin_replay(rooms.get_mut(&room));
        rooms.insert(room, gate);
        (seen, was_joined)
    }

    /// Ends a replay: emits what waited (skipping messages the replay already sent), then
    /// lets live events through. Holding the lock keeps later live events behind these.
    pub(crate) fn end_replay(&self, room: Uuid, replayed: &HashSet<Uuid>) {
        let mut rooms = self.lock_rooms();
        let waited = match rooms.get_mut(&room) {
            Some(gate) => gate.end_replay(replayed),
            None => {
                rooms.insert(room, Gate::Live);
                Vec::new()
            }
        };
        self.emit_in_order(Some(room), waited);
    }

    /// Notes a message the recovery replay sent before the client heard it is connected.
    pub(crate) fn replayed_at_connect(&self, room: Uuid, id: Uuid) {
        if let Some(gate) = self.lock_rooms().get_mut(&room) {
            gate.replayed_at_connect(id);
        }
    }

    /// Delivers a room event, through the gate. Returns whether it went out now.
    pub(crate) fn deliver(&self, room: Uuid, out: &Outgoing, max_pending: usize) -> Sent {
        let mut rooms = self.lock_rooms();
        let Some(gate) = rooms.get_mut(&room) else {
            return Sent::Closed;
        };
        match gate.pass(out, max_pending) {
            Pass::Held => Sent::Queued,
            Pass::Emit => self.emit_room_event(room, out),
            Pass::Overflow => {
                drop(rooms);
                tracing::warn!(user_id = %self.user_id, "replay backlog overflow; cutting it off");
                self.cut();
                Sent::Dropped
            }
        }
    }

    /// Takes this event's place in line, unless too many events already wait. Only the
    /// socket's receive loop calls this, so tickets follow arrival order.
    pub fn take_ticket(&self) -> Option<u64> {
        if self.backlog() >= self.max_backlog {
            return None;
        }
        Some(self.next_ticket.fetch_add(1, Ordering::AcqRel))
    }

    /// How many events wait to be answered.
    pub fn backlog(&self) -> u64 {
        self.next_ticket
            .load(Ordering::Acquire)
            .saturating_sub(self.replying.current())
    }

    /// Waits until every earlier event has been processed (its message queued, say).
    pub async fn processing_turn(&self, ticket: u64) -> Turn<'_> {
        self.processing.wait(ticket).await
    }

    /// Waits until every earlier event has been answered, so replies go out in order.
    pub async fn reply_turn(&self, ticket: u64) -> Turn<'_> {
        self.replying.wait(ticket).await
    }
}
