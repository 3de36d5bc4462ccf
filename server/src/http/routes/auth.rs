//! Accounts: log in, register, the caller, and the lookup of a user by email.

use serde_json::Value;
use tigo_common::{
    ErrorBody, LoginRequest, LoginResponse, RegisterRequest, RegisterResponse, User,
};
use utoipa::IntoParams;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{INVALID, NOT_FOUND, RATE_LIMITED, TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE};
use crate::chat::validate::Params;
use crate::error::AppResult;
use crate::http::filters::{Ctx, PeerAddr, params};
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(Method::POST, "/auth/login", login_route),
    Route::new(Method::POST, "/auth/register", register_route),
    Route::new(Method::GET, "/auth/me", me_route),
    Route::new(Method::GET, "/chat/users/lookup", lookup_route),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(login, register, me, lookup))]
pub struct Api;

// Filters.

fn login_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("auth" / "login")
        .and(warp::post())
        .and(ctx.state())
        .and(warp::ext::optional::<PeerAddr>())
        .and(ctx.json_body())
        .then(login)
        .map(finish)
        .boxed()
}

fn register_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("auth" / "register")
        .and(warp::post())
        .and(ctx.state())
        .and(ctx.json_body())
        .then(register)
        .map(finish)
        .boxed()
}

fn me_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("auth" / "me")
        .and(warp::get())
        .and(ctx.authed())
        .then(me)
        .map(finish)
        .boxed()
}

fn lookup_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "users" / "lookup")
        .and(warp::get())
        .and(ctx.authed())
        .and(params())
        .then(lookup)
        .map(finish)
        .boxed()
}

// Handlers.

/// Log in with email and password
#[utoipa::path(
    post, path = "/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Token and user", body = LoginResponse),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = "Wrong email or password (same answer for both)", body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 429, description = RATE_LIMITED, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id))]
async fn login(state: AppState, peer: Option<PeerAddr>, body: Value) -> AppResult<Response> {
    // The client address keys the per-address login limit.
    let address = peer.map(|p| p.0.ip());
    let login = crate::accounts::login(&state, &body, address).await?;
    tracing::Span::current().record("user_id", tracing::field::display(login.user.id));
    Ok(json(StatusCode::OK, &login))
}

/// Register a Customer account (can be switched off)
#[utoipa::path(
    post, path = "/auth/register", tag = "auth", operation_id = "register",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Created", body = RegisterResponse),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 403, description = "Registration is disabled", body = ErrorBody),
        (status = 409, description = "Email already registered", body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 429, description = RATE_LIMITED, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id))]
async fn register(state: AppState, body: Value) -> AppResult<Response> {
    let user = crate::accounts::register(&state, &body).await?;
    tracing::Span::current().record("user_id", tracing::field::display(user.id));
    Ok(json(StatusCode::CREATED, &RegisterResponse { user }))
}

/// The caller
#[utoipa::path(
    get, path = "/auth/me", tag = "auth", operation_id = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = User),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn me(_state: AppState, user: User) -> AppResult<Response> {
    Ok(json(StatusCode::OK, &user))
}

/// The query of the lookup. Documentation only: `accounts::lookup` reads the raw parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "it describes the query to the document and is never built"
)]
struct LookupQuery {
    #[param(format = Email)]
    email: String,
}

/// An active user by exact email (to open a room with them)
#[utoipa::path(
    get, path = "/chat/users/lookup", tag = "service", operation_id = "lookupUser",
    security(("bearer" = [])),
    params(LookupQuery),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %caller.id))]
async fn lookup(state: AppState, caller: User, params: Params) -> AppResult<Response> {
    let user = crate::accounts::lookup(&state, &params).await?;
    Ok(json(StatusCode::OK, &user))
}
