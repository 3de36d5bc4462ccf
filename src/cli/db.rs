//! Where the database is, for every command that opens it: `DATABASE_URL`, else the seed's
//! `DB_*` variables, else `./tigo-chat.db`.

use std::time::Duration;

use clap::Args;

use crate::duration;

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
