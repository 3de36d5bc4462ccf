//! Storage: one trait per resource ([`UserStore`], [`RoomStore`], [`MessageStore`],
//! [`ReceiptStore`], [`ReactionStore`], [`SearchStore`], [`AuditStore`], [`OpsStore`],
//! [`AttachmentStore`], [`SafetyStore`], [`RecoveryStore`], [`MemberStore`], [`HotelStore`], [`NotifyPrefsStore`],
//! [`NotifyQueueStore`], [`DigestStore`])
//! combined into [`Store`], two
//! backends (SQLite, PostgreSQL) with the same behaviour, and the records and queries that cross
//! them.
//!
//! Every resource has one generic implementation in its own module (`impl<S: Backend> XStore
//! for S`, see `backend`), with what the dialects do differently as that module's dialect
//! trait, implemented under `sqlite/` and `postgres/` (or beside it when it is only a few
//! constants). Row decoding is in `rows`,
//! SQL text both share in `sql`, queries assembled at run time in `query`, the group commit's
//! batch plan in `batch`. The README's "How a store method is written" says where the SQL of
//! each method lives.

mod attachments;
mod audit;
mod backend;
mod batch;
mod config;
mod error;
mod hotels;
mod members;
mod membership;
mod messages;
pub mod notify;
mod ops;
pub mod postgres;
mod query;
mod reactions;
mod receipts;
pub mod recovery;
mod rooms;
mod rows;
pub(crate) mod safety;
mod search;
mod sql;
pub mod sqlite;
mod stale;
pub mod stats;
mod traits;
mod types;
mod users;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use attachments::AttachmentRecord;
pub use config::{DatabaseConfig, DbParts, PoolOptions, redact_url};
pub use error::{StoreError, Unique};
pub use notify::{DigestStore, NotifyPrefsStore, NotifyQueueStore};
pub use recovery::{LoggedEvent, RecoverySession, RecoveryStore};
pub use safety::{NewReport, SafetyStore};
pub use search::{COUNT_CAP, Followed, Lag, Scope, SearchQuery, Terms};
pub use stats::{StatsReadStore, StatsStore};
pub use traits::{
    AttachmentStore, AuditStore, HotelStore, MemberStore, MessageStore, OpsStore, ReactionStore,
    ReceiptStore, RoomStore, SearchStore, UserStore,
};
pub use types::*;

pub type StoreResult<T> = Result<T, StoreError>;

/// The store traits, for `use crate::db::prelude::*;` where store methods are called on a
/// concrete store or a generic `S: Store`. Through `dyn Store` (what callers hold) they need no
/// import: a trait object's methods include its supertraits'.
pub mod prelude {
    pub use super::{
        AttachmentStore, AuditStore, DigestStore, HotelStore, MemberStore, MessageStore,
        NotifyPrefsStore, NotifyQueueStore, OpsStore, ReactionStore, ReceiptStore, RecoveryStore,
        RoomStore, SafetyStore, SearchStore, StatsReadStore, StatsStore, Store, UserStore,
    };
}

/// Every operation the service needs from a database: all the resource traits in one, so that
/// callers hold one `Arc<dyn Store>`. Nothing implements it by hand (see the blanket impl).
pub trait Store:
    UserStore
    + RoomStore
    + MessageStore
    + ReceiptStore
    + ReactionStore
    + SearchStore
    + AuditStore
    + OpsStore
    + AttachmentStore
    + SafetyStore
    + RecoveryStore
    + MemberStore
    + HotelStore
    + NotifyPrefsStore
    + NotifyQueueStore
    + DigestStore
    + StatsStore
    + StatsReadStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: UserStore
        + RoomStore
        + MessageStore
        + ReceiptStore
        + ReactionStore
        + SearchStore
        + AuditStore
        + OpsStore
        + AttachmentStore
        + SafetyStore
        + RecoveryStore
        + MemberStore
        + HotelStore
        + NotifyPrefsStore
        + NotifyQueueStore
        + DigestStore
        + StatsStore
        + StatsReadStore
        + Send
        + Sync
        + 'static
{
}

/// Opens the configured database with a bounded pool.
/// `owner`: where the store's background task (PostgreSQL's lost-connection watcher) runs,
/// and the token that stops it.
pub async fn connect(
    config: &DatabaseConfig,
    pool: &PoolOptions,
    owner: (&TaskTracker, CancellationToken),
) -> StoreResult<Arc<dyn Store>> {
    Ok(match config {
        DatabaseConfig::Sqlite { path } => Arc::new(sqlite::SqliteStore::open(path, pool).await?),
        DatabaseConfig::Postgres { url } => {
            Arc::new(postgres::PgStore::open(url, pool, owner).await?)
        }
    })
}
