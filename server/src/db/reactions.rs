//! Reactions, the part both dialects share: the statements, and the summary each change writes
//! onto its message (`chat_messages.reactions`), so that pages of messages carry their
//! reactions without a query per message, or any extra query at all.

use tigo_common::Reaction;
use uuid::Uuid;

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

/// Implements [`ReactionStore`](crate::db::ReactionStore) for a backend's store type, written
/// once over concrete types (`$db`: its sqlx database; `$lock`: the statement that reads
/// message `$1`'s room and keeps other writers of that message waiting until commit; `$set`:
/// the statement that stores summary `$2` on message `$1`).
macro_rules! reaction_store {
    ($store:ty, $db:ty, $lock:expr, $set:expr) => {
        impl $store {
            /// One reaction change in one write transaction: the row, then the summary.
            async fn change_reaction(
                &self,
                id: uuid::Uuid,
                user: uuid::Uuid,
                emoji: &str,
                add: Option<(usize, chrono::DateTime<chrono::Utc>)>,
            ) -> $crate::db::StoreResult<$crate::db::ReactionOutcome> {
                use $crate::db::ReactionOutcome;
                use $crate::db::dialect::Dialect;
                use $crate::db::reactions as r;
                let mut tx = <$db>::begin_write(&self.pool).await?;
                let room: Option<uuid::Uuid> = sqlx::query_scalar($lock)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(room) = room else {
                    return Ok(ReactionOutcome::NoMessage);
                };
                let changed = match add {
                    Some((max_distinct, at)) => {
                        let others: i64 = sqlx::query_scalar(r::DISTINCT_OTHERS)
                            .bind(id)
                            .bind(emoji)
                            .fetch_one(&mut *tx)
                            .await?;
                        if others >= max_distinct as i64 {
                            let present: i64 = sqlx::query_scalar(
                                "SELECT count(*) FROM message_reactions
                                 WHERE message_id = $1 AND emoji = $2",
                            )
                            .bind(id)
                            .bind(emoji)
                            .fetch_one(&mut *tx)
                            .await?;
                            if present == 0 {
                                return Ok(ReactionOutcome::TooMany);
                            }
                        }
                        sqlx::query(r::INSERT)
                            .bind(id)
                            .bind(emoji)
                            .bind(user)
                            .bind($crate::db::rows::Instant(at))
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                    }
                    None => sqlx::query(r::DELETE)
                        .bind(id)
                        .bind(emoji)
                        .bind(user)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                };
                if changed > 0 {
                    let rows: Vec<(String, uuid::Uuid)> = sqlx::query_as(r::OF_MESSAGE)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    sqlx::query($set)
                        .bind(id)
                        .bind(r::stored(&r::summarize(rows)))
                        .execute(&mut *tx)
                        .await?;
                }
                let seq = match changed {
                    0 => None,
                    _ => Some(
                        <$db>::log_event(
                            &mut tx,
                            room,
                            "reaction_updated",
                            Some(id),
                            Some(user),
                            chrono::Utc::now(),
                        )
                        .await?,
                    ),
                };
                tx.commit().await?;
                let Some(message) = <$db>::message(&self.pool, id).await? else {
                    return Ok(ReactionOutcome::NoMessage);
                };
                Ok(match seq {
                    Some(seq) => ReactionOutcome::Changed(message, seq),
                    None => ReactionOutcome::Unchanged(message),
                })
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::ReactionStore for $store {
            async fn add_reaction(
                &self,
                id: uuid::Uuid,
                user: uuid::Uuid,
                emoji: &str,
                max_distinct: usize,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::db::StoreResult<$crate::db::ReactionOutcome> {
                self.change_reaction(id, user, emoji, Some((max_distinct, at)))
                    .await
            }

            async fn remove_reaction(
                &self,
                id: uuid::Uuid,
                user: uuid::Uuid,
                emoji: &str,
            ) -> $crate::db::StoreResult<$crate::db::ReactionOutcome> {
                self.change_reaction(id, user, emoji, None).await
            }
        }
    };
}
pub(crate) use reaction_store;

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
