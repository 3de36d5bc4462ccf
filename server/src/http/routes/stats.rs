//! Response statistics: a hotel's response figures (any signed-in user) and the service's
//! activity, support and hotel figures (Admin).

use tigo_common::{AdminStats, ErrorBody, ResponseStats, User};
use utoipa::IntoParams;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{FORBIDDEN, INVALID, UNAUTHENTICATED, UNAVAILABLE};
use crate::chat::validate::Params;
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId, params, path_uuid};
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(
        Method::GET,
        "/chat/hotels/{hotelId}/response-stats",
        hotel_route,
    ),
    Route::new(Method::GET, "/chat/admin/stats", admin_route),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(hotel, admin))]
pub struct Api;

// Filters.

fn hotel_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "hotels" / ..)
        .and(path_uuid("hotelId"))
        .and(warp::path!("response-stats"))
        .and(warp::get())
        .and(ctx.authed())
        .then(hotel)
        .map(finish)
        .boxed()
}

fn admin_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "stats")
        .and(warp::get())
        .and(ctx.authed())
        .and(params())
        .then(admin)
        .map(finish)
        .boxed()
}

// Handlers.

/// How fast a hotel answers its guests (any signed-in user)
#[utoipa::path(
    get, path = "/chat/hotels/{hotelId}/response-stats", tag = "service",
    operation_id = "hotelResponseStats",
    description = "A thread starts with a guest-side message whose previous message is from \
                   the hotel side, more than 24 h older, or none; its response is the hotel \
                   side's first message after it (owner or staff; support stepping in is \
                   neither side). Threads younger than 24 h with no response do not count. \
                   Over the threads started in the last 30 days, or, when those are fewer than \
                   10, the 10 most recent of the last 90 days. `median_response_seconds` is \
                   the median over the counted threads that have a response (the mean of the \
                   two middle ones, rounded down, for an even count). `label` is null under 3 \
                   threads, else from the median: ≤ 1 h `within an hour`, ≤ 6 h `within a few \
                   hours`, ≤ 24 h `within a day`, otherwise (or no response at all) `a few \
                   days or more`. Any hotel id answers; one with no thread gets zeros and \
                   nulls. Deleted messages count as never sent.",
    security(("bearer" = [])),
    params(("hotelId" = Uuid, Path)),
    responses(
        (status = 200, description = "The hotel's figures", body = ResponseStats),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn hotel(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    let figures = crate::chat::stats::hotel(&state, id.get()?).await?;
    Ok(json(StatusCode::OK, &figures))
}

/// The query of the service's statistics. Documentation only: `chat::stats::admin` reads the
/// raw parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "it describes the query to the document and is never built"
)]
struct StatsQuery {
    /// RFC 3339; default `until` minus 30 days.
    #[param(required = false)]
    since: String,
    /// RFC 3339; default now.
    #[param(required = false)]
    until: String,
    /// `day` (default) or `hour`; buckets start on the UTC day or hour.
    #[param(required = false)]
    bucket: String,
}

/// Messages, senders and new rooms per bucket, support first reply times, hotels' response
/// rates (Admin only)
#[utoipa::path(
    get, path = "/chat/admin/stats", tag = "service", operation_id = "adminStats",
    description = "Buckets run from the one holding `since` to the one holding `until`, zeros \
                   included, whole (a bucket's counts are its whole hour or day), at most 2,000. \
                   `support_waiting` (an addition) counts support threads waiting for a first \
                   reply at the bucket's end. Support threads: a customer- or hotel-side message \
                   starts one as above, the support side (the Admin participant, agents) \
                   answers; `threads` and `first_reply_seconds` (median, nearest-rank p90, over \
                   those answered) cover threads started in the period, `waiting_now` every \
                   thread waiting now. `hotels`: hotels with a counted thread in their window and \
                   the median of their response rates, as guests see them now (this part does \
                   not follow `since` and `until`). An unknown \
                   `bucket`, an unreadable time or `since` after `until` → 400.",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures", body = AdminStats),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn admin(state: AppState, user: User, params: Params) -> AppResult<Response> {
    let figures = crate::chat::stats::admin(&state, &user, &params).await?;
    Ok(json(StatusCode::OK, &figures))
}
