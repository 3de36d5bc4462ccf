//! Building and running a server instance: the state, the background tasks, and one accept
//! loop that serves the REST API (warp) and Socket.IO (socketioxide) on the same listener.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, combinators::UnsyncBoxBody};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use socketioxide::SocketIo;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tower::{Layer, Service, ServiceExt};
use uuid::Uuid;

use crate::auth::{Keys, jwt};
use crate::bus::{Bus, RedisBus};
use crate::cache;
use crate::config::Config;
use crate::db;
use crate::events::Events;
use crate::http::PeerAddr;
use crate::killable::{ConnKill, Killable};
use crate::presence::{Backend, Presence};
use crate::realtime::{gateway, hub::Hub, typing::Typing};
use crate::state::{AppState, Inner};
use crate::writer::{Queue as WriteQueue, Writer};

type Body = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

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
        let secret = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => {
                let secret = store
                    .setting_get_or_insert("jwt_secret", &jwt::random_secret())
                    .await
                    .context("reading the stored JWT secret")?;
                tracing::warn!(
                    "JWT_SECRET is not set: using a generated secret stored in the database \
                     (shared by every instance on it); set JWT_SECRET to accept tokens minted \
                     by the Tigo platform"
                );
                secret
            }
        };
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
        // Writers that may commit at once; SQLite has one write lock, so one writer.
        let writers = if store.max_writers() == Some(1) {
            1
        } else {
            config.limits.writers.max(1)
        };
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
        let state = AppState::new(Inner {
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
            limits: crate::limits::RateLimits::new(&config_limits),
            shutdown: shutdown.clone(),
        });
        events.set_metrics(state.metrics.clone());
        tokio::spawn(crate::followups::run(state.clone(), followups_rx));
        tokio::spawn(sweep(state.clone()));
        tokio::spawn(crate::user_watch::run(state.clone()));
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
        gateway::attach(&io);
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
    /// stops the background tasks.
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
        let service = layer.layer(warp::service(crate::http::routes(state.clone())));
        let cors = Cors::new(&state.config.cors_origins);
        let connections = CancellationToken::new();
        tracing::info!(%addr, "tigo-chat listening");
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        tokio::spawn(serve_connection(
                            stream,
                            peer,
                            service.clone(),
                            cors.clone(),
                            state.metrics.clone(),
                            connections.clone(),
                        ));
                    }
                    Err(err) => {
                        // Out of file descriptors, most likely: back off, keep serving.
                        tracing::warn!(%err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                () = &mut shutdown => break,
            }
        }
        drop(listener);
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

type SocketIoLayer = socketioxide::layer::SocketIoLayer<socketioxide::adapter::LocalAdapter>;

/// The allowed browser origins (`FRONTEND_URL`); empty allows any.
#[derive(Clone)]
struct Cors {
    origins: Arc<Vec<String>>,
}

impl Cors {
    fn new(origins: &[String]) -> Cors {
        Cors {
            origins: Arc::new(
                origins
                    .iter()
                    .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                    .filter(|o| !o.is_empty())
                    .collect(),
            ),
        }
    }

    fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins.is_empty()
            || origin
                .to_str()
                .is_ok_and(|o| self.origins.iter().any(|a| a.eq_ignore_ascii_case(o)))
    }

    fn decorate(&self, headers: &mut http::HeaderMap, origin: &HeaderValue) {
        use http::header::*;
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.append(VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Retry-After"),
        );
    }
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Empty::new().map_err(|never| match never {}).boxed_unsync());
    *response.status_mut() = status;
    response
}

fn refused_origin() -> Response<Body> {
    let body = serde_json::to_vec(&tigo_common::ErrorBody {
        status_code: 403,
        message: tigo_common::ErrorMessage::One("Origin not allowed".into()),
        error: "Forbidden".into(),
    })
    .unwrap_or_default();
    let mut response = Response::new(
        http_body_util::Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *response.status_mut() = StatusCode::FORBIDDEN;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The request headers a Socket.IO connection still needs once it is open: the token
/// (`authorization`), what engineioxide reads (`sec-websocket-key`, a polling body's
/// `content-type`) and what identifies the upgrade. Nothing else reads them.
const KEPT_HEADERS: [http::header::HeaderName; 7] = [
    http::header::AUTHORIZATION,
    http::header::CONTENT_TYPE,
    http::header::SEC_WEBSOCKET_KEY,
    http::header::SEC_WEBSOCKET_VERSION,
    http::header::UPGRADE,
    http::header::CONNECTION,
    http::header::HOST,
];

/// Socket.IO keeps each connection's request head for the connection's life. Hyper's header
/// values and URI are views into the buffer the request was read into (16 KiB), so keeping them
/// would keep that buffer per connection; owned copies let it go. (Measured with heaptrack: the
/// largest part of an idle connection's memory before this.) Only [`KEPT_HEADERS`] are copied: a
/// browser's cookies, user agent and `accept-*` headers would otherwise be kept per connection.
fn detach_head<B>(req: Request<B>) -> Request<B> {
    let (mut parts, body) = req.into_parts();
    let kept = KEPT_HEADERS
        .iter()
        .map(|name| parts.headers.get_all(name).iter().count())
        .sum();
    let mut headers = http::HeaderMap::with_capacity(kept);
    for name in &KEPT_HEADERS {
        for value in parts.headers.get_all(name) {
            if let Ok(mut owned) = HeaderValue::from_bytes(value.as_bytes()) {
                owned.set_sensitive(value.is_sensitive());
                headers.append(name.clone(), owned);
            }
        }
    }
    parts.headers = headers;
    if let Ok(uri) = http::Uri::try_from(parts.uri.to_string()) {
        parts.uri = uri;
    }
    Request::from_parts(parts, body)
}

/// Answers CORS preflights and refuses disallowed origins, for REST and Socket.IO alike.
async fn handle<S, B>(
    service: S,
    cors: Cors,
    metrics: Arc<crate::metrics::Metrics>,
    peer: SocketAddr,
    kill: ConnKill,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, Infallible>
where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    req.extensions_mut().insert(PeerAddr(peer));
    req.extensions_mut().insert(kill);
    let origin = req.headers().get(http::header::ORIGIN).cloned();
    if let Some(origin) = &origin {
        if !cors.allows(origin) {
            return Ok(refused_origin());
        }
        if req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            use http::header::*;
            let mut response = empty(StatusCode::NO_CONTENT);
            let headers = response.headers_mut();
            cors.decorate(headers, origin);
            headers.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PATCH, DELETE, OPTIONS"),
            );
            let asked = req
                .headers()
                .get(ACCESS_CONTROL_REQUEST_HEADERS)
                .cloned()
                .unwrap_or_else(|| HeaderValue::from_static("authorization, content-type"));
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked);
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            return Ok(response);
        }
    }
    let started = std::time::Instant::now();
    let route = crate::metrics::route_of(req.method().as_str(), req.uri().path());
    if route.ends_with("/socket.io") {
        req = detach_head(req);
    }
    let response = service.oneshot(req).await?;
    let status = response.status().as_u16();
    if !route.ends_with("/socket.io") {
        metrics.http(&route, status, started.elapsed());
        if status >= 400 {
            metrics.error(crate::metrics::error_kind(status));
        }
    }
    let mut response = response.map(|body| body.map_err(Into::into).boxed_unsync());
    if let Some(origin) = &origin {
        cors.decorate(response.headers_mut(), origin);
    }
    Ok(response)
}

async fn serve_connection<S, B>(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    service: S,
    cors: Cors,
    metrics: Arc<crate::metrics::Metrics>,
    stop: CancellationToken,
) where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let _ = stream.set_nodelay(true);
    let kill = CancellationToken::new();
    let stream = Killable::new(stream, kill.clone());
    let kill = ConnKill(kill);
    let svc = tower::service_fn(move |req: Request<Incoming>| {
        handle(
            service.clone(),
            cors.clone(),
            metrics.clone(),
            peer,
            kill.clone(),
            req,
        )
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10));
    let conn =
        builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(svc));
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(err) = result {
                tracing::trace!(%err, "connection ended with an error");
            }
        }
        () = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_io_head_keeps_only_what_is_read_later() {
        let req = Request::builder()
            .uri("/socket.io/?EIO=4&transport=websocket&token=t")
            .header("host", "chat.example")
            .header("authorization", "Bearer secret")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .header("cookie", "session=".to_string() + &"x".repeat(2000))
            .header("user-agent", "Mozilla/5.0")
            .header("accept-language", "en-GB,en;q=0.9")
            .body(())
            .expect("a valid request");
        let kept = detach_head(req);
        let names: Vec<&str> = kept.headers().keys().map(|n| n.as_str()).collect();
        assert_eq!(names, ["authorization", "sec-websocket-key", "host"]);
        assert_eq!(kept.headers()["authorization"], "Bearer secret");
        assert_eq!(
            kept.uri().query(),
            Some("EIO=4&transport=websocket&token=t")
        );
    }
}
