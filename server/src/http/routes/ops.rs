//! Operations: health, Prometheus metrics and this API's OpenAPI document. No auth: keep
//! them on the internal network.

use std::time::Duration;

use tigo_common::Health;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, Method, StatusCode};
use warp::reply::Response;

use super::Route;
use crate::error::AppResult;
use crate::http::filters::Ctx;
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(Method::GET, "/chat/health", health_route),
    Route::new(Method::GET, "/metrics", metrics_route),
    Route::new(Method::GET, "/openapi.json", openapi_route),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(health, metrics))]
pub struct Api;

// Filters.

fn health_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "health")
        .and(warp::get())
        .and(ctx.state())
        .then(health)
        .map(finish)
        .boxed()
}

fn metrics_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("metrics")
        .and(warp::get())
        .and(ctx.state())
        .then(metrics)
        .map(finish)
        .boxed()
}

fn openapi_route(_ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("openapi.json")
        .and(warp::get())
        .map(super::openapi::serve)
        .boxed()
}

// Handlers.

/// Database and bus health (no auth)
#[utoipa::path(
    get, path = "/chat/health", tag = "service", operation_id = "health",
    responses(
        (status = 200, description = "healthy, or degraded when Redis is down", body = Health),
        (status = 503, description = "unhealthy: the database is down", body = Health),
    )
)]
#[tracing::instrument(level = "debug", skip_all)]
async fn health(state: AppState) -> AppResult<Response> {
    let health = crate::health::check(&state).await;
    // Degraded still serves requests, so only unhealthy takes the instance out of rotation.
    let status = if health.status == "unhealthy" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    Ok(json(status, &health))
}

/// Prometheus metrics (no auth; keep it on the internal network)
#[utoipa::path(
    get, path = "/metrics", tag = "service", operation_id = "metrics",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
    )
)]
#[tracing::instrument(level = "debug", skip_all)]
async fn metrics(state: AppState) -> AppResult<Response> {
    let hub = state.events.hub();
    // A scrape must not hang on a stuck database: a second without an answer reads as down.
    let database_up = matches!(
        tokio::time::timeout(Duration::from_secs(1), state.store.ping()).await,
        Ok(Ok(()))
    );
    let gauges = crate::metrics::Gauges {
        connections: hub.connections(),
        users_here: hub.local_users().len(),
        database_up,
        bus_up: state.events.bus().redis().map(|r| r.is_up()),
        write_queue: state.writer.queued(),
        live: hub
            .map_sizes()
            .into_iter()
            .chain([("typing", state.typing.showing())])
            .collect(),
    };
    let mut text = state.metrics.render(&gauges);
    crate::follow::render_lag(&mut text, state.store.as_ref()).await;
    state.notify.render(&mut text).await;
    state.stats.render(&mut text).await;
    let mut response = Response::new(text.into());
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}
