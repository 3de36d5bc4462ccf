//! Group commit: every message, from REST or Socket.IO, goes through one writer task that
//! commits whatever has queued up in one transaction, answers each sender only after the
//! commit, and then fans the new messages out in commit order.

use std::sync::Arc;

use tigo_common::{SendMessage, UserSummary};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::clock;
use crate::db::{Inserted, NewMessage, RoomAccess, Store};
use crate::error::{AppError, AppResult};
use crate::events::Events;

/// A validated message whose sender may post in its room.
pub struct Draft {
    pub access: RoomAccess,
    pub sender: UserSummary,
    pub message: SendMessage,
}

/// The answer to one message: the stored message once it is durable.
pub type Receipt = oneshot::Receiver<AppResult<Inserted>>;

struct Job {
    draft: Draft,
    reply: oneshot::Sender<AppResult<Inserted>>,
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task; it drains its queue and stops when `shutdown` fires.
    pub fn start(
        store: Arc<dyn Store>,
        events: Events,
        max_batch: usize,
        queue: usize,
        shutdown: CancellationToken,
    ) -> (Writer, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let task = tokio::spawn(run(rx, store, events, max_batch.max(1), shutdown));
        (Writer { tx }, task)
    }

    /// Queues a message and returns at once; the receipt resolves after the commit. The order
    /// of `enqueue` calls is the order of storage and delivery.
    pub fn enqueue(&self, draft: Draft) -> AppResult<Receipt> {
        let (reply, receipt) = oneshot::channel();
        match self.tx.try_send(Job { draft, reply }) {
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

/// Waits for a receipt.
pub async fn wait(receipt: Receipt) -> AppResult<Inserted> {
    receipt
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
    mut rx: mpsc::Receiver<Job>,
    store: Arc<dyn Store>,
    events: Events,
    max_batch: usize,
    shutdown: CancellationToken,
) {
    let mut jobs: Vec<Job> = Vec::with_capacity(max_batch);
    loop {
        let first = tokio::select! {
            biased;
            job = rx.recv() => job,
            () = shutdown.cancelled() => {
                // Refuse new messages, finish the queued ones.
                rx.close();
                rx.recv().await
            }
        };
        let Some(first) = first else { break };
        jobs.push(first);
        while jobs.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let batch: Vec<NewMessage> = jobs.iter().map(|j| to_new(&j.draft)).collect();
        let outcomes = match store.insert_messages(&batch).await {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
            Err(err) if batch.len() > 1 && !err.is_unavailable() => {
                // One bad message must not sink the others: retry them one by one.
                tracing::warn!(%err, size = batch.len(), "batch insert failed; isolating");
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
                outcomes
            }
            Err(err) => {
                let err = AppError::from(err);
                err.log();
                batch.iter().map(|_| Err(err.clone())).collect()
            }
        };
        for (job, outcome) in jobs.drain(..).zip(outcomes) {
            if let Ok(Inserted::New(message)) = &outcome {
                events.new_message(message, job.draft.access);
            }
            let _ = job.reply.send(outcome);
        }
    }
    tracing::debug!("message writer stopped");
}
