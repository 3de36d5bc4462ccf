//! Moderation: reporting a message, and the Admins' list and resolution of reports.

use serde_json::Value;
use tigo_common::{ErrorBody, Report, ReportBody, ReportList, ResolveBody, User};
use utoipa::IntoParams;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{
    CONFLICT, FORBIDDEN, INVALID, NOT_FOUND, TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE,
};
use crate::chat::safety::reports;
use crate::chat::validate::Params;
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId, params, path_uuid};
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(
        Method::POST,
        "/chat/messages/{messageId}/report",
        report_route,
    ),
    Route::new(Method::GET, "/chat/admin/reports", list_route),
    Route::new(
        Method::POST,
        "/chat/admin/reports/{reportId}/resolve",
        resolve_route,
    ),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(report, list, resolve))]
pub struct Api;

// Filters.

fn report_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "messages" / ..)
        .and(path_uuid("messageId"))
        .and(warp::path!("report"))
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(report)
        .map(finish)
        .boxed()
}

fn list_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "reports")
        .and(warp::get())
        .and(ctx.authed())
        .and(params())
        .then(list)
        .map(finish)
        .boxed()
}

fn resolve_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "reports" / ..)
        .and(path_uuid("reportId"))
        .and(warp::path!("resolve"))
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(resolve)
        .map(finish)
        .boxed()
}

// Handlers.

/// Report a message (anyone who may read its room)
#[utoipa::path(
    post, path = "/chat/messages/{messageId}/report", tag = "moderation", operation_id = "reportMessage",
    security(("bearer" = [])),
    params(("messageId" = Uuid, Path)),
    request_body = ReportBody,
    responses(
        (status = 201, description = "The new report", body = Report),
        (status = 200, description = "The caller's open report of this message", body = Report),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn report(id: PathId, state: AppState, user: User, body: Value) -> AppResult<Response> {
    let (report, created) = reports::report(&state, &user, id.get()?, &body).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &report))
}

/// The query of the report list. Documentation only: `safety::reports::list` reads the raw
/// parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "it describes the query to the document and is never built"
)]
struct ReportQuery {
    /// `open` or `resolved`; every report when absent
    #[param(required = false, pattern = "^(open|resolved)$")]
    status: String,
    #[param(required = false, minimum = 1, maximum = 500, default = 100)]
    limit: u32,
}

/// Reports, oldest first, each with its message (Admin only)
#[utoipa::path(
    get, path = "/chat/admin/reports", tag = "moderation", operation_id = "listReports",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "Reports and how many match", body = ReportList),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn list(state: AppState, user: User, params: Params) -> AppResult<Response> {
    let list = reports::list(&state, &user, &params).await?;
    Ok(json(StatusCode::OK, &list))
}

/// Resolve a report: dismiss it or delete the message (Admin only)
#[utoipa::path(
    post, path = "/chat/admin/reports/{reportId}/resolve", tag = "moderation", operation_id = "resolveReport",
    security(("bearer" = [])),
    params(("reportId" = Uuid, Path)),
    request_body = ResolveBody,
    responses(
        (status = 200, description = "The resolved report", body = Report),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 409, description = CONFLICT, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn resolve(id: PathId, state: AppState, user: User, body: Value) -> AppResult<Response> {
    let report = reports::resolve(&state, &user, id.get()?, &body).await?;
    Ok(json(StatusCode::OK, &report))
}
