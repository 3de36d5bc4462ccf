//! Command-line interface: every flag has an environment variable, named as the seed names
//! them (`DATABASE_URL`, `DB_HOST`, `REDIS_URL`, `JWT_SECRET`, `FRONTEND_URL`…).

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration;

#[derive(Debug, Parser)]
#[command(
    name = "tigo-chat",
    version,
    about = "Real-time chat for the Tigo hotel-booking platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: REST API and Socket.IO on one port.
    #[command(
        after_help = "Examples:\n  tigo-chat serve\n  DATABASE_URL=postgres://u:p@127.0.0.1/chat REDIS_URL=redis://127.0.0.1 tigo-chat serve --port 8080"
    )]
    Serve(ServeArgs),
    /// Operations: migrations, users, rooms, retention, monitoring.
    Admin(AdminArgs),
    /// Terminal chat client for testers and support staff.
    #[command(
        after_help = "Examples:\n  tigo-chat tui --url http://127.0.0.1:3000\n  echo \"$PW\" | tigo-chat tui --email ops@tigo.dev --password-stdin\n  tigo-chat tui --logout"
    )]
    Tui(TuiArgs),
    /// End-to-end check of a deployment: two users chat over REST and Socket.IO.
    #[command(
        after_help = "Example:\n  tigo-chat smoke --url https://chat.example.com --user-a guest@example.com:pw1 --user-b owner@example.com:pw2"
    )]
    Smoke(SmokeArgs),
    /// Load generator: closed loop, open loop, idle connections.
    Bench(BenchArgs),
    /// Print shell completions.
    #[command(
        after_help = "Example:\n  tigo-chat completions bash > /etc/bash_completion.d/tigo-chat"
    )]
    Completions { shell: clap_complete::Shell },
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// The server.
    #[arg(long, env = "TIGO_URL", default_value = "http://127.0.0.1:3000")]
    pub url: String,
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, requires = "email", conflicts_with = "token")]
    pub password_stdin: bool,
    /// An access token (from `tigo-chat admin token`, say) instead of a password.
    #[arg(long, env = "TIGO_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Forget the saved session and exit.
    #[arg(long)]
    pub logout: bool,
    /// Do not save the session token to the config directory.
    #[arg(long)]
    pub no_save: bool,
    /// Where to write logs (never to the screen).
    #[arg(long, env = "TIGO_TUI_LOG")]
    pub log_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct SmokeArgs {
    /// Base URL of the deployment.
    #[arg(long, env = "TIGO_URL", default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// First user, EMAIL:PASSWORD, or EMAIL with the password in --password-a.
    #[arg(long, value_parser = parse_login)]
    pub user_a: (String, Option<String>),
    /// Second user, EMAIL:PASSWORD or EMAIL (roles must fit a room type with the first).
    #[arg(long, value_parser = parse_login)]
    pub user_b: (String, Option<String>),
    /// The first user's password, when --user-a gives only the email (keeps it off the
    /// command line and out of the process list).
    #[arg(long, env = "TIGO_SMOKE_PASSWORD_A", hide_env_values = true)]
    pub password_a: Option<String>,
    /// The second user's password, when --user-b gives only the email.
    #[arg(long, env = "TIGO_SMOKE_PASSWORD_B", hide_env_values = true)]
    pub password_b: Option<String>,
    /// Seconds to wait for each step.
    #[arg(long, default_value = "5s", value_parser = duration::parse)]
    pub step_timeout: Duration,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples (the bench makes its own users and rooms when given the server's database settings):\n  DATABASE_URL=postgres://… JWT_SECRET=… tigo-chat bench --url http://127.0.0.1:3000 closed-loop --senders 10 --rooms 5 --messages 2000\n  tigo-chat bench open-loop --users 200 --rooms 100 --rate 11000 --duration 60s --size 100\n  tigo-chat bench connections --count 19000 --source-addrs 127.0.0.2-127.0.0.20 --server-pid $(pidof tigo-chat) --hold 30s\n  tigo-chat bench --users users.txt closed-loop   # users.txt: email:password per line"
)]
pub struct BenchArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The server.
    #[arg(
        long,
        env = "TIGO_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub url: String,
    /// Users to run as, `email:password` per line (else made in the database).
    #[arg(long = "users-file", alias = "users-from", global = true)]
    pub users_file: Option<std::path::PathBuf>,
    /// The server's JWT secret, to mint tokens for users made in the database.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// Give up after this long.
    #[arg(long, default_value = "120s", value_parser = duration::parse, global = true)]
    pub timeout: Duration,
    /// One JSON object instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub mode: BenchMode,
}

#[derive(Debug, Subcommand)]
pub enum BenchMode {
    /// One message in flight per sender (the next goes on message_sent), one receiver per room.
    ClosedLoop {
        #[arg(long, default_value_t = 10)]
        senders: usize,
        #[arg(long, default_value_t = 5)]
        rooms: usize,
        #[arg(long, default_value_t = 2000)]
        messages: u64,
    },
    /// A fixed send rate whatever the server's pace; latency from each scheduled send time.
    OpenLoop {
        /// Connections in all: half send, half receive.
        #[arg(long, default_value_t = 200)]
        users: usize,
        #[arg(long, default_value_t = 100)]
        rooms: usize,
        /// Messages per second, all senders together.
        #[arg(long, default_value_t = 1000.0)]
        rate: f64,
        #[arg(long, default_value = "10s", value_parser = duration::parse)]
        duration: Duration,
        /// Content bytes per message.
        #[arg(long, default_value_t = 100)]
        size: usize,
    },
    /// Idle authenticated connections, held until --hold passes or Ctrl-C.
    Connections {
        #[arg(long)]
        count: usize,
        /// Distinct users to connect as.
        #[arg(long, default_value_t = 100)]
        users: usize,
        /// Local addresses to connect from, e.g. 127.0.0.2-127.0.0.20 (past one address's ports).
        #[arg(long)]
        source_addrs: Option<String>,
        #[arg(long, value_parser = duration::parse)]
        hold: Option<Duration>,
        /// A header for every upgrade request, `Name: value` (repeatable), e.g. a browser's
        /// cookie and user agent, to measure what a real client's request head costs.
        #[arg(long = "header", value_parser = parse_header)]
        headers: Vec<(String, String)>,
        /// The server's pid, to report its memory per connection (same machine).
        #[arg(long)]
        server_pid: Option<u32>,
    },
}

pub fn parse_header(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!("expected `Name: value`, got {text:?}")),
    }
}

/// `EMAIL:PASSWORD`, or `EMAIL` alone (the password comes from elsewhere).
pub fn parse_login(text: &str) -> Result<(String, Option<String>), String> {
    match text.split_once(':') {
        Some((email, password)) if !email.is_empty() && !password.is_empty() => {
            Ok((email.to_string(), Some(password.to_string())))
        }
        None if !text.is_empty() => Ok((text.to_string(), None)),
        _ => Err("expected EMAIL:PASSWORD or EMAIL".into()),
    }
}

/// Where the database is: `DATABASE_URL`, else the seed's `DB_*` variables, else `./tigo-chat.db`.
/// Listed after a command's own options, under their own heading; the environment's values
/// are not shown (a password may be among them, and an empty one reads as set).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Database settings")]
pub struct DbArgs {
    /// postgres://user:pass@host:port/db or sqlite://path (default: sqlite://./tigo-chat.db).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,
    /// PostgreSQL host (used when DATABASE_URL is not set).
    #[arg(long, env = "DB_HOST", hide_env_values = true, global = true)]
    pub db_host: Option<String>,
    #[arg(long, env = "DB_PORT", hide_env_values = true, global = true)]
    pub db_port: Option<u16>,
    #[arg(long, env = "DB_USERNAME", hide_env_values = true, global = true)]
    pub db_username: Option<String>,
    #[arg(long, env = "DB_PASSWORD", hide_env_values = true, global = true)]
    pub db_password: Option<String>,
    #[arg(long, env = "DB_DATABASE", hide_env_values = true, global = true)]
    pub db_database: Option<String>,
    /// Most database connections per process.
    #[arg(
        long,
        env = "DB_POOL_SIZE",
        default_value_t = 8,
        global = true,
        hide_env_values = true
    )]
    pub db_pool_size: u32,
    /// How long a query may wait for a connection or run before it fails with 503.
    #[arg(long, env = "DB_TIMEOUT", default_value = "5s", value_parser = duration::parse, global = true, hide_env_values = true)]
    pub db_timeout: Duration,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
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
    #[arg(long, env = "DISABLE_REGISTRATION")]
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
    /// Time given to in-flight work when stopping.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value = "10s", value_parser = duration::parse)]
    pub shutdown_grace: Duration,
    /// Do not run migrations at start.
    #[arg(long, env = "NO_MIGRATE")]
    pub no_migrate: bool,
    /// Log format (RUST_LOG sets the level, default info).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub db: DbArgs,
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
        #[arg(long)]
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
        #[arg(long)]
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
        #[arg(long)]
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
        #[arg(long, requires = "as_user")]
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
    /// Users, rooms, messages (total, last hour, last day) and users online.
    #[command(after_help = "Example:\n  tigo-chat admin stats --json")]
    Stats,
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
    /// Read the password from the first line of standard input.
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

impl DbArgs {
    pub fn database(&self) -> anyhow::Result<tigo_server::db::DatabaseConfig> {
        let parts = tigo_server::db::DbParts {
            host: self.db_host.clone(),
            port: self.db_port,
            username: self.db_username.clone(),
            password: self.db_password.clone(),
            database: self.db_database.clone(),
        };
        tigo_server::db::DatabaseConfig::resolve(self.database_url.as_deref(), &parts)
            .map_err(anyhow::Error::msg)
    }

    pub fn pool(&self) -> tigo_server::db::PoolOptions {
        tigo_server::db::PoolOptions {
            max_connections: self.db_pool_size.max(1),
            create_if_missing: true,
            acquire_timeout: self.db_timeout,
        }
    }
}
