//! [`Backend`]: what a store over one dialect offers the one generic implementation of each
//! resource's trait (`impl<S: Backend> XStore for S`): its pool, how a writing transaction
//! starts, and how many rows a statement changed; and, for the followers of the stored messages,
//! where their next step ends ([`follower_step`]).

use std::future::Future;

use sqlx::{Database, Pool, Transaction};

use super::StoreResult;

/// A store over one dialect: what the one generic implementation of a resource's trait needs
/// from it (each resource module states, on its impl, what it binds and decodes).
pub(crate) trait Backend: Send + Sync + 'static {
    type Db: Database;

    fn pool(&self) -> &Pool<Self::Db>;

    /// Starts a transaction that writes.
    fn begin_write(
        &self,
    ) -> impl Future<Output = StoreResult<Transaction<'static, Self::Db>>> + Send;

    /// How many rows a statement changed.
    fn rows_affected(done: &<Self::Db as Database>::QueryResult) -> u64;
}

/// What the dialects say differently to a follower of the stored messages (notifications,
/// statistics): where the committed messages end.
pub(crate) trait FollowerDialect {
    /// `(position, newest number drawn)` of the follower named `$1`, without locking anything.
    const SEEN: &'static str;
    /// The committed horizon (may take the writers' lock for an instant).
    const HORIZON: &'static str;
}

/// The next step of the follower `name`: `(position, upto, more)`, where messages
/// `(position, upto]` are committed (at most `limit` numbers) and `more` says whether committed
/// messages lie past `upto`; `None` when it holds every committed message. Reads without
/// taking the writers' lock unless a message was drawn past the position.
pub(crate) async fn follower_step<S: Backend + FollowerDialect>(
    store: &S,
    name: &str,
    limit: i64,
) -> StoreResult<Option<(i64, i64, bool)>>
where
    for<'c> &'c mut <S::Db as sqlx::Database>::Connection: sqlx::Executor<'c, Database = S::Db>,
    for<'q> <S::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, S::Db>,
    for<'q> &'q str: sqlx::Type<S::Db> + sqlx::Encode<'q, S::Db>,
    for<'r> (i64,): sqlx::FromRow<'r, <S::Db as sqlx::Database>::Row>,
    for<'r> (i64, i64): sqlx::FromRow<'r, <S::Db as sqlx::Database>::Row>,
{
    let pool = store.pool();
    let (position, drawn): (i64, i64) = sqlx::query_as(S::SEEN).bind(name).fetch_one(pool).await?;
    if drawn <= position {
        return Ok(None);
    }
    let (horizon,): (i64,) = sqlx::query_as(S::HORIZON).fetch_one(pool).await?;
    if horizon <= position {
        return Ok(None);
    }
    let upto = horizon.min(position.saturating_add(limit));
    Ok(Some((position, upto, upto < horizon)))
}
