//! [`ReactionStore`](crate::db::ReactionStore) on SQLite, as `db::reactions` writes it: the
//! write transaction holds the database's one write lock, so reading the message is enough.

crate::db::reactions::reaction_store!(
    super::SqliteStore,
    sqlx::Sqlite,
    "SELECT chat_room_id FROM chat_messages WHERE id = $1",
    "UPDATE chat_messages SET reactions = $2 WHERE id = $1"
);
