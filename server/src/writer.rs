//! Group commit: every message, from REST or Socket.IO, goes through one writer task that
//! commits whatever has queued up in one transaction, answers each sender only after the
//! commit, and then fans the new messages out in commit order. Delivery receipts ride in the
//! same transactions, so a busy room costs one commit per batch, not two.

use std::sync::Arc;

use tigo_common::{SendMessage, UserSummary};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::clock;
use crate::db::{Inserted, NewMessage, RoomAccess, Store};
use crate::error::{AppError, AppResult};
use crate::events::Events;
use tigo_common::MessageDelivered;
use uuid::Uuid;

/// A validated message whose sender may post in its room.
pub struct Draft {
    pub access: RoomAccess,
    pub sender: UserSummary,
    pub message: SendMessage,
}

/// The answer to one message: the stored message once it is durable.
pub type Stored = oneshot::Receiver<AppResult<Inserted>>;

/// A message reached a connection of `recipient`: it becomes `delivered` at the next commit.
#[derive(Debug, Clone, Copy)]
pub struct Receipt {
    pub message_id: Uuid,
    pub room_id: Uuid,
    pub recipient: Uuid,
}

/// Longest a delivery receipt waits for a message batch to share its commit.
const RECEIPT_DELAY: std::time::Duration = std::time::Duration::from_millis(20);

struct Inputs {
    jobs: mpsc::Receiver<Job>,
    receipts: mpsc::Receiver<Receipt>,
}

struct Job {
    draft: Draft,
    reply: oneshot::Sender<AppResult<Inserted>>,
}

/// The writers: one per shard of rooms. A room always goes to the same shard (its order is
/// kept); different shards commit concurrently, so PostgreSQL flushes several commits at once.
#[derive(Clone)]
pub struct Writer {
    shards: Arc<[mpsc::Sender<Job>]>,
}

/// The shard of a room among `n`.
pub fn shard_of(room: Uuid, n: usize) -> usize {
    (room.as_u128() % n.max(1) as u128) as usize
}

impl Writer {
    /// Starts one writer task per receipt channel (one per shard); they drain their queues
    /// and stop when `shutdown` fires. Receipts (a message reached a recipient's connection)
    /// arrive on the shard of the message's room.
    pub fn start(
        store: Arc<dyn Store>,
        events: Events,
        receipts: Vec<mpsc::Receiver<Receipt>>,
        max_batch: usize,
        queue: usize,
        shutdown: CancellationToken,
    ) -> (Writer, tokio::task::JoinHandle<()>) {
        let mut senders = Vec::with_capacity(receipts.len());
        let mut tasks = Vec::with_capacity(receipts.len());
        for receipts in receipts {
            let (tx, rx) = mpsc::channel(queue.max(1));
            senders.push(tx);
            let inputs = Inputs { jobs: rx, receipts };
            tasks.push(tokio::spawn(run(
                inputs,
                store.clone(),
                events.clone(),
                max_batch.max(1),
                shutdown.clone(),
            )));
        }
        let all = tokio::spawn(async move {
            for task in tasks {
                let _ = task.await;
            }
        });
        (
            Writer {
                shards: senders.into(),
            },
            all,
        )
    }

    /// Queues a message and returns at once; the receipt resolves after the commit. The order
    /// of `enqueue` calls is the order of storage and delivery.
    pub fn enqueue(&self, draft: Draft) -> AppResult<Stored> {
        let (reply, receipt) = oneshot::channel();
        let shard = &self.shards[shard_of(draft.access.id, self.shards.len())];
        match shard.try_send(Job { draft, reply }) {
            Ok(()) => Ok(receipt),
            Err(mpsc::error::TrySendError::Full(_)) => Err(AppError::TooManyRequests {
                message: "Too many messages in flight, please retry".into(),
                retry_after_secs: 1,
            }),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                Err(AppError::Unavailable("the server is shutting down".into()))
            }
        }
    }

    /// Queues a message and waits until it is stored.
    pub async fn submit(&self, draft: Draft) -> AppResult<Inserted> {
        wait(self.enqueue(draft)?).await
    }
}

/// Waits until a queued message is stored.
pub async fn wait(stored: Stored) -> AppResult<Inserted> {
    stored
        .await
        .map_err(|_| AppError::Unavailable("the message writer stopped".into()))?
}

fn to_new(draft: &Draft) -> NewMessage {
    let at = clock::next_instant();
    let m = &draft.message;
    NewMessage {
        id: clock::id_at(at),
        room_id: draft.access.id,
        sender: draft.sender.clone(),
        content: m.content.clone(),
        message_type: m.message_type,
        file_url: m.file_url.clone(),
        file_name: m.file_name.clone(),
        file_size: m.file_size,
        metadata: m.metadata.clone(),
        client_msg_id: m.client_msg_id.clone(),
        created_at: at,
    }
}

async fn run(
    mut inputs: Inputs,
    store: Arc<dyn Store>,
    events: Events,
    max_batch: usize,
    shutdown: CancellationToken,
) {
    let mut jobs: Vec<Job> = Vec::with_capacity(max_batch);
    let mut receipts: Vec<Receipt> = Vec::new();
    let mut stopping = false;
    // Receipts wait for the next message batch to ride along; alone, they are committed
    // after this long (a receipt may arrive a little late, a message never waits for one).
    let mut receipts_due: Option<tokio::time::Instant> = None;
    loop {
        if jobs.is_empty() {
            let due = receipts_due.unwrap_or_else(|| tokio::time::Instant::now() + RECEIPT_DELAY);
            tokio::select! {
                biased;
                job = inputs.jobs.recv() => match job {
                    Some(job) => jobs.push(job),
                    None => break,
                },
                receipt = inputs.receipts.recv(), if !stopping => match receipt {
                    Some(r) => {
                        receipts.push(r);
                        receipts_due.get_or_insert_with(|| tokio::time::Instant::now() + RECEIPT_DELAY);
                        if receipts.len() < 4 * max_batch {
                            continue;
                        }
                    }
                    None => stopping = true,
                },
                () = tokio::time::sleep_until(due), if receipts_due.is_some() => {}
                () = shutdown.cancelled(), if !stopping => {
                    // Refuse new messages, finish the queued ones.
                    inputs.jobs.close();
                    stopping = true;
                    continue;
                }
            }
            if jobs.is_empty() && receipts.is_empty() {
                continue;
            }
        }
        while jobs.len() < max_batch {
            match inputs.jobs.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        while receipts.len() < 4 * max_batch {
            match inputs.receipts.try_recv() {
                Ok(r) => receipts.push(r),
                Err(_) => break,
            }
        }
        receipts_due = None;
        commit(&store, &events, &mut jobs, &mut receipts).await;
    }
    tracing::debug!("message writer stopped");
}

/// One transaction for the queued messages and receipts; then answers, fan-out, receipts.
async fn commit(
    store: &Arc<dyn Store>,
    events: &Events,
    jobs: &mut Vec<Job>,
    receipts: &mut Vec<Receipt>,
) {
    let batch: Vec<NewMessage> = jobs.iter().map(|j| to_new(&j.draft)).collect();
    let recipients: std::collections::HashMap<Uuid, Uuid> = receipts
        .drain(..)
        .map(|r| (r.message_id, r.recipient))
        .collect();
    let delivered_ids: Vec<Uuid> = recipients.keys().copied().collect();
    let result = store
        .commit(&batch, &delivered_ids, chrono::Utc::now())
        .await;
    let (outcomes, moved): (Vec<AppResult<Inserted>>, Vec<crate::db::Delivered>) = match result {
        Ok(done) => (done.inserted.into_iter().map(Ok).collect(), done.delivered),
        Err(err) if batch.len() > 1 && !err.is_unavailable() => {
            // One bad message must not sink the others: retry them one by one.
            tracing::warn!(%err, size = batch.len(), "batch commit failed; isolating");
            let mut outcomes = Vec::with_capacity(batch.len());
            for message in &batch {
                outcomes.push(
                    store
                        .insert_messages(std::slice::from_ref(message))
                        .await
                        .map_err(AppError::from)
                        .and_then(|mut one| {
                            one.pop()
                                .ok_or_else(|| AppError::Internal("empty insert result".into()))
                        }),
                );
            }
            (outcomes, Vec::new())
        }
        Err(err) => {
            // Receipts are best effort; the messages get the error.
            let err = AppError::from(err);
            err.log();
            (batch.iter().map(|_| Err(err.clone())).collect(), Vec::new())
        }
    };
    for (job, outcome) in jobs.drain(..).zip(outcomes) {
        if let Ok(Inserted::New(message)) = &outcome {
            events.counted_message();
            events.new_message(message, job.draft.access);
        }
        let _ = job.reply.send(outcome);
    }
    for d in moved {
        if let Some(user_id) = recipients.get(&d.message_id) {
            events.message_delivered(&MessageDelivered {
                message_id: d.message_id,
                room_id: d.room_id,
                user_id: *user_id,
            });
        }
    }
}
