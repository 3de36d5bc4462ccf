//! `tigo-chat admin …`: the operations' subcommands, their options and help texts.

use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::{DbArgs, FilesArgs, HotelsCommand, NotifyArgs, parse_url, uuid_of};
use crate::duration;

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub files: FilesArgs,
    /// Redis of the servers (online, monitor, stats).
    #[arg(
        long,
        env = "REDIS_URL",
        hide_env_values = true,
        global = true,
        help_heading = "Server settings"
    )]
    pub redis_url: Option<String>,
    /// The servers' JWT secret (token); unset: the secret stored in the database.
    #[arg(
        long,
        env = "JWT_SECRET",
        hide_env_values = true,
        global = true,
        help_heading = "Server settings"
    )]
    pub jwt_secret: Option<String>,
    /// The servers' listen address: exported file links start there without PUBLIC_URL.
    #[arg(
        long,
        env = "HOST",
        default_value = "127.0.0.1",
        global = true,
        help_heading = "Server settings"
    )]
    pub host: String,
    /// The servers' port (exported file links, as --host).
    #[arg(
        long,
        env = "PORT",
        default_value_t = 3000,
        global = true,
        help_heading = "Server settings"
    )]
    pub port: u16,
    /// Print JSON instead of a table.
    #[arg(long, global = true, help_heading = "Output")]
    pub json: bool,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Apply pending migrations and print the versions applied (idempotent).
    #[command(after_help = "Example:\n  tigo-chat admin migrate")]
    Migrate,
    /// Check a running server (--url) or the configured database and Redis directly.
    #[command(
        after_help = "Examples:\n  tigo-chat admin health --url http://127.0.0.1:3000\n  DATABASE_URL=postgres://… REDIS_URL=redis://… tigo-chat admin health --json\nExit code 1 when unhealthy (a degraded server, Redis down, still exits 0)."
    )]
    Health {
        /// Base URL of a running server.
        #[arg(long, value_parser = parse_url)]
        url: Option<String>,
    },
    /// List rooms with participants, message counts, unread counts and last activity.
    #[command(
        after_help = "Examples:\n  tigo-chat admin list-rooms --type customer_admin --active\n  tigo-chat admin list-rooms --user guest@example.com --json"
    )]
    ListRooms {
        /// customer_hotel_owner, customer_admin or hotel_owner_admin.
        #[arg(long = "type", value_parser = parse_room_type)]
        room_type: Option<tigo_common::RoomType>,
        /// Only rooms of this user (email or id).
        #[arg(long)]
        user: Option<String>,
        #[arg(long, conflicts_with = "inactive")]
        active: bool,
        #[arg(long)]
        inactive: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Delete messages older than a duration, in bounded batches (retention).
    #[command(
        after_help = "Examples:\n  tigo-chat admin purge --older-than 90d --dry-run\n  tigo-chat admin purge --older-than 12h --room 0190… --yes"
    )]
    Purge {
        /// Age: 90d, 12h, 30m, 10s…
        #[arg(long, value_parser = duration::parse)]
        older_than: Duration,
        /// Only this room.
        #[arg(long, value_parser = uuid_of("a room id"))]
        room: Option<uuid::Uuid>,
        /// Count what would be deleted; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Messages deleted per transaction.
        #[arg(long, default_value_t = 1000)]
        batch: i64,
    },
    /// Create a user (operators grant HotelOwner and Admin this way).
    #[command(
        after_help = "Examples:\n  tigo-chat admin create-user --email ops@tigo.dev --first-name Ops --last-name Team --role Admin --password-stdin\n  tigo-chat admin create-user --email c@x.io --first-name C --last-name X --role Customer --password 'longpassword'"
    )]
    CreateUser(CreateUserArgs),
    /// List users.
    #[command(
        after_help = "Examples:\n  tigo-chat admin users\n  tigo-chat admin users --role Admin --json"
    )]
    Users {
        #[arg(long, value_parser = parse_role)]
        role: Option<tigo_common::Role>,
    },
    /// Replace a user's roles.
    #[command(
        after_help = "Running servers apply the change within a second, on every instance (they read it from the database): REST answers with the new roles at once, and a connection opened as an Admin is closed when Admin is taken away (the client reconnects with what the user holds now).\n\nExample:\n  tigo-chat admin set-roles --user owner@example.com --role HotelOwner --role Admin"
    )]
    SetRoles {
        /// Email or id.
        #[arg(long)]
        user: String,
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<tigo_common::Role>,
    },
    /// Deactivate a user: logins and tokens stop working, live connections are closed.
    #[command(
        after_help = "What happens: within a second, on every running instance (they read the change from the database; no Redis needed), the user's open Socket.IO connections are closed, REST refuses their tokens with 401, and logging in fails like a wrong password. Reconnects are refused. Their rooms and messages stay. --undo reactivates just as fast: the same tokens work again.\n\nExamples:\n  tigo-chat admin deactivate --user spammer@example.com\n  tigo-chat admin deactivate --user spammer@example.com --undo"
    )]
    Deactivate {
        /// Email or id.
        #[arg(long)]
        user: String,
        /// Reactivate instead.
        #[arg(long)]
        undo: bool,
    },
    /// Mint an access token for scripted tests.
    #[command(
        after_help = "Example:\n  TOKEN=$(tigo-chat admin token --email qa@example.com --ttl 1h)"
    )]
    Token {
        /// Email or id.
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "1h", value_parser = duration::parse)]
        ttl: Duration,
    },
    /// Export a room's whole history, oldest first.
    #[command(
        after_help = "Examples:\n  tigo-chat admin export --room 0190… > room.json\n  tigo-chat admin export --room 0190… --format csv --output room.csv"
    )]
    Export {
        #[arg(long, value_parser = uuid_of("a room id"))]
        room: uuid::Uuid,
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// File to write (default: standard output).
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Users online now (from Redis, or from a running server with --url).
    #[command(
        after_help = "Examples:\n  REDIS_URL=redis://127.0.0.1:6379 tigo-chat admin online\n  tigo-chat admin online --url http://127.0.0.1:3000 --as ops@tigo.dev"
    )]
    Online {
        /// Ask a running server instead of Redis.
        #[arg(long, requires = "as_user", value_parser = parse_url)]
        url: Option<String>,
        /// The Admin to ask as (email or id), with --url.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Print every event on chat:events and notification:events until Ctrl-C (Redis mode).
    #[command(
        after_help = "Example:\n  REDIS_URL=redis://127.0.0.1:6379 tigo-chat admin monitor --json"
    )]
    Monitor,
    /// The audit log: room creation, edits and deletions (by whom), admin reads, purges, role changes.
    #[command(
        after_help = "Examples:\n  tigo-chat admin audit --since 24h\n  tigo-chat admin audit --user ops@tigo.dev --json\n  tigo-chat admin audit --since 2024-01-15T00:00:00Z --limit 1000"
    )]
    Audit {
        /// A duration back from now (24h, 7d) or an RFC 3339 instant.
        #[arg(long, value_parser = parse_since)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// Lines where this user (email or id) acted or was acted on.
        #[arg(long)]
        user: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: i64,
    },
    /// Users, rooms, messages and users online; messages, senders and new rooms per day or
    /// hour with a chart; support first reply times and the support queue; hotels' response
    /// rates. `rebuild` recomputes the figures from the stored messages; `hotel ID` shows one
    /// hotel's response figures as guests see them.
    #[command(
        after_help = "Examples:\n  tigo-chat admin stats\n  tigo-chat admin stats --since 2026-12-01T00:00:00Z --bucket hour\n  tigo-chat admin stats --json\n  tigo-chat admin stats hotel 0190… --json\n  tigo-chat admin stats rebuild"
    )]
    Stats(StatsArgs),
    /// Blocked terms: a message or edit holding one (whole words, any case) is refused.
    #[command(
        subcommand,
        after_help = "Running servers apply a change within a second, on every instance (they read the terms from the database).\n\nExamples:\n  tigo-chat admin blocklist add whatsapp\n  tigo-chat admin blocklist add 'pay cash'\n  tigo-chat admin blocklist list --json\n  tigo-chat admin blocklist remove whatsapp"
    )]
    Blocklist(BlocklistCommand),
    /// Reports of messages: list them, resolve one (dismiss or delete the message).
    #[command(
        subcommand,
        after_help = "Examples:\n  tigo-chat admin reports list --status open\n  tigo-chat admin reports resolve 0190… delete_message --as ops@tigo.dev"
    )]
    Reports(ReportsCommand),
    /// Saved replies the Admins share (`/r NAME` in the terminal client).
    #[command(
        subcommand,
        after_help = "Examples:\n  tigo-chat admin replies add checkin 'Check-in is from 14:00.'\n  tigo-chat admin replies list\n  tigo-chat admin replies remove checkin"
    )]
    Replies(RepliesCommand),
    /// Registered hotels and their staff (the owner answers guests with the staff).
    #[command(
        subcommand,
        after_help = "Examples:\n  tigo-chat admin hotels set 0190… --name 'Hotel Sol' --owner owner@example.com\n  tigo-chat admin hotels list --json\n  tigo-chat admin hotels show 0190…\n  tigo-chat admin hotels staff add 0190… desk@example.com\n  tigo-chat admin hotels staff remove 0190… desk@example.com"
    )]
    Hotels(HotelsCommand),
    /// Offline notifications (Web Push and e-mail digests), with the servers' settings.
    #[command(subcommand)]
    Notify(NotifyCommand),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StatsArgs {
    #[command(subcommand)]
    pub command: Option<StatsCommand>,
    /// The period's start (RFC 3339); default 30 days before `--until`.
    #[arg(long)]
    pub since: Option<String>,
    /// The period's end (RFC 3339); default now.
    #[arg(long)]
    pub until: Option<String>,
    /// `day` (default) or `hour`.
    #[arg(long)]
    pub bucket: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Forget every figure and recompute them from the stored messages (running servers keep
    /// serving; their figures fill back in as the rebuild goes).
    Rebuild,
    /// One hotel's response figures, as `GET /chat/hotels/:id/response-stats` gives them.
    Hotel {
        /// The hotel's id.
        #[arg(value_parser = uuid_of("a hotel id"))]
        id: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a test e-mail and a test push to each of a user's push subscriptions now, and
    /// say what became of each (a subscription its push service calls gone is deleted).
    #[command(
        after_help = "Example:\n  SMTP_URL=smtp://mail.example.com:587 tigo-chat admin notify test --email desk@example.com"
    )]
    Test {
        /// The user's e-mail address (or id).
        #[arg(long)]
        email: String,
        #[command(flatten)]
        notify: NotifyArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlocklistCommand {
    /// Block a term (one or more words).
    Add { term: String },
    /// Unblock a term.
    Remove { term: String },
    /// Every blocked term.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Reports, oldest first, with the reported text.
    List {
        /// open or resolved (default: open).
        #[arg(long, default_value = "open", value_parser = ["open", "resolved", "all"])]
        status: String,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Resolve an open report.
    Resolve {
        #[arg(value_parser = uuid_of("a report id"))]
        id: uuid::Uuid,
        #[arg(value_parser = ["dismiss", "delete_message"])]
        action: String,
        /// The Admin who resolves it (email or id), recorded in the report and the audit log.
        #[arg(long = "as")]
        as_user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RepliesCommand {
    /// Save a reply: a one-word name and its text.
    Add { name: String, text: String },
    /// Every saved reply, by name.
    List,
    /// Delete a saved reply (name or id).
    Remove { name: String },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub first_name: String,
    #[arg(long)]
    pub last_name: String,
    /// Customer, HotelOwner or Admin; repeat for several.
    #[arg(long = "role", required = true, value_parser = parse_role)]
    pub roles: Vec<tigo_common::Role>,
    /// The password (visible in the process list: prefer --password-stdin).
    #[arg(
        long,
        conflicts_with = "password_stdin",
        required_unless_present = "password_stdin"
    )]
    pub password: Option<String>,
    /// Read the password from the first line of standard input; on a terminal, ask for it
    /// (not shown as typed, asked twice).
    #[arg(long)]
    pub password_stdin: bool,
}

pub fn parse_since(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Some(at) = tigo_common::time::parse(text) {
        return Ok(at);
    }
    let back = duration::parse(text)?;
    let back = chrono::Duration::from_std(back).map_err(|e| e.to_string())?;
    Ok(chrono::Utc::now() - back)
}

pub fn parse_room_type(text: &str) -> Result<tigo_common::RoomType, String> {
    tigo_common::RoomType::parse(text).ok_or_else(|| {
        "unknown room type: use customer_hotel_owner, customer_admin or hotel_owner_admin".into()
    })
}

pub fn parse_role(text: &str) -> Result<tigo_common::Role, String> {
    tigo_common::Role::parse(text)
        .ok_or_else(|| format!("unknown role {text:?}: use Customer, HotelOwner or Admin"))
}
