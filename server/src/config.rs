//! Runtime configuration of a server instance. The binary fills it from flags and environment
//! variables; tests fill it directly. Secrets are never printed (`Debug` redacts them).

use std::time::Duration;

use crate::db::{DatabaseConfig, PoolOptions};
use crate::files::FilesConfig;

#[derive(Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    pub pool: PoolOptions,
    /// `redis://…`: Redis pub/sub and presence; `None`: one process, in-process bus.
    pub redis_url: Option<String>,
    /// HS256 secret; `None`: generated once and kept in the database.
    pub jwt_secret: Option<String>,
    /// Lifetime of tokens issued by `/auth/login`.
    pub token_ttl: Duration,
    /// Allowed browser origins (`FRONTEND_URL`, comma-separated); empty allows any origin.
    pub cors_origins: Vec<String>,
    /// Whether `POST /auth/register` is open.
    pub allow_registration: bool,
    /// Run migrations at start.
    pub migrate: bool,
    pub limits: Limits,
    /// Attachments: where files go, their limits and signed URLs.
    pub files: FilesConfig,
    /// Contact masking (`CONTACT_MASKING`, `ALLOWED_LINK_DOMAINS`).
    pub safety: SafetyConfig,
    /// How long a stopping server waits for in-flight work.
    pub shutdown_grace: Duration,
    /// Connection state recovery (`SESSION_RECOVERY`): how long after a drop a client can
    /// resume its session and get what it missed; zero turns recovery off.
    pub session_recovery: Duration,
    /// How often the search follower looks for newly stored messages when caught up; `None`
    /// runs none (a test leaving messages unindexed; another instance may still index them).
    pub search_follow_every: Option<Duration>,
    /// Offline notifications: Web Push and e-mail digests.
    pub notify: crate::notify::NotifyConfig,
    /// How often the statistics follower looks for newly stored messages when caught up;
    /// `None` runs none on this instance.
    pub stats_follow_every: Option<Duration>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database.redacted())
            .field(
                "redis_url",
                &self.redis_url.as_deref().map(crate::db::redact_url),
            )
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("cors_origins", &self.cors_origins)
            .field("allow_registration", &self.allow_registration)
            .field("limits", &self.limits)
            .field("files", &self.files)
            .field("safety", &self.safety)
            .field("session_recovery", &self.session_recovery)
            .field("notify", &self.notify)
            .field("stats_follow_every", &self.stats_follow_every)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults around a database: what `serve` does with no flags.
    pub fn new(database: DatabaseConfig) -> Config {
        Config {
            database,
            pool: PoolOptions::default(),
            redis_url: None,
            jwt_secret: None,
            token_ttl: Duration::from_secs(24 * 3600),
            cors_origins: Vec::new(),
            allow_registration: true,
            migrate: true,
            limits: Limits::default(),
            files: FilesConfig::default(),
            safety: SafetyConfig::default(),
            shutdown_grace: Duration::from_secs(10),
            session_recovery: Duration::from_secs(600),
            search_follow_every: Some(Duration::from_millis(100)),
            notify: crate::notify::NotifyConfig::default(),
            stats_follow_every: Some(Duration::from_millis(100)),
        }
    }
}

/// Limits set on purpose; each has a flag and an environment variable in `serve`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest message content, in characters.
    pub max_message_chars: usize,
    /// Largest `metadata` object, in bytes of JSON.
    pub max_metadata_bytes: usize,
    /// Largest REST body and Socket.IO packet, in bytes.
    pub max_body_bytes: usize,
    /// Most missed messages replayed by `join_room {lastMessageId}`; the rest via REST.
    pub max_replay: usize,
    /// Packets queued for one connection before it counts as too slow and is cut off. Must
    /// hold a burst: one committed batch (`max_batch`) fans out at once.
    pub socket_queue: usize,
    /// WebSocket read buffer per connection, in bytes.
    pub ws_read_buffer: usize,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub connect_timeout: Duration,
    /// Most messages committed in one transaction.
    pub max_batch: usize,
    /// Writers that may commit at once (PostgreSQL; SQLite always uses one). See
    /// the writer (`delivery::writer`) for when a second one starts.
    pub writers: usize,
    /// Messages waiting for the writer before senders are told to retry.
    pub writer_queue: usize,
    /// Events one connection may have waiting to be processed.
    pub max_pending_events: u64,
    /// A `typing_start` with no stop ends by itself after this long.
    pub typing_ttl: Duration,
    /// Messages per user per second (0: no limit), with bursts up to `message_burst`.
    pub messages_per_second: u32,
    pub message_burst: u32,
    /// Client events per connection per second (0: no limit).
    pub events_per_second: u32,
    /// Login attempts per minute per account and per client address (0: no limit).
    pub logins_per_minute_per_account: u32,
    pub logins_per_minute_per_address: u32,
    /// Open Socket.IO connections per user and per client address (0: no limit).
    pub connections_per_user: usize,
    pub connections_per_address: usize,
    /// Rooms one connection may have joined.
    pub max_rooms_joined: usize,
    /// Members of one room, participants included (`MAX_ROOM_MEMBERS`).
    pub max_room_members: usize,
    /// Staff of one hotel (`MAX_HOTEL_STAFF`).
    pub max_hotel_staff: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_chars: 10_000,
            max_metadata_bytes: 4096,
            max_body_bytes: 64 * 1024,
            max_replay: 500,
            socket_queue: 1024,
            ws_read_buffer: 1024,
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            max_batch: 256,
            writers: 2,
            writer_queue: 16_384,
            max_pending_events: 256,
            typing_ttl: Duration::from_secs(5),
            messages_per_second: 10,
            message_burst: 30,
            events_per_second: 100,
            logins_per_minute_per_account: 10,
            logins_per_minute_per_address: 60,
            connections_per_user: 50,
            connections_per_address: 5000,
            max_rooms_joined: 1000,
            max_room_members: 20,
            max_hotel_staff: 50,
        }
    }
}

/// `CONTACT_MASKING` and `ALLOWED_LINK_DOMAINS`.
#[derive(Debug, Clone)]
pub struct SafetyConfig {
    /// Room types whose messages are masked (empty: masking is off).
    pub masked_types: Vec<tigo_common::RoomType>,
    /// Links to these domains (and their subdomains) are kept.
    pub allowed_link_domains: Vec<String>,
}

impl Default for SafetyConfig {
    fn default() -> Self {
        SafetyConfig {
            masked_types: vec![tigo_common::RoomType::CustomerHotelOwner],
            allowed_link_domains: Vec::new(),
        }
    }
}

impl SafetyConfig {
    /// Reads `CONTACT_MASKING`: `off`, or room types separated by commas.
    pub fn parse_types(text: &str) -> Result<Vec<tigo_common::RoomType>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") || text.is_empty() {
            return Ok(Vec::new());
        }
        text.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                tigo_common::RoomType::parse(t).ok_or_else(|| {
                    format!("unknown room type {t:?}: use customer_hotel_owner, customer_admin, hotel_owner_admin or off")
                })
            })
            .collect()
    }
}
