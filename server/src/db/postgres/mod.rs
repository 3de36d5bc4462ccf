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

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgQueryResult};
use sqlx::{Pool, Postgres, Transaction};

use super::backend::Backend;
use super::dialect::Dialect;
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

impl Dialect for Postgres {
    const REFRESH_LAST: &'static str = REFRESH_LAST;

    /// A plain transaction: row locks, taken as it writes, are what keep writers apart.
    async fn begin_write(pool: &Pool<Postgres>) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(pool.begin().await?)
    }

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }
}

/// Recomputes room `$1`'s last message from its history (after a delete, edit or purge).
const REFRESH_LAST: &str = "UPDATE chat_rooms r SET
        last_message_content = l.content, last_message_at = l.created_at,
        last_message_sender_id = l.sender_id
    FROM (SELECT $1::uuid AS room_id) k
    LEFT JOIN LATERAL (
        SELECT CASE WHEN m.content = '' AND m.file_name IS NOT NULL THEN m.file_name ELSE m.content END AS content,
               m.created_at, m.sender_id
        FROM chat_messages m WHERE m.chat_room_id = k.room_id
        ORDER BY m.created_at DESC, m.id DESC LIMIT 1
    ) l ON true
    WHERE r.id = k.room_id";

impl Backend for PgStore {
    type Db = Postgres;

    fn pool(&self) -> &Pool<Postgres> {
        &self.pool
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Postgres::begin_write(&self.pool).await
    }

    fn rows_affected(done: &<Postgres as sqlx::Database>::QueryResult) -> u64 {
        done.rows_affected()
    }
}
