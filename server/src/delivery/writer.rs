//! Group commit: every message, from REST or Socket.IO, goes through one queue; a writer task
//! commits whatever has queued up in one transaction, answers each sender only after the
//! commit, and then fans the new messages out in commit order. Delivery receipts ride in the
//! same transactions (one position row per recipient and room, not a write per message), so a
//! busy room costs one commit per batch, not two. A second writer (PostgreSQL) starts on the
//! waiting messages while a commit runs only once enough wait or they have waited long enough;
//! a room's messages never sit in two running commits.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::queue::{Committed, Draft, Job, OVERLAP_BATCH, Queue, Step, Stored};
use crate::clock;
use crate::db::{Inserted, NewMessage, Receipt, Store};
use crate::delivery::events::Events;
use crate::error::{AppError, AppResult};
use tigo_common::MessageDelivered;
use uuid::Uuid;

/// The handle that queues messages for the writers.
#[derive(Clone)]
pub struct Writer {
    queue: Queue,
}

impl Writer {
    /// Starts `writers` writer tasks on `queue` (on `tasks`) and the task that takes the
    /// receipts arriving on `receipts` into it; they drain it and stop when `shutdown` fires.
    /// SQLite takes one writer (it has one write lock). The handle returned ends with the
    /// last writer.
    pub fn start(
        queue: Queue,
        receipts: mpsc::Receiver<Receipt>,
        store: Arc<dyn Store>,
        events: Events,
        writers: usize,
        (tasks, shutdown): (&TaskTracker, CancellationToken),
    ) -> (Writer, tokio::task::JoinHandle<()>) {
        tasks.spawn(take_receipts(queue.clone(), receipts, shutdown.clone()));
        let running: Vec<_> = (0..writers.max(1))
            .map(|_| {
                tasks.spawn(run(
                    queue.clone(),
                    store.clone(),
                    events.clone(),
                    shutdown.clone(),
                ))
            })
            .collect();
        let all = tasks.spawn(async move {
            for task in running {
                let _ = task.await;
            }
        });
        (Writer { queue }, all)
    }

    /// Messages waiting for a commit right now.
    pub fn queued(&self) -> usize {
        self.queue.lock().jobs.len()
    }

    /// Queues a message and returns at once; the receipt resolves after the commit. The order
    /// of `enqueue` calls is the order of storage and delivery within a room.
    pub fn enqueue(&self, draft: Draft) -> AppResult<Stored> {
        let (reply, receipt) = oneshot::channel();
        let mut state = self.queue.lock();
        if state.closed {
            return Err(AppError::unavailable("the server is shutting down"));
        }
        if state.jobs.len() >= self.queue.shared.queue_limit {
            return Err(AppError::TooManyRequests {
                message: "Too many messages in flight, please retry".into(),
                retry_after_secs: 1,
            });
        }
        state.jobs.push_back(Job {
            draft,
            reply,
            queued: Instant::now(),
        });
        // Wake a writer when one is idle, when a message starts waiting behind a running
        // commit (its overlap timer) and when enough wait for a second commit; otherwise the
        // running commit picks them up when it ends. (Not on every message: under load that
        // would wake a writer per message to find nothing to take.)
        let wake = state.committing == 0 || matches!(state.jobs.len(), 1 | OVERLAP_BATCH);
        drop(state);
        if wake {
            self.queue.shared.wake.notify_one();
        }
        Ok(receipt)
    }

    /// Queues a message and waits until it is stored.
    pub async fn submit(&self, draft: Draft) -> AppResult<Inserted> {
        wait(self.enqueue(draft)?).await
    }
}

/// Waits until a queued message is stored.
pub async fn wait(stored: Stored) -> AppResult<Inserted> {
    wait_encoded(stored).await.map(|c| c.inserted)
}

/// Waits until a queued message is stored; with the JSON text its room got.
pub async fn wait_encoded(stored: Stored) -> AppResult<Committed> {
    stored
        .await
        .map_err(|_| AppError::unavailable("the message writer stopped"))?
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
        reply_to: draft.reply_to.clone(),
        created_at: at,
    }
}

/// Moves receipts from the channel into the queue for the next commit. At shutdown it moves
/// those already sent and stops (the writers' last commit takes them).
async fn take_receipts(
    queue: Queue,
    mut receipts: mpsc::Receiver<Receipt>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            r = receipts.recv() => match r {
                Some(receipt) => queue.receipt(receipt),
                None => return,
            },
            () = shutdown.cancelled() => break,
        }
    }
    receipts.close();
    while let Ok(receipt) = receipts.try_recv() {
        queue.receipt(receipt);
    }
}

async fn run(queue: Queue, store: Arc<dyn Store>, events: Events, shutdown: CancellationToken) {
    let shared = &queue.shared;
    loop {
        let notified = shared.wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let step = {
            let mut state = queue.lock();
            if shutdown.is_cancelled() && !state.closed {
                // Refuse new messages, finish the queued ones.
                state.closed = true;
            }
            state.next(shared.max_batch, Instant::now())
        };
        match step {
            Step::Commit(mut jobs, mut receipts) => {
                let rooms: Vec<Uuid> = jobs.iter().map(|j| j.draft.access.id).collect();
                commit(&store, &events, &mut jobs, &mut receipts).await;
                queue.lock().done(rooms.into_iter());
                // Another writer may have been waiting for these rooms.
                shared.wake.notify_one();
            }
            Step::Wait(until) => {
                let sleep = async {
                    match until {
                        Some(at) => tokio::time::sleep_until(at.into()).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = notified => {}
                    () = sleep => {}
                    () = shutdown.cancelled(), if !queue.lock().closed => {}
                }
            }
            Step::Stop => {
                // Wake the other writers so they see it too.
                shared.wake.notify_one();
                break;
            }
        }
    }
    tracing::debug!("message writer stopped");
}

/// The receipts for the store: every recipient's position moves, and a message that reached a
/// recipient twice (replayed and live) counts once.
fn each_once(receipts: &mut Vec<Receipt>) -> Vec<Receipt> {
    let mut receipted = std::collections::HashSet::new();
    receipts
        .drain(..)
        .filter(|r| receipted.insert(*r))
        .collect()
}

/// One transaction for the queued messages and receipts; then answers, fan-out, receipts.
async fn commit(
    store: &Arc<dyn Store>,
    events: &Events,
    jobs: &mut Vec<Job>,
    receipts: &mut Vec<Receipt>,
) {
    let batch: Arc<[NewMessage]> = jobs.iter().map(|j| to_new(&j.draft)).collect();
    let receipts = each_once(receipts);
    let started = Instant::now();
    let result = store.commit(batch.clone(), &receipts).await;
    if result.is_ok() {
        events.committed(started.elapsed());
    }
    let mut seqs = std::collections::HashMap::new();
    let (outcomes, moved): (Vec<AppResult<Inserted>>, Vec<crate::db::Delivered>) = match result {
        Ok(done) => {
            seqs = done.seqs;
            (done.inserted.into_iter().map(Ok).collect(), done.delivered)
        }
        Err(err) if batch.len() > 1 && !err.is_unavailable() => {
            // One bad message must not sink the others: retry them one by one.
            tracing::warn!(%err, size = batch.len(), "batch commit failed; isolating");
            let mut outcomes = Vec::with_capacity(batch.len());
            for message in batch.iter() {
                outcomes.push(
                    store
                        .commit(Arc::from(std::slice::from_ref(message)), &[])
                        .await
                        .map_err(AppError::from)
                        .and_then(|mut one| {
                            seqs.extend(one.seqs.drain());
                            one.inserted
                                .pop()
                                .ok_or_else(|| AppError::internal("empty insert result"))
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
        let answer = outcome.map(|inserted| {
            let encoded = match &inserted {
                Inserted::New(message) => {
                    events.counted_message();
                    let seq = seqs.get(&message.id).copied();
                    Some(events.new_message(message, job.draft.access, seq))
                }
                Inserted::Existing(_) => None,
            };
            Committed { inserted, encoded }
        });
        let _ = job.reply.send(answer);
    }
    // A message reaching two members at once is told delivered once.
    let mut told = std::collections::HashSet::new();
    for d in moved.into_iter().filter(|d| told.insert(d.message_id)) {
        events.message_delivered(&MessageDelivered {
            message_id: d.message_id,
            room_id: d.room_id,
            user_id: d.user_id,
        });
    }
}
