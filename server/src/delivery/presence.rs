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

use crate::db::RoomAccess;
use crate::delivery::events::Events;
use crate::delivery::hub::Hub;

/// How long an instance's claim on a user stays valid without a refresh.
const CLAIM_SECS: i64 = 90;
const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// TTL of `user:{id}:online`, as the seed sets it.
const KEY_TTL_SECS: i64 = 300;
/// Longest a connect waits for its presence to be settled (Redis slow or down).
const SETTLE_WAIT: Duration = Duration::from_secs(2);

pub fn user_key(user: Uuid) -> String {
    format!("user:{user}:online")
}

pub fn room_key(room: Uuid) -> String {
    format!("room:{room}:users")
}

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

const CONNECT: &str = r#"
local alive = false
local vals = redis.call('HGETALL', KEYS[1])
for i = 1, #vals, 2 do
  if vals[i] ~= ARGV[1] and tonumber(vals[i + 1]) > tonumber(ARGV[2]) then alive = true end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if alive then return 0 else return 1 end
"#;

const DISCONNECT: &str = r#"
redis.call('HDEL', KEYS[1], ARGV[1])
local alive = false
local vals = redis.call('HGETALL', KEYS[1])
for i = 1, #vals, 2 do
  if tonumber(vals[i + 1]) > tonumber(ARGV[2]) then alive = true end
end
if alive then return 0 end
redis.call('DEL', KEYS[1])
return 1
"#;

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Presence {
    /// Starts the presence task.
    pub fn start(
        backend: Backend,
        hub: Arc<Hub>,
        events: Events,
        shutdown: CancellationToken,
    ) -> (Presence, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(65_536);
        let presence = Presence { tx, backend, hub };
        let task = tokio::spawn(presence.clone().run(rx, events, shutdown));
        (presence, task)
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

    /// Users of a room connected right now, on any instance.
    pub async fn online_in_room(&self, access: &RoomAccess) -> Vec<Uuid> {
        match &self.backend {
            Backend::Local => self.hub.users_in_room(access.id),
            Backend::Redis { conn, .. } => {
                let mut conn = conn.clone();
                let members: Vec<String> = redis::cmd("SMEMBERS")
                    .arg(room_key(access.id))
                    .query_async(&mut conn)
                    .await
                    .unwrap_or_default();
                let mut candidates: Vec<Uuid> = members
                    .iter()
                    .filter_map(|m| Uuid::parse_str(m).ok())
                    .collect();
                candidates.extend(access.participants());
                candidates.sort();
                candidates.dedup();
                let online = self.online(&candidates).await;
                candidates.retain(|u| online.contains(u));
                candidates
            }
        }
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

    /// Claims `user` for this instance; true when nobody else had them online.
    async fn claim(&self, user: Uuid) -> bool {
        let Backend::Redis { conn, instance } = &self.backend else {
            return true;
        };
        let now = now_secs();
        let mut conn = conn.clone();
        let first: redis::RedisResult<i64> = redis::Script::new(CONNECT)
            .key(user_key(user))
            .arg(instance.to_string())
            .arg(now)
            .arg(now + CLAIM_SECS)
            .arg(KEY_TTL_SECS)
            .invoke_async(&mut conn)
            .await;
        first.map(|f| f == 1).unwrap_or(true)
    }

    /// Releases this instance's claim; true when the user is now offline everywhere.
    async fn release(&self, user: Uuid) -> bool {
        let Backend::Redis { conn, instance } = &self.backend else {
            return true;
        };
        let mut conn = conn.clone();
        let last: redis::RedisResult<i64> = redis::Script::new(DISCONNECT)
            .key(user_key(user))
            .arg(instance.to_string())
            .arg(now_secs())
            .invoke_async(&mut conn)
            .await;
        last.map(|l| l == 1).unwrap_or(true)
    }

    async fn add_to_rooms(&self, user: Uuid, rooms: &[Uuid]) {
        let Backend::Redis { conn, .. } = &self.backend else {
            return;
        };
        let mut pipe = redis::pipe();
        for room in rooms {
            pipe.cmd("SADD")
                .arg(room_key(*room))
                .arg(user.to_string())
                .ignore();
        }
        let mut conn = conn.clone();
        let _: redis::RedisResult<()> = pipe.query_async(&mut conn).await;
    }

    async fn remove_from_rooms(&self, user: Uuid, rooms: &[Uuid]) {
        let Backend::Redis { conn, .. } = &self.backend else {
            return;
        };
        let mut pipe = redis::pipe();
        for room in rooms {
            pipe.cmd("SREM")
                .arg(room_key(*room))
                .arg(user.to_string())
                .ignore();
        }
        let mut conn = conn.clone();
        let _: redis::RedisResult<()> = pipe.query_async(&mut conn).await;
    }

    /// Renews this instance's claims (and re-creates keys a Redis restart lost).
    async fn refresh(&self, announced: &HashMap<Uuid, Vec<Uuid>>) {
        let Backend::Redis { conn, instance } = &self.backend else {
            return;
        };
        if announced.is_empty() {
            return;
        }
        let expiry = now_secs() + CLAIM_SECS;
        let mut pipe = redis::pipe();
        for (user, rooms) in announced {
            let key = user_key(*user);
            pipe.cmd("HSET")
                .arg(&key)
                .arg(instance.to_string())
                .arg(expiry)
                .ignore();
            pipe.cmd("EXPIRE").arg(&key).arg(KEY_TTL_SECS).ignore();
            for room in rooms {
                pipe.cmd("SADD")
                    .arg(room_key(*room))
                    .arg(user.to_string())
                    .ignore();
            }
        }
        let mut conn = conn.clone();
        if let Err(err) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(%err, "presence refresh failed");
        }
    }
}

/// Which of `users` hold a live claim in Redis (`user:{id}:online` has an unexpired field).
pub async fn alive(
    mut conn: ConnectionManager,
    users: &[Uuid],
) -> redis::RedisResult<HashSet<Uuid>> {
    if users.is_empty() {
        return Ok(HashSet::new());
    }
    let mut pipe = redis::pipe();
    for user in users {
        pipe.cmd("HVALS").arg(user_key(*user));
    }
    let values: Vec<Vec<i64>> = pipe.query_async(&mut conn).await?;
    let now = now_secs();
    Ok(users
        .iter()
        .zip(values)
        .filter(|(_, claims)| claims.iter().any(|exp| *exp > now))
        .map(|(u, _)| *u)
        .collect())
}

/// Users with a `user:{id}:online` key.
pub async fn scan_online_keys(mut conn: ConnectionManager) -> Vec<Uuid> {
    let mut cursor: u64 = 0;
    let mut users = Vec::new();
    loop {
        let page: redis::RedisResult<(u64, Vec<String>)> = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg("user:*:online")
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await;
        let Ok((next, keys)) = page else { break };
        users.extend(keys.iter().filter_map(|k| {
            k.strip_prefix("user:")
                .and_then(|k| k.strip_suffix(":online"))
                .and_then(|id| Uuid::parse_str(id).ok())
        }));
        if next == 0 {
            break;
        }
        cursor = next;
    }
    users
}
