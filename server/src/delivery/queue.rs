//! The queue in front of the message writers: waiting messages in arrival order, delivery
//! receipts for the next commit, and the rule for what a writer may take now (rooms not in a
//! running commit, in order; a second commit only once enough wait or they waited long enough).

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tigo_common::{SendMessage, UserSummary};
use tokio::sync::{Notify, oneshot};
use uuid::Uuid;

use crate::db::{Inserted, Receipt, RoomAccess};
use crate::delivery::events::MAX_RECEIPTS;
use crate::error::AppResult;

/// A validated message whose sender may post in its room.
pub struct Draft {
    pub access: RoomAccess,
    pub sender: UserSummary,
    pub message: SendMessage,
    /// The message it answers, checked to be in the same room.
    pub reply_to: Option<tigo_common::ReplyTo>,
}

/// The answer to one message: the stored message once it is durable.
pub type Stored = oneshot::Receiver<AppResult<Committed>>;

/// A stored message, and its JSON text as its room got it (encoded once, by
/// `Events::new_message`); `None` when nothing new was stored (a repeated `client_msg_id`).
#[derive(Debug)]
pub struct Committed {
    pub inserted: Inserted,
    pub encoded: Option<Arc<serde_json::value::RawValue>>,
}

/// Longest a delivery receipt waits for a message batch to share its commit.
const RECEIPT_DELAY: Duration = Duration::from_millis(20);
/// While one commit is running, another writer starts on the waiting messages only when this
/// many can go or the oldest has waited `OVERLAP_AFTER`: one writer alone batches best (fewer
/// commits per message), a second one keeps latency down once commits fall behind.
pub(super) const OVERLAP_BATCH: usize = 8;
const OVERLAP_AFTER: Duration = Duration::from_millis(1);
/// How far into the queue a writer looks for messages it may take (in batches), so that
/// choosing stays cheap when the queue is long.
const SCAN_BATCHES: usize = 4;

pub(super) struct Job {
    pub(super) draft: Draft,
    pub(super) reply: oneshot::Sender<AppResult<Committed>>,
    pub(super) queued: Instant,
}

/// What the writers share: the waiting messages (in arrival order), the receipts for the next
/// commit, and the rooms some writer is committing right now.
pub(super) struct State {
    pub(super) jobs: VecDeque<Job>,
    receipts: Vec<Receipt>,
    receipts_since: Option<Instant>,
    /// Rooms in a running commit: their next messages wait for it (and its fan-out) to finish,
    /// so every room is stored and delivered in order.
    busy: HashSet<Uuid>,
    pub(super) committing: usize,
    pub(super) closed: bool,
}

pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    pub(super) wake: Notify,
    pub(super) queue_limit: usize,
    pub(super) max_batch: usize,
}

/// The message queue in front of the writers; also takes delivery receipts.
#[derive(Clone)]
pub struct Queue {
    pub(super) shared: Arc<Shared>,
}

impl Queue {
    pub fn new(max_batch: usize, queue_limit: usize) -> Queue {
        Queue {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    jobs: VecDeque::new(),
                    receipts: Vec::new(),
                    receipts_since: None,
                    busy: HashSet::new(),
                    committing: 0,
                    closed: false,
                }),
                wake: Notify::new(),
                queue_limit: queue_limit.max(1),
                max_batch: max_batch.max(1),
            }),
        }
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A message reached a recipient's connection: the next commit moves their delivered
    /// position in the room to it.
    pub(super) fn receipt(&self, receipt: Receipt) {
        let mut state = self.lock();
        if state.receipts.len() >= MAX_RECEIPTS {
            tracing::debug!("receipt queue full; a delivery receipt was skipped");
            return;
        }
        state.receipts.push(receipt);
        if state.receipts_since.is_none() {
            state.receipts_since = Some(Instant::now());
            drop(state);
            self.shared.wake.notify_one();
        }
    }
}

/// What a writer does next.
pub(super) enum Step {
    Commit(Vec<Job>, Vec<Receipt>),
    /// Nothing to take now: wait for news, or until then.
    Wait(Option<Instant>),
    Stop,
}

impl State {
    /// Takes the messages a writer may commit now (rooms not in a running commit, in order),
    /// with the receipts, or says how long to wait.
    pub(super) fn next(&mut self, max_batch: usize, now: Instant) -> Step {
        let receipts_due = self
            .receipts_since
            .map(|since| since + RECEIPT_DELAY)
            .filter(|_| !self.receipts.is_empty());
        let window = self.jobs.len().min(SCAN_BATCHES * max_batch);
        let mut free = self
            .jobs
            .iter()
            .take(window)
            .filter(|j| !self.busy.contains(&j.draft.access.id))
            .peekable();
        // The queue is in arrival order: the first free message has waited longest.
        let overlap_at = free.peek().map(|j| j.queued + OVERLAP_AFTER);
        let ready = free.count();
        let go = ready > 0
            && (self.committing == 0
                || ready >= OVERLAP_BATCH.min(max_batch)
                || overlap_at.is_some_and(|at| at <= now)
                || self.closed);
        if go {
            let mut taken = Vec::with_capacity(ready.min(max_batch));
            let rest = self.jobs.split_off(window);
            let mut kept = VecDeque::with_capacity(self.jobs.len() + rest.len());
            // Rooms with a message left in the queue: their later messages stay behind it.
            let mut held = HashSet::new();
            for job in self.jobs.drain(..) {
                let room = job.draft.access.id;
                if taken.len() < max_batch && !self.busy.contains(&room) && !held.contains(&room) {
                    taken.push(job);
                } else {
                    held.insert(room);
                    kept.push_back(job);
                }
            }
            kept.extend(rest);
            self.jobs = kept;
            self.busy.extend(taken.iter().map(|j| j.draft.access.id));
            return self.start_commit(taken, max_batch, now);
        }
        if self.committing == 0 && receipts_due.is_some_and(|due| due <= now || self.closed) {
            return self.start_commit(Vec::new(), max_batch, now);
        }
        if self.closed && self.jobs.is_empty() && self.committing == 0 {
            return Step::Stop;
        }
        // A running commit wakes the others when it ends; until then only the overlap timer.
        let wake_at = [
            receipts_due.filter(|_| self.committing == 0),
            overlap_at.filter(|_| self.committing > 0),
        ]
        .into_iter()
        .flatten()
        .min();
        Step::Wait(wake_at)
    }

    /// Starts a commit of `jobs` with the receipts waiting (up to four batches' worth).
    fn start_commit(&mut self, jobs: Vec<Job>, max_batch: usize, now: Instant) -> Step {
        self.committing += 1;
        let n = self.receipts.len().min(4 * max_batch);
        let receipts: Vec<Receipt> = self.receipts.drain(..n).collect();
        self.receipts_since = (!self.receipts.is_empty()).then_some(now);
        Step::Commit(jobs, receipts)
    }

    /// A commit finished: its rooms are free again.
    pub(super) fn done(&mut self, jobs_rooms: impl Iterator<Item = Uuid>) {
        for room in jobs_rooms {
            self.busy.remove(&room);
        }
        self.committing -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tigo_common::RoomType;

    fn job(room: Uuid, text: &str, queued: Instant) -> Job {
        let (reply, _) = oneshot::channel();
        Job {
            draft: Draft {
                access: RoomAccess {
                    id: room,
                    room_type: RoomType::CustomerHotelOwner,
                    participant1_id: Uuid::from_u128(1),
                    participant2_id: Uuid::from_u128(2),
                },
                sender: UserSummary {
                    id: Uuid::from_u128(1),
                    first_name: String::new(),
                    last_name: String::new(),
                    email: String::new(),
                },
                message: SendMessage {
                    chat_room_id: room,
                    content: text.into(),
                    ..SendMessage::default()
                },
                reply_to: None,
            },
            reply,
            queued,
        }
    }

    fn texts(jobs: &[Job]) -> Vec<&str> {
        jobs.iter()
            .map(|j| j.draft.message.content.as_str())
            .collect()
    }

    /// What a writer takes now; it must take something.
    fn take(state: &mut State, max_batch: usize, now: Instant) -> Vec<Job> {
        match state.next(max_batch, now) {
            Step::Commit(jobs, _) => jobs,
            _ => panic!("a writer should commit now"),
        }
    }

    fn queue_of(jobs: Vec<Job>) -> Queue {
        let queue = Queue::new(256, 1000);
        queue.lock().jobs.extend(jobs);
        queue
    }

    #[test]
    fn a_room_in_a_running_commit_keeps_its_next_messages_in_order() {
        let (a, b, c) = (
            Uuid::from_u128(10),
            Uuid::from_u128(11),
            Uuid::from_u128(12),
        );
        let now = Instant::now();
        let old = now - OVERLAP_AFTER * 2;
        let queue = queue_of(vec![job(a, "a1", old)]);
        let mut state = queue.lock();
        let first = take(&mut state, 256, now);
        assert_eq!(texts(&first), ["a1"]);
        state.jobs.extend([
            job(a, "a2", old),
            job(b, "b1", old),
            job(a, "a3", old),
            job(c, "c1", old),
        ]);
        // a1's commit is running: a second writer may take b1 and c1, not a2 or a3.
        let second = take(&mut state, 256, now);
        assert_eq!(texts(&second), ["b1", "c1"]);
        assert!(matches!(state.next(256, now), Step::Wait(None)));
        state.done(first.iter().map(|j| j.draft.access.id));
        let third = take(&mut state, 256, now);
        assert_eq!(texts(&third), ["a2", "a3"]);
    }

    #[test]
    fn a_full_batch_leaves_the_rest_of_a_room_behind_it() {
        let a = Uuid::from_u128(10);
        let now = Instant::now();
        let queue = queue_of(vec![
            job(a, "a1", now),
            job(a, "a2", now),
            job(a, "a3", now),
        ]);
        let mut state = queue.lock();
        let first = take(&mut state, 2, now);
        assert_eq!(texts(&first), ["a1", "a2"]);
        assert!(matches!(state.next(2, now), Step::Wait(None)));
        state.done(first.iter().map(|j| j.draft.access.id));
        let rest = take(&mut state, 2, now);
        assert_eq!(texts(&rest), ["a3"]);
    }

    #[test]
    fn while_a_commit_runs_a_lone_fresh_message_waits_to_batch() {
        let (a, b) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let now = Instant::now();
        let queue = queue_of(vec![job(a, "a1", now)]);
        let mut state = queue.lock();
        assert!(matches!(state.next(256, now), Step::Commit(..)));
        state.jobs.push_back(job(b, "b1", now));
        match state.next(256, now) {
            Step::Wait(Some(at)) => assert_eq!(at, now + OVERLAP_AFTER),
            _ => panic!("one fresh message waits for the running commit"),
        }
        let later = now + OVERLAP_AFTER;
        assert!(matches!(state.next(256, later), Step::Commit(..)));
    }

    #[test]
    fn a_writer_looks_only_a_few_batches_into_the_queue() {
        let (a, b) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let now = Instant::now();
        let old = now - OVERLAP_AFTER * 2;
        let mut jobs: Vec<Job> = (0..=SCAN_BATCHES)
            .map(|i| job(a, &format!("a{i}"), old))
            .collect();
        jobs.push(job(b, "b0", old));
        let queue = queue_of(jobs);
        let mut state = queue.lock();
        let first = take(&mut state, 1, now);
        assert_eq!(texts(&first), ["a0"]);
        // b0 is free but beyond the window: it waits for room a's commit to end.
        assert!(matches!(state.next(1, now), Step::Wait(None)));
        state.done(first.iter().map(|j| j.draft.access.id));
        let second = take(&mut state, 1, now);
        assert_eq!(texts(&second), ["a1"]);
        let order: Vec<&str> = state
            .jobs
            .iter()
            .map(|j| j.draft.message.content.as_str())
            .collect();
        assert_eq!(order.last(), Some(&"b0"), "the queue keeps its order");
    }

    #[test]
    fn a_closed_empty_queue_stops_its_writers() {
        let queue = Queue::new(256, 1000);
        queue.lock().closed = true;
        assert!(matches!(queue.lock().next(256, Instant::now()), Step::Stop));
    }
}
