//! Operations behind `tigo-chat admin …`: the same database (and Redis) settings as `serve`,
//! results as plain data for the binary to print as tables or JSON.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use tigo_common::{Message, Role, RoomType, User};
use uuid::Uuid;

use crate::auth::{Keys, jwt};
use crate::bus::{EVENTS_CHANNEL, NOTIFICATIONS_CHANNEL};
use crate::db::{
    self, Cursor, DatabaseConfig, MessageQuery, PoolOptions, RoomQuery, Store, UserRecord,
};
use crate::delivery::presence;
use crate::error::AppError;

/// What an operator command can fail with; the binary prints it and exits 1.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NeedsRedis(String),
    /// Nothing to read: the command would otherwise create an empty database.
    #[error("no tigo-chat database at {0}: run `tigo-chat admin migrate` or set DATABASE_URL")]
    NoDatabase(String),
    #[error(transparent)]
    Store(#[from] db::StoreError),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("{0}")]
    App(String),
}

impl From<AppError> for AdminError {
    fn from(err: AppError) -> Self {
        AdminError::App(err.message().to_string())
    }
}

pub type AdminResult<T> = Result<T, AdminError>;

pub struct Admin {
    store: Arc<dyn Store>,
    redis: Option<redis::Client>,
    jwt_secret: Option<String>,
}

/// A user as operators see it.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: Vec<Role>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<UserRecord> for UserRow {
    fn from(r: UserRecord) -> Self {
        UserRow {
            id: r.user.id,
            email: r.user.email,
            first_name: r.user.first_name,
            last_name: r.user.last_name,
            roles: r.user.roles,
            is_active: r.is_active,
            created_at: r.created_at,
        }
    }
}

/// A room as `list-rooms` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RoomRow {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub room_type: RoomType,
    pub participant1: String,
    pub participant2: String,
    pub participant1_id: Uuid,
    pub participant2_id: Uuid,
    pub messages: i64,
    /// Unread by participant 1 and by participant 2.
    pub unread: [i64; 2],
    pub is_active: bool,
    pub last_activity: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct RoomFilter {
    pub room_type: Option<RoomType>,
    /// An email or a user id.
    pub user: Option<String>,
    pub active: Option<bool>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    /// `healthy`, `degraded` (Redis down) or `unhealthy` (database down).
    pub status: String,
    pub database: String,
    pub redis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatsReport {
    #[serde(flatten)]
    pub counts: db::Stats,
    /// Users online now (`null` when that cannot be known: no Redis).
    pub online_users: Option<usize>,
}

/// One line of `monitor`.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorLine {
    pub channel: String,
    pub at: DateTime<Utc>,
    pub event: String,
    #[serde(rename = "roomId")]
    pub room_id: Option<Uuid>,
    pub data: serde_json::Value,
}

/// Opens the database; unless `pool.create_if_missing`, one that does not exist yet (no file,
/// no such PostgreSQL database, or no tigo-chat schema in it) is an error, and nothing is made.
async fn open_store(database: &DatabaseConfig, pool: &PoolOptions) -> AdminResult<Arc<dyn Store>> {
    let missing = || AdminError::NoDatabase(database.redacted());
    if pool.create_if_missing {
        return Ok(db::connect(database, pool).await?);
    }
    if let DatabaseConfig::Sqlite { path } = database
        && !std::path::Path::new(path).exists()
    {
        return Err(missing());
    }
    let store = match db::connect(database, pool).await {
        Ok(store) => store,
        Err(err) if err.is_missing_database() => return Err(missing()),
        Err(err) => return Err(err.into()),
    };
    if store.applied_migrations().await?.is_empty() {
        return Err(missing());
    }
    Ok(store)
}

impl Admin {
    pub async fn connect(
        database: &DatabaseConfig,
        pool: &PoolOptions,
        redis_url: Option<&str>,
        jwt_secret: Option<String>,
    ) -> AdminResult<Admin> {
        let store = open_store(database, pool).await?;
        let redis = redis_url
            .filter(|u| !u.trim().is_empty())
            .map(redis::Client::open)
            .transpose()?;
        Ok(Admin {
            store,
            redis,
            jwt_secret,
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn has_redis(&self) -> bool {
        self.redis.is_some()
    }

    async fn redis_conn(&self) -> AdminResult<redis::aio::MultiplexedConnection> {
        let client = self.redis.as_ref().ok_or_else(|| {
            AdminError::NeedsRedis("this needs Redis: set REDIS_URL (or --redis-url)".into())
        })?;
        let conn = tokio::time::timeout(
            Duration::from_secs(3),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| AdminError::Invalid("Redis did not answer within 3 s".into()))??;
        Ok(conn)
    }

    /// Applies pending migrations; the versions applied now.
    pub async fn migrate(&self) -> AdminResult<Vec<i64>> {
        Ok(self.store.migrate().await?)
    }

    /// Checks the database and (when configured) Redis directly, in the words of
    /// `/chat/health`: the database decides healthy or unhealthy, Redis healthy or degraded.
    pub async fn health(&self) -> HealthReport {
        let database = matches!(
            tokio::time::timeout(Duration::from_secs(3), self.store.ping()).await,
            Ok(Ok(()))
        );
        let redis = match &self.redis {
            None => "not configured".to_string(),
            Some(_) => match self.redis_conn().await {
                Ok(mut conn) => {
                    let pong: redis::RedisResult<String> =
                        redis::cmd("PING").query_async(&mut conn).await;
                    if pong.is_ok() { "up" } else { "down" }.to_string()
                }
                Err(_) => "down".to_string(),
            },
        };
        let status = if !database {
            "unhealthy"
        } else if redis == "down" {
            "degraded"
        } else {
            "healthy"
        };
        HealthReport {
            status: status.into(),
            database: if database { "up" } else { "down" }.into(),
            redis,
        }
    }

    /// A user by email or id.
    pub async fn find_user(&self, who: &str) -> AdminResult<UserRecord> {
        let found = match Uuid::parse_str(who.trim()) {
            Ok(id) => self.store.user_by_id(id).await?,
            Err(_) => {
                self.store
                    .user_by_email(&crate::accounts::normalize_email(who))
                    .await?
            }
        };
        found.ok_or_else(|| AdminError::NotFound(format!("no user {who}")))
    }

    pub async fn list_rooms(&self, filter: &RoomFilter) -> AdminResult<Vec<RoomRow>> {
        let participant_id = match &filter.user {
            Some(who) => Some(self.find_user(who).await?.user.id),
            None => None,
        };
        let query = RoomQuery {
            viewer: Uuid::nil(),
            all: true,
            room_type: filter.room_type,
            participant_id,
            search: None,
            active: filter.active,
            offset: 0,
            limit: filter.limit.clamp(1, 10_000),
        };
        let (rooms, _) = self.store.list_rooms(&query).await?;
        let ids: Vec<Uuid> = rooms.iter().map(|r| r.id).collect();
        let mut rows = Vec::with_capacity(rooms.len());
        let mut unread: HashMap<Uuid, HashMap<Uuid, i64>> = HashMap::new();
        for room in &rooms {
            for p in [room.participant1_id, room.participant2_id] {
                if let std::collections::hash_map::Entry::Vacant(e) = unread.entry(p) {
                    e.insert(self.store.unread_counts(p, &ids).await?);
                }
            }
        }
        for room in rooms {
            let count = |p: Uuid| {
                unread
                    .get(&p)
                    .and_then(|m| m.get(&room.id))
                    .copied()
                    .unwrap_or(0)
            };
            let (_, messages) = self
                .store
                .list_messages(&MessageQuery {
                    room_id: room.id,
                    before: None,
                    after: None,
                    offset: 0,
                    limit: 1,
                })
                .await?;
            rows.push(RoomRow {
                id: room.id,
                room_type: room.room_type,
                participant1: format!(
                    "{} <{}>",
                    room.participant1.display_name(),
                    room.participant1.email
                ),
                participant2: format!(
                    "{} <{}>",
                    room.participant2.display_name(),
                    room.participant2.email
                ),
                participant1_id: room.participant1_id,
                participant2_id: room.participant2_id,
                messages,
                unread: [count(room.participant1_id), count(room.participant2_id)],
                is_active: room.is_active,
                last_activity: room.last_message_at.unwrap_or(room.created_at),
            });
        }
        Ok(rows)
    }

    /// How many messages a purge would delete.
    pub async fn purge_count(&self, before: DateTime<Utc>, room: Option<Uuid>) -> AdminResult<i64> {
        Ok(self.store.count_older(before, room).await?)
    }

    /// Deletes messages older than `before` in batches, reporting progress after each.
    pub async fn purge(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
        mut progress: impl FnMut(u64),
    ) -> AdminResult<u64> {
        let mut total = 0;
        loop {
            let deleted = self.store.purge_batch(before, room, batch.max(1)).await?;
            if deleted == 0 {
                break;
            }
            total += deleted;
            progress(total);
        }
        self.record(db::AuditEntry {
            action: "messages.purge",
            room,
            detail: serde_json::json!({ "before": tigo_common::time::format(&before), "deleted": total }),
            ..Default::default()
        })
        .await;
        Ok(total)
    }

    pub async fn users(&self, role: Option<Role>) -> AdminResult<Vec<UserRow>> {
        Ok(self
            .store
            .list_users(role)
            .await?
            .into_iter()
            .map(UserRow::from)
            .collect())
    }

    pub async fn set_roles(&self, who: &str, roles: &[Role]) -> AdminResult<UserRow> {
        if roles.is_empty() {
            return Err(AdminError::Invalid("give at least one --role".into()));
        }
        let user = self.find_user(who).await?;
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        self.store.set_roles(user.user.id, &roles).await?;
        let detail = serde_json::json!({ "from": user.user.roles, "to": roles });
        self.user_changed(user.user.id, "user.roles", detail).await
    }

    pub async fn set_active(&self, who: &str, active: bool) -> AdminResult<UserRow> {
        let user = self.find_user(who).await?;
        self.store.set_active(user.user.id, active).await?;
        let detail = serde_json::json!({ "active": active });
        self.user_changed(user.user.id, "user.active", detail).await
    }

    /// After a change to a user: audits it, tells running servers, and returns the user as now.
    async fn user_changed(
        &self,
        id: Uuid,
        action: &'static str,
        detail: serde_json::Value,
    ) -> AdminResult<UserRow> {
        self.record(db::AuditEntry {
            action,
            target_user: Some(id),
            detail,
            ..Default::default()
        })
        .await;
        // Running servers see the change in the database within a second (`user_watch`).
        Ok(self.find_user(&id.to_string()).await?.into())
    }

    /// A token for `who`, signed with `JWT_SECRET` or the secret stored in the database.
    pub async fn token(&self, who: &str, ttl: Duration) -> AdminResult<String> {
        let user = self.find_user(who).await?;
        if !user.is_active {
            return Err(AdminError::Invalid(format!("{who} is deactivated")));
        }
        let secret = match &self.jwt_secret {
            Some(secret) => secret.clone(),
            None => {
                self.store
                    .setting_get_or_insert("jwt_secret", &jwt::random_secret())
                    .await?
            }
        };
        Keys::new(secret.as_bytes())
            .issue(&user.user, ttl.as_secs() as i64)
            .map_err(|e| AdminError::App(format!("signing failed: {e}")))
    }

    /// Every message of a room, oldest first, handed to `each`; returns how many.
    pub async fn export(
        &self,
        room: Uuid,
        mut each: impl FnMut(&Message) -> std::io::Result<()>,
    ) -> AdminResult<u64> {
        if self.store.room_access(room).await?.is_none() {
            return Err(AdminError::NotFound(format!("no room {room}")));
        }
        // Every message is younger than the Unix epoch (and PostgreSQL cannot go back to
        // chrono's minimum).
        let mut after = Some(Cursor::before_instant(DateTime::<Utc>::UNIX_EPOCH));
        let mut count = 0;
        loop {
            let (page, _) = self
                .store
                .list_messages(&MessageQuery {
                    room_id: room,
                    before: None,
                    after,
                    offset: 0,
                    limit: 1000,
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(Cursor::of(last));
            for message in &page {
                each(message)
                    .map_err(|e| AdminError::Invalid(format!("writing the export: {e}")))?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Users online now, from the presence keys in Redis.
    pub async fn online(&self) -> AdminResult<Vec<UserRow>> {
        let conn = self.redis_conn().await?;
        let client = self
            .redis
            .as_ref()
            .ok_or_else(|| AdminError::NeedsRedis("no redis".into()))?;
        let manager = redis::aio::ConnectionManager::new(client.clone()).await?;
        drop(conn);
        let candidates = presence::scan_online_keys(manager.clone()).await;
        let online = presence::alive(manager, &candidates).await?;
        let mut rows = Vec::new();
        for user in candidates.into_iter().filter(|u| online.contains(u)) {
            if let Some(record) = self.store.user_by_id(user).await? {
                rows.push(UserRow::from(record));
            }
        }
        rows.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(rows)
    }

    pub async fn stats(&self) -> AdminResult<StatsReport> {
        let counts = self.store.stats(Utc::now()).await?;
        let online_users = match &self.redis {
            Some(_) => Some(self.online().await?.len()),
            None => None,
        };
        Ok(StatsReport {
            counts,
            online_users,
        })
    }

    /// Streams `chat:events` and `notification:events` to `each` until `stop` resolves.
    pub async fn monitor(
        &self,
        stop: impl std::future::Future<Output = ()>,
        ready: impl FnOnce(),
        mut each: impl FnMut(MonitorLine) -> bool,
    ) -> AdminResult<()> {
        let client = self.redis.as_ref().ok_or_else(|| {
            AdminError::NeedsRedis(
                "monitor needs Redis: in embedded mode events travel inside the server process; \
                 set REDIS_URL to the Redis your servers use"
                    .into(),
            )
        })?;
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(EVENTS_CHANNEL).await?;
        pubsub.subscribe(NOTIFICATIONS_CHANNEL).await?;
        ready();
        let mut stream = pubsub.into_on_message();
        tokio::pin!(stop);
        loop {
            let msg = tokio::select! {
                m = stream.next() => m,
                () = &mut stop => return Ok(()),
            };
            let Some(msg) = msg else {
                return Err(AdminError::Invalid("the Redis subscription ended".into()));
            };
            let channel = msg.get_channel_name().to_string();
            let Ok(text) = msg.get_payload::<String>() else {
                continue;
            };
            let value: serde_json::Value =
                serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
            let line = if channel == EVENTS_CHANNEL {
                MonitorLine {
                    channel,
                    at: Utc::now(),
                    event: value["event"].as_str().unwrap_or("?").to_string(),
                    room_id: value["roomId"]
                        .as_str()
                        .and_then(|r| Uuid::parse_str(r).ok()),
                    data: value["data"].clone(),
                }
            } else {
                MonitorLine {
                    channel,
                    at: Utc::now(),
                    event: value["type"].as_str().unwrap_or("notification").to_string(),
                    room_id: value["metadata"]["chat_room_id"]
                        .as_str()
                        .and_then(|r| Uuid::parse_str(r).ok()),
                    data: value,
                }
            };
            // The reader went away (say, a closed pipe): stop quietly.
            if !each(line) {
                return Ok(());
            }
        }
    }

    /// Users and rooms for `bench`: `rooms` customer–hotel-owner pairs (made once, reused by
    /// later runs), with tokens. One password hash serves every bench user.
    pub async fn bench_fixture(
        &self,
        rooms: usize,
        ttl: Duration,
    ) -> AdminResult<Vec<(Uuid, String, String)>> {
        self.store.migrate().await?;
        let secret = match &self.jwt_secret {
            Some(secret) => secret.clone(),
            None => {
                self.store
                    .setting_get_or_insert("jwt_secret", &jwt::random_secret())
                    .await?
            }
        };
        let keys = Keys::new(secret.as_bytes());
        let hash = crate::auth::password::hash(Uuid::new_v4().to_string())
            .await
            .map_err(AdminError::App)?;
        let user = |email: String, role: Role, first: &str| {
            let hash = hash.clone();
            let first = first.to_string();
            async move {
                if let Some(found) = self.store.user_by_email(&email).await? {
                    return Ok::<_, AdminError>(found.user);
                }
                let created = self
                    .store
                    .create_user(&db::NewUser {
                        id: Uuid::now_v7(),
                        email,
                        password_hash: hash,
                        first_name: first,
                        last_name: "Bench".into(),
                        roles: vec![role],
                    })
                    .await?;
                Ok(created.user)
            }
        };
        let token = |u: &User| {
            keys.issue(u, ttl.as_secs() as i64)
                .map_err(|e| AdminError::App(format!("signing failed: {e}")))
        };
        let mut out = Vec::with_capacity(rooms);
        for i in 0..rooms {
            let customer = user(
                format!("bench-customer-{i}@bench.invalid"),
                Role::Customer,
                "Guest",
            )
            .await?;
            let owner = user(
                format!("bench-owner-{i}@bench.invalid"),
                Role::HotelOwner,
                "Host",
            )
            .await?;
            let (room, _) = self
                .store
                .create_room(
                    &db::NewRoom {
                        id: Uuid::now_v7(),
                        room_type: RoomType::CustomerHotelOwner,
                        participant1_id: customer.id,
                        participant2_id: owner.id,
                        hotel_id: None,
                        created_at: Utc::now(),
                    },
                    customer.id,
                )
                .await?;
            out.push((room.id, token(&customer)?, token(&owner)?));
        }
        Ok(out)
    }

    /// Creates a user (operators grant HotelOwner and Admin this way).
    pub async fn create_user(&self, account: crate::accounts::NewAccount) -> AdminResult<User> {
        let user = crate::accounts::create_user(self.store.as_ref(), account).await?;
        self.record(db::AuditEntry {
            action: "user.create",
            target_user: Some(user.id),
            detail: serde_json::json!({ "roles": user.roles }),
            ..Default::default()
        })
        .await;
        Ok(user)
    }

    /// Operator commands are audited with no actor.
    async fn record(&self, entry: db::AuditEntry) {
        if let Err(err) = self.store.audit(&entry).await {
            tracing::warn!(%err, action = entry.action, "could not write the audit log");
        }
    }

    /// The audit log: since an instant, about a user (email or id), newest `limit` lines.
    pub async fn audit(
        &self,
        since: Option<DateTime<Utc>>,
        user: Option<&str>,
        limit: i64,
    ) -> AdminResult<Vec<db::AuditRecord>> {
        let user = match user {
            Some(who) => Some(self.find_user(who).await?.user.id),
            None => None,
        };
        Ok(self
            .store
            .audit_log(since, user, limit.clamp(1, 100_000))
            .await?)
    }
}
