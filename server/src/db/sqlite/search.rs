//! [`SearchStore`](crate::db::SearchStore) on SQLite, its part ([`SearchDialect`]): the FTS5
//! index `chat_messages_fts` (unicode61, accents removed) answers a prefix from its own index;
//! the search follower fills it, and triggers keep what it holds in step with edits and
//! deletes (see `migrations/sqlite/0012_search_follows.sql`).

use chrono::Utc;

use super::SqliteStore;
use crate::db::StoreResult;
use crate::db::backend::Backend;
use crate::db::search::{Followed, Lag, SearchDialect, Syntax, Terms, apply, step};

/// The follower's position, the newest message, and the `created_at` (µs) of the oldest
/// message past the position. With one writer, `seq` order is commit order.
const SEEN: &str = "SELECT f.position, (SELECT COALESCE(max(seq), 0) FROM chat_messages),
        (SELECT created_at FROM chat_messages m WHERE m.seq > f.position ORDER BY m.seq LIMIT 1)
    FROM followers f WHERE f.name = 'search'";

/// Indexes messages `($1, $2]` as they are now.
const INDEX: &str = "INSERT INTO chat_messages_fts (rowid, content)
    SELECT seq, content FROM chat_messages WHERE seq > $1 AND seq <= $2 ORDER BY seq";

const MOVE: &str = "UPDATE followers SET position = $1 WHERE name = 'search'";

impl SearchDialect for SqliteStore {
    const SYNTAX: Syntax = Syntax::Fts5;

    /// FTS5 answers a prefix from its own index: never expanded.
    async fn prefix_words(&self, _: &Terms) -> StoreResult<Option<Vec<String>>> {
        Ok(None)
    }

    async fn follow(&self) -> StoreResult<Followed> {
        // A read first: the write lock only when there is something to index.
        let (position, newest, _): (i64, i64, Option<i64>) =
            sqlx::query_as(SEEN).fetch_one(&self.pool).await?;
        if newest <= position {
            return Ok(Followed::CaughtUp);
        }
        let mut tx = self.begin_write().await?;
        let (position, newest, _): (i64, i64, Option<i64>) =
            sqlx::query_as(SEEN).fetch_one(&mut *tx).await?;
        let Some(next) = step(position, newest) else {
            return Ok(Followed::CaughtUp);
        };
        apply(tx, (INDEX, MOVE), position, next).await
    }

    async fn lag(&self) -> StoreResult<Lag> {
        let (position, newest, oldest): (i64, i64, Option<i64>) =
            sqlx::query_as(SEEN).fetch_one(&self.pool).await?;
        let seconds = oldest.map_or(0.0, |at| {
            (Utc::now().timestamp_micros() - at).max(0) as f64 / 1e6
        });
        Ok(Lag {
            messages: (newest - position).max(0),
            seconds,
        })
    }
}
