//! `tigo-chat serve`: every flag with its environment variable, named as the seed names them.
//! A yes/no variable reads the usual spellings (true/false, 1/0, yes/no, on/off, any case).

use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, ValueEnum};

use super::{DbArgs, FilesArgs, NotifyArgs};
use crate::duration;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub files: FilesArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one; the log says which).
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// redis://… for pub/sub and presence across instances; unset: one process.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// HS256 secret shared with the Tigo platform; unset: generated and kept in the database.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Allowed browser origins, comma-separated (REST and Socket.IO); unset: any origin.
    #[arg(long, env = "FRONTEND_URL", value_delimiter = ',')]
    pub frontend_url: Vec<String>,
    /// Turn off self-registration (POST /auth/register).
    #[arg(long, env = "DISABLE_REGISTRATION", value_parser = BoolishValueParser::new())]
    pub disable_registration: bool,
    /// Lifetime of tokens issued by /auth/login.
    #[arg(long, env = "TOKEN_TTL", default_value = "24h", value_parser = duration::parse)]
    pub token_ttl: Duration,
    /// Longest message, in characters.
    #[arg(long, env = "MAX_MESSAGE_CHARS", default_value_t = 10_000)]
    pub max_message_chars: usize,
    /// Largest request body and Socket.IO packet, in bytes.
    #[arg(long, env = "MAX_PAYLOAD_BYTES", default_value_t = 64 * 1024)]
    pub max_payload_bytes: usize,
    /// Packets queued per connection before a slow client is disconnected.
    #[arg(long, env = "SOCKET_QUEUE", default_value_t = 1024)]
    pub socket_queue: usize,
    /// Messages per user per second (0: no limit).
    #[arg(long, env = "MESSAGES_PER_SECOND", default_value_t = 10)]
    pub messages_per_second: u32,
    /// Burst of messages a user may send at once.
    #[arg(long, env = "MESSAGE_BURST", default_value_t = 30)]
    pub message_burst: u32,
    /// Socket.IO events per connection per second (0: no limit).
    #[arg(long, env = "EVENTS_PER_SECOND", default_value_t = 100)]
    pub events_per_second: u32,
    /// Login attempts per minute per account (0: no limit).
    #[arg(long, env = "LOGINS_PER_MINUTE", default_value_t = 10)]
    pub logins_per_minute: u32,
    /// Login attempts per minute per client address (0: no limit).
    #[arg(long, env = "LOGINS_PER_MINUTE_PER_ADDRESS", default_value_t = 60)]
    pub logins_per_minute_per_address: u32,
    /// Open Socket.IO connections per user (0: no limit).
    #[arg(long, env = "CONNECTIONS_PER_USER", default_value_t = 50)]
    pub connections_per_user: usize,
    /// Open Socket.IO connections per client address (0: no limit; behind a proxy all
    /// clients share its address).
    #[arg(long, env = "CONNECTIONS_PER_ADDRESS", default_value_t = 5000)]
    pub connections_per_address: usize,
    /// Writers that may commit messages at once; a second starts only when messages wait
    /// (PostgreSQL; SQLite has one write lock and always uses one).
    #[arg(long, env = "WRITERS", default_value_t = 2)]
    pub writers: usize,
    /// Rooms one connection may join.
    #[arg(long, env = "MAX_ROOMS_JOINED", default_value_t = 1000)]
    pub max_rooms_joined: usize,
    /// Members of one room, its two participants included.
    #[arg(long, env = "MAX_ROOM_MEMBERS", default_value_t = 20)]
    pub max_room_members: usize,
    /// Staff of one hotel.
    #[arg(long, env = "MAX_HOTEL_STAFF", default_value_t = 50)]
    pub max_hotel_staff: usize,
    /// Time given to in-flight work when stopping.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value = "10s", value_parser = duration::parse)]
    pub shutdown_grace: Duration,
    /// Connection state recovery: how long after a drop a Socket.IO client can resume its
    /// session and get every room event it missed (0 turns it off).
    #[arg(long, env = "SESSION_RECOVERY", default_value = "10m", value_parser = duration::parse)]
    pub session_recovery: Duration,
    /// How often the search follower looks for newly stored messages while caught up (it
    /// steps back to back while behind); `0` stops it on this instance (another instance's
    /// follower, or a later start, indexes what is stored meanwhile).
    #[arg(long, env = "SEARCH_FOLLOW_EVERY", default_value = "100ms", value_parser = duration::parse)]
    pub search_follow_every: Duration,
    /// How often the statistics follower looks for newly stored messages when caught up; 0
    /// runs none on this instance (another instance, or a later start, counts them).
    #[arg(long, env = "STATS_FOLLOW_EVERY", default_value = "100ms", value_parser = duration::parse)]
    pub stats_follow_every: Duration,
    /// Room types whose messages have phone numbers, e-mail addresses and links hidden,
    /// comma-separated, or `off`.
    #[arg(long, env = "CONTACT_MASKING", default_value = "customer_hotel_owner")]
    pub contact_masking: String,
    /// Link domains kept by masking, comma-separated (subdomains included).
    #[arg(long, env = "ALLOWED_LINK_DOMAINS", value_delimiter = ',')]
    pub allowed_link_domains: Vec<String>,
    /// Longest voice recording (audio upload) accepted.
    #[arg(long, env = "VOICE_MAX_DURATION", default_value = "10m", value_parser = duration::parse)]
    pub voice_max_duration: Duration,
    /// Room types that accept voice messages (and audio attachments), comma-separated, or
    /// `off`.
    #[arg(
        long,
        env = "VOICE_MESSAGES",
        default_value = "customer_admin,hotel_owner_admin"
    )]
    pub voice_messages: String,
    /// Do not run migrations at start.
    #[arg(long, env = "NO_MIGRATE", value_parser = BoolishValueParser::new())]
    pub no_migrate: bool,
    /// Log format (RUST_LOG sets the level, default info).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}
