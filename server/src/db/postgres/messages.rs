//! [`MessageStore`](crate::db::MessageStore)'s part ([`MessageSql`]) on PostgreSQL: the group
//! commit is one statement ([`COMMIT`]: `UNNEST` of the batch's columns, rooms locked and
//! stamped and the room-event log written in the same round trip).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tigo_common::Message;
use uuid::Uuid;

use super::PgStore;
use crate::db::batch::{BatchPlan, Stored};
use crate::db::messages::MessageSql;
use crate::db::rows::{IntoRecord, MessageRow};
use crate::db::sql::MESSAGE_SELECT;
use crate::db::{Committed, Delivered, NewMessage, Receipt, StoreResult};

/// The group commit, one statement, one round trip, one commit. The rooms' rows are locked
/// first and each message is stamped after its room's newest one, with the database's clock:
/// writers on any instance take turns per room, so in every room commit order is (created_at,
/// id) order and a reader paging with `after` can never step over a late commit. Receipts ride
/// in the same statement (one commit, not two): each recipient's delivered position in a room
/// moves to the newest message receipted there, one row per recipient and room (`rcpt` reads
/// each receipted message by its key, which is what telling `sent` from `delivered` needs; no
/// message row is written). The recipients' rows are locked first, so a concurrent read or
/// commit is seen once it commits, and a message is told delivered once, never after it was
/// read. `$1`–`$11`, `$14`–`$16`: the batch's columns (see [`Columns`]); `$12`, `$13`: the
/// receipts' messages and recipients.
/// Returns `(stored, id, created_at, room, seq, recipient)`: `stored` false for a message
/// that moved from `sent` to `delivered`.
const COMMIT: &str = "WITH input AS (
                SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                    $6::text[], $7::text[], $8::text[], $9::bigint[], $10::jsonb[], $11::text[],
                    $14::uuid[], $15::uuid[], $16::text[])
                    WITH ORDINALITY
                AS t(id, chat_room_id, sender_id, content, preview, type, file_url, file_name,
                     file_size, metadata, client_msg_id, reply_to_id, reply_to_sender_id,
                     reply_to_type, ord)
            ), locked AS (
                SELECT r.id, r.event_seq, GREATEST(clock_timestamp(),
                    COALESCE(r.last_message_at + interval '1 microsecond', '-infinity')) AS base
                FROM chat_rooms r WHERE r.id IN (SELECT chat_room_id FROM input)
                ORDER BY r.id FOR UPDATE
            ), stamped AS (
                SELECT input.*, locked.base + (row_number() OVER (
                    PARTITION BY input.chat_room_id ORDER BY input.ord) - 1) * interval '1 microsecond'
                    AS created_at
                FROM input JOIN locked ON locked.id = input.chat_room_id
            ), ins AS (
                INSERT INTO chat_messages (id, chat_room_id, sender_id, content, type,
                    file_url, file_name, file_size, metadata, client_msg_id, created_at, updated_at,
                    reply_to_id, reply_to_sender_id, reply_to_type)
                SELECT id, chat_room_id, sender_id, content, type, file_url, file_name,
                    file_size, metadata, client_msg_id, created_at, created_at, reply_to_id,
                    reply_to_sender_id, reply_to_type
                FROM stamped ORDER BY ord
                ON CONFLICT (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING
                RETURNING id, chat_room_id, created_at, sender_id
            ), logged AS (
                INSERT INTO room_events (room_id, seq, kind, message_id, created_at)
                SELECT ins.chat_room_id, locked.event_seq + row_number() OVER (
                    PARTITION BY ins.chat_room_id ORDER BY ins.created_at, ins.id),
                    'new_message', ins.id, ins.created_at
                FROM ins JOIN locked ON locked.id = ins.chat_room_id
                RETURNING message_id, seq
            ), last AS (
                SELECT DISTINCT ON (ins.chat_room_id) ins.chat_room_id, input.preview,
                    ins.created_at, ins.sender_id,
                    count(*) OVER (PARTITION BY ins.chat_room_id) AS n
                FROM ins JOIN input ON input.id = ins.id
                ORDER BY ins.chat_room_id, ins.created_at DESC, ins.id DESC
            ), upd AS (
                UPDATE chat_rooms r SET
                    message_count = r.message_count + last.n,
                    event_seq = r.event_seq + last.n,
                    last_message_content = last.preview,
                    last_message_sender_id = last.sender_id,
                    last_message_at = last.created_at,
                    updated_at = GREATEST(r.updated_at, last.created_at)
                FROM last WHERE r.id = last.chat_room_id
                RETURNING r.id
            ), rcpt AS (
                SELECT m.id, m.chat_room_id, m.sender_id, m.created_at, k.recipient
                FROM UNNEST($12::uuid[], $13::uuid[]) AS k(message_id, recipient)
                JOIN chat_messages m ON m.id = k.message_id AND m.sender_id <> k.recipient
            ), held AS (
                SELECT p.chat_room_id, p.user_id, p.delivered_upto_at, p.delivered_upto_id,
                    p.read_upto_at, p.read_upto_id
                FROM chat_room_reads p
                WHERE (p.chat_room_id, p.user_id) IN (SELECT chat_room_id, recipient FROM rcpt)
                ORDER BY p.chat_room_id, p.user_id FOR UPDATE
            ), moved AS (
                SELECT rcpt.* FROM rcpt LEFT JOIN held h
                    ON h.chat_room_id = rcpt.chat_room_id AND h.user_id = rcpt.recipient
                WHERE NOT COALESCE((h.delivered_upto_at, h.delivered_upto_id)
                        >= (rcpt.created_at, rcpt.id), false)
                  AND NOT COALESCE((h.read_upto_at, h.read_upto_id)
                        >= (rcpt.created_at, rcpt.id), false)
                  AND NOT EXISTS (SELECT 1 FROM chat_room_reads o
                    WHERE o.chat_room_id = rcpt.chat_room_id
                      AND o.user_id NOT IN (rcpt.sender_id, rcpt.recipient)
                      AND ((o.delivered_upto_at, o.delivered_upto_id) >= (rcpt.created_at, rcpt.id)
                        OR (o.read_upto_at, o.read_upto_id) >= (rcpt.created_at, rcpt.id)))
            ), newest AS (
                SELECT DISTINCT ON (chat_room_id, recipient) chat_room_id, recipient, created_at, id
                FROM rcpt ORDER BY chat_room_id, recipient, created_at DESC, id DESC
            ), advanced AS (
                INSERT INTO chat_room_reads
                    (chat_room_id, user_id, delivered_upto_at, delivered_upto_id)
                SELECT chat_room_id, recipient, created_at, id FROM newest
                ON CONFLICT (chat_room_id, user_id) DO UPDATE SET
                    delivered_upto_at = EXCLUDED.delivered_upto_at,
                    delivered_upto_id = EXCLUDED.delivered_upto_id
                WHERE chat_room_reads.delivered_upto_at IS NULL
                   OR (EXCLUDED.delivered_upto_at, EXCLUDED.delivered_upto_id)
                      > (chat_room_reads.delivered_upto_at, chat_room_reads.delivered_upto_id)
            )
            SELECT true, ins.id, ins.created_at, ins.chat_room_id, logged.seq, NULL::uuid
            FROM ins JOIN logged ON logged.message_id = ins.id
            UNION ALL
            SELECT false, id, created_at, chat_room_id, NULL::bigint, recipient FROM moved";

/// A row of [`COMMIT`]'s answer.
type CommitRow = (bool, Uuid, DateTime<Utc>, Uuid, Option<i64>, Option<Uuid>);

/// The batch as columns, one array per column of [`COMMIT`]'s `UNNEST`.
#[derive(Default)]
struct Columns<'a> {
    ids: Vec<Uuid>,
    rooms: Vec<Uuid>,
    senders: Vec<Uuid>,
    contents: Vec<&'a str>,
    previews: Vec<&'a str>,
    types: Vec<&'a str>,
    urls: Vec<Option<&'a str>>,
    names: Vec<Option<&'a str>>,
    sizes: Vec<Option<i64>>,
    metas: Vec<Option<serde_json::Value>>,
    client_ids: Vec<Option<&'a str>>,
    replies: Vec<Option<Uuid>>,
    reply_senders: Vec<Option<Uuid>>,
    reply_types: Vec<Option<&'a str>>,
}

impl<'a> Columns<'a> {
    fn of(unique: &[&'a NewMessage]) -> Columns<'a> {
        let mut c = Columns::default();
        for m in unique {
            c.ids.push(m.id);
            c.rooms.push(m.room_id);
            c.senders.push(m.sender.id);
            c.contents.push(m.content.as_str());
            c.previews.push(m.preview());
            c.types.push(m.message_type.as_str());
            c.urls.push(m.file_url.as_deref());
            c.names.push(m.file_name.as_deref());
            c.sizes.push(m.file_size);
            c.metas.push(m.metadata.clone());
            c.client_ids.push(m.client_msg_id.as_deref());
            c.replies.push(m.reply_to.as_ref().map(|r| r.id));
            c.reply_senders
                .push(m.reply_to.as_ref().map(|r| r.sender_id));
            c.reply_types
                .push(m.reply_to.as_ref().map(|r| r.message_type.as_str()));
        }
        c
    }
}

/// What [`COMMIT`] answered: the messages stored (with their instants and log positions) and
/// the receipted messages that moved to `delivered`.
fn sort_rows(rows: Vec<CommitRow>) -> (Stored, HashMap<Uuid, i64>, Vec<Delivered>) {
    let mut stored = Stored::new();
    let mut seqs = HashMap::new();
    let mut moved = Vec::new();
    for (inserted, id, created_at, room_id, seq, recipient) in rows {
        if inserted {
            stored.insert(id, created_at);
            if let Some(seq) = seq {
                seqs.insert(id, seq);
            }
        } else if let Some(user_id) = recipient {
            moved.push(Delivered {
                message_id: id,
                room_id,
                user_id,
            });
        }
    }
    (stored, seqs, moved)
}

impl PgStore {
    /// Runs [`COMMIT`] on the writers' own connections.
    async fn run_commit(
        &self,
        c: &Columns<'_>,
        receipts: &[Receipt],
    ) -> StoreResult<Vec<CommitRow>> {
        let receipted: Vec<Uuid> = receipts.iter().map(|r| r.message_id).collect();
        let recipients: Vec<Uuid> = receipts.iter().map(|r| r.recipient).collect();
        Ok(sqlx::query_as(COMMIT)
            .bind(&c.ids)
            .bind(&c.rooms)
            .bind(&c.senders)
            .bind(&c.contents)
            .bind(&c.previews)
            .bind(&c.types)
            .bind(&c.urls)
            .bind(&c.names)
            .bind(&c.sizes)
            .bind(&c.metas)
            .bind(&c.client_ids)
            .bind(&receipted)
            .bind(&recipients)
            .bind(&c.replies)
            .bind(&c.reply_senders)
            .bind(&c.reply_types)
            .fetch_all(&self.commits)
            .await?)
    }
    /// Earlier messages holding these `(sender, client_msg_id)` keys, with their keys.
    async fn messages_by_client_ids(
        &self,
        keys: &[(Uuid, String)],
    ) -> StoreResult<Vec<(String, Message)>> {
        let senders: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let ids: Vec<String> = keys.iter().map(|k| k.1.clone()).collect();
        let found: Vec<MessageRow> = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} JOIN UNNEST($1::uuid[], $2::text[]) AS k(sender_id, client_msg_id)
             ON m.sender_id = k.sender_id AND m.client_msg_id = k.client_msg_id"
        ))
        .bind(&senders)
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        found
            .into_iter()
            .filter_map(|row| {
                let key = row.client_msg_id.clone()?;
                Some(row.into_record().map(|message| (key, message)))
            })
            .collect()
    }
}

impl MessageSql for PgStore {
    const REFRESH_LAST: &'static str = "UPDATE chat_rooms r SET
        last_message_content = l.content, last_message_at = l.created_at,
        last_message_sender_id = l.sender_id
    FROM (SELECT $1::uuid AS room_id) k
    LEFT JOIN LATERAL (
        SELECT CASE WHEN m.content = '' AND m.file_name IS NOT NULL THEN m.file_name ELSE m.content END AS content,
               m.created_at, m.sender_id
        FROM chat_messages m WHERE m.chat_room_id = k.room_id
        ORDER BY m.created_at DESC, m.id DESC LIMIT 1
    ) l ON true
    WHERE r.id = k.room_id";

    async fn group_commit(
        &self,
        batch: Arc<[NewMessage]>,
        receipts: &[Receipt],
    ) -> StoreResult<Committed> {
        let plan = BatchPlan::new(&batch);
        let unique = plan.unique(&batch);
        let rows = self.run_commit(&Columns::of(&unique), receipts).await?;
        let (stored, seqs, moved) = sort_rows(rows);
        let missing = plan.missing_keys(&unique, &stored);
        let existing = if missing.is_empty() {
            Vec::new()
        } else {
            self.messages_by_client_ids(&missing).await?
        };
        Ok(Committed {
            inserted: plan.outcomes(&batch, &stored, &existing)?,
            delivered: moved,
            seqs,
        })
    }
}
