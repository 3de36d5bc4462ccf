//! Live per-connection objects, counted as they are made and as they are freed (issue 33):
//! once every connection has closed each count is back to zero, so a count that stays up is
//! memory left behind, seen without timing anything.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A counted object's token: counts up when made (or cloned), down when dropped. Held by the
/// object it stands for, so it goes when that object is freed and not before.
pub struct Counted(Arc<AtomicI64>);

impl Counted {
    fn new(count: &Arc<AtomicI64>) -> Counted {
        count.fetch_add(1, Ordering::Relaxed);
        Counted(count.clone())
    }
}

// A clone is one more live token (http and socketioxide extensions are cloned on `get`).
impl Clone for Counted {
    fn clone(&self) -> Counted {
        Counted::new(&self.0)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// This instance's counts (per instance, not process-wide: tests run many servers in one
/// process).
#[derive(Default)]
pub struct Live {
    connections: Arc<AtomicI64>,
    sockets: Arc<AtomicI64>,
    requests: Arc<AtomicI64>,
}

impl Live {
    /// For a connection's state (`delivery::conn::Conn`).
    pub fn connection(&self) -> Counted {
        Counted::new(&self.connections)
    }

    /// For a socketioxide socket (kept in its extensions, freed with it).
    pub fn socket(&self) -> Counted {
        Counted::new(&self.sockets)
    }

    /// For a Socket.IO HTTP request's head (kept in its extensions: an engine.io session holds
    /// the head of the request that opened it for its whole life).
    pub fn request(&self) -> Counted {
        Counted::new(&self.requests)
    }

    /// `(kind, count)` for the `tigo_live_objects` gauge.
    pub fn counts(&self) -> [(&'static str, i64); 3] {
        [
            ("connection_state", self.connections.load(Ordering::Relaxed)),
            ("socket", self.sockets.load(Ordering::Relaxed)),
            ("socket_io_request", self.requests.load(Ordering::Relaxed)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_follows_its_tokens_and_their_clones() {
        let live = Live::default();
        let a = live.connection();
        let b = a.clone();
        let _s = live.socket();
        assert_eq!(live.counts()[0], ("connection_state", 2));
        drop((a, b));
        assert_eq!(live.counts()[0], ("connection_state", 0));
        assert_eq!(live.counts()[1], ("socket", 1));
    }
}
