//! The REST routes of the contract, one filter each (path first, then method, so an unknown
//! path is 404 and a known path with the wrong method is 405).

use serde_json::Value;
use tigo_common::{OnlineUsers, RegisterResponse, User};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;

use super::filters::{PeerAddr, authed, json_body, params, recover, with_state};
use super::{json, no_content, reply};
use crate::chat::validate::{Params, path_uuid};
use crate::chat::{messages, rooms};
use crate::db::Inserted;
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let limit = state.config.limits.max_body_bytes;

    let login = warp::path!("auth" / "login")
        .and(warp::post())
        .and(with_state(state.clone()))
        .and(warp::ext::optional::<PeerAddr>())
        .and(json_body(limit))
        .then(
            |state: AppState, peer: Option<PeerAddr>, body: Value| async move {
                let address = peer.map(|p| p.0.ip());
                reply(
                    StatusCode::OK,
                    crate::accounts::login(&state, &body, address).await,
                )
            },
        )
        .boxed();

    let register = warp::path!("auth" / "register")
        .and(warp::post())
        .and(with_state(state.clone()))
        .and(json_body(limit))
        .then(|state: AppState, body: Value| async move {
            let result = crate::accounts::register(&state, &body)
                .await
                .map(|user| RegisterResponse { user });
            reply(StatusCode::CREATED, result)
        })
        .boxed();

    let me = warp::path!("auth" / "me")
        .and(warp::get())
        .and(authed(state.clone()))
        .map(|_state: AppState, user: User| json(StatusCode::OK, &user))
        .boxed();

    let create_room = warp::path!("chat" / "rooms")
        .and(warp::post())
        .and(authed(state.clone()))
        .and(json_body(limit))
        .then(|state: AppState, user: User, body: Value| async move {
            match rooms::create(&state, &user, &body).await {
                Ok((room, true)) => json(StatusCode::CREATED, &room),
                Ok((room, false)) => json(StatusCode::OK, &room),
                Err(err) => super::error(&err),
            }
        })
        .boxed();

    let list_rooms = warp::path!("chat" / "rooms")
        .and(warp::get())
        .and(authed(state.clone()))
        .and(params())
        .then(|state: AppState, user: User, params: Params| async move {
            reply(StatusCode::OK, rooms::list(&state, &user, &params).await)
        })
        .boxed();

    let get_room = warp::path!("chat" / "rooms" / String)
        .and(warp::get())
        .and(authed(state.clone()))
        .then(|id: String, state: AppState, user: User| async move {
            let result = match path_uuid("roomId", &id) {
                Ok(id) => rooms::get(&state, &user, id).await,
                Err(e) => Err(e),
            };
            reply(StatusCode::OK, result)
        })
        .boxed();

    let history = warp::path!("chat" / "rooms" / String / "messages")
        .and(warp::get())
        .and(authed(state.clone()))
        .and(params())
        .then(
            |id: String, state: AppState, user: User, params: Params| async move {
                let result = match path_uuid("roomId", &id) {
                    Ok(id) => messages::history(&state, &user, id, &params).await,
                    Err(e) => Err(e),
                };
                reply(StatusCode::OK, result)
            },
        )
        .boxed();

    let mark_read = warp::path!("chat" / "rooms" / String / "read")
        .and(warp::post())
        .and(authed(state.clone()))
        .then(|id: String, state: AppState, user: User| async move {
            let result = match path_uuid("roomId", &id) {
                Ok(id) => rooms::mark_read(&state, &user, id).await.map(|_| ()),
                Err(e) => Err(e),
            };
            no_content(result)
        })
        .boxed();

    let online = warp::path!("chat" / "rooms" / String / "online-users")
        .and(warp::get())
        .and(authed(state.clone()))
        .then(|id: String, state: AppState, user: User| async move {
            let result = match path_uuid("roomId", &id) {
                Ok(id) => rooms::online_users(&state, &user, id)
                    .await
                    .map(|online_users| OnlineUsers { online_users }),
                Err(e) => Err(e),
            };
            reply(StatusCode::OK, result)
        })
        .boxed();

    let send = warp::path!("chat" / "messages")
        .and(warp::post())
        .and(authed(state.clone()))
        .and(json_body(limit))
        .then(|state: AppState, user: User, body: Value| async move {
            match messages::send(&state, &user, &body).await {
                Ok(Inserted::New(m)) | Ok(Inserted::Existing(m)) => json(StatusCode::CREATED, &m),
                Err(err) => super::error(&err),
            }
        })
        .boxed();

    let edit = warp::path!("chat" / "messages" / String)
        .and(warp::patch())
        .and(authed(state.clone()))
        .and(json_body(limit))
        .then(
            |id: String, state: AppState, user: User, body: Value| async move {
                let result = match path_uuid("messageId", &id) {
                    Ok(id) => messages::edit(&state, &user, id, &body).await,
                    Err(e) => Err(e),
                };
                reply(StatusCode::OK, result)
            },
        )
        .boxed();

    let delete = warp::path!("chat" / "messages" / String)
        .and(warp::delete())
        .and(authed(state.clone()))
        .then(|id: String, state: AppState, user: User| async move {
            let result = match path_uuid("messageId", &id) {
                Ok(id) => messages::delete(&state, &user, id).await.map(|_| ()),
                Err(e) => Err(e),
            };
            no_content(result)
        })
        .boxed();

    let everyone_online = warp::path!("chat" / "admin" / "online-users")
        .and(warp::get())
        .and(authed(state.clone()))
        .then(|state: AppState, user: User| async move {
            let result = if crate::chat::is_admin(&user) {
                Ok(OnlineUsers {
                    online_users: state.presence.everyone_online().await,
                })
            } else {
                Err(crate::error::AppError::Forbidden(
                    "Only admins can list everyone online".into(),
                ))
            };
            reply(StatusCode::OK, result)
        })
        .boxed();

    let lookup = warp::path!("chat" / "users" / "lookup")
        .and(warp::get())
        .and(authed(state.clone()))
        .and(params())
        .then(|state: AppState, _user: User, params: Params| async move {
            reply(
                StatusCode::OK,
                crate::accounts::lookup(&state, &params).await,
            )
        })
        .boxed();

    let queue = warp::path!("chat" / "admin" / "queue")
        .and(warp::get())
        .and(authed(state.clone()))
        .and(params())
        .then(|state: AppState, user: User, params: Params| async move {
            reply(
                StatusCode::OK,
                rooms::support_queue(&state, &user, &params).await,
            )
        })
        .boxed();

    let health = warp::path!("chat" / "health")
        .and(warp::get())
        .and(with_state(state.clone()))
        .then(|state: AppState| async move {
            let health = crate::health::check(&state).await;
            let status = if health.status == "unhealthy" {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            };
            json(status, &health)
        })
        .boxed();

    let metrics = warp::path!("metrics")
        .and(warp::get())
        .and(with_state(state.clone()))
        .then(|state: AppState| async move {
            let hub = state.events.hub();
            let database_up = matches!(
                tokio::time::timeout(std::time::Duration::from_secs(1), state.store.ping()).await,
                Ok(Ok(()))
            );
            let gauges = crate::metrics::Gauges {
                connections: hub.connections(),
                users_here: hub.local_users().len(),
                database_up,
                bus_up: state.events.bus().redis().map(|r| r.is_up()),
                write_queue: state.writer.queued(),
            };
            let mut response = Response::new(state.metrics.render(&gauges).into());
            response.headers_mut().insert(
                warp::http::header::CONTENT_TYPE,
                warp::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            response
        })
        .boxed();

    let openapi = warp::path!("openapi.json")
        .and(warp::get())
        .map(super::openapi::document)
        .boxed();

    login
        .or(register)
        .unify()
        .or(me)
        .unify()
        .or(create_room)
        .unify()
        .or(list_rooms)
        .unify()
        .or(get_room)
        .unify()
        .or(history)
        .unify()
        .or(mark_read)
        .unify()
        .or(online)
        .unify()
        .or(send)
        .unify()
        .or(edit)
        .unify()
        .or(delete)
        .unify()
        .or(everyone_online)
        .unify()
        .or(lookup)
        .unify()
        .or(queue)
        .unify()
        .or(health)
        .unify()
        .or(openapi)
        .unify()
        .or(metrics)
        .unify()
        .recover(recover)
        .unify()
        .boxed()
}
