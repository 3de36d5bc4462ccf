//! [`SearchStore`](crate::db::SearchStore) on SQLite: the FTS5 index `chat_messages_fts`
//! (unicode61, accents removed), kept in step with chat_messages by triggers.

crate::db::search::search_store!(
    super::SqliteStore,
    sqlx::Sqlite,
    crate::db::search::Syntax::Fts5
);
