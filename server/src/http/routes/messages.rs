//! Messages: a room's history, send, edit and delete.

use serde_json::Value;
use tigo_common::{EditMessage, ErrorBody, Message, MessageList, SendMessage, User};
use utoipa::IntoParams;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{
    FORBIDDEN, INVALID, NOT_FOUND, RATE_LIMITED, TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE,
};
use super::rooms::room_id;
use crate::chat::validate::Params;
use crate::chat::{messages, removal};
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId, params, path_uuid};
use crate::http::reply::{finish, json, no_content};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(Method::GET, "/chat/rooms/{roomId}/messages", history_route),
    Route::new(Method::POST, "/chat/messages", send_route),
    Route::new(Method::PATCH, "/chat/messages/{messageId}", edit_route),
    Route::new(Method::DELETE, "/chat/messages/{messageId}", delete_route),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(history, send, edit, delete))]
pub struct Api;

/// The `{messageId}` segment.
pub(super) fn message_id() -> impl Filter<Extract = (PathId,), Error = warp::Rejection> + Clone {
    path_uuid("messageId")
}

// Filters.

fn history_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "rooms" / ..)
        .and(room_id())
        .and(warp::path!("messages"))
        .and(warp::get())
        .and(ctx.authed())
        .and(params())
        .then(history)
        .map(finish)
        .boxed()
}

fn send_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "messages")
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(send)
        .map(finish)
        .boxed()
}

fn edit_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "messages" / ..)
        .and(message_id())
        .and(warp::path::end())
        .and(warp::patch())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(edit)
        .map(finish)
        .boxed()
}

fn delete_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "messages" / ..)
        .and(message_id())
        .and(warp::path::end())
        .and(warp::delete())
        .and(ctx.authed())
        .then(delete)
        .map(finish)
        .boxed()
}

// Handlers.

/// The query of the history. Documentation only: `chat::messages::history` reads the raw
/// parameters so that it can name every bad one at once.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "it describes the query to the document and is never built"
)]
struct HistoryQuery {
    #[param(required = false, minimum = 1, maximum = 1_000_000, default = 1)]
    page: u32,
    #[param(required = false, minimum = 1, maximum = 100, default = 50)]
    limit: u32,
    /// RFC 3339 instant or a message id of this room (exclusive)
    #[param(required = false)]
    before: String,
    /// RFC 3339 instant or a message id of this room (exclusive)
    #[param(required = false)]
    after: String,
}

/// A page of history, oldest first within the page
#[utoipa::path(
    get, path = "/chat/rooms/{roomId}/messages", tag = "messages", operation_id = "listMessages",
    description = "Without `after`, page 1 holds the newest `limit` messages (before `before` \
                   when given). With `after`, page 1 holds the oldest `limit` messages after it. \
                   Order is (created_at, id): paging never skips or repeats.",
    security(("bearer" = [])),
    params(("roomId" = Uuid, Path), HistoryQuery),
    responses(
        (status = 200, description = "A page of messages", body = MessageList),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id))]
async fn history(id: PathId, state: AppState, user: User, params: Params) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("room_id", tracing::field::display(id));
    let page = messages::history(&state, &user, id, &params).await?;
    Ok(json(StatusCode::OK, &page))
}

/// Send a message (stored durably before the answer)
#[utoipa::path(
    post, path = "/chat/messages", tag = "messages", operation_id = "sendMessage",
    security(("bearer" = [])),
    request_body = SendMessage,
    responses(
        (status = 201, description = "The stored message (the first one for a repeated client_msg_id)", body = Message),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 429, description = RATE_LIMITED, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id, message_id))]
async fn send(state: AppState, user: User, body: Value) -> AppResult<Response> {
    // A repeated client_msg_id answers the first message with the same 201: a retry cannot
    // tell whether its first attempt arrived.
    let inserted = messages::send(&state, &user, &body).await?;
    let message = inserted.message();
    record_message(message);
    Ok(json(StatusCode::CREATED, message))
}

/// Edit a message (sender only)
#[utoipa::path(
    patch, path = "/chat/messages/{messageId}", tag = "messages", operation_id = "editMessage",
    description = "`content` may be `\"\"` for a file or image message (its caption is removed, \
                   the file stays); a text message's may not be empty.",
    security(("bearer" = [])),
    params(("messageId" = Uuid, Path)),
    request_body = EditMessage,
    responses(
        (status = 200, description = "The edited message", body = Message),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id, message_id))]
async fn edit(id: PathId, state: AppState, user: User, body: Value) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("message_id", tracing::field::display(id));
    let message = messages::edit(&state, &user, id, &body).await?;
    record_message(&message);
    Ok(json(StatusCode::OK, &message))
}

/// Delete a message (sender or Admin)
#[utoipa::path(
    delete, path = "/chat/messages/{messageId}", tag = "messages", operation_id = "deleteMessage",
    security(("bearer" = [])),
    params(("messageId" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, room_id, message_id))]
async fn delete(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    let id = id.get()?;
    let span = tracing::Span::current();
    span.record("message_id", tracing::field::display(id));
    let deleted = removal::delete(&state, &user, id).await?;
    span.record("room_id", tracing::field::display(deleted.room_id));
    Ok(no_content())
}

/// Puts a message's ids on the handler's span.
fn record_message(message: &Message) {
    let span = tracing::Span::current();
    span.record("room_id", tracing::field::display(message.chat_room_id));
    span.record("message_id", tracing::field::display(message.id));
}
