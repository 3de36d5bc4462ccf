//! Admin views: everyone online and the support queue.

use tigo_common::{ErrorBody, OnlineUsers, SupportQueue, User};
use utoipa::IntoParams;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{FORBIDDEN, INVALID, UNAUTHENTICATED, UNAVAILABLE};
use crate::chat::validate::Params;
use crate::error::{AppError, AppResult};
use crate::http::filters::{Ctx, params};
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(
        Method::GET,
        "/chat/admin/online-users",
        everyone_online_route,
    ),
    Route::new(Method::GET, "/chat/admin/queue", queue_route),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(everyone_online, support_queue))]
pub struct Api;

// Filters.

fn everyone_online_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "online-users")
        .and(warp::get())
        .and(ctx.authed())
        .then(everyone_online)
        .map(finish)
        .boxed()
}

fn queue_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "queue")
        .and(warp::get())
        .and(ctx.authed())
        .and(params())
        .then(support_queue)
        .map(finish)
        .boxed()
}

// Handlers.

/// Every user connected right now, on any instance (Admin only)
#[utoipa::path(
    get, path = "/chat/admin/online-users", tag = "service", operation_id = "everyoneOnline",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Online user ids", body = OnlineUsers),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn everyone_online(state: AppState, user: User) -> AppResult<Response> {
    if !crate::chat::is_admin(&user) {
        return Err(AppError::Forbidden(
            "Only admins can list everyone online".into(),
        ));
    }
    let online_users = state.presence.everyone_online().await;
    Ok(json(StatusCode::OK, &OnlineUsers { online_users }))
}

/// The query of the support queue. Documentation only: `chat::rooms::support_queue` reads
/// the raw parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "it describes the query to the document and is never built"
)]
struct QueueQuery {
    #[param(required = false, minimum = 1, maximum = 100, default = 50)]
    limit: u32,
}

/// Rooms whose last message is from a non-admin, longest wait first (Admin only)
#[utoipa::path(
    get, path = "/chat/admin/queue", tag = "service", operation_id = "supportQueue",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, description = "Waiting rooms", body = SupportQueue),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn support_queue(state: AppState, user: User, params: Params) -> AppResult<Response> {
    let queue = crate::chat::rooms::support_queue(&state, &user, &params).await?;
    Ok(json(StatusCode::OK, &queue))
}
