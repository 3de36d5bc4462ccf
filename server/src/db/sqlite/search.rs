//! [`SearchStore`](crate::db::SearchStore) on SQLite: the FTS5 index `chat_messages_fts`
//! (unicode61, accents removed), kept in step with chat_messages by triggers.

use crate::db::StoreResult;
use crate::db::search::Terms;

crate::db::search::search_store!(
    super::SqliteStore,
    sqlx::Sqlite,
    crate::db::search::Syntax::Fts5
);

impl super::SqliteStore {
    /// FTS5 answers a prefix from its own index: never expanded.
    pub(crate) async fn prefix_words(&self, _: &Terms) -> StoreResult<Option<Vec<String>>> {
        Ok(None)
    }
}
