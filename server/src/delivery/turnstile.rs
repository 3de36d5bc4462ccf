//! The turnstile that lets a connection's events through one at a time, in the order they
//! arrived: processing and replying each take a ticket's turn.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

/// Lets tickets through one at a time, in order.
#[derive(Default)]
pub(crate) struct Turnstile {
    now: AtomicU64,
    changed: Notify,
}

impl Turnstile {
    pub(crate) fn current(&self) -> u64 {
        self.now.load(Ordering::Acquire)
    }

    pub(crate) async fn wait(&self, ticket: u64) -> Turn<'_> {
        loop {
            let notified = self.changed.notified();
            if self.current() == ticket {
                return Turn { turnstile: self };
            }
            notified.await;
        }
    }
}

/// Holding a turn: this connection's later events wait; dropping it lets the next one in.
pub struct Turn<'a> {
    turnstile: &'a Turnstile,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.turnstile.now.fetch_add(1, Ordering::AcqRel);
        self.turnstile.changed.notify_waiters();
    }
}
