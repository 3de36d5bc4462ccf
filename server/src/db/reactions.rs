//! [`ReactionStore`], written once for both dialects: the statements, the two each dialect
//! writes its own way ([`ReactionSql`]), and the summary each change writes onto its message
//! (`chat_messages.reactions`), so that pages of messages carry their reactions without a query
//! per message, or any extra query at all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::Reaction;
use uuid::Uuid;

use super::backend::Backend;
use super::postgres::PgStore;
use super::recovery::log_event;
use super::rows::Instant;
use super::sqlite::SqliteStore;
use super::{MessageStore, ReactionOutcome, ReactionStore, StoreResult};

/// Different emoji on message `$1` other than `$2`.
pub(crate) const DISTINCT_OTHERS: &str = "SELECT count(DISTINCT emoji) FROM message_reactions
    WHERE message_id = $1 AND emoji <> $2";

/// A reaction; nothing when the user has it already.
pub(crate) const INSERT: &str = "INSERT INTO message_reactions
        (message_id, emoji, user_id, created_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (message_id, emoji, user_id) DO NOTHING";

pub(crate) const DELETE: &str =
    "DELETE FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3";

/// Every reaction of message `$1` in the order they were made.
pub(crate) const OF_MESSAGE: &str =
    "SELECT emoji, user_id FROM message_reactions WHERE message_id = $1 ORDER BY id";

/// The summary of a message's reactions (in the order they were made): one entry per emoji in
/// the order of its first use, its users in the order they reacted.
pub(crate) fn summarize(rows: Vec<(String, Uuid)>) -> Vec<Reaction> {
    let mut out: Vec<Reaction> = Vec::new();
    for (emoji, user) in rows {
        match out.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => {
                r.count += 1;
                r.user_ids.push(user);
            }
            None => out.push(Reaction {
                emoji,
                count: 1,
                user_ids: vec![user],
            }),
        }
    }
    out
}

/// The summary as stored: JSON text, or NULL for none.
pub(crate) fn stored(summary: &[Reaction]) -> Option<String> {
    (!summary.is_empty()).then(|| serde_json::to_string(summary).unwrap_or_else(|_| "[]".into()))
}

/// The two statements the dialects write differently.
pub(crate) trait ReactionSql {
    /// Reads message `$1`'s room and keeps other writers of that message waiting until commit.
    const LOCK: &'static str;
    /// Stores summary `$2` (JSON text or NULL) on message `$1`.
    const SET: &'static str;
}

/// The write transaction holds the database's one write lock, so reading the message is enough.
impl ReactionSql for SqliteStore {
    const LOCK: &'static str = "SELECT chat_room_id FROM chat_messages WHERE id = $1";
    const SET: &'static str = "UPDATE chat_messages SET reactions = $2 WHERE id = $1";
}

/// The message's row is locked first, so concurrent changes to one message (from any instance)
/// take turns and each summary includes every earlier change.
impl ReactionSql for PgStore {
    const LOCK: &'static str = "SELECT chat_room_id FROM chat_messages WHERE id = $1 FOR UPDATE";
    const SET: &'static str =
        "UPDATE chat_messages SET reactions = CAST($2 AS jsonb) WHERE id = $1";
}

/// Whether message `$1` has emoji `$2` from anyone.
const PRESENT: &str = "SELECT count(*) FROM message_reactions WHERE message_id = $1 AND emoji = $2";

#[async_trait]
impl<S: Backend + ReactionSql + MessageStore> ReactionStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<Uuid>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Option<String>: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (Uuid,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (String, Uuid): FromRow<'r, <S::Db as Database>::Row>,
{
    async fn change_reaction(
        &self,
        id: Uuid,
        user: Uuid,
        emoji: &str,
        add: Option<(usize, DateTime<Utc>)>,
    ) -> StoreResult<ReactionOutcome> {
        let mut tx = self.begin_write().await?;
        let room: Option<Uuid> = sqlx::query_scalar(S::LOCK)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(room) = room else {
            return Ok(ReactionOutcome::NoMessage);
        };
        let changed = match add {
            Some((max_distinct, at)) => {
                let others: i64 = sqlx::query_scalar(DISTINCT_OTHERS)
                    .bind(id)
                    .bind(emoji)
                    .fetch_one(&mut *tx)
                    .await?;
                if others >= max_distinct as i64 {
                    let present: i64 = sqlx::query_scalar(PRESENT)
                        .bind(id)
                        .bind(emoji)
                        .fetch_one(&mut *tx)
                        .await?;
                    if present == 0 {
                        return Ok(ReactionOutcome::TooMany);
                    }
                }
                let done = sqlx::query(INSERT)
                    .bind(id)
                    .bind(emoji)
                    .bind(user)
                    .bind(Instant(at))
                    .execute(&mut *tx)
                    .await?;
                S::rows_affected(&done)
            }
            None => {
                let done = sqlx::query(DELETE)
                    .bind(id)
                    .bind(emoji)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                S::rows_affected(&done)
            }
        };
        let seq = match changed {
            0 => None,
            _ => {
                let rows: Vec<(String, Uuid)> = sqlx::query_as(OF_MESSAGE)
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
                sqlx::query(S::SET)
                    .bind(id)
                    .bind(stored(&summarize(rows)))
                    .execute(&mut *tx)
                    .await?;
                let kind = "reaction_updated";
                Some(
                    log_event::<S::Db>(&mut tx, room, kind, Some(id), Some(user), Utc::now())
                        .await?,
                )
            }
        };
        tx.commit().await?;
        let Some(message) = self.message(id).await? else {
            return Ok(ReactionOutcome::NoMessage);
        };
        Ok(match seq {
            Some(seq) => ReactionOutcome::Changed(message, seq),
            None => ReactionOutcome::Unchanged(message),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_keep_the_order_of_first_use() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let summary = summarize(vec![("👍".into(), a), ("❤️".into(), a), ("👍".into(), b)]);
        let shape: Vec<(&str, i64, Vec<Uuid>)> = summary
            .iter()
            .map(|r| (r.emoji.as_str(), r.count, r.user_ids.clone()))
            .collect();
        assert_eq!(shape, vec![("👍", 2, vec![a, b]), ("❤️", 1, vec![a])]);
        assert_eq!(stored(&[]), None);
    }
}
