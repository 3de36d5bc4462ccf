//! The per-socket outgoing packet queue: bounded, allocated only while packets wait.
//!
//! It replaces a `tokio::sync::mpsc` channel and a `tokio::sync::watch` channel per socket.
//! A bounded mpsc channel allocates its shared state (two cache-padded halves) and a first
//! block of 32 slots as soon as it is created, about 6 KiB per socket with a [`PacketBuf`] of
//! 168 bytes, although an idle connection has nothing waiting almost all the time. Here the
//! buffer is a [`VecDeque`] that is freed again once it is drained, the latest volatile packet
//! sits in a slot beside it, and everything lives inline in the [`Socket`](crate::Socket).
//!
//! There is one consumer at a time by construction: only the holder of the socket's
//! `internal_rx` lock (the websocket connection or the current polling request) receives.
use std::{
    collections::VecDeque,
    pin::pin,
    sync::Mutex,
    task::{Context, Poll, Waker},
};

use engineioxide_core::PacketBuf;
use tokio::sync::{Notify, mpsc::error::TrySendError};

#[derive(Debug, Default)]
struct State {
    buffered: VecDeque<PacketBuf>,
    /// Places taken by [`Permit`]s that have not sent yet.
    reserved: usize,
    /// The latest volatile packets: a newer one replaces an older one not yet sent.
    volatile: Option<PacketBuf>,
    closed: bool,
    rx_waker: Option<Waker>,
}

/// A bounded queue of [`PacketBuf`]s with one consumer and a volatile slot.
#[derive(Debug)]
pub(crate) struct PacketQueue {
    state: Mutex<State>,
    capacity: usize,
    closed: Notify,
}

impl PacketQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            capacity,
            closed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // No code panics while holding the lock; recover the state if it ever did.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues packets unless the queue is full or closed.
    // The error gives the packets back, as `mpsc::Sender::try_send` did.
    #[allow(clippy::result_large_err)]
    pub(crate) fn try_send(&self, packets: PacketBuf) -> Result<(), TrySendError<PacketBuf>> {
        let waker = {
            let mut state = self.lock();
            if state.closed {
                return Err(TrySendError::Closed(packets));
            }
            if state.buffered.len() + state.reserved >= self.capacity {
                return Err(TrySendError::Full(packets));
            }
            state.buffered.push_back(packets);
            state.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Takes one place in the queue for a later [`Permit::send`].
    pub(crate) fn try_reserve(&self) -> Result<Permit<'_>, TrySendError<()>> {
        let mut state = self.lock();
        if state.closed {
            return Err(TrySendError::Closed(()));
        }
        if state.buffered.len() + state.reserved >= self.capacity {
            return Err(TrySendError::Full(()));
        }
        state.reserved += 1;
        Ok(Permit {
            queue: self,
            sent: false,
        })
    }

    /// Replaces the volatile slot; false once the queue is closed.
    pub(crate) fn send_volatile(&self, packets: PacketBuf) -> bool {
        let waker = {
            let mut state = self.lock();
            if state.closed {
                return false;
            }
            state.volatile = Some(packets);
            state.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }

    /// The next buffered packets, else the volatile ones; `None` once closed and drained.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<PacketBuf>> {
        let mut state = self.lock();
        if let Some(packets) = Self::pop(&mut state) {
            return Poll::Ready(Some(packets));
        }
        if let Some(packets) = state.volatile.take() {
            return Poll::Ready(Some(packets));
        }
        if state.closed {
            return Poll::Ready(None);
        }
        match &mut state.rx_waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next buffered packets, without waiting.
    pub(crate) fn try_recv(&self) -> Option<PacketBuf> {
        Self::pop(&mut self.lock())
    }

    fn pop(state: &mut State) -> Option<PacketBuf> {
        let packets = state.buffered.pop_front()?;
        if state.buffered.is_empty() {
            // An idle socket holds no buffer: give back what the last burst needed.
            state.buffered = VecDeque::new();
        }
        Some(packets)
    }

    /// Refuses every further packet; what is buffered can still be received.
    pub(crate) fn close(&self) {
        let waker = {
            let mut state = self.lock();
            state.closed = true;
            state.rx_waker.take()
        };
        self.closed.notify_waiters();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Resolves once [`PacketQueue::close`] was called.
    pub(crate) async fn closed(&self) {
        loop {
            let mut notified = pin!(self.closed.notified());
            // Registered before the check, so a close in between is not missed.
            notified.as_mut().enable();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }
}

/// A place reserved in a [`PacketQueue`]; given back when dropped unused.
pub(crate) struct Permit<'a> {
    queue: &'a PacketQueue,
    sent: bool,
}

impl Permit<'_> {
    pub(crate) fn send(mut self, packets: PacketBuf) {
        self.sent = true;
        let waker = {
            let mut state = self.queue.lock();
            state.reserved -= 1;
            // A permit taken before the close may still send: mpsc did the same.
            state.buffered.push_back(packets);
            state.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.sent {
            self.queue.lock().reserved -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use engineioxide_core::{Packet, Str};
    use smallvec::smallvec;

    use super::*;

    fn msg(s: &'static str) -> PacketBuf {
        smallvec![Packet::Message(Str::from(s))]
    }

    #[test]
    fn an_empty_queue_holds_no_buffer() {
        let queue = PacketQueue::new(4);
        queue.try_send(msg("a")).unwrap();
        assert!(queue.lock().buffered.capacity() > 0);
        queue.try_recv().unwrap();
        assert_eq!(queue.lock().buffered.capacity(), 0);
    }

    #[test]
    fn the_capacity_counts_buffered_packets_and_permits() {
        let queue = PacketQueue::new(2);
        queue.try_send(msg("a")).unwrap();
        let permit = queue.try_reserve().unwrap();
        assert!(matches!(queue.try_send(msg("b")), Err(TrySendError::Full(_))));
        assert!(matches!(queue.try_reserve(), Err(TrySendError::Full(()))));
        drop(permit);
        queue.try_reserve().unwrap().send(msg("c"));
        assert_eq!(queue.try_recv().unwrap(), msg("a"));
        assert_eq!(queue.try_recv().unwrap(), msg("c"));
        assert!(queue.try_recv().is_none());
    }

    #[tokio::test]
    async fn buffered_packets_come_before_the_latest_volatile_one() {
        let queue = PacketQueue::new(4);
        assert!(queue.send_volatile(msg("v1")));
        assert!(queue.send_volatile(msg("v2")));
        queue.try_send(msg("a")).unwrap();
        let next = || poll_fn(|cx| queue.poll_recv(cx));
        assert_eq!(next().await.unwrap(), msg("a"));
        assert_eq!(next().await.unwrap(), msg("v2"));
        queue.close();
        assert!(next().await.is_none());
        assert!(!queue.send_volatile(msg("v3")));
    }

    #[tokio::test]
    async fn a_closed_queue_drains_then_ends_and_wakes_closed() {
        let queue = std::sync::Arc::new(PacketQueue::new(4));
        queue.try_send(msg("a")).unwrap();
        let waiter = tokio::spawn({
            let queue = queue.clone();
            async move { queue.closed().await }
        });
        tokio::task::yield_now().await;
        queue.close();
        assert!(matches!(queue.try_send(msg("b")), Err(TrySendError::Closed(_))));
        assert!(matches!(queue.try_reserve(), Err(TrySendError::Closed(()))));
        assert_eq!(poll_fn(|cx| queue.poll_recv(cx)).await.unwrap(), msg("a"));
        assert!(poll_fn(|cx| queue.poll_recv(cx)).await.is_none());
        tokio::time::timeout(std::time::Duration::from_secs(1), waiter)
            .await
            .unwrap()
            .unwrap();
    }
}
