//! This instance's connections by room and by user, and fan-out to them. Locks are held only
//! to copy the list of targets; emitting happens after they are released.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock, Weak};

use serde_json::value::RawValue;
use uuid::Uuid;

use super::conn::{Conn, Sent};
use super::gate::Gate;
pub use super::gate::Outgoing;
use crate::bus::RoomEvent;
use crate::db::RoomAccess;

struct RoomEntry {
    access: RoomAccess,
    conns: Vec<Arc<Conn>>,
}

#[derive(Default)]
pub struct Hub {
    rooms: RwLock<HashMap<Uuid, RoomEntry>>,
    users: RwLock<HashMap<Uuid, Vec<Arc<Conn>>>>,
    /// Open connections per client address.
    addresses: std::sync::Mutex<HashMap<std::net::IpAddr, usize>>,
    /// Live events a replaying connection may hold back before it is dropped.
    max_pending: usize,
    /// Where connections whose recovery session gained a room are sent to be stored again
    /// (`recovery::maintain`); unset when recovery is off.
    session_saves: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Weak<Conn>>>,
}

/// Who received a room event.
#[derive(Debug, Default)]
pub struct Reach {
    /// Users (other than `except`) with a connection that got it.
    pub users: HashSet<Uuid>,
    /// The room's participants, when any connection here is in it.
    pub access: Option<RoomAccess>,
}

impl Hub {
    pub fn new(max_pending: usize) -> Hub {
        Hub {
            max_pending,
            ..Hub::default()
        }
    }

    /// Sets where connections whose recovery session changed go to be stored.
    pub fn save_sessions_to(&self, to: tokio::sync::mpsc::UnboundedSender<Weak<Conn>>) {
        let _ = self.session_saves.set(to);
    }

    /// Registers a connection; true when it is the user's first on this instance.
    pub fn add_conn(&self, conn: &Arc<Conn>) -> bool {
        if let Some(addr) = conn.addr {
            *self
                .addresses
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(addr)
                .or_default() += 1;
        }
        let mut users = self.users.write().unwrap_or_else(|p| p.into_inner());
        let list = users.entry(conn.user_id).or_default();
        list.push(conn.clone());
        list.len() == 1
    }

    /// Unregisters a connection and leaves its rooms; true when it was the user's last here.
    pub fn remove_conn(&self, conn: &Arc<Conn>) -> bool {
        for room in conn.joined_rooms() {
            self.leave(conn, room);
        }
        let mut users = self.users.write().unwrap_or_else(|p| p.into_inner());
        let Some(list) = users.get_mut(&conn.user_id) else {
            return false;
        };
        let before = list.len();
        list.retain(|c| !Arc::ptr_eq(c, conn));
        let removed = list.len() < before;
        if removed && let Some(addr) = conn.addr {
            let mut addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = addresses.get_mut(&addr) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    addresses.remove(&addr);
                }
            }
        }
        if list.is_empty() {
            users.remove(&conn.user_id);
            return removed;
        }
        false
    }

    /// Adds a connection to a room. `connecting` marks the joins made while the client is
    /// being told it is connected (their events wait until [`Conn::connected`]).
    pub fn join(&self, conn: &Arc<Conn>, access: RoomAccess, connecting: bool) {
        {
            let mut rooms = conn.lock_rooms();
            if rooms.contains_key(&access.id) {
                if !connecting && let Some(gate @ Gate::Fresh { .. }) = rooms.get_mut(&access.id) {
                    *gate = Gate::Live;
                }
                return;
            }
            rooms.insert(
                access.id,
                if connecting {
                    Gate::connecting()
                } else {
                    Gate::Live
                },
            );
        }
        self.add_to_room(conn, access);
    }

    fn add_to_room(&self, conn: &Arc<Conn>, access: RoomAccess) {
        let mut rooms = self.rooms.write().unwrap_or_else(|p| p.into_inner());
        rooms
            .entry(access.id)
            .or_insert_with(|| RoomEntry {
                access,
                conns: Vec::new(),
            })
            .conns
            .push(conn.clone());
    }

    /// Joins a room for a replay: live events wait until [`Conn::end_replay`]. Returns the
    /// message ids the connection already got live since connecting.
    pub fn join_for_replay(&self, conn: &Arc<Conn>, access: RoomAccess) -> HashSet<Uuid> {
        let (seen, was_joined) = conn.begin_replay(access.id);
        if !was_joined {
            self.add_to_room(conn, access);
        }
        seen
    }

    pub fn leave(&self, conn: &Arc<Conn>, room: Uuid) {
        conn.lock_rooms().remove(&room);
        let mut rooms = self.rooms.write().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = rooms.get_mut(&room) {
            entry.conns.retain(|c| !Arc::ptr_eq(c, conn));
            if entry.conns.is_empty() {
                rooms.remove(&room);
            }
        }
    }

    fn room_conns(&self, room: Uuid) -> Option<(RoomAccess, Vec<Arc<Conn>>)> {
        let rooms = self.rooms.read().unwrap_or_else(|p| p.into_inner());
        rooms.get(&room).map(|e| (e.access, e.conns.clone()))
    }

    /// Open connections from a client address.
    pub fn connections_from(&self, addr: std::net::IpAddr) -> usize {
        self.addresses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&addr)
            .copied()
            .unwrap_or(0)
    }

    pub fn user_conns(&self, user: Uuid) -> Vec<Arc<Conn>> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.get(&user).cloned().unwrap_or_default()
    }

    /// Emits to every connection in `room` except those of `except`. A connection that is gone
    /// stays registered until its disconnect handler (or the sweep) removes it: unregistering
    /// here could undo a join that raced with this delivery.
    pub fn to_room(&self, room: Uuid, out: &Outgoing, except: Option<Uuid>) -> Reach {
        let mut reach = Reach::default();
        let Some((access, conns)) = self.room_conns(room) else {
            return reach;
        };
        reach.access = Some(access);
        for conn in conns {
            if Some(conn.user_id) == except {
                continue;
            }
            if conn.deliver(room, out, self.max_pending) == Sent::Queued {
                reach.users.insert(conn.user_id);
            }
        }
        reach
    }

    /// Emits once to every connection in any of `rooms` except those of `except` (presence).
    pub fn to_rooms(
        &self,
        rooms: &[Uuid],
        event: RoomEvent,
        data: &RawValue,
        except: Option<Uuid>,
    ) {
        let mut seen = HashSet::new();
        for room in rooms {
            let Some((_, conns)) = self.room_conns(*room) else {
                continue;
            };
            for conn in conns {
                if Some(conn.user_id) != except && seen.insert(Arc::as_ptr(&conn)) {
                    conn.emit_or_hold(event, data);
                }
            }
        }
    }

    /// Joins every connection of `users` to a new room and tells them (`room_created`).
    /// Returns the users who have a connection here.
    pub fn room_created(&self, access: RoomAccess, users: &[Uuid], room: &RawValue) -> Vec<Uuid> {
        let mut joined = Vec::new();
        for user in users {
            let conns = self.user_conns(*user);
            if !conns.is_empty() {
                joined.push(*user);
            }
            for conn in conns {
                self.join(&conn, access, false);
                // A new room: all of its events are new to a recoverable connection, and its
                // stored session must name it at once (a resume, even after a crash, then
                // replays it from its start rather than from the moment of the reconnect).
                if conn.with_cursor(|c| c.add_room(access.id, 0)).is_some()
                    && let Some(saves) = self.session_saves.get()
                {
                    let _ = saves.send(Arc::downgrade(&conn));
                }
                conn.emit_or_hold(RoomEvent::RoomCreated, room);
            }
        }
        joined
    }

    /// A member was added: the user's connections here join the room (joining again is a
    /// no-op), then every connection in it hears of it. Returns whether the user has a
    /// connection here. Their recovery cursor is left alone: a resume counts the room from
    /// the moment of the reconnect, as for any room joined after the session began.
    pub fn member_added(&self, access: RoomAccess, user: Uuid, data: &Arc<RawValue>) -> bool {
        let conns = self.user_conns(user);
        for conn in &conns {
            self.join(conn, access, false);
        }
        self.to_members(access.id, RoomEvent::MemberAdded, data);
        !conns.is_empty()
    }

    /// A member was removed: every connection in the room hears of it, the removed user's
    /// too (also those that had not joined it), then theirs leave it and their recovery
    /// cursors forget it, so a resume cannot replay it.
    pub fn member_removed(&self, room: Uuid, user: Uuid, data: &Arc<RawValue>) {
        self.to_members(room, RoomEvent::MemberRemoved, data);
        for conn in self.user_conns(user) {
            if !conn.joined(room) {
                conn.emit_or_hold(RoomEvent::MemberRemoved, data);
            }
            self.leave(&conn, room);
            if conn.with_cursor(|c| c.remove_room(room)).is_some()
                && let Some(saves) = self.session_saves.get()
            {
                let _ = saves.send(Arc::downgrade(&conn));
            }
        }
    }

    /// A membership event to every connection in the room, in order with its other events.
    fn to_members(&self, room: Uuid, event: RoomEvent, data: &Arc<RawValue>) {
        let out = Outgoing {
            event,
            data: data.clone(),
            message_id: None,
            seq: None,
        };
        self.to_room(room, &out, None);
    }

    /// Emits to every connection opened by an Admin (the support desk's events).
    pub fn to_admins(&self, event: RoomEvent, data: &RawValue) {
        for conn in self.all_conns().into_iter().filter(|c| c.is_admin) {
            conn.emit_or_hold(event, data);
        }
    }

    /// Users with at least one connection on this instance.
    pub fn local_users(&self) -> Vec<Uuid> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.keys().copied().collect()
    }

    pub fn is_local(&self, user: Uuid) -> bool {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.contains_key(&user)
    }

    /// Open connections on this instance.
    pub fn connections(&self) -> usize {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.values().map(Vec::len).sum()
    }

    /// Unregisters connections whose socket closed without their disconnect handler running;
    /// returns them (presence must hear of them).
    pub fn sweep(&self) -> Vec<Arc<Conn>> {
        let stale: Vec<Arc<Conn>> = self
            .all_conns()
            .into_iter()
            .filter(|c| c.is_stale())
            .collect();
        for conn in &stale {
            self.remove_conn(conn);
        }
        stale
    }

    /// Entries of the per-connection maps, by kind (`tigo_live_objects`): all 0 with no
    /// connection.
    pub fn map_sizes(&self) -> [(&'static str, usize); 3] {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner()).len();
        let rooms = self.rooms.read().unwrap_or_else(|p| p.into_inner()).len();
        let addresses = self
            .addresses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len();
        [
            ("hub_user", users),
            ("hub_room", rooms),
            ("hub_address", addresses),
        ]
    }

    /// Every connection (for shutdown notices).
    pub fn all_conns(&self) -> Vec<Arc<Conn>> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.values().flatten().cloned().collect()
    }
}
