//! SQLite backend (the embedded default): one file in WAL mode, `synchronous=FULL` so that an
//! acknowledged message survives a crash or power loss; batches commit in one transaction.
//!
//! Dialect: UUIDs are 16-byte BLOBs, instants INTEGER microseconds since the Unix epoch, JSON
//! TEXT, booleans INTEGER. Lists of ids go into a statement as one JSON array of hex strings
//! (`unhex(value) FROM json_each(…)`), SQLite having no array type.

mod attachments;
mod audit;
mod busy;
mod commit;
mod messages;
mod ops;
mod rooms;
mod search;
mod users;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Pool, Sqlite, Transaction};
use uuid::Uuid;

use super::backend::Backend;
use super::{PoolOptions, StoreError, StoreResult};

pub struct SqliteStore {
    pool: SqlitePool,
    /// The group commit's own connection and thread (see `commit`).
    commits: commit::CommitThread,
}

impl SqliteStore {
    pub async fn open(path: &str, opts: &PoolOptions) -> StoreResult<SqliteStore> {
        let connect = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(StoreError::Other)?
            .create_if_missing(opts.create_if_missing)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Statement journals and sorts in memory rather than in a temporary file made and
            // deleted per statement (about one per five commits showed as openat + unlink);
            // they never outlive their statement, so durability does not depend on them.
            .pragma("temp_store", "memory");
        // Each connection waits for the write lock in short steps for as long as a checkout
        // may take (see `busy`); this replaces SQLite's busy timeout.
        let busy_timeout = opts.acquire_timeout;
        let pool = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(2))
            .acquire_timeout(opts.acquire_timeout)
            .test_before_acquire(false)
            .after_connect(move |conn, _| Box::pin(busy::install(conn, busy_timeout)))
            .connect_with(connect.clone())
            .await?;
        let commits = commit::CommitThread::start(path, opts.acquire_timeout)?;
        Ok(SqliteStore { pool, commits })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Instants are stored as microseconds since the Unix epoch.
fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Ids as one JSON array of hex strings, for `SELECT unhex(value) FROM json_each(…)`.
fn hex_ids(ids: &[Uuid]) -> String {
    let ids: Vec<String> = ids.iter().map(|id| id.simple().to_string()).collect();
    serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into())
}

impl Backend for SqliteStore {
    type Db = Sqlite;

    fn pool(&self) -> &Pool<Sqlite> {
        &self.pool
    }

    /// Takes the write lock when it starts, so statements that read before they write see no
    /// other writer in between.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    fn rows_affected(done: &<Sqlite as sqlx::Database>::QueryResult) -> u64 {
        done.rows_affected()
    }
}

/// A follower's view of the committed messages: SQLite has one writer, so
/// every message a reader sees was committed before any it does not see, and `max(seq)` is a
/// horizon (the messages' delete trigger keeps every position at or below it).
impl crate::db::backend::FollowerDialect for SqliteStore {
    const SEEN: &'static str = "SELECT position, (SELECT COALESCE(max(seq), 0) FROM chat_messages)
        FROM followers WHERE name = $1";
    const HORIZON: &'static str = "SELECT COALESCE(max(seq), 0) FROM chat_messages";
}
