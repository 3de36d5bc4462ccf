//! The support desk: assigning rooms to Admins and the Admins' saved replies.

use serde_json::Value;
use tigo_common::{AssignBody, ErrorBody, NewSavedReply, Room, SavedReplies, SavedReply, User};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{
    CONFLICT, FORBIDDEN, INVALID, NOT_FOUND, TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE,
};
use super::rooms::room_id;
use crate::chat::desk::{self, replies};
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId, path_uuid};
use crate::http::reply::{finish, json, no_content};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(Method::POST, "/chat/rooms/{roomId}/assign", assign_route),
    Route::new(
        Method::DELETE,
        "/chat/rooms/{roomId}/assign",
        unassign_route,
    ),
    Route::new(Method::GET, "/chat/admin/replies", replies_route),
    Route::new(Method::POST, "/chat/admin/replies", add_reply_route),
    Route::new(
        Method::DELETE,
        "/chat/admin/replies/{replyId}",
        remove_reply_route,
    ),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(assign, unassign, list_replies, add_reply, remove_reply))]
pub struct Api;

// Filters.

fn assign_path() -> impl Filter<Extract = (PathId,), Error = warp::Rejection> + Clone {
    warp::path!("chat" / "rooms" / ..)
        .and(room_id())
        .and(warp::path!("assign"))
}

fn assign_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    assign_path()
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(assign)
        .map(finish)
        .boxed()
}

fn unassign_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    assign_path()
        .and(warp::delete())
        .and(ctx.authed())
        .then(unassign)
        .map(finish)
        .boxed()
}

fn replies_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "replies")
        .and(warp::get())
        .and(ctx.authed())
        .then(list_replies)
        .map(finish)
        .boxed()
}

fn add_reply_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "replies")
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(add_reply)
        .map(finish)
        .boxed()
}

fn remove_reply_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "replies" / ..)
        .and(path_uuid("replyId"))
        .and(warp::path::end())
        .and(warp::delete())
        .and(ctx.authed())
        .then(remove_reply)
        .map(finish)
        .boxed()
}

// Handlers.

/// Assign a room to an Admin, by default the caller (Admin only)
#[utoipa::path(
    post, path = "/chat/rooms/{roomId}/assign", tag = "support", operation_id = "assignRoom",
    description = "Every Admin connection, on every instance, gets `room_assigned {roomId, adminId}`.",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path)),
    request_body = AssignBody,
    responses(
        (status = 200, description = "The room, with `assigned_admin_id`", body = Room),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn assign(id: PathId, state: AppState, user: User, body: Value) -> AppResult<Response> {
    let room = desk::assign(&state, &user, id.get()?, Some(&body)).await?;
    Ok(json(StatusCode::OK, &room))
}

/// Give a room back: nobody holds it (Admin only)
#[utoipa::path(
    delete, path = "/chat/rooms/{roomId}/assign", tag = "support", operation_id = "unassignRoom",
    description = "Every Admin connection, on every instance, gets `room_assigned {roomId, adminId: null}`.",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path)),
    responses(
        (status = 200, description = "The room, `assigned_admin_id: null`", body = Room),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn unassign(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    let room = desk::assign(&state, &user, id.get()?, None).await?;
    Ok(json(StatusCode::OK, &room))
}

/// The saved replies, by name (Admin only)
#[utoipa::path(
    get, path = "/chat/admin/replies", tag = "support", operation_id = "listSavedReplies",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every saved reply", body = SavedReplies),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn list_replies(state: AppState, user: User) -> AppResult<Response> {
    Ok(json(StatusCode::OK, &replies::list(&state, &user).await?))
}

/// Save a reply for every Admin (Admin only)
#[utoipa::path(
    post, path = "/chat/admin/replies", tag = "support", operation_id = "addSavedReply",
    security(("bearer" = [])),
    request_body = NewSavedReply,
    responses(
        (status = 201, description = "The saved reply", body = SavedReply),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 409, description = CONFLICT, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn add_reply(state: AppState, user: User, body: Value) -> AppResult<Response> {
    let reply = replies::add(&state, &user, &body).await?;
    Ok(json(StatusCode::CREATED, &reply))
}

/// Delete a saved reply (Admin only)
#[utoipa::path(
    delete, path = "/chat/admin/replies/{replyId}", tag = "support", operation_id = "removeSavedReply",
    security(("bearer" = [])),
    params(("replyId" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn remove_reply(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    replies::remove(&state, &user, id.get()?).await?;
    Ok(no_content())
}
