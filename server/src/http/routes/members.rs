//! A room's members other than its participants: add a companion or an agent, remove one (or
//! leave).

use serde_json::Value;
use tigo_common::{AddMember, ErrorBody, Room, User};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{FORBIDDEN, INVALID, TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE};
use super::rooms::room_id;
use crate::chat::members;
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId, path_uuid};
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(Method::POST, "/chat/rooms/{roomId}/members", add_route),
    Route::new(
        Method::DELETE,
        "/chat/rooms/{roomId}/members/{userId}",
        remove_route,
    ),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(add, remove))]
pub struct Api;

// Filters.

fn add_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms" / ..)
        .and(room_id())
        .and(warp::path!("members"))
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(add)
        .map(finish)
        .boxed()
}

fn remove_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms" / ..)
        .and(room_id())
        .and(warp::path("members"))
        .and(path_uuid("userId"))
        .and(warp::path::end())
        .and(warp::delete())
        .and(ctx.authed())
        .then(remove)
        .map(finish)
        .boxed()
}

// Handlers.

/// Add a travel companion or a support agent to a room
#[utoipa::path(
    post, path = "/chat/rooms/{roomId}/members", tag = "rooms", operation_id = "addRoomMember",
    description = "`companion`: by the room's guest-side participant or an Admin, in \
                   `customer_hotel_owner` and `customer_admin` rooms; any active user. \
                   `agent`: an active Admin, by any Admin (themselves included); any room. \
                   Staff follow the hotel's team and are not added here. The new member reads \
                   the whole history at once; their live connections join the room, and every \
                   member's connections hear `member_added`. At most `MAX_ROOM_MEMBERS` \
                   (default 20) members, participants and staff included.",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path)),
    request_body = AddMember,
    responses(
        (status = 201, description = "Added: the room with its members", body = Room),
        (status = 200, description = "A member with that role already", body = Room),
        (status = 400, description = "Invalid, a deactivated user, a member with another role, or the room is full", body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = "The caller may not add that role, or cannot read the room", body = ErrorBody),
        (status = 404, description = "No such room or user", body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id))]
async fn add(id: PathId, state: AppState, user: User, body: Value) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("room_id", tracing::field::display(id));
    let (room, added) = members::add(&state, &user, id, &body).await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &room))
}

/// Remove a companion or an agent from a room, or leave it
#[utoipa::path(
    delete, path = "/chat/rooms/{roomId}/members/{userId}", tag = "rooms",
    operation_id = "removeRoomMember",
    description = "By whoever may add the member's role, or the member themselves. Removal is \
                   immediate: REST answers 403, the user's connections on every instance leave \
                   the room (after `member_removed`), and search, recovery and notifications \
                   stop including it. Participants (never removable) and staff (removed from \
                   the hotel's staff instead) answer 400.",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path), ("userId" = Uuid, Path)),
    responses(
        (status = 200, description = "The room without the member", body = Room),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = "No such room, or the user is not a member", body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id))]
async fn remove(id: PathId, member: PathId, state: AppState, user: User) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("room_id", tracing::field::display(id));
    let member = member.get()?;
    let room = members::remove(&state, &user, id, member).await?;
    Ok(json(StatusCode::OK, &room))
}
