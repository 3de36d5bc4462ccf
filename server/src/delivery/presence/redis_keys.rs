//! Presence in Redis: the seed's keys (`user:{id}:online`, a hash of instance → claim expiry;
//! `room:{id}:users`), the scripts that claim and release a user atomically, and the periodic
//! refresh of this instance's claims.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use redis::aio::ConnectionManager;
use uuid::Uuid;

use super::{Backend, Presence};

/// How long an instance's claim on a user stays valid without a refresh.
pub(super) const CLAIM_SECS: i64 = 90;
pub(super) const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// TTL of `user:{id}:online`, as the seed sets it.
const KEY_TTL_SECS: i64 = 300;
/// Longest a connect waits for its presence to be settled (Redis slow or down).
pub(super) const SETTLE_WAIT: Duration = Duration::from_secs(2);

pub fn user_key(user: Uuid) -> String {
    format!("user:{user}:online")
}

pub fn room_key(room: Uuid) -> String {
    format!("room:{room}:users")
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
    /// Claims `user` for this instance; true when nobody else had them online.
    pub(super) async fn claim(&self, user: Uuid) -> bool {
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
    pub(super) async fn release(&self, user: Uuid) -> bool {
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

    pub(super) async fn add_to_rooms(&self, user: Uuid, rooms: &[Uuid]) {
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

    pub(super) async fn remove_from_rooms(&self, user: Uuid, rooms: &[Uuid]) {
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
    pub(super) async fn refresh(&self, announced: &HashMap<Uuid, Vec<Uuid>>) {
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
