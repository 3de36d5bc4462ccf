//! [`SearchStore`](crate::db::SearchStore) on SQLite, its part ([`SearchDialect`]): the FTS5
//! index `chat_messages_fts` (unicode61, accents removed), kept in step with chat_messages by
//! triggers, answers a prefix from its own index.

use super::SqliteStore;
use crate::db::StoreResult;
use crate::db::search::{SearchDialect, Syntax, Terms};

impl SearchDialect for SqliteStore {
    const SYNTAX: Syntax = Syntax::Fts5;

    /// FTS5 answers a prefix from its own index: never expanded.
    async fn prefix_words(&self, _: &Terms) -> StoreResult<Option<Vec<String>>> {
        Ok(None)
    }
}
