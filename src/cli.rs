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
}

/// Where the database is: `DATABASE_URL`, else the seed's `DB_*` variables, else `./tigo-chat.db`.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// postgres://user:pass@host:port/db or sqlite://path (default: sqlite://./tigo-chat.db).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,
    /// PostgreSQL host (used when DATABASE_URL is not set).
    #[arg(long, env = "DB_HOST", global = true)]
    pub db_host: Option<String>,
    #[arg(long, env = "DB_PORT", global = true)]
    pub db_port: Option<u16>,
    #[arg(long, env = "DB_USERNAME", global = true)]
    pub db_username: Option<String>,
    #[arg(long, env = "DB_PASSWORD", hide_env_values = true, global = true)]
    pub db_password: Option<String>,
    #[arg(long, env = "DB_DATABASE", global = true)]
    pub db_database: Option<String>,
    /// Most database connections per process.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 8, global = true)]
    pub db_pool_size: u32,
    /// How long a query may wait for a connection or run before it fails with 503.
    #[arg(long, env = "DB_TIMEOUT", default_value = "5s", value_parser = duration::parse, global = true)]
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
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Apply pending migrations and print the versions applied (idempotent).
    #[command(after_help = "Example:\n  tigo-chat admin migrate")]
    Migrate,
    /// Create a user (operators grant HotelOwner and Admin this way).
    #[command(
        after_help = "Examples:\n  tigo-chat admin create-user --email ops@tigo.dev --first-name Ops --last-name Team --role Admin --password-stdin\n  tigo-chat admin create-user --email c@x.io --first-name C --last-name X --role Customer --password 'longpassword'"
    )]
    CreateUser(CreateUserArgs),
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
            acquire_timeout: self.db_timeout,
        }
    }
}
