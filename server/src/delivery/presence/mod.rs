//! Presence: a user is online while any connection of theirs is alive on any instance.
//!
//! One task sees every change in order and compares what this instance has (the hub) with what
//! it last announced, so racing connects and disconnects settle on the truth. With Redis,
//! `user:{id}:online` is a hash of instance → expiry (the key lives 300 s and is refreshed
//! while connected), so one instance going away never marks a user offline who is still
//! connected elsewhere; `room:{id}:users` holds the users who joined a room.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::delivery::events::Events;
use crate::delivery::hub::Hub;

mod redis_keys;

use self::redis_keys::{CLAIM_SECS, REFRESH_EVERY, SETTLE_WAIT};
pub use self::redis_keys::{alive, room_key, scan_online_keys, user_key};

#[derive(Clone)]
pub enum Backend {
    Local,
    Redis {
        conn: ConnectionManager,
        instance: Uuid,
    },
}

#[derive(Clone)]
pub struct Presence {
    tx: mpsc::Sender<Op>,
    backend: Backend,
    hub: Arc<Hub>,
}

enum Op {
    Changed {
        user: Uuid,
        rooms: Vec<Uuid>,
        /// Told once the change is announced and claimed.
        settled: Option<oneshot::Sender<()>>,
    },
    Joined {
        user: Uuid,
        room: Uuid,
    },
    Resync,
}

impl Presence {
    /// Starts the presence task on `tasks`; it stops on `shutdown`.
    pub fn start(
        backend: Backend,
        hub: Arc<Hub>,
        events: Events,
        (tasks, shutdown): (&tokio_util::task::TaskTracker, CancellationToken),
    ) -> Presence {
        let (tx, rx) = mpsc::channel(65_536);
        let presence = Presence { tx, backend, hub };
        tasks.spawn(presence.clone().run(rx, events, shutdown));
        presence
    }

    /// A connection of `user` opened or closed on this instance; `rooms` are the user's.
    pub async fn changed(&self, user: Uuid, rooms: Vec<Uuid>) {
        let op = Op::Changed {
            user,
            rooms,
            settled: None,
        };
        let _ = self.tx.send(op).await;
    }

    /// Like `changed`, and waits (up to `SETTLE_WAIT`) until the change is announced and, with
    /// Redis, this instance's claim on the user is stored. A connect waits for this before the
    /// client hears it is connected, so a connection the client knows of is one every instance
    /// counts: closing another tab elsewhere right after cannot announce the user offline.
    pub async fn settled(&self, user: Uuid, rooms: Vec<Uuid>) {
        let (tx, rx) = oneshot::channel();
        let op = Op::Changed {
            user,
            rooms,
            settled: Some(tx),
        };
        if self.tx.send(op).await.is_ok() {
            let _ = tokio::time::timeout(SETTLE_WAIT, rx).await;
        }
    }

    /// `user` joined `room` (an Admin looking into a room, say).
    pub async fn joined(&self, user: Uuid, room: Uuid) {
        let _ = self.tx.send(Op::Joined { user, room }).await;
    }

    /// Redis came back: claim every local user again (its keys may be gone).
    pub fn resync(&self) {
        let _ = self.tx.try_send(Op::Resync);
    }

    /// Which of a room's `members` are connected right now, on any instance, in their order.
    /// Only members: an Admin who opened someone else's room has joined it to read along, not
    /// to be listed in it (`room:{id}:users` holds such Admins too).
    pub async fn online_among(&self, mut members: Vec<Uuid>) -> Vec<Uuid> {
        let online = self.online(&members).await;
        members.retain(|u| online.contains(u));
        members
    }

    /// Which of `users` have a live connection on any instance.
    pub async fn online(&self, users: &[Uuid]) -> HashSet<Uuid> {
        match &self.backend {
            Backend::Local => users
                .iter()
                .copied()
                .filter(|u| self.hub.is_local(*u))
                .collect(),
            Backend::Redis { conn, .. } => match alive(conn.clone(), users).await {
                Ok(online) => online,
                Err(err) => {
                    tracing::warn!(%err, "presence lookup failed");
                    // Fall back to what this instance knows.
                    users
                        .iter()
                        .copied()
                        .filter(|u| self.hub.is_local(*u))
                        .collect()
                }
            },
        }
    }

    /// Every user online anywhere (`admin online`): Redis keys, or this instance's users.
    pub async fn everyone_online(&self) -> Vec<Uuid> {
        match &self.backend {
            Backend::Local => self.hub.local_users(),
            Backend::Redis { conn, .. } => {
                let users = scan_online_keys(conn.clone()).await;
                let online = self.online(&users).await;
                users.into_iter().filter(|u| online.contains(u)).collect()
            }
        }
    }

    async fn run(self, mut rx: mpsc::Receiver<Op>, events: Events, shutdown: CancellationToken) {
        // user → the rooms announced for them
        let mut announced: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        // Users who left here while another instance still claimed them: if that claim runs
        // out (the instance died), they are offline and somebody has to say so.
        let mut rechecks: Vec<(Uuid, Vec<Uuid>, tokio::time::Instant)> = Vec::new();
        let mut refresh = tokio::time::interval(REFRESH_EVERY);
        refresh.tick().await;
        loop {
            let op = tokio::select! {
                op = rx.recv() => op,
                _ = refresh.tick() => Some(Op::Resync),
                () = shutdown.cancelled() => None,
            };
            let Some(op) = op else { break };
            match op {
                Op::Changed {
                    user,
                    rooms,
                    settled,
                } => {
                    if let Some(recheck) = self.settle(&mut announced, &events, user, rooms).await {
                        rechecks.push(recheck);
                    }
                    if let Some(settled) = settled {
                        let _ = settled.send(());
                    }
                }
                Op::Joined { user, room } => {
                    if let Some(rooms) = announced.get_mut(&user)
                        && !rooms.contains(&room)
                    {
                        rooms.push(room);
                        self.add_to_rooms(user, &[room]).await;
                    }
                }
                Op::Resync => {
                    self.refresh(&announced).await;
                    self.recheck(&mut rechecks, &events).await;
                }
            }
        }
        // Going away: release this instance's claims so users connected elsewhere stay
        // online and the others go offline now rather than at expiry.
        for (user, rooms) in announced {
            if self.release(user).await {
                self.remove_from_rooms(user, &rooms).await;
                events.presence(user, false, rooms);
            }
        }
    }

    /// Brings what this instance announced in line with its connections. Returns a recheck
    /// when the user left here but is still claimed elsewhere.
    async fn settle(
        &self,
        announced: &mut HashMap<Uuid, Vec<Uuid>>,
        events: &Events,
        user: Uuid,
        rooms: Vec<Uuid>,
    ) -> Option<(Uuid, Vec<Uuid>, tokio::time::Instant)> {
        let here = self.hub.is_local(user);
        match (here, announced.contains_key(&user)) {
            (true, false) => {
                let first = self.claim(user).await;
                self.add_to_rooms(user, &rooms).await;
                announced.insert(user, rooms.clone());
                if first {
                    events.presence(user, true, rooms);
                }
            }
            (true, true) => {
                if let Some(known) = announced.get_mut(&user) {
                    for room in rooms {
                        if !known.contains(&room) {
                            known.push(room);
                        }
                    }
                }
            }
            (false, true) => {
                let rooms = announced.remove(&user).unwrap_or_default();
                if self.release(user).await {
                    self.remove_from_rooms(user, &rooms).await;
                    events.presence(user, false, rooms);
                } else {
                    let due =
                        tokio::time::Instant::now() + Duration::from_secs(CLAIM_SECS as u64 + 5);
                    return Some((user, rooms, due));
                }
            }
            (false, false) => {}
        }
        None
    }

    /// Users still claimed elsewhere when they left here: once those claims ran out without a
    /// refresh (their instance is gone), they are offline.
    async fn recheck(
        &self,
        rechecks: &mut Vec<(Uuid, Vec<Uuid>, tokio::time::Instant)>,
        events: &Events,
    ) {
        let now = tokio::time::Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = rechecks.drain(..).partition(|(_, _, at)| *at <= now);
        *rechecks = later;
        for (user, rooms, _) in due {
            if self.hub.is_local(user) {
                continue;
            }
            if self.release(user).await {
                self.remove_from_rooms(user, &rooms).await;
                events.presence(user, false, rooms);
            }
        }
    }
}
