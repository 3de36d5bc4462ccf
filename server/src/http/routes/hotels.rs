//! Hotels and their teams: register a hotel (Admin), read it, add and remove its staff.

use serde_json::Value;
use tigo_common::{AddStaff, ErrorBody, Hotel, PutHotel, User};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{Method, StatusCode};
use warp::reply::Response;

use super::Route;
use super::openapi::{FORBIDDEN, INVALID, NOT_FOUND, TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE};
use crate::chat::hotels;
use crate::error::AppResult;
use crate::http::filters::{Ctx, PathId, path_uuid};
use crate::http::reply::{finish, json};
use crate::state::AppState;

pub const ROUTES: &[Route] = &[
    Route::new(Method::PUT, "/chat/admin/hotels/{hotelId}", put_route),
    Route::new(Method::GET, "/chat/hotels/{hotelId}", get_route),
    Route::new(Method::POST, "/chat/hotels/{hotelId}/staff", add_route),
    Route::new(
        Method::DELETE,
        "/chat/hotels/{hotelId}/staff/{userId}",
        remove_route,
    ),
];

#[derive(utoipa::OpenApi)]
#[openapi(paths(put, get, add_staff, remove_staff))]
pub struct Api;

fn hotel_id() -> impl Filter<Extract = (PathId,), Error = warp::Rejection> + Clone {
    path_uuid("hotelId")
}

// Filters.

fn put_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "admin" / "hotels" / ..)
        .and(hotel_id())
        .and(warp::path::end())
        .and(warp::put())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(put)
        .map(finish)
        .boxed()
}

fn get_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "hotels" / ..)
        .and(hotel_id())
        .and(warp::path::end())
        .and(warp::get())
        .and(ctx.authed())
        .then(get)
        .map(finish)
        .boxed()
}

fn add_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "hotels" / ..)
        .and(hotel_id())
        .and(warp::path!("staff"))
        .and(warp::post())
        .and(ctx.authed())
        .and(ctx.json_body())
        .then(add_staff)
        .map(finish)
        .boxed()
}

fn remove_route(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    warp::path!("chat" / "hotels" / ..)
        .and(hotel_id())
        .and(warp::path("staff"))
        .and(path_uuid("userId"))
        .and(warp::path::end())
        .and(warp::delete())
        .and(ctx.authed())
        .then(remove_staff)
        .map(finish)
        .boxed()
}

// Handlers.

/// Register a hotel, or change its name and owner (Admin)
#[utoipa::path(
    put, path = "/chat/admin/hotels/{hotelId}", tag = "rooms", operation_id = "putHotel",
    description = "`owner_id` must be an active HotelOwner who is not on the hotel's staff. \
                   A new owner is the owner of the hotel's rooms created from then on; existing \
                   rooms keep their participants. A hotel never registered behaves as before \
                   v3: its rooms have their two participants only.",
    security(("bearer" = [])),
    params(("hotelId" = Uuid, Path)),
    request_body = PutHotel,
    responses(
        (status = 201, description = "Registered", body = Hotel),
        (status = 200, description = "Updated", body = Hotel),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn put(id: PathId, state: AppState, user: User, body: Value) -> AppResult<Response> {
    let (hotel, created) = hotels::put(&state, &user, id.get()?, &body).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &hotel))
}

/// A hotel with its staff (its owner, its staff, Admins)
#[utoipa::path(
    get, path = "/chat/hotels/{hotelId}", tag = "rooms", operation_id = "getHotel",
    security(("bearer" = [])),
    params(("hotelId" = Uuid, Path)),
    responses(
        (status = 200, description = "The hotel, staff oldest first", body = Hotel),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = NOT_FOUND, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn get(id: PathId, state: AppState, user: User) -> AppResult<Response> {
    let hotel = hotels::get(&state, &user, id.get()?).await?;
    Ok(json(StatusCode::OK, &hotel))
}

/// Add a member of staff (the hotel's owner or an Admin)
#[utoipa::path(
    post, path = "/chat/hotels/{hotelId}/staff", tag = "rooms", operation_id = "addHotelStaff",
    description = "Any active user except a Customer-only one and the owner. The staff member \
                   becomes a member (role `staff`, side `hotel`) of every \
                   `customer_hotel_owner` room of the hotel, present and future, except one \
                   where they are the customer; each such room hears `member_added`. Adding \
                   someone already on the staff changes nothing. At most `MAX_HOTEL_STAFF` \
                   (default 50).",
    security(("bearer" = [])),
    params(("hotelId" = Uuid, Path)),
    request_body = AddStaff,
    responses(
        (status = 200, description = "The hotel", body = Hotel),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = "No such hotel or user", body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn add_staff(id: PathId, state: AppState, user: User, body: Value) -> AppResult<Response> {
    let hotel = hotels::add_staff(&state, &user, id.get()?, &body).await?;
    Ok(json(StatusCode::OK, &hotel))
}

/// Remove a member of staff (the hotel's owner or an Admin)
#[utoipa::path(
    delete, path = "/chat/hotels/{hotelId}/staff/{userId}", tag = "rooms",
    operation_id = "removeHotelStaff",
    description = "They leave every room of the hotel at once, as a removed member does \
                   (`member_removed`, then 403 on REST and nothing more on their sockets).",
    security(("bearer" = [])),
    params(("hotelId" = Uuid, Path), ("userId" = Uuid, Path)),
    responses(
        (status = 200, description = "The hotel", body = Hotel),
        (status = 400, description = INVALID, body = ErrorBody),
        (status = 401, description = UNAUTHENTICATED, body = ErrorBody),
        (status = 403, description = FORBIDDEN, body = ErrorBody),
        (status = 404, description = "No such hotel, or the user is not on its staff", body = ErrorBody),
        (status = 503, description = UNAVAILABLE, body = ErrorBody),
    )
)]
#[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
async fn remove_staff(
    id: PathId,
    member: PathId,
    state: AppState,
    user: User,
) -> AppResult<Response> {
    let hotel = hotels::remove_staff(&state, &user, id.get()?, member.get()?).await?;
    Ok(json(StatusCode::OK, &hotel))
}
