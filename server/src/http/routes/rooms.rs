//! Rooms: create or reuse a pair's room, list the caller's rooms, one room, mark it read, its
//! members' receipts, and who in it is online.

use serde_json::Value;
use tigo_common::{
    CreateRoom, ErrorBody, OnlineUsers, Room, RoomList, RoomReceipts, RoomType, User,
};
use utoipa::IntoParams;
use uuid::Uuid;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{FORBIDDEN, INVALID, NOT_FOUND, TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE};
use crate::chat::rooms;
use crate::chat::validate::Params;
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId, params, path_uuid};
use crate::http::reply::{finish, json, no_content};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(Method::POST, "/chat/rooms", create_route),
    Route::new(Method::GET, "/chat/rooms", list_route),
    Route::new(Method::GET, "/chat/rooms/{roomId}", get_route),
    Route::new(Method::POST, "/chat/rooms/{roomId}/read", read_route),
    Route::new(Method::GET, "/chat/rooms/{roomId}/receipts", receipts_route),
    Route::new(
        Method::GET,
        "/chat/rooms/{roomId}/online-users",
        online_route,
    ),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get, mark_read, receipts, online_users))]
pub struct Api;

/// The `{roomId}` segment.
pub fn room_id() -> impl Filter<Extract = (PathId,), Error = warp::Rejection> + Clone {
    path_uuid("roomId")
}

// Filters.

fn create_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms")
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(create)
        .map(finish)
        .boxed()
}

fn list_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms")
        .and(warp::get())
        .and(ctx.authed())
        .and(params())
        .then(list)
        .map(finish)
        .boxed()
}

fn get_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms" / ..)
        .and(room_id())
        .and(warp::path::end())
        .and(warp::get())
        .and(ctx.authed())
        .then(get)
        .map(finish)
        .boxed()
}

fn read_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms" / ..)
        .and(room_id())
        .and(warp::path!("read"))
        .and(warp::post())
        .and(ctx.authed())
        .then(mark_read)
        .map(finish)
        .boxed()
}

fn receipts_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms" / ..)
        .and(room_id())
        .and(warp::path!("receipts"))
        .and(warp::get())
        .and(ctx.authed())
        .then(receipts)
        .map(finish)
        .boxed()
}

fn online_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms" / ..)
        .and(room_id())
        .and(warp::path!("online-users"))
        .and(warp::get())
        .and(ctx.authed())
        .then(online_users)
        .map(finish)
        .boxed()
}

// Handlers.

/// Create the room of a pair, or get the existing one (either order)
#[utoipa::path(
    post, path = "/chat/rooms", tag = "rooms", operation_id = "createRoom",
    description = "One room per unordered pair and type; a `customer_hotel_owner` room belongs \
                   to one hotel. With a `hotel_id`, such a pair gets its room for that hotel, \
                   created if it has none (one room per customer, owner and hotel). Without \
                   `hotel_id` (and for the other types, whose `hotel_id` is only stored) it is \
                   as in v1: the pair's room of that type, the one without a hotel if there is \
                   one, else the oldest; a new room without a hotel only when the pair has none.",
    security(("bearer" = [])),
    request_body = CreateRoom,
    responses(
        (status = 201, description = "Created", body = Room),
        (status = 200, description = "Already existed", body = Room),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = "A participant does not exist", body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id))]
async fn create(state: AppState, user: User, body: Value) -> AppResult<Response> {
    let (room, created) = rooms::create(&state, &user, &body).await?;
    tracing::Span::current().record("room_id", tracing::field::display(room.id));
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &room))
}

/// The query of the room list. Documentation only: `chat::rooms::list` reads the raw
/// parameters so that it can name every bad one at once.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "it describes the query to the document and is never built"
)]
struct ListQuery {
    #[param(required = false, minimum = 1, maximum = 1_000_000, default = 1)]
    page: u32,
    #[param(required = false, minimum = 1, maximum = 100, default = 20)]
    limit: u32,
    #[param(rename = "type", required = false)]
    room_type: RoomType,
    #[param(required = false)]
    participant_id: Uuid,
    /// Case-insensitive match on the other participant's name or email
    #[param(required = false, max_length = 100)]
    search: String,
    /// Every room (Admin only)
    #[param(required = false, default = false)]
    all: bool,
}

/// The caller's rooms, newest activity first
#[utoipa::path(
    get, path = "/chat/rooms", tag = "rooms", operation_id = "listRooms",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of rooms", body = RoomList),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn list(state: AppState, user: User, params: Params) -> AppResult<Response> {
    Ok(json(
        StatusCode::OK,
        &rooms::list(&state, &user, &params).await?,
    ))
}

/// One room
#[utoipa::path(
    get, path = "/chat/rooms/{roomId}", tag = "rooms", operation_id = "getRoom",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path)),
    responses(
        (status = 200, description = "The room", body = Room),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id))]
async fn get(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("room_id", tracing::field::display(id));
    Ok(json(StatusCode::OK, &rooms::get(&state, &user, id).await?))
}

/// Mark the room read: the other side's sent and delivered messages become read
#[utoipa::path(
    post, path = "/chat/rooms/{roomId}/read", tag = "rooms", operation_id = "markRead",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path)),
    responses(
        (status = 204, description = "Marked"),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id))]
async fn mark_read(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("room_id", tracing::field::display(id));
    rooms::mark_read(&state, &user, id).await?;
    Ok(no_content())
}

/// Each member's read and delivery positions
#[utoipa::path(
    get, path = "/chat/rooms/{roomId}/receipts", tag = "rooms", operation_id = "roomReceipts",
    description = "One entry per member, participants first: the newest message they have \
                   read and when they read it, and the newest message any of their connections \
                   received (never older than the one read). `null`s for a member who has \
                   neither read nor received anything yet.",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path)),
    responses(
        (status = 200, description = "The members' positions", body = RoomReceipts),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id))]
async fn receipts(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("room_id", tracing::field::display(id));
    let receipts = rooms::receipts(&state, &user, id).await?;
    Ok(json(StatusCode::OK, &receipts))
}

/// Users of the room connected right now, on any instance
#[utoipa::path(
    get, path = "/chat/rooms/{roomId}/online-users", tag = "rooms", operation_id = "onlineUsers",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path)),
    responses(
        (status = 200, description = "Online user ids", body = OnlineUsers),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id))]
async fn online_users(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("room_id", tracing::field::display(id));
    let online_users = rooms::online_users(&state, &user, id).await?;
    Ok(json(StatusCode::OK, &OnlineUsers { online_users }))
}
