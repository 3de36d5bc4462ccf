//! Building and running a server instance: the state and the background tasks (every one on
//! one tracker, stopped by one token), then serving REST (warp) and Socket.IO (socketioxide)
//! on one listener ([`crate::serve`]) until shutdown, which drains the writers before closing
//! connections and waits for every task.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use socketioxide::SocketIo;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::Layer;
use uuid::Uuid;

use crate::auth::Keys;
use crate::bus::{Bus, RedisBus};
use crate::cache;
use crate::config::Config;
use crate::db::{self, Store};
use crate::delivery::events::{Events, Followup};
use crate::delivery::presence::{Backend, Presence};
use crate::delivery::queue::Queue as WriteQueue;
use crate::delivery::writer::Writer;
use crate::delivery::{hub::Hub, typing::Typing};
use crate::realtime;
use crate::state::{AppState, Inner};

mod background;
use background::{RedisFeeds, start_tasks};

/// A built server: bound, migrated, with its background tasks running.
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    io: SocketIo,
    layer: SocketIoLayer,
    /// Stops the writers first (they drain); a child of the instance's one shutdown token.
    writer_stop: CancellationToken,
    writer_task: tokio::task::JoinHandle<()>,
}

/// The delivery pipeline, built: its handles for the state, and what its tasks need.
struct Delivery {
    events: Events,
    presence: Presence,
    writer: Writer,
    writer_stop: CancellationToken,
    writer_task: tokio::task::JoinHandle<()>,
    typing: Typing,
    followups: mpsc::Receiver<Followup>,
}

/// One tracker and one token own every background task of the instance.
#[derive(Clone)]
struct Owner {
    tasks: TaskTracker,
    shutdown: CancellationToken,
}

impl Owner {
    fn lend(&self) -> (&TaskTracker, CancellationToken) {
        (&self.tasks, self.shutdown.clone())
    }
}

impl Application {
    /// Opens the database (migrating it unless told not to), connects the bus and starts the
    /// background tasks. `listener` is already bound, so tests can pass port 0.
    pub async fn build(config: Config, listener: TcpListener) -> anyhow::Result<Application> {
        let addr = listener.local_addr().context("reading the bound address")?;
        let owner = Owner {
            tasks: TaskTracker::new(),
            shutdown: CancellationToken::new(),
        };
        let store = open_store(&config, &owner).await?;
        let secret = read_secret(&config, store.as_ref()).await?;
        let instance = Uuid::new_v4();
        let (bus, feeds) = start_bus(&config, &owner)?;
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let delivery = start_delivery(&config, &store, instance, bus, &metrics, &owner);
        let origin = crate::files::listen_origin(&addr.ip().to_string(), addr.port());
        let notify = crate::notify::Notifier::open(
            store.clone(),
            config.notify.clone(),
            secret.as_bytes(),
            &origin,
        )
        .await
        .context("setting up notifications")?;
        let state = assemble(
            config,
            addr,
            (store, notify),
            &secret,
            delivery.handles(),
            metrics,
            owner,
        )?;
        start_tasks(&state, delivery.followups, feeds).await?;
        let (layer, io) = socket_layer(&state);
        Ok(Application {
            listener,
            addr,
            state,
            io,
            layer,
            writer_stop: delivery.writer_stop,
            writer_task: delivery.writer_task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets queued messages commit
    /// (within the grace period), closes the connections (clients reconnect elsewhere), stops
    /// every background task and waits for them (within the grace period), and closes the
    /// database connections.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Application {
            listener,
            addr,
            state,
            io,
            layer,
            writer_stop,
            writer_task,
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
            (&state.tasks, connections.clone()),
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
        realtime::close(&io, &state, Duration::from_secs(2)).await;
        connections.cancel();
        state.shutdown.cancel();
        state.tasks.close();
        if tokio::time::timeout(grace, state.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                ?grace,
                left = state.tasks.len(),
                "background tasks did not stop within the grace period"
            );
        }
        state.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

impl Delivery {
    fn handles(&self) -> (Events, Presence, Writer, Typing) {
        (
            self.events.clone(),
            self.presence.clone(),
            self.writer.clone(),
            self.typing.clone(),
        )
    }
}

/// Opens the database and migrates it (unless told not to).
async fn open_store(config: &Config, owner: &Owner) -> anyhow::Result<Arc<dyn Store>> {
    let store = db::connect(&config.database, &config.pool, owner.lend())
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
    Ok(store)
}

/// The JWT secret: configured, or generated once and stored in the database.
async fn read_secret(config: &Config, store: &dyn Store) -> anyhow::Result<String> {
    let secret = crate::auth::secret::resolve(config.jwt_secret.as_deref(), store)
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
    Ok(secret.value)
}

/// Redis when configured (its publisher and subscriber start), else in process.
fn start_bus(config: &Config, owner: &Owner) -> anyhow::Result<(Bus, Option<RedisFeeds>)> {
    let Some(url) = &config.redis_url else {
        return Ok((Bus::InProcess, None));
    };
    let (bus, incoming, resubscribed) = RedisBus::start(url, owner.lend())
        .with_context(|| format!("invalid REDIS_URL {}", db::redact_url(url)))?;
    let feeds = RedisFeeds {
        incoming,
        resubscribed,
    };
    Ok((Bus::Redis(bus), Some(feeds)))
}

/// The hub, the events, presence, the writers and typing, wired once, each given what it
/// depends on.
fn start_delivery(
    config: &Config,
    store: &Arc<dyn Store>,
    instance: Uuid,
    bus: Bus,
    metrics: &Arc<crate::metrics::Metrics>,
    owner: &Owner,
) -> Delivery {
    let limits = &config.limits;
    let hub = Arc::new(Hub::new(limits.max_replay * 4));
    let (followups_tx, followups) = mpsc::channel(65_536);
    let (receipts_tx, receipts_rx) = crate::delivery::events::receipts();
    let events = Events::new(
        instance,
        hub.clone(),
        bus.clone(),
        followups_tx,
        receipts_tx,
        metrics.clone(),
    );
    let backend = match bus.redis() {
        Some(redis) => Backend::Redis {
            conn: redis.commands(),
            instance,
        },
        None => Backend::Local,
    };
    let presence = Presence::start(backend, hub, events.clone(), owner.lend());
    // Writers that may commit at once: as configured, within what the database allows
    // (SQLite has one write lock, so one writer).
    let configured = limits.writers.max(1);
    let writers = store
        .max_writers()
        .map_or(configured, |m| m.min(configured));
    let writer_stop = owner.shutdown.child_token();
    let (writer, writer_task) = Writer::start(
        WriteQueue::new(limits.max_batch, limits.writer_queue),
        receipts_rx,
        store.clone(),
        events.clone(),
        writers,
        (&owner.tasks, writer_stop.clone()),
    );
    let typing = Typing::new(limits.typing_ttl, events.clone(), owner.lend());
    Delivery {
        events,
        presence,
        writer,
        writer_stop,
        writer_task,
        typing,
        followups,
    }
}

/// The shared state every handler gets.
fn assemble(
    config: Config,
    addr: SocketAddr,
    (store, notify): (Arc<dyn Store>, crate::notify::Notifier),
    secret: &str,
    (events, presence, writer, typing): (Events, Presence, Writer, Typing),
    metrics: Arc<crate::metrics::Metrics>,
    owner: Owner,
) -> anyhow::Result<AppState> {
    // Signed URLs are absolute: PUBLIC_URL, else the address this instance listens on.
    let origin = crate::files::listen_origin(&addr.ip().to_string(), addr.port());
    let files = crate::files::Files::open(config.files.clone(), secret.as_bytes(), &origin)
        .map_err(anyhow::Error::msg)?;
    let limits = crate::limits::RateLimits::new(&config.limits, config.files.uploads_per_minute);
    let safety = crate::moderation::Safety::new(config.safety.clone());
    let (notifications, _) = broadcast::channel(1024);
    let stats = crate::stats::Stats::new(store.clone());
    Ok(AppState::new(Inner {
        files,
        keys: Keys::new(secret.as_bytes()),
        config,
        store,
        users: cache::user_cache(),
        rooms: cache::room_cache(),
        writer,
        events,
        presence,
        typing,
        notifications,
        notify,
        stats,
        metrics,
        limits,
        safety,
        shutdown: owner.shutdown,
        tasks: owner.tasks,
    }))
}

/// The Socket.IO layer, with the parser's limits, on the state.
fn socket_layer(state: &AppState) -> (SocketIoLayer, SocketIo) {
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
    (layer, io)
}

type SocketIoLayer = socketioxide::layer::SocketIoLayer<socketioxide::adapter::LocalAdapter>;
