//! The embedded group commit: a connection of its own, driven synchronously on a thread of its
//! own, so a whole batch (begin, four statements, commit) is one hand-off there and one back.
//!
//! Through sqlx every statement, every row it returns and the commit itself is a round trip to
//! the connection's worker thread: about a dozen thread wake-ups per batch, which on two cores
//! shared with everything else cost more than SQLite's work and the WAL's fsync together
//! (`perf`: half the server's time in context switches; 1.1 ms per commit). The connection
//! here has the same settings as the pool's (WAL, `synchronous=FULL`, foreign keys, busy
//! handler, temporary data in memory), so durability is unchanged: a reply is sent only once
//! `COMMIT` has returned. Its page cache stays warm, being the only connection that writes
//! messages.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use serde_json::Value;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::micros;
use crate::db::batch::Stored;
use crate::db::{Delivered, NewMessage, StoreError, StoreResult};

/// What one batch wrote: the messages stored (with their instants), their room-event-log
/// positions, and the messages that moved to `delivered`.
pub(super) struct Written {
    pub stored: Stored,
    pub seqs: HashMap<Uuid, i64>,
    pub delivered: Vec<Delivered>,
}

struct Job {
    /// The batch's messages, repeated idempotency keys already removed.
    unique: Vec<NewMessage>,
    delivered: Vec<Uuid>,
    at: DateTime<Utc>,
    /// The batch handed back with what it wrote: the caller still needs its messages, and
    /// moving them there and back saves copying them twice.
    reply: oneshot::Sender<StoreResult<(Vec<NewMessage>, Written)>>,
}

/// The handle of the commit thread; the thread ends when this is closed or dropped.
pub(super) struct CommitThread {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
}

impl CommitThread {
    /// Opens the connection (the file exists: the pool made it) and starts the thread.
    pub fn start(path: &str, busy_timeout: Duration) -> StoreResult<CommitThread> {
        let conn = open(path, busy_timeout).map_err(unavailable)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-commit".into())
            .spawn(move || {
                let mut conn = conn;
                while let Ok(job) = queue.recv() {
                    let written = write(&mut conn, &job.unique, &job.delivered, job.at);
                    let reply = written.map(|w| (job.unique, w)).map_err(StoreError::from);
                    let _ = job.reply.send(reply);
                }
            })
            .map_err(|e| unavailable(e.to_string()))?;
        Ok(CommitThread {
            jobs: Mutex::new(Some(jobs)),
        })
    }

    /// Commits one batch; resolves once it is durable (or refused, and rolled back), with
    /// the batch given back.
    pub async fn commit(
        &self,
        unique: Vec<NewMessage>,
        delivered: Vec<Uuid>,
        at: DateTime<Utc>,
    ) -> StoreResult<(Vec<NewMessage>, Written)> {
        let (reply, written) = oneshot::channel();
        let job = Job {
            unique,
            delivered,
            at,
            reply,
        };
        let sent = match self.jobs.lock() {
            Ok(jobs) => jobs.as_ref().is_some_and(|q| q.send(job).is_ok()),
            Err(_) => false,
        };
        if !sent {
            return Err(unavailable("the commit thread has stopped"));
        }
        written
            .await
            .map_err(|_| unavailable("the commit thread has stopped"))?
    }

    /// Lets the thread finish the batch in hand and end.
    pub fn close(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
    }
}

fn unavailable(err: impl ToString) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Io(std::io::Error::other(err.to_string())))
}

fn open(path: &str, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    // The pool's options may follow the path (`?mode=…`); this connection needs none of them.
    let file = path.split('?').next().unwrap_or(path);
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    super::busy::set_commit_timeout(busy_timeout);
    conn.busy_handler(Some(super::busy::commit_waits))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

/// Per room of a stored batch: how many messages, and the newest one.
struct RoomDelta<'a> {
    count: i64,
    last: &'a NewMessage,
}

/// One transaction: the messages, their rooms' counts and last message, their event-log rows
/// and the delivery receipts. Dropping the transaction on an error rolls it back.
fn write(
    conn: &mut Connection,
    unique: &[NewMessage],
    delivered: &[Uuid],
    at: DateTime<Utc>,
) -> rusqlite::Result<Written> {
    super::busy::let_waiter_in();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let inserted: HashSet<Uuid> = if unique.is_empty() {
        HashSet::new()
    } else {
        let mut insert = tx.prepare_cached(INSERT_BATCH)?;
        let ids = insert.query_map([batch_json(unique)], |row| row.get::<_, Uuid>(0))?;
        ids.collect::<rusqlite::Result<_>>()?
    };
    let mut stored = Stored::with_capacity(inserted.len());
    let mut rooms: HashMap<Uuid, RoomDelta<'_>> = HashMap::new();
    let mut seqs = HashMap::new();
    let mut ordered: Vec<&NewMessage> =
        unique.iter().filter(|m| inserted.contains(&m.id)).collect();
    for m in &ordered {
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
        let mut update = tx.prepare_cached(UPDATE_ROOMS)?;
        let counters = update.query_map([Value::Array(updates).to_string()], |row| {
            Ok((row.get::<_, Uuid>(0)?, row.get::<_, i64>(1)?))
        })?;
        // Each room's new messages take the positions just below its counter, in (created_at,
        // id) order, which is their order in the room.
        let mut next = HashMap::new();
        for counter in counters {
            let (room, top) = counter?;
            if let Some(d) = rooms.get(&room) {
                next.insert(room, top - d.count + 1);
            }
        }
        ordered.sort_by_key(|m| (m.created_at, m.id));
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
        tx.prepare_cached(LOG_BATCH)?
            .execute([Value::Array(log).to_string()])?;
    }
    let mut moved = Vec::new();
    if !delivered.is_empty() {
        let mut deliver = tx.prepare_cached(DELIVER)?;
        // By name: SQLite numbers `$N` parameters in order of appearance, not by N (sqlx
        // reads the N; rusqlite does not).
        let rows = deliver.query_map(
            rusqlite::named_params! {"$1": super::hex_ids(delivered), "$2": micros(at)},
            |row| {
                Ok(Delivered {
                    message_id: row.get(0)?,
                    room_id: row.get(1)?,
                })
            },
        )?;
        moved = rows.collect::<rusqlite::Result<_>>()?;
    }
    tx.commit()?;
    Ok(Written {
        stored,
        seqs,
        delivered: moved,
    })
}

/// One JSON object per message to insert, read back by `INSERT_BATCH`.
fn batch_json(unique: &[NewMessage]) -> String {
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
