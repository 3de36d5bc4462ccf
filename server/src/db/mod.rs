//! Storage: one [`Store`] trait, two backends (SQLite, PostgreSQL) with the same behaviour,
//! and the records and queries that cross it.

mod error;
pub mod postgres;
pub mod sqlite;
mod stale;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tigo_common::{Message, MessageType, Role, Room, RoomType, User, UserSummary};
use uuid::Uuid;

pub use error::{StoreError, Unique};

pub type StoreResult<T> = Result<T, StoreError>;

/// Which database a [`DatabaseConfig`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A SQLite file (created when missing).
    Sqlite { path: String },
    /// A PostgreSQL connection URL.
    Postgres { url: String },
}

impl DatabaseConfig {
    /// Reads `DATABASE_URL` (`postgres://…` or `sqlite://path`), else the seed's `DB_HOST`,
    /// `DB_PORT`, `DB_USERNAME`, `DB_PASSWORD`, `DB_DATABASE`, else `./tigo-chat.db`.
    pub fn resolve(database_url: Option<&str>, parts: &DbParts) -> Result<DatabaseConfig, String> {
        if let Some(url) = database_url.filter(|u| !u.trim().is_empty()) {
            return Self::from_url(url.trim());
        }
        if let Some(host) = parts.host.as_deref().filter(|h| !h.is_empty()) {
            let user = parts.username.as_deref().unwrap_or("postgres");
            let db = parts.database.as_deref().unwrap_or("tigo_booking");
            let port = parts.port.unwrap_or(5432);
            let mut url = url_escape(user);
            if let Some(password) = parts.password.as_deref().filter(|p| !p.is_empty()) {
                url = format!("{url}:{}", url_escape(password));
            }
            return Ok(DatabaseConfig::Postgres {
                url: format!("postgres://{url}@{host}:{port}/{}", url_escape(db)),
            });
        }
        Ok(DatabaseConfig::Sqlite {
            path: "./tigo-chat.db".into(),
        })
    }

    pub fn from_url(url: &str) -> Result<DatabaseConfig, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseConfig::Postgres { url: url.into() })
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(
                    "DATABASE_URL sqlite:// needs a file path, e.g. sqlite://./chat.db".into(),
                );
            }
            Ok(DatabaseConfig::Sqlite { path: path.into() })
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            Ok(DatabaseConfig::Sqlite { path: path.into() })
        } else {
            Err("DATABASE_URL must start with postgres://, postgresql:// or sqlite://".into())
        }
    }

    /// A description safe to log: no password.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseConfig::Sqlite { path } => format!("sqlite://{path}"),
            DatabaseConfig::Postgres { url } => redact_url(url),
        }
    }
}

/// The seed's separate database variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbParts {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub database: Option<String>,
}

fn url_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Replaces the password of a URL with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_string(),
    }
}

/// Opens the configured database with a bounded pool.
pub async fn connect(config: &DatabaseConfig, pool: &PoolOptions) -> StoreResult<Arc<dyn Store>> {
    Ok(match config {
        DatabaseConfig::Sqlite { path } => Arc::new(sqlite::SqliteStore::open(path, pool).await?),
        DatabaseConfig::Postgres { url } => Arc::new(postgres::PgStore::open(url, pool).await?),
    })
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_connections: u32,
    /// SQLite: create the file when missing (operators' read-only commands do not).
    pub create_if_missing: bool,
    /// How long a query waits for a connection before the request gets a 503.
    pub acquire_timeout: std::time::Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 8,
            create_if_missing: true,
            acquire_timeout: std::time::Duration::from_secs(5),
        }
    }
}

/// A user as stored, with what never leaves the server.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone)]
pub struct NewRoom {
    pub id: Uuid,
    pub room_type: RoomType,
    pub participant1_id: Uuid,
    pub participant2_id: Uuid,
    pub hotel_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The immutable facts about a room that access checks need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomAccess {
    pub id: Uuid,
    pub room_type: RoomType,
    pub participant1_id: Uuid,
    pub participant2_id: Uuid,
}

impl RoomAccess {
    pub fn has_participant(&self, user: Uuid) -> bool {
        self.participant1_id == user || self.participant2_id == user
    }

    pub fn participants(&self) -> [Uuid; 2] {
        [self.participant1_id, self.participant2_id]
    }
}

/// `GET /chat/rooms` filters, already validated.
#[derive(Debug, Clone)]
pub struct RoomQuery {
    /// Whose unread counts, and (unless `all`) whose rooms.
    pub viewer: Uuid,
    /// Every room, not only the viewer's (Admin only).
    pub all: bool,
    pub room_type: Option<RoomType>,
    pub participant_id: Option<Uuid>,
    /// Case-insensitive match on a participant's first name, last name or email.
    pub search: Option<String>,
    /// Only rooms with (`Some(true)`) or without (`Some(false)`) `is_active`.
    pub active: Option<bool>,
    pub offset: i64,
    pub limit: i64,
}

/// A position in a room's history: messages are ordered by `(created_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// The position just before every message created at `at`.
    pub fn before_instant(at: DateTime<Utc>) -> Cursor {
        Cursor {
            at,
            id: Uuid::nil(),
        }
    }

    /// The position just after every message created at `at`.
    pub fn after_instant(at: DateTime<Utc>) -> Cursor {
        Cursor {
            at,
            id: Uuid::max(),
        }
    }

    pub fn of(message: &Message) -> Cursor {
        Cursor {
            at: message.created_at,
            id: message.id,
        }
    }
}

/// `GET /chat/rooms/:id/messages`, already validated. Bounds are exclusive.
#[derive(Debug, Clone)]
pub struct MessageQuery {
    pub room_id: Uuid,
    pub before: Option<Cursor>,
    pub after: Option<Cursor>,
    pub offset: i64,
    pub limit: i64,
}

/// A message accepted for storage, with its id and timestamp already assigned.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: Uuid,
    pub room_id: Uuid,
    pub sender: UserSummary,
    pub content: String,
    pub message_type: MessageType,
    pub file_url: Option<String>,
    pub file_name: Option<String>,
    pub file_size: Option<i64>,
    pub metadata: Option<Value>,
    pub client_msg_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl NewMessage {
    /// The message as it reads once stored.
    pub fn to_message(&self) -> Message {
        Message {
            id: self.id,
            chat_room_id: self.room_id,
            sender_id: self.sender.id,
            sender: self.sender.clone(),
            content: self.content.clone(),
            message_type: self.message_type,
            status: tigo_common::MessageStatus::Sent,
            file_url: self.file_url.clone(),
            file_name: self.file_name.clone(),
            file_size: self.file_size,
            metadata: self.metadata.clone(),
            is_edited: false,
            edited_at: None,
            created_at: self.created_at,
            updated_at: self.created_at,
        }
    }

    /// What the room list shows as the last message.
    pub fn preview(&self) -> &str {
        preview(&self.content, self.file_name.as_deref())
    }
}

/// What a room's `last_message_content` shows for a message.
pub fn preview<'a>(content: &'a str, file_name: Option<&'a str>) -> &'a str {
    match file_name {
        Some(name) if content.is_empty() => name,
        _ => content,
    }
}

/// The result of storing one [`NewMessage`].
#[derive(Debug, Clone)]
pub enum Inserted {
    /// Stored now.
    New(Message),
    /// The sender already sent this `client_msg_id`: the first message, nothing stored.
    Existing(Message),
}

impl Inserted {
    pub fn message(&self) -> &Message {
        match self {
            Inserted::New(m) | Inserted::Existing(m) => m,
        }
    }
}

/// What marking a room read changed.
#[derive(Debug, Clone)]
pub struct ReadOutcome {
    pub read_at: DateTime<Utc>,
    /// Messages that moved to `read`.
    pub changed: u64,
}

/// What one group commit did.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    /// One outcome per message of the batch, in order.
    pub inserted: Vec<Inserted>,
    /// Messages that moved from `sent` to `delivered`.
    pub delivered: Vec<Delivered>,
}

/// A message that moved from `sent` to `delivered`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub message_id: Uuid,
    pub room_id: Uuid,
}

/// One line for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    /// `None`: an operator command.
    pub actor: Option<Uuid>,
    pub action: &'static str,
    pub room: Option<Uuid>,
    pub message: Option<Uuid>,
    pub target_user: Option<Uuid>,
    pub detail: Value,
}

/// An audit line as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub action: String,
    pub room_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub target_user_id: Option<Uuid>,
    pub detail: Value,
}

/// Counts for `admin stats`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub users: i64,
    pub rooms: i64,
    pub messages: i64,
    pub messages_last_hour: i64,
    pub messages_last_day: i64,
}

/// A room waiting for an answer: room id, then the waiting sender's id, first name, last name
/// and email.
pub type WaitingRow = (Uuid, Uuid, String, String, String);

/// Every operation the service needs from a database, in the same order in each backend.
///
/// Both backends must behave identically; `tests/api` runs one contract suite against each.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Applies pending migrations; returns the versions applied now (empty when up to date).
    async fn migrate(&self) -> StoreResult<Vec<i64>>;

    /// A cheap round trip, for health checks.
    async fn ping(&self) -> StoreResult<()>;

    /// The migrations applied so far (empty: no tigo-chat schema here yet).
    async fn applied_migrations(&self) -> StoreResult<Vec<i64>>;

    /// Returns the stored value of `key`, storing `value` first when there is none. Race-free:
    /// every caller gets the same value.
    async fn setting_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String>;

    /// Stores a new user; [`StoreError::Conflict`] when the email is taken.
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRecord>;

    /// Looks a user up by (lower-cased) email.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>>;

    /// Every user, or those holding `role`, ordered by email.
    async fn list_users(&self, role: Option<Role>) -> StoreResult<Vec<UserRecord>>;

    /// Replaces a user's roles; false when there is no such user.
    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> StoreResult<bool>;

    /// Activates or deactivates a user; false when there is no such user.
    async fn set_active(&self, id: Uuid, active: bool) -> StoreResult<bool>;

    /// Users created or changed within the last `window` (by the database's clock), newest
    /// change first, at most 10,000: how every instance hears of changes made anywhere.
    async fn users_changed_within(
        &self,
        window: std::time::Duration,
    ) -> StoreResult<Vec<UserRecord>>;

    /// Creates the room of an unordered pair and type, or returns the one that exists
    /// (`false`). Concurrent calls for one pair yield one room.
    async fn create_room(&self, room: &NewRoom, viewer: Uuid) -> StoreResult<(Room, bool)>;

    /// One room with `viewer`'s unread count.
    async fn room(&self, id: Uuid, viewer: Uuid) -> StoreResult<Option<Room>>;

    /// The participants and type of a room, for access checks.
    async fn room_access(&self, id: Uuid) -> StoreResult<Option<RoomAccess>>;

    /// A page of rooms, newest activity first, and the total matching.
    async fn list_rooms(&self, query: &RoomQuery) -> StoreResult<(Vec<Room>, i64)>;

    /// Every room a user participates in.
    async fn rooms_of_user(&self, user: Uuid) -> StoreResult<Vec<RoomAccess>>;

    /// Rooms whose newest message is from a user without the Admin role (an unanswered
    /// customer or hotel owner), longest waiting first, with that sender.
    async fn support_queue(
        &self,
        viewer: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<(Room, UserSummary)>> {
        let waiting = self.waiting_rooms(limit).await?;
        let ids: Vec<Uuid> = waiting.iter().map(|w| w.0).collect();
        let mut rooms: HashMap<Uuid, Room> = self
            .rooms_by_ids(&ids, viewer)
            .await?
            .into_iter()
            .map(|room| (room.id, room))
            .collect();
        Ok(waiting
            .into_iter()
            .filter_map(|(room, id, first_name, last_name, email)| {
                let sender = UserSummary {
                    id,
                    first_name,
                    last_name,
                    email,
                };
                rooms.remove(&room).map(|room| (room, sender))
            })
            .collect())
    }

    /// Several rooms with `viewer`'s unread counts, in one query (in no particular order).
    async fn rooms_by_ids(&self, ids: &[Uuid], viewer: Uuid) -> StoreResult<Vec<Room>>;

    /// The rows behind [`Store::support_queue`], longest waiting first (each dialect spells
    /// the Admin role test its own way).
    async fn waiting_rooms(&self, limit: i64) -> StoreResult<Vec<WaitingRow>>;

    /// One group commit: stores `batch` (updating the rooms' last message and count; a repeated
    /// `(sender, client_msg_id)` returns the first message) and moves `delivered` messages
    /// that are still `sent` to `delivered`, all in one transaction.
    async fn commit(
        &self,
        batch: &[NewMessage],
        delivered: &[Uuid],
        at: DateTime<Utc>,
    ) -> StoreResult<Committed>;

    /// Stores messages in one transaction: [`Store::commit`] without receipts.
    async fn insert_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<Inserted>> {
        Ok(self.commit(batch, &[], Utc::now()).await?.inserted)
    }

    async fn message(&self, id: Uuid) -> StoreResult<Option<Message>>;

    /// A page of a room's history, oldest first, and the room's message count.
    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<(Vec<Message>, i64)>;

    /// Replaces a message's content, marks it edited; `None` when it does not exist.
    async fn edit_message(
        &self,
        id: Uuid,
        content: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Message>>;

    /// Deletes a message and keeps its room's last message and count right.
    async fn delete_message(&self, id: Uuid) -> StoreResult<Option<Message>>;

    /// Records that `user` read the room up to its newest message; when `move_status`, the
    /// other side's `sent`/`delivered` messages up to there become `read`.
    async fn mark_read(
        &self,
        room_id: Uuid,
        user: Uuid,
        move_status: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<ReadOutcome>;

    /// Moves `sent` messages among `ids` to `delivered`: [`Store::commit`] without messages.
    async fn mark_delivered(&self, ids: &[Uuid], at: DateTime<Utc>) -> StoreResult<Vec<Delivered>> {
        Ok(self.commit(&[], ids, at).await?.delivered)
    }

    /// Unread counts of `user` in the given rooms (rooms without unread messages omitted).
    async fn unread_counts(&self, user: Uuid, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>>;

    /// Deletes up to `batch` messages created before `before` (optionally in one room),
    /// fixing their rooms; returns how many were deleted. Call until it returns 0.
    async fn purge_batch(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
    ) -> StoreResult<u64>;

    /// How many messages a purge with these arguments would delete.
    async fn count_older(&self, before: DateTime<Utc>, room: Option<Uuid>) -> StoreResult<i64>;

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<Stats>;

    /// Appends to the audit log.
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()>;

    /// Audit lines since `since` (newest last), those where `user` acted or was acted on.
    async fn audit_log(
        &self,
        since: Option<DateTime<Utc>>,
        user: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>>;
}

/// Messages a batch stored, with the instant the database gave each.
pub(crate) type Stored = HashMap<Uuid, DateTime<Utc>>;

/// How a batch of [`NewMessage`]s maps to rows: repeats of one `(sender, client_msg_id)` inside
/// the batch are stored once, and every input gets an outcome. Shared by both backends.
pub(crate) struct BatchPlan {
    /// For each input, the index of the first input with the same idempotency key (or itself).
    first_of: Vec<usize>,
}

impl BatchPlan {
    pub(crate) fn new(batch: &[NewMessage]) -> BatchPlan {
        let mut seen: HashMap<(Uuid, &str), usize> = HashMap::new();
        let first_of = batch
            .iter()
            .enumerate()
            .map(|(i, m)| match m.client_msg_id.as_deref() {
                Some(key) => *seen.entry((m.sender.id, key)).or_insert(i),
                None => i,
            })
            .collect();
        BatchPlan { first_of }
    }

    /// The inputs to write.
    pub(crate) fn unique<'a>(&self, batch: &'a [NewMessage]) -> Vec<&'a NewMessage> {
        batch
            .iter()
            .enumerate()
            .filter(|(i, _)| self.first_of[*i] == *i)
            .map(|(_, m)| m)
            .collect()
    }

    /// Idempotency keys whose insert was skipped because an earlier message holds them.
    pub(crate) fn missing_keys(
        &self,
        unique: &[&NewMessage],
        stored: &Stored,
    ) -> Vec<(Uuid, String)> {
        unique
            .iter()
            .filter(|m| !stored.contains_key(&m.id))
            .filter_map(|m| m.client_msg_id.clone().map(|key| (m.sender.id, key)))
            .collect()
    }

    /// One outcome per input, in input order.
    pub(crate) fn outcomes(
        &self,
        batch: &[NewMessage],
        stored: &Stored,
        existing: &[(String, Message)],
    ) -> StoreResult<Vec<Inserted>> {
        batch
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let first = &batch[self.first_of[i]];
                if let Some(at) = stored.get(&first.id) {
                    let mut message = first.to_message();
                    message.created_at = *at;
                    message.updated_at = *at;
                    return Ok(if self.first_of[i] == i {
                        Inserted::New(message)
                    } else {
                        Inserted::Existing(message)
                    });
                }
                existing
                    .iter()
                    .find(|(key, m)| {
                        m.sender_id == first.sender.id
                            && Some(key.as_str()) == first.client_msg_id.as_deref()
                    })
                    .map(|(_, m)| Inserted::Existing(m.clone()))
                    .ok_or_else(|| {
                        StoreError::Conflict(Unique::Other(
                            "message was not stored and has no earlier copy".into(),
                        ))
                    })
            })
            .collect()
    }
}
