//! What a test or tool reads from a connection: the next event, the first of a name (others
//! stay queued, in order), everything within a window.

use super::*;

impl Events {
    /// The next event, or `None` once the connection is closed.
    pub async fn next(&mut self) -> Option<Event> {
        if let Some(event) = self.backlog.pop_front() {
            return Some(event);
        }
        self.rx.recv().await
    }

    /// The next event within `timeout`.
    pub async fn next_within(&mut self, timeout: Duration) -> Result<Event, SioError> {
        match tokio::time::timeout(timeout, self.next()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err(SioError::Closed),
            Err(_) => Err(SioError::Timeout("the next event".into())),
        }
    }

    /// The first event named `name` within `timeout`; other events stay queued, in order.
    pub async fn wait_for(&mut self, name: &str, timeout: Duration) -> Result<Value, SioError> {
        if let Some(pos) = self.backlog.iter().position(|e| e.name == name) {
            return Ok(self
                .backlog
                .remove(pos)
                .map(|e| e.data)
                .unwrap_or(Value::Null));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) if event.name == name => return Ok(event.data),
                Ok(Some(event)) => self.backlog.push_back(event),
                Ok(None) => return Err(SioError::Closed),
                Err(_) => return Err(SioError::Timeout(format!("event {name}"))),
            }
        }
    }

    /// Every event that arrives within `window` (and what was queued).
    pub async fn collect_for(&mut self, window: Duration) -> Vec<Event> {
        let mut events: Vec<Event> = self.backlog.drain(..).collect();
        let deadline = tokio::time::Instant::now() + window;
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            events.push(event);
        }
        events
    }

    /// Events named `name` that arrive within `window`; others stay queued.
    pub async fn collect_named(&mut self, name: &str, window: Duration) -> Vec<Value> {
        let all = self.collect_for(window).await;
        let mut matched = Vec::new();
        for event in all {
            if event.name == name {
                matched.push(event.data);
            } else {
                self.backlog.push_back(event);
            }
        }
        matched
    }
}
