//! Building and running a server instance: the state and the background tasks, then serving
//! REST (warp) and Socket.IO (socketioxide) on one listener ([`crate::serve`]) until shutdown,
//! which drains the writers before closing connections.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use socketioxide::SocketIo;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tower::Layer;
use uuid::Uuid;

use crate::auth::Keys;
use crate::bus::{Bus, RedisBus};
use crate::cache;
use crate::config::Config;
use crate::db;
use crate::delivery::events::Events;
use crate::delivery::presence::{Backend, Presence};
use crate::delivery::queue::Queue as WriteQueue;
use crate::delivery::writer::Writer;
use crate::delivery::{hub::Hub, typing::Typing};
use crate::realtime;
use crate::state::{AppState, Inner};

/// A built server: bound, migrated, with its background tasks running.
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    io: SocketIo,
    layer: SocketIoLayer,
    writer_stop: CancellationToken,
    writer_task: tokio::task::JoinHandle<()>,
    presence_task: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Opens the database (migrating it unless told not to), connects the bus and starts the
    /// background tasks. `listener` is already bound, so tests can pass port 0.
    pub async fn build(config: Config, listener: TcpListener) -> anyhow::Result<Application> {
        let addr = listener.local_addr().context("reading the bound address")?;
        let store = db::connect(&config.database, &config.pool)
            .await
            .with_context(|| {
                format!(
                    "cannot open the database {}; check DATABASE_URL / DB_* settings",
                    config.database.redacted()
                )
            })?;
        if config.migrate {
            let applied = store
                .migrate()
                .await
                .context("running database migrations")?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
        }
        let secret = crate::auth::secret::resolve(config.jwt_secret.as_deref(), store.as_ref())
            .await
            .context("reading the stored JWT secret")?;
        if secret.stored {
            tracing::warn!(
                "JWT_SECRET is not set: using a generated secret stored in the database \
                 (shared by every instance on it); set JWT_SECRET to accept tokens minted \
                 by the Tigo platform"
            );
        } else if secret.is_short() {
            // The length only: the secret itself is never logged.
            tracing::warn!(
                bytes = secret.value.len(),
                "JWT_SECRET is shorter than {} bytes: HS256 wants a key of at least 256 bits; \
                 use a longer random secret (e.g. `openssl rand -hex 32`)",
                crate::auth::secret::MIN_BYTES
            );
        }
        let secret = secret.value;
        let shutdown = CancellationToken::new();
        let instance = Uuid::new_v4();
        let (bus, redis_feeds) = match &config.redis_url {
            Some(url) => {
                let (bus, incoming, resubscribed) = RedisBus::start(url, shutdown.clone())
                    .with_context(|| format!("invalid REDIS_URL {}", db::redact_url(url)))?;
                (Bus::Redis(bus), Some((incoming, resubscribed)))
            }
            None => (Bus::InProcess, None),
        };
        let hub = Arc::new(Hub::new(config.limits.max_replay * 4));
        let (followups_tx, followups_rx) = mpsc::channel(65_536);
        // Writers that may commit at once: as configured, within what the database allows
        // (SQLite has one write lock, so one writer).
        let configured = config.limits.writers.max(1);
        let writers = store
            .max_writers()
            .map_or(configured, |m| m.min(configured));
        let write_queue = WriteQueue::new(config.limits.max_batch, config.limits.writer_queue);
        let events = Events::new(
            instance,
            hub.clone(),
            bus.clone(),
            followups_tx,
            write_queue.clone(),
        );
        let backend = match bus.redis() {
            Some(redis) => Backend::Redis {
                conn: redis.commands(),
                instance,
            },
            None => Backend::Local,
        };
        let (presence, presence_task) =
            Presence::start(backend, hub, events.clone(), shutdown.clone());
        let writer_stop = CancellationToken::new();
        let (writer, writer_task) = Writer::start(
            write_queue,
            store.clone(),
            events.clone(),
            writers,
            writer_stop.clone(),
        );
        let typing = Typing::new(config.limits.typing_ttl, events.clone());
        let (notifications, _) = broadcast::channel(1024);
        let config_limits = config.limits.clone();
        // Signed URLs are absolute: PUBLIC_URL, else the address this instance listens on.
        let origin = crate::files::listen_origin(&addr.ip().to_string(), addr.port());
        let files = crate::files::Files::open(config.files.clone(), secret.as_bytes(), &origin)
            .map_err(anyhow::Error::msg)?;
        let uploads_per_minute = config.files.uploads_per_minute;
        let config_safety = config.safety.clone();
        let state = AppState::new(Inner {
            files,
            keys: Keys::new(secret.as_bytes()),
            config,
            store,
            users: cache::user_cache(),
            rooms: cache::room_cache(),
            writer,
            events: events.clone(),
            presence: presence.clone(),
            typing,
            notifications,
            metrics: Arc::new(crate::metrics::Metrics::default()),
            limits: crate::limits::RateLimits::new(&config_limits, uploads_per_minute),
            safety: crate::moderation::Safety::new(config_safety),
            shutdown: shutdown.clone(),
        });
        events.set_metrics(state.metrics.clone());
        let followups = crate::delivery::followups::Followups {
            presence: state.presence.clone(),
            bus: state.events.bus().clone(),
            notifications: state.notifications.clone(),
        };
        tokio::spawn(crate::delivery::followups::run(followups, followups_rx));
        tokio::spawn(sweep(state.clone()));
        tokio::spawn(crate::realtime::recovery::maintain(
            state.clone(),
            shutdown.clone(),
        ));
        tokio::spawn(sweep_uploads(state.clone()));
        tokio::spawn(crate::user_watch::run(state.clone()));
        crate::chat::safety::blocklist::load(&state)
            .await
            .context("reading the blocked terms")?;
        tokio::spawn(crate::chat::safety::blocklist::run(state.clone()));
        if let Some((mut incoming, mut resubscribed)) = redis_feeds {
            let events = events.clone();
            tokio::spawn(async move {
                while let Some(envelope) = incoming.recv().await {
                    events.remote(envelope);
                }
            });
            tokio::spawn(async move {
                while resubscribed.recv().await.is_some() {
                    presence.resync();
                }
            });
        }
        let limits = &state.config.limits;
        // The API takes no binary attachments: a few, small, are tolerated; floods are not.
        let parser = socketioxide::ParserConfig::common()
            .max_incoming_binaries(4)
            .max_incoming_binary_buf_size(limits.max_body_bytes)
            .packet_completion_timeout(Duration::from_secs(5));
        let (layer, io) = SocketIo::builder()
            .with_parser(parser)
            .with_state(state.clone())
            .max_payload(limits.max_body_bytes as u64)
            .max_buffer_size(limits.socket_queue)
            .ws_read_buffer_size(limits.ws_read_buffer)
            .ws_max_message_size(limits.max_body_bytes)
            .ws_max_frame_size(limits.max_body_bytes)
            .ping_interval(limits.ping_interval)
            .ping_timeout(limits.ping_timeout)
            .connect_timeout(limits.connect_timeout)
            .build_layer();
        realtime::attach(&io);
        Ok(Application {
            listener,
            addr,
            state,
            io,
            layer,
            writer_stop,
            writer_task,
            presence_task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets queued messages commit
    /// (within the grace period), closes the connections (clients reconnect elsewhere) and
    /// stops the background tasks and closes the database connections.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Application {
            listener,
            addr,
            state,
            io,
            layer,
            writer_stop,
            writer_task,
            presence_task,
        } = self;
        let rest = crate::http::HeadAsGet(warp::service(crate::http::routes(state.clone())));
        let service = layer.layer(rest);
        let connections = CancellationToken::new();
        tracing::info!(%addr, "tigo-chat listening");
        crate::serve::accept_until(
            listener,
            service,
            &state.config.cors_origins,
            state.metrics.clone(),
            connections.clone(),
            shutdown,
        )
        .await;
        tracing::info!("shutting down: no new connections; finishing queued messages");
        let grace = state.config.shutdown_grace;
        writer_stop.cancel();
        if tokio::time::timeout(grace, writer_task).await.is_err() {
            tracing::warn!(
                ?grace,
                "queued messages did not finish within the grace period"
            );
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), io.close()).await;
        connections.cancel();
        state.shutdown.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(2), presence_task).await;
        state.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every 30 s, drops connections whose socket went away unnoticed (belt and braces: the
/// disconnect handler normally does it).
async fn sweep(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = state.shutdown.cancelled() => return,
        }
        state.limits.sweep();
        for conn in state.events.hub().sweep() {
            tracing::debug!(user_id = %conn.user_id, "swept a stale connection");
            state
                .presence
                .changed(conn.user_id, conn.joined_rooms())
                .await;
        }
    }
}

/// Removes uploads never sent once they are older than `UNATTACHED_UPLOAD_TTL`. Every
/// instance sweeps; each upload is removed by one of them.
async fn sweep_uploads(state: AppState) {
    let mut every = tokio::time::interval(state.files.config.sweep_every);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = state.shutdown.cancelled() => return,
        }
        match crate::files::sweep_unattached(&state.files, state.store.as_ref()).await {
            Ok(removed) if !removed.is_empty() => {
                state
                    .metrics
                    .files_removed
                    .fetch_add(removed.len() as u64, std::sync::atomic::Ordering::Relaxed);
                tracing::info!(count = removed.len(), "removed uploads never sent");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "the sweep of unsent uploads failed; retrying later"),
        }
    }
}

type SocketIoLayer = socketioxide::layer::SocketIoLayer<socketioxide::adapter::LocalAdapter>;
