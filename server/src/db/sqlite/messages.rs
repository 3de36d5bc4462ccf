//! [`MessageStore`] on SQLite: the group commit sends whole batches as JSON arrays (each
//! statement is a hop to sqlx's SQLite thread, so a commit costs five of them, not one per
//! message); the rest is shared (see `dialect`).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Sqlite;
use tigo_common::Message;
use uuid::Uuid;

use super::{REFRESH_LAST, SqliteStore, hex_ids, micros};
use crate::db::batch::{BatchPlan, Stored};
use crate::db::dialect::Dialect;
use crate::db::rows::{self, IntoRecord, MessageRow};
use crate::db::sql::{self, MESSAGE_SELECT};
use crate::db::{Committed, Delivered, MessageQuery, MessageStore, NewMessage, StoreResult};

/// Per room of a stored batch: how many messages, and the newest one.
struct RoomDelta<'a> {
    count: i64,
    last: &'a NewMessage,
}

/// One JSON object per message to insert, read back by `INSERT_BATCH`.
fn batch_json(unique: &[&NewMessage]) -> String {
    let rows: Vec<Value> = unique
        .iter()
        .map(|m| {
            serde_json::json!({
                "id": m.id.simple().to_string(),
                "room": m.room_id.simple().to_string(),
                "sender": m.sender.id.simple().to_string(),
                "content": m.content,
                "type": m.message_type.as_str(),
                "file_url": m.file_url,
                "file_name": m.file_name,
                "file_size": m.file_size,
                "metadata": m.metadata.as_ref().map(Value::to_string),
                "client_msg_id": m.client_msg_id,
                "reply_to": m.reply_to.as_ref().map(|r| r.id.simple().to_string()),
                "reply_sender": m.reply_to.as_ref().map(|r| r.sender_id.simple().to_string()),
                "reply_type": m.reply_to.as_ref().map(|r| r.message_type.as_str()),
                "at": micros(m.created_at),
            })
        })
        .collect();
    Value::Array(rows).to_string()
}

/// Inserts the messages of `$1` (see [`batch_json`]) in batch order; returns the ids stored (a
/// repeated idempotency key stores nothing).
const INSERT_BATCH: &str =
    "INSERT INTO chat_messages (id, chat_room_id, sender_id, content, type, status,
        file_url, file_name, file_size, metadata, client_msg_id, created_at, updated_at,
        reply_to_id, reply_to_sender_id, reply_to_type)
    SELECT unhex(j.value ->> 'id'), unhex(j.value ->> 'room'), unhex(j.value ->> 'sender'),
        j.value ->> 'content', j.value ->> 'type', 'sent', j.value ->> 'file_url',
        j.value ->> 'file_name', j.value ->> 'file_size', j.value ->> 'metadata',
        j.value ->> 'client_msg_id', j.value ->> 'at', j.value ->> 'at',
        unhex(j.value ->> 'reply_to'), unhex(j.value ->> 'reply_sender'), j.value ->> 'reply_type'
    FROM json_each($1) AS j WHERE true ORDER BY j.key
    ON CONFLICT (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING
    RETURNING id";

/// Adds the stored messages to their rooms' counts and last message, per room of `$1`.
const UPDATE_ROOMS: &str = "UPDATE chat_rooms SET
        message_count = message_count + (u.value ->> 'n'),
        last_message_content = CASE WHEN last_message_at IS NULL OR (u.value ->> 'at') >= last_message_at
            THEN u.value ->> 'preview' ELSE last_message_content END,
        last_message_sender_id = CASE WHEN last_message_at IS NULL OR (u.value ->> 'at') >= last_message_at
            THEN unhex(u.value ->> 'sender') ELSE last_message_sender_id END,
        last_message_at = max(coalesce(last_message_at, u.value ->> 'at'), u.value ->> 'at'),
        updated_at = max(updated_at, u.value ->> 'at'),
        event_seq = event_seq + (u.value ->> 'n')
    FROM json_each($1) AS u
    WHERE chat_rooms.id = unhex(u.value ->> 'room')
    RETURNING id, event_seq";

/// Appends the new messages' `new_message` events (`$1`: `[{room, seq, id, at}]`) to the room
/// event log, in the batch's transaction.
const LOG_BATCH: &str = "INSERT INTO room_events (room_id, seq, kind, message_id, created_at)
    SELECT unhex(j.value ->> 'room'), j.value ->> 'seq', 'new_message', unhex(j.value ->> 'id'),
        j.value ->> 'at'
    FROM json_each($1) AS j";

/// Moves the `sent` messages among `$1` (hex ids) to `delivered` at `$2`.
const DELIVER: &str = "UPDATE chat_messages SET status = 'delivered', updated_at = $2
    WHERE id IN (SELECT unhex(value) FROM json_each($1)) AND status = 'sent'
    RETURNING id, chat_room_id";

#[async_trait]
impl MessageStore for SqliteStore {
    async fn commit(
        &self,
        batch: &[NewMessage],
        delivered: &[Uuid],
        at: DateTime<Utc>,
    ) -> StoreResult<Committed> {
        let plan = BatchPlan::new(batch);
        let unique = plan.unique(batch);
        // Encoded before the write lock is taken: the lock is held for the statements only.
        let json = (!unique.is_empty()).then(|| batch_json(&unique));
        let mut tx = Sqlite::begin_write(&self.writer).await?;
        let inserted: Vec<Uuid> = match json {
            None => Vec::new(),
            Some(json) => {
                sqlx::query_scalar(INSERT_BATCH)
                    .bind(json)
                    .fetch_all(&mut *tx)
                    .await?
            }
        };
        let inserted: HashSet<Uuid> = inserted.into_iter().collect();
        let mut stored = Stored::with_capacity(inserted.len());
        let mut rooms: HashMap<Uuid, RoomDelta<'_>> = HashMap::new();
        let mut seqs = HashMap::new();
        for m in unique.iter().filter(|m| inserted.contains(&m.id)) {
            stored.insert(m.id, m.created_at);
            let delta = rooms
                .entry(m.room_id)
                .or_insert(RoomDelta { count: 0, last: m });
            delta.count += 1;
            if (m.created_at, m.id) > (delta.last.created_at, delta.last.id) {
                delta.last = m;
            }
        }
        if !rooms.is_empty() {
            let updates: Vec<Value> = rooms
                .iter()
                .map(|(room, d)| {
                    serde_json::json!({
                        "room": room.simple().to_string(),
                        "n": d.count,
                        "at": micros(d.last.created_at),
                        "preview": d.last.preview(),
                        "sender": d.last.sender.id.simple().to_string(),
                    })
                })
                .collect();
            let counters: Vec<(Uuid, i64)> = sqlx::query_as(UPDATE_ROOMS)
                .bind(Value::Array(updates).to_string())
                .fetch_all(&mut *tx)
                .await?;
            // Each room's new messages take the positions just below its counter, in (created_at,
            // id) order, which is their order in the room.
            let mut ordered: Vec<&&NewMessage> =
                unique.iter().filter(|m| inserted.contains(&m.id)).collect();
            ordered.sort_by_key(|m| (m.created_at, m.id));
            let mut next: HashMap<Uuid, i64> = counters
                .into_iter()
                .filter_map(|(room, top)| Some((room, top - rooms.get(&room)?.count + 1)))
                .collect();
            let mut log = Vec::with_capacity(ordered.len());
            for m in ordered {
                let Some(seq) = next.get_mut(&m.room_id) else {
                    continue;
                };
                seqs.insert(m.id, *seq);
                log.push(serde_json::json!({
                    "room": m.room_id.simple().to_string(),
                    "seq": *seq,
                    "id": m.id.simple().to_string(),
                    "at": micros(m.created_at),
                }));
                *seq += 1;
            }
            sqlx::query(LOG_BATCH)
                .bind(Value::Array(log).to_string())
                .execute(&mut *tx)
                .await?;
        }
        let missing = plan.missing_keys(&unique, &stored);
        let mut existing = Vec::with_capacity(missing.len());
        for (sender, key) in &missing {
            let row: Option<MessageRow> = sqlx::query_as(&format!(
                "{MESSAGE_SELECT} WHERE m.sender_id = $1 AND m.client_msg_id = $2"
            ))
            .bind(sender)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                existing.push((key.clone(), row.into_record()?));
            }
        }
        let mut moved = Vec::new();
        if !delivered.is_empty() {
            let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(DELIVER)
                .bind(hex_ids(delivered))
                .bind(micros(at))
                .fetch_all(&mut *tx)
                .await?;
            moved = rows
                .into_iter()
                .map(|(message_id, room_id)| Delivered {
                    message_id,
                    room_id,
                })
                .collect();
        }
        tx.commit().await?;
        Ok(Committed {
            inserted: plan.outcomes(batch, &stored, &existing)?,
            delivered: moved,
            seqs,
        })
    }

    async fn message(&self, id: Uuid) -> StoreResult<Option<Message>> {
        Sqlite::message(&self.pool, id).await
    }

    async fn list_messages(&self, q: &MessageQuery) -> StoreResult<(Vec<Message>, i64)> {
        Sqlite::list_messages(&self.pool, q).await
    }

    async fn edit_message(
        &self,
        id: Uuid,
        content: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<(Message, i64)>> {
        Sqlite::edit_message(&self.pool, id, content, at).await
    }

    async fn delete_message(&self, id: Uuid, by: Uuid) -> StoreResult<Option<(Message, i64)>> {
        // Read and delete in one write transaction: no other writer can come between.
        let mut tx = Sqlite::begin_write(&self.pool).await?;
        let row: Option<MessageRow> = sqlx::query_as(sql::MESSAGE_BY_ID)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(message) = rows::optional(row)? else {
            return Ok(None);
        };
        sqlx::query(sql::DELETE_MESSAGE)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::DECREMENT_COUNT)
            .bind(message.chat_room_id)
            .bind(1_i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query(REFRESH_LAST)
            .bind(message.chat_room_id)
            .execute(&mut *tx)
            .await?;
        let seq = Sqlite::log_event(
            &mut tx,
            message.chat_room_id,
            "message_deleted",
            Some(id),
            Some(by),
            Utc::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((message, seq)))
    }
}
