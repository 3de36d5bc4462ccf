//! Message search over the rooms the caller may read.

use tigo_common::{ErrorBody, SearchResults, User};
use utoipa::IntoParams;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, UNAVAILABLE};
use crate::chat::validate::Params;
use crate::error::AppResult;
use crate::http::filters::{Ctx, params};
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[Route::new(Method::GET, "/chat/search", search_route)];

#[derive(utoipa::OpenApi)]
#[openapi(paths(search))]
pub struct Api;

fn search_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "search")
        .and(warp::get())
        .and(ctx.authed())
        .and(params())
        .then(search)
        .map(finish)
        .boxed()
}

/// The query of a search. Documentation only: `chat::search::search` reads the raw
/// parameters so that it can name every bad one at once.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "it describes the query to the document and is never built"
)]
struct SearchParams {
    /// Words that must all occur (case and accents ignored); the last one also matches as a
    /// prefix; text in double quotes matches as a phrase
    #[param(min_length = 1, max_length = 500)]
    q: String,
    #[param(required = false)]
    room_id: uuid::Uuid,
    #[param(required = false)]
    sender_id: uuid::Uuid,
    /// RFC 3339 instant or a message id (exclusive)
    #[param(required = false)]
    before: String,
    /// RFC 3339 instant or a message id (exclusive)
    #[param(required = false)]
    after: String,
    #[param(required = false, minimum = 1, maximum = 1_000_000, default = 1)]
    page: u32,
    #[param(required = false, minimum = 1, maximum = 100, default = 20)]
    limit: u32,
}

/// Search messages, newest first
#[utoipa::path(
    get, path = "/chat/search", tag = "messages", operation_id = "searchMessages",
    description = "Only rooms the caller may read: a participant's own rooms, every room for an \
                   Admin (an Admin's search is audited). Deleted messages never match; an edited \
                   one matches its current text.",
    security(("bearer" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "A page of matching messages", body = SearchResults),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn search(state: AppState, user: User, params: Params) -> AppResult<Response> {
    let results = crate::chat::search::search(&state, &user, &params).await?;
    Ok(json(StatusCode::OK, &results))
}
