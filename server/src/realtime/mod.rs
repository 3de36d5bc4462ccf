//! Real time: the Socket.IO `/chat` namespace (socketioxide). Authentication at connect
//! ([`connect`]), then the client events of the contract, each access-checked and answered by
//! acknowledgement (`{ok, …}`) or, without one, by the contract's reply event or `error`
//! ([`inbound`]), handled by event group ([`rooms`], [`messages`], [`reactions`], [`typing`]) on payloads
//! decoded into `common`'s types ([`payload`]); connection state recovery ([`recovery`]). Delivery to connections is
//! [`crate::delivery`]'s.

mod connect;
mod inbound;
mod messages;
mod payload;
mod reactions;
pub mod recovery;
mod rooms;
mod typing;

use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Event, SocketRef, State};
use socketioxide::handler::ConnectHandler;
use tigo_common::{NAMESPACE, client_events as ce};

use self::inbound::{Inbound, run};
use crate::error::AppError;
use crate::state::AppState;

/// Mounts the namespace.
pub fn attach(io: &SocketIo) {
    io.ns(NAMESPACE, connect::on_connect.with(connect::authenticate));
}

/// Closes the namespace at shutdown and releases every connection's state.
pub async fn close(io: &SocketIo, state: &AppState, patience: std::time::Duration) {
    let _ = tokio::time::timeout(patience, io.close()).await;
    connect::release_all(state).await;
}

/// Registers the client events of the contract on an authenticated socket.
pub(crate) fn register(socket: &SocketRef) {
    socket.on(
        ce::JOIN_ROOM,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::JOIN_ROOM, i, a, s, rooms::join)
        },
    );
    socket.on(
        ce::LEAVE_ROOM,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::LEAVE_ROOM, i, a, s, rooms::leave)
        },
    );
    socket.on(
        ce::SEND_MESSAGE,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::SEND_MESSAGE, i, a, s, messages::send)
        },
    );
    socket.on(
        ce::MARK_MESSAGES_READ,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::MARK_MESSAGES_READ, i, a, s, messages::mark_read)
        },
    );
    socket.on(
        ce::TYPING_START,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::TYPING_START, i, a, s, typing::start)
        },
    );
    socket.on(
        ce::TYPING_STOP,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::TYPING_STOP, i, a, s, typing::stop)
        },
    );
    socket.on(
        ce::ADD_REACTION,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::ADD_REACTION, i, a, s, reactions::add)
        },
    );
    socket.on(
        ce::REMOVE_REACTION,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::REMOVE_REACTION, i, a, s, reactions::remove)
        },
    );
    // Any other event name: answered in its turn, like the rest, with a 404.
    socket.on_fallback(
        |Event(name): Event, i: Inbound, a: AckSender, State(s): State<AppState>| {
            run("unknown", i, a, s, move |_, _, _| async move {
                Err(AppError::NotFound(format!(
                    "Unknown event {name:?}: see the contract for the client events"
                )))
            })
        },
    );
}
