//! The embedded group commit: a connection of its own, driven synchronously on a thread of its
//! own, so a whole batch (begin, a prepared statement per row, commit) is one hand-off there
//! and one back. The batch goes there shared (`Arc`), bound as it is: no copy, no JSON.
//!
//! Through sqlx every statement, every row it returns and the commit itself is a round trip to
//! the connection's worker thread: about a dozen thread wake-ups per batch, which on two cores
//! shared with everything else cost more than SQLite's work and the WAL's fsync together
//! (`perf`: half the server's time in context switches; 1.1 ms per commit). The connection
//! here has the same settings as the pool's (WAL, `synchronous=FULL`, foreign keys, busy
//! handler, temporary data in memory), so durability is unchanged: a reply is sent only once
//! `COMMIT` has returned. Its page cache stays warm, being the only connection that writes
//! messages.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior, params};
use serde_json::Value;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::micros;
use crate::db::batch::Stored;
use crate::db::{Delivered, NewMessage, Receipt, StoreError, StoreResult};

/// What one batch wrote: the messages stored (with their instants), their room-event-log
/// positions, and the receipted messages whose status moved to `delivered`.
pub(super) struct Written {
    pub stored: Stored,
    pub seqs: HashMap<Uuid, i64>,
    pub delivered: Vec<Delivered>,
}

struct Job {
    /// The batch, shared with the caller rather than copied.
    batch: Arc<[NewMessage]>,
    /// Where in `batch` the messages to write are (repeated idempotency keys removed).
    unique: Vec<usize>,
    receipts: Vec<Receipt>,
    reply: oneshot::Sender<StoreResult<Written>>,
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
                    let written = write(&mut conn, &job).map_err(StoreError::from);
                    let _ = job.reply.send(written);
                }
            })
            .map_err(|e| unavailable(e.to_string()))?;
        Ok(CommitThread {
            jobs: Mutex::new(Some(jobs)),
        })
    }

    /// Commits the messages of `batch` at `unique`; resolves once it is durable (or refused,
    /// and rolled back).
    pub async fn commit(
        &self,
        batch: Arc<[NewMessage]>,
        unique: Vec<usize>,
        receipts: Vec<Receipt>,
    ) -> StoreResult<Written> {
        let (reply, written) = oneshot::channel();
        let job = Job {
            batch,
            unique,
            receipts,
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
/// and the recipients' delivered positions, each a prepared statement run once per row (in-process, a row
/// costs microseconds). Dropping the transaction on an error rolls it back.
fn write(conn: &mut Connection, job: &Job) -> rusqlite::Result<Written> {
    super::busy::let_waiter_in();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let unique = job.unique.iter().filter_map(|&i| job.batch.get(i));
    let inserted = insert(&tx, unique)?;
    let (stored, seqs) = log(&tx, inserted)?;
    let delivered = deliver(&tx, &job.receipts)?;
    tx.commit()?;
    Ok(Written {
        stored,
        seqs,
        delivered,
    })
}

/// Inserts the messages in batch order; returns those stored (a repeated idempotency key
/// stores nothing).
fn insert<'a>(
    tx: &Transaction<'_>,
    unique: impl Iterator<Item = &'a NewMessage>,
) -> rusqlite::Result<Vec<&'a NewMessage>> {
    let mut insert = tx.prepare_cached(INSERT)?;
    let mut stored = Vec::new();
    for m in unique {
        let reply = m.reply_to.as_ref();
        let changed = insert.execute(params![
            m.id,
            m.room_id,
            m.sender.id,
            m.content,
            m.message_type.as_str(),
            m.file_url,
            m.file_name,
            m.file_size,
            m.metadata.as_ref().map(Value::to_string),
            m.client_msg_id,
            micros(m.created_at),
            reply.map(|r| r.id),
            reply.map(|r| r.sender_id),
            reply.map(|r| r.message_type.as_str()),
        ])?;
        if changed == 1 {
            stored.push(m);
        }
    }
    Ok(stored)
}

/// Adds the stored messages to their rooms' counts and last message, and their `new_message`
/// events to the room event log; returns their instants and log positions.
fn log(
    tx: &Transaction<'_>,
    mut inserted: Vec<&NewMessage>,
) -> rusqlite::Result<(Stored, HashMap<Uuid, i64>)> {
    let mut stored = Stored::with_capacity(inserted.len());
    let mut rooms: HashMap<Uuid, RoomDelta<'_>> = HashMap::new();
    for m in &inserted {
        stored.insert(m.id, m.created_at);
        let delta = rooms
            .entry(m.room_id)
            .or_insert(RoomDelta { count: 0, last: m });
        delta.count += 1;
        if (m.created_at, m.id) > (delta.last.created_at, delta.last.id) {
            delta.last = m;
        }
    }
    // Each room's new messages take the positions just below its counter, in (created_at,
    // id) order, which is their order in the room.
    let mut update = tx.prepare_cached(UPDATE_ROOM)?;
    let mut next = HashMap::with_capacity(rooms.len());
    for (room, d) in &rooms {
        let (at, last) = (micros(d.last.created_at), d.last);
        let mut top = update.query(params![room, d.count, at, last.preview(), last.sender.id])?;
        if let Some(row) = top.next()? {
            next.insert(*room, row.get::<_, i64>(0)? - d.count + 1);
        }
    }
    inserted.sort_by_key(|m| (m.created_at, m.id));
    let mut append = tx.prepare_cached(LOG_EVENT)?;
    let mut seqs = HashMap::with_capacity(inserted.len());
    for m in inserted {
        let Some(seq) = next.get_mut(&m.room_id) else {
            continue;
        };
        append.execute(params![m.room_id, *seq, m.id, micros(m.created_at)])?;
        seqs.insert(m.id, *seq);
        *seq += 1;
    }
    Ok((stored, seqs))
}

/// Moves each recipient's delivered position in a room to the newest message receipted there
/// (one upsert per recipient and room); returns the receipted messages that were `sent` until
/// now, each judged against the positions as they were before this batch.
fn deliver(tx: &Transaction<'_>, receipts: &[Receipt]) -> rusqlite::Result<Vec<Delivered>> {
    let mut moved = Vec::new();
    if receipts.is_empty() {
        return Ok(moved);
    }
    let mut receipted = tx.prepare_cached(RECEIPTED)?;
    let mut newest: HashMap<(Uuid, Uuid), (i64, Uuid)> = HashMap::new();
    for r in receipts {
        let mut rows = receipted.query(params![r.message_id, r.recipient])?;
        let Some(row) = rows.next()? else {
            continue;
        };
        let (room_id, at, was_sent): (Uuid, i64, bool) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if was_sent {
            moved.push(Delivered {
                message_id: r.message_id,
                room_id,
                user_id: r.recipient,
            });
        }
        let top = newest
            .entry((room_id, r.recipient))
            .or_insert((at, r.message_id));
        *top = (*top).max((at, r.message_id));
    }
    let mut advance = tx.prepare_cached(ADVANCE_DELIVERED)?;
    for ((room_id, recipient), (at, id)) in newest {
        advance.execute(params![room_id, recipient, at, id])?;
    }
    Ok(moved)
}

/// One message (`?11`: its instant, also its `updated_at`); nothing when its idempotency key
/// is taken.
const INSERT: &str = "INSERT INTO chat_messages (id, chat_room_id, sender_id, content, type,
        file_url, file_name, file_size, metadata, client_msg_id, created_at, updated_at,
        reply_to_id, reply_to_sender_id, reply_to_type)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14)
    ON CONFLICT (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING";

/// Adds `?2` stored messages to room `?1`'s count and event counter, the newest (at `?3`, with
/// preview `?4`, from `?5`) as its last message unless it has a later one; returns the counter.
const UPDATE_ROOM: &str = "UPDATE chat_rooms SET
        message_count = message_count + ?2,
        last_message_content = CASE WHEN last_message_at IS NULL OR ?3 >= last_message_at
            THEN ?4 ELSE last_message_content END,
        last_message_sender_id = CASE WHEN last_message_at IS NULL OR ?3 >= last_message_at
            THEN ?5 ELSE last_message_sender_id END,
        last_message_at = max(coalesce(last_message_at, ?3), ?3),
        updated_at = max(updated_at, ?3),
        event_seq = event_seq + ?2
    WHERE id = ?1
    RETURNING event_seq";

/// A stored message's `new_message` event: room `?1`, position `?2`, message `?3`, at `?4`.
const LOG_EVENT: &str = "INSERT INTO room_events (room_id, seq, kind, message_id, created_at)
    VALUES (?1, ?2, 'new_message', ?3, ?4)";

/// Receipted message `?1` (not `?2`'s own): its room, its instant, and whether its status is
/// still `sent` (no member but its sender has a position at or past it).
const RECEIPTED: &str = "SELECT m.chat_room_id, m.created_at, NOT EXISTS (
        SELECT 1 FROM chat_room_reads p
        WHERE p.chat_room_id = m.chat_room_id AND p.user_id <> m.sender_id
          AND ((p.delivered_upto_at, p.delivered_upto_id) >= (m.created_at, m.id)
            OR (p.read_upto_at, p.read_upto_id) >= (m.created_at, m.id)))
    FROM chat_messages m WHERE m.id = ?1 AND m.sender_id <> ?2";

/// Moves `?2`'s delivered position in room `?1` forward (never back) to `(?3, ?4)`.
const ADVANCE_DELIVERED: &str = "INSERT INTO chat_room_reads
        (chat_room_id, user_id, delivered_upto_at, delivered_upto_id)
    VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (chat_room_id, user_id) DO UPDATE SET
        delivered_upto_at = excluded.delivered_upto_at,
        delivered_upto_id = excluded.delivered_upto_id
    WHERE chat_room_reads.delivered_upto_at IS NULL
       OR (excluded.delivered_upto_at, excluded.delivered_upto_id)
          > (chat_room_reads.delivered_upto_at, chat_room_reads.delivered_upto_id)";
