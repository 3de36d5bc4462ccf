//! Notifications for people who are offline: the VAPID public key, the caller's push
//! subscriptions, their preferences, and the one-click e-mail unsubscribe (no login).

use serde_json::Value;
use tigo_common::{
    ErrorBody, NewPushSubscription, NotificationPreferences, PushSubscriptionInfo,
    PushSubscriptions, Unsubscribed, User, VapidPublicKey,
};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{INVALID, TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE};
use crate::chat::notifications as rules;
use crate::chat::validate::Params;
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId, params, path_uuid};
use crate::http::reply::{finish, json, no_content};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(
        Method::GET,
        "/chat/notifications/vapid-public-key",
        key_route,
    ),
    Route::new(
        Method::POST,
        "/chat/notifications/push-subscriptions",
        subscribe_route,
    ),
    Route::new(
        Method::GET,
        "/chat/notifications/push-subscriptions",
        list_route,
    ),
    Route::new(
        Method::DELETE,
        "/chat/notifications/push-subscriptions/{id}",
        delete_route,
    ),
    Route::new(Method::GET, "/chat/notifications/preferences", prefs_route),
    Route::new(
        Method::PUT,
        "/chat/notifications/preferences",
        put_prefs_route,
    ),
    Route::new(
        Method::POST,
        "/chat/notifications/unsubscribe",
        unsubscribe_route,
    ),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(key, subscribe, list, delete, get_prefs, put_prefs, unsubscribe))]
pub struct Api;

// Filters.

fn key_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "notifications" / "vapid-public-key")
        .and(warp::get())
        .and(ctx.state())
        .then(key)
        .boxed()
}

fn subscribe_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "notifications" / "push-subscriptions")
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(subscribe)
        .map(finish)
        .boxed()
}

fn list_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "notifications" / "push-subscriptions")
        .and(warp::get())
        .and(ctx.authed())
        .then(list)
        .map(finish)
        .boxed()
}

fn delete_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "notifications" / "push-subscriptions" / ..)
        .and(path_uuid("id"))
        .and(warp::path::end())
        .and(warp::delete())
        .and(ctx.authed())
        .then(delete)
        .map(finish)
        .boxed()
}

fn prefs_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "notifications" / "preferences")
        .and(warp::get())
        .and(ctx.authed())
        .then(get_prefs)
        .map(finish)
        .boxed()
}

fn put_prefs_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "notifications" / "preferences")
        .and(warp::put())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(put_prefs)
        .map(finish)
        .boxed()
}

fn unsubscribe_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "notifications" / "unsubscribe")
        .and(warp::post())
        .and(ctx.state())
        .and(params())
        .then(unsubscribe)
        .map(finish)
        .boxed()
}

// Handlers.

/// The VAPID public key, for `PushManager.subscribe({applicationServerKey})`
#[utoipa::path(
    get, path = "/chat/notifications/vapid-public-key", tag = "notifications",
    operation_id = "vapidPublicKey",
    description = "The uncompressed P-256 point (65 bytes), base64url without padding. The key \
                   pair is `VAPID_PRIVATE_KEY` when set, else generated once and kept in the \
                   database, so every instance answers the same. No login needed.",
    responses((status = 200, description = "The key", body = VapidPublicKey))
)]
async fn key(state: AppState) -> Response {
    let key = VapidPublicKey {
        public_key: state.notify.public_key().to_string(),
    };
    json(StatusCode::OK, &key)
}

/// Subscribe this browser to Web Push (what `PushSubscription.toJSON()` gives)
#[utoipa::path(
    post, path = "/chat/notifications/push-subscriptions", tag = "notifications",
    operation_id = "subscribePush",
    description = "The endpoint must be `https://` and must not name or resolve to a \
                   loopback, private, link-local or otherwise internal address in any form \
                   (hosts listed in `PUSH_ALLOWED_HOSTS` excepted, and only they may use \
                   `http://`); it is checked again before every delivery, and redirects are \
                   not followed. `p256dh` must be a P-256 point (65 bytes), `auth` 16 bytes. \
                   The same endpoint again answers 200 and moves it to the caller.",
    security(("bearer" = [])),
    request_body = NewPushSubscription,
    responses(
        (status = 201, description = "Stored", body = PushSubscriptionInfo),
        (status = 200, description = "That endpoint was stored already (now the caller's)", body = PushSubscriptionInfo),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn subscribe(state: AppState, user: User, body: Value) -> AppResult<Response> {
    let (sub, created) = rules::subscribe(&state, &user, body).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &sub))
}

/// The caller's push subscriptions
#[utoipa::path(
    get, path = "/chat/notifications/push-subscriptions", tag = "notifications",
    operation_id = "listPushSubscriptions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Oldest first; keys are never shown again", body = PushSubscriptions),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn list(state: AppState, user: User) -> AppResult<Response> {
    let subscriptions = rules::subscriptions(&state, &user).await?;
    Ok(json(StatusCode::OK, &PushSubscriptions { subscriptions }))
}

/// Delete one of the caller's push subscriptions
#[utoipa::path(
    delete, path = "/chat/notifications/push-subscriptions/{id}", tag = "notifications",
    operation_id = "deletePushSubscription",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 404, description = "The caller has no subscription with that id", body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn delete(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    rules::unsubscribe_device(&state, &user, id.get()?).await?;
    Ok(no_content())
}

/// The caller's notification preferences
#[utoipa::path(
    get, path = "/chat/notifications/preferences", tag = "notifications",
    operation_id = "getNotificationPreferences",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Defaults until changed: push on, e-mail digests, no quiet hours, nothing muted", body = NotificationPreferences),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn get_prefs(state: AppState, user: User) -> AppResult<Response> {
    Ok(json(
        StatusCode::OK,
        &rules::preferences(&state, &user).await?,
    ))
}

/// Replace the caller's notification preferences
#[utoipa::path(
    put, path = "/chat/notifications/preferences", tag = "notifications",
    operation_id = "putNotificationPreferences",
    description = "Every field is required. `quiet_hours`: `null` or `{start, end, timezone}` \
                   with `HH:MM` times (start and end differ; start after end spans midnight) \
                   and an IANA zone: no push in them, and e-mail waits until they end. \
                   `muted_rooms`: rooms the caller is a member of (no push, no e-mail for \
                   them). Answers what is stored.",
    security(("bearer" = [])),
    request_body = NotificationPreferences,
    responses(
        (status = 200, description = "Stored", body = NotificationPreferences),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn put_prefs(state: AppState, user: User, body: Value) -> AppResult<Response> {
    Ok(json(
        StatusCode::OK,
        &rules::put_preferences(&state, &user, body).await?,
    ))
}

/// Turn e-mail off from a digest's one-click link (RFC 8058; no login)
#[utoipa::path(
    post, path = "/chat/notifications/unsubscribe", tag = "notifications",
    operation_id = "unsubscribeEmail",
    description = "The link of a digest's `List-Unsubscribe` header, which mail clients POST \
                   with `List-Unsubscribe=One-Click`. The token is signed by the server; a \
                   missing or altered one answers 401.",
    params(("token" = String, Query)),
    responses(
        (status = 200, description = "E-mail is off", body = Unsubscribed),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all)]
async fn unsubscribe(state: AppState, query: Params) -> AppResult<Response> {
    let email = rules::unsubscribe_email(&state, query.get("token").map(String::as_str)).await?;
    Ok(json(StatusCode::OK, &Unsubscribed { email }))
}
