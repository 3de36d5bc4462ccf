//! The accept loop: every TCP connection served by hyper with upgrades, REST (warp) and
//! Socket.IO (socketioxide) behind one service, with CORS ([`cors`]) and the Socket.IO request
//! head trimmed ([`head`]); each request carries the peer address and the connection's kill
//! switch. Graceful shutdown of every connection on a token.

mod cors;
mod head;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, combinators::UnsyncBoxBody};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::{Service, ServiceExt};

use self::cors::{Cors, empty, refused_origin};
use self::head::detach_head;
use crate::killable::{ConnKill, Killable};
use crate::metrics::Metrics;
use crate::peer::PeerAddr;

type Body = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// Accepts and serves connections (each a task on `tasks`) until `shutdown` resolves; the
/// served connections end when `connections` is cancelled (later, after the writers have
/// drained).
pub async fn accept_until<S, B>(
    listener: TcpListener,
    service: S,
    origins: &[String],
    metrics: Arc<Metrics>,
    (tasks, connections): (&TaskTracker, CancellationToken),
    shutdown: impl std::future::Future<Output = ()>,
) where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let cors = Cors::new(origins);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tasks.spawn(serve_connection(
                        stream,
                        peer,
                        service.clone(),
                        cors.clone(),
                        metrics.clone(),
                        connections.clone(),
                    ));
                }
                Err(err) => {
                    // Out of file descriptors, most likely: back off, keep serving.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => return,
        }
    }
}

/// Answers CORS preflights and refuses disallowed origins, for REST and Socket.IO alike.
async fn handle<S, B>(
    service: S,
    cors: Cors,
    metrics: Arc<Metrics>,
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
        // Freed with the head: by the request's end, or with the engine.io session it opened.
        req.extensions_mut().insert(metrics.live.request());
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
    metrics: Arc<Metrics>,
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
