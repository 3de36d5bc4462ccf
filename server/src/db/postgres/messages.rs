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
use crate::db::{Committed, Delivered, NewMessage, StoreResult};

/// The group commit, one statement, one round trip, one commit. The rooms' rows are locked
/// first and each message is stamped after its room's newest one, with the database's clock:
/// writers on any instance take turns per room, so in every room commit order is (created_at,
/// id) order and a reader paging with `after` can never step over a late commit. Receipts ride
/// in the same statement (one commit, not two). `$1`–`$11`, `$14`–`$16`: the batch's columns
/// (see [`Columns`]); `$12`: the receipts' instant; `$13`: the messages delivered.
/// Returns `(stored, id, created_at, room, seq)`: `stored` false for a delivered message.
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
                INSERT INTO chat_messages (id, chat_room_id, sender_id, content, type, status,
                    file_url, file_name, file_size, metadata, client_msg_id, created_at, updated_at,
                    reply_to_id, reply_to_sender_id, reply_to_type)
                SELECT id, chat_room_id, sender_id, content, type, 'sent', file_url, file_name,
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
            ), dlv AS (
                UPDATE chat_messages SET status = 'delivered', updated_at = $12
                WHERE id = ANY($13) AND status = 'sent'
                RETURNING id, chat_room_id
            )
            SELECT true, ins.id, ins.created_at, ins.chat_room_id, logged.seq
            FROM ins JOIN logged ON logged.message_id = ins.id
            UNION ALL
            SELECT false, id, $12, chat_room_id, NULL::bigint FROM dlv";

/// A row of [`COMMIT`]'s answer.
type CommitRow = (bool, Uuid, DateTime<Utc>, Uuid, Option<i64>);

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
/// the messages that moved to `delivered`.
fn sort_rows(rows: Vec<CommitRow>) -> (Stored, HashMap<Uuid, i64>, Vec<Delivered>) {
    let mut stored = Stored::new();
    let mut seqs = HashMap::new();
    let mut moved = Vec::new();
    for (inserted, id, created_at, room_id, seq) in rows {
        if inserted {
            stored.insert(id, created_at);
            if let Some(seq) = seq {
                seqs.insert(id, seq);
            }
        } else {
            moved.push(Delivered {
                message_id: id,
                room_id,
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
        delivered: &[Uuid],
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<CommitRow>> {
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
            .bind(at)
            .bind(delivered)
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
        delivered: &[Uuid],
        at: DateTime<Utc>,
    ) -> StoreResult<Committed> {
        let plan = BatchPlan::new(&batch);
        let unique = plan.unique(&batch);
        let rows = self
            .run_commit(&Columns::of(&unique), delivered, at)
            .await?;
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
