//! Redis pub/sub: one publisher task that pipelines `PUBLISH`es, one subscriber task that
//! (re)subscribes to `chat:events` with backoff, so a Redis restart never crashes or wedges the
//! instance: publishing fails fast while it is down and delivery resumes when it is back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{EVENTS_CHANNEL, Envelope};

/// Queued publishes before new ones are dropped (and counted) while Redis is slow or down.
const PUBLISH_QUEUE: usize = 65_536;
const MAX_PIPELINE: usize = 256;

#[derive(Clone)]
pub struct RedisBus {
    client: redis::Client,
    commands: ConnectionManager,
    publish_tx: mpsc::Sender<(&'static str, String)>,
    up: Arc<AtomicBool>,
}

impl RedisBus {
    /// Connects (lazily: Redis may be down at start) and starts the publisher and the
    /// subscriber on `tasks`, until `shutdown`; what the subscriber hears arrives on the
    /// returned channel.
    pub fn start(
        url: &str,
        (tasks, shutdown): (&TaskTracker, CancellationToken),
    ) -> redis::RedisResult<(RedisBus, mpsc::Receiver<Envelope>, mpsc::Receiver<()>)> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let commands = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let (publish_tx, publish_rx) = mpsc::channel(PUBLISH_QUEUE);
        let (incoming_tx, incoming_rx) = mpsc::channel(PUBLISH_QUEUE);
        let (resubscribed_tx, resubscribed_rx) = mpsc::channel(4);
        let up = Arc::new(AtomicBool::new(false));
        let bus = RedisBus {
            client,
            commands,
            publish_tx,
            up,
        };
        tasks.spawn(bus.clone().publisher(publish_rx, shutdown.clone()));
        tasks.spawn(
            bus.clone()
                .subscriber(incoming_tx, resubscribed_tx, shutdown),
        );
        Ok((bus, incoming_rx, resubscribed_rx))
    }

    /// A handle for commands (presence keys); reconnects by itself.
    pub fn commands(&self) -> ConnectionManager {
        self.commands.clone()
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Queues a publish; never waits. Dropped (and logged) when the queue is full.
    pub fn publish<T: Serialize>(&self, channel: &'static str, payload: &T) {
        let Ok(text) = serde_json::to_string(payload) else {
            return;
        };
        if self.publish_tx.try_send((channel, text)).is_err() {
            tracing::warn!(channel, "redis publish queue full; event not published");
        }
    }

    /// Checks Redis with a PING.
    pub async fn ping(&self) -> bool {
        let mut conn = self.commands.clone();
        let pong: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut conn).await;
        pong.is_ok()
    }

    async fn publisher(
        self,
        mut rx: mpsc::Receiver<(&'static str, String)>,
        shutdown: CancellationToken,
    ) {
        let mut conn = self.commands.clone();
        let mut batch = Vec::with_capacity(MAX_PIPELINE);
        loop {
            let first = tokio::select! {
                item = rx.recv() => item,
                () = shutdown.cancelled() => {
                    // Flush what is queued, then stop.
                    rx.close();
                    rx.recv().await
                }
            };
            let Some(first) = first else { break };
            batch.push(first);
            while batch.len() < MAX_PIPELINE {
                match rx.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
            let mut pipe = redis::pipe();
            for (channel, text) in batch.drain(..) {
                pipe.cmd("PUBLISH").arg(channel).arg(text).ignore();
            }
            let sent: redis::RedisResult<()> = pipe.query_async(&mut conn).await;
            if let Err(err) = sent {
                tracing::warn!(%err, "redis publish failed; events dropped until it is back");
            }
        }
    }

    async fn subscriber(
        self,
        incoming: mpsc::Sender<Envelope>,
        resubscribed: mpsc::Sender<()>,
        shutdown: CancellationToken,
    ) {
        let mut backoff = Duration::from_millis(100);
        loop {
            let connected = tokio::select! {
                c = tokio::time::timeout(Duration::from_secs(2), self.client.get_async_pubsub()) => c,
                () = shutdown.cancelled() => return,
            };
            let mut pubsub = match connected {
                Ok(Ok(p)) => p,
                Ok(Err(err)) => {
                    self.mark_down(&err.to_string());
                    if sleep_or_stop(&shutdown, &mut backoff).await {
                        return;
                    }
                    continue;
                }
                Err(_) => {
                    self.mark_down("connect timed out");
                    if sleep_or_stop(&shutdown, &mut backoff).await {
                        return;
                    }
                    continue;
                }
            };
            if let Err(err) = pubsub.subscribe(EVENTS_CHANNEL).await {
                self.mark_down(&err.to_string());
                if sleep_or_stop(&shutdown, &mut backoff).await {
                    return;
                }
                continue;
            }
            backoff = Duration::from_millis(100);
            self.up.store(true, Ordering::Release);
            tracing::info!(channel = EVENTS_CHANNEL, "subscribed to redis");
            let _ = resubscribed.try_send(());
            let mut stream = pubsub.into_on_message();
            loop {
                let msg = tokio::select! {
                    m = stream.next() => m,
                    () = shutdown.cancelled() => return,
                };
                let Some(msg) = msg else { break };
                // Read from the frame's bytes: the payload is not copied into a string first.
                match serde_json::from_slice::<Envelope>(msg.get_payload_bytes()) {
                    Ok(envelope) => {
                        if incoming.send(envelope).await.is_err() {
                            return;
                        }
                    }
                    Err(err) => tracing::debug!(%err, "ignoring malformed chat:events payload"),
                }
            }
            self.mark_down("subscription closed");
        }
    }

    fn mark_down(&self, why: &str) {
        if self.up.swap(false, Ordering::AcqRel) {
            tracing::warn!(why, "redis is down; retrying");
        }
    }
}

/// Sleeps the backoff (doubling it up to 2 s); true when shutdown came first.
async fn sleep_or_stop(shutdown: &CancellationToken, backoff: &mut Duration) -> bool {
    let wait = *backoff;
    *backoff = (*backoff * 2).min(Duration::from_secs(2));
    tokio::select! {
        () = tokio::time::sleep(wait) => false,
        () = shutdown.cancelled() => true,
    }
}
