//! PostgreSQL backend: native UUID/JSONB/timestamptz, batched inserts through `UNNEST` in one
//! statement (one round trip and one commit per batch).
//!
//! Dialect: users' and audit lines' instants and messages' `created_at` come from the
//! database's clock (`now()`, `clock_timestamp()`), the one clock every instance shares; lists
//! of ids are bound as arrays (`= ANY($n)`, `UNNEST`).

mod attachments;
mod audit;
mod messages;
mod ops;
mod rooms;
mod search;
mod users;

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Pool, Postgres, Transaction};

use super::backend::Backend;
use super::stale::LossMark;
use super::{PoolOptions, StoreError, StoreResult};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub struct PgStore {
    pool: PgPool,
    /// Connections of the message writers (group commit), planned for its one hot statement.
    commits: PgPool,
}

impl PgStore {
    pub async fn open(
        url: &str,
        opts: &PoolOptions,
        owner: (&TaskTracker, CancellationToken),
    ) -> StoreResult<PgStore> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(StoreError::Other)?
            .application_name("tigo-chat")
            .options([(
                "statement_timeout",
                format!("{}", opts.acquire_timeout.as_millis()),
            )]);
        let lost = LossMark::new();
        lost.watch(connect.clone(), owner);
        let pool = Self::pool_with(connect.clone(), opts, &lost).await?;
        // The commit statement is prepared once and re-run thousands of times a second.
        // PostgreSQL re-plans it on every run when it guesses a custom plan is cheaper, which
        // costs more than running it (0.6 ms of a 1 ms commit, measured with
        // pg_stat_statements); a generic plan is made once. Every row it touches is found by
        // primary key, so sequential scans are ruled out: a generic plan made while the tables
        // were small would otherwise keep scanning them whole as they grow.
        let commits = Self::pool_with(
            connect.options([
                ("plan_cache_mode", "force_generic_plan"),
                ("enable_seqscan", "off"),
            ]),
            opts,
            &lost,
        )
        .await?;
        Ok(PgStore { pool, commits })
    }

    async fn pool_with(
        connect: PgConnectOptions,
        opts: &PoolOptions,
        lost: &LossMark,
    ) -> StoreResult<PgPool> {
        // No ping on every checkout (a round trip per query): only connections that may
        // have outlived a database restart are checked (see `stale`).
        Ok(PgPoolOptions::new()
            .max_connections(opts.max_connections)
            .min_connections(0)
            .acquire_timeout(opts.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(lost.before_acquire())
            .idle_timeout(std::time::Duration::from_secs(300))
            .connect_with(connect)
            .await?)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl Backend for PgStore {
    type Db = Postgres;

    fn pool(&self) -> &Pool<Postgres> {
        &self.pool
    }

    /// A plain transaction: row locks, taken as it writes, are what keep writers apart.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    fn rows_affected(done: &<Postgres as sqlx::Database>::QueryResult) -> u64 {
        done.rows_affected()
    }
}

/// A follower's view of the committed messages (see `0012_search_follows.sql`
/// for why the horizon takes the writers' lock).
impl crate::db::backend::FollowerDialect for PgStore {
    const SEEN: &'static str = "SELECT position,
            COALESCE(pg_sequence_last_value('chat_messages_seq_seq'::regclass), 0)
        FROM followers WHERE name = $1";
    const HORIZON: &'static str = "SELECT tigo_messages_committed()";
}
