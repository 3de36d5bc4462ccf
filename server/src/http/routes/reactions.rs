//! Reactions on a message: add one, take one off.

use serde_json::Value;
use tigo_common::{AddReaction, ErrorBody, Message, User};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::messages::message_id;
use super::openapi::{FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, UNAVAILABLE};
use crate::chat::reactions;
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId};
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(
        Method::POST,
        "/chat/messages/{messageId}/reactions",
        add_route,
    ),
    Route::new(
        Method::DELETE,
        "/chat/messages/{messageId}/reactions/{emoji}",
        remove_route,
    ),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(add, remove))]
pub struct Api;

// Filters.

fn add_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "messages" / ..)
        .and(message_id())
        .and(warp::path!("reactions"))
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(add)
        .map(finish)
        .boxed()
}

fn remove_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "messages" / ..)
        .and(message_id())
        .and(warp::path("reactions"))
        // warp hands a segment over as sent: the emoji arrives percent-encoded.
        .and(warp::path::param::<String>())
        .and(warp::path::end())
        .and(warp::delete())
        .and(ctx.authed())
        .then(remove)
        .map(finish)
        .boxed()
}

// Handlers.

/// React to a message (once per user and emoji)
#[utoipa::path(
    post, path = "/chat/messages/{messageId}/reactions", tag = "messages", operation_id = "addReaction",
    description = "Adding the same emoji twice leaves one reaction. At most 20 different emoji \
                   on one message. The room hears `reaction_updated`.",
    security(("bearer" = [])),
    params(("messageId" = Uuid, Path)),
    request_body = AddReaction,
    responses(
        (status = 200, description = "The message with its reactions", body = Message),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, message_id))]
async fn add(id: PathId, state: AppState, user: User, body: Value) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("message_id", tracing::field::display(id));
    let message = reactions::add(&state, &user, id, &body).await?;
    Ok(json(StatusCode::OK, &message))
}

/// Take one's reaction off a message
#[utoipa::path(
    delete, path = "/chat/messages/{messageId}/reactions/{emoji}", tag = "messages",
    operation_id = "removeReaction",
    description = "Answers the message also when the caller had no such reaction.",
    security(("bearer" = [])),
    params(("messageId" = Uuid, Path), ("emoji" = String, Path, description = "One emoji, URL-encoded")),
    responses(
        (status = 200, description = "The message with its reactions", body = Message),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id, message_id))]
async fn remove(id: PathId, emoji: String, state: AppState, user: User) -> AppResult<Response> {
    let id = id.get()?;
    tracing::Span::current().record("message_id", tracing::field::display(id));
    let emoji = percent_encoding::percent_decode_str(&emoji)
        .decode_utf8()
        .map_err(|_| crate::error::AppError::validation("emoji must be a single emoji"))?;
    let message = reactions::remove(&state, &user, id, &emoji).await?;
    Ok(json(StatusCode::OK, &message))
}
