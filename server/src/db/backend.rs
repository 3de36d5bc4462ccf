//! [`Backend`]: what a store over one dialect offers the one generic implementation of each
//! resource's trait (`impl<S: Backend> XStore for S`): its pool, how a writing transaction
//! starts, and how many rows a statement changed.

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
