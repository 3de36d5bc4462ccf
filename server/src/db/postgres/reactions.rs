//! [`ReactionStore`](crate::db::ReactionStore) on PostgreSQL, as `db::reactions` writes it:
//! the message's row is locked first, so concurrent changes to one message (from any
//! instance) take turns and each summary includes every earlier change.

crate::db::reactions::reaction_store!(
    super::PgStore,
    sqlx::Postgres,
    "SELECT chat_room_id FROM chat_messages WHERE id = $1 FOR UPDATE",
    "UPDATE chat_messages SET reactions = CAST($2 AS jsonb) WHERE id = $1"
);
