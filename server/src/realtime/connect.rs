//! Connecting to `/chat`: the token (auth payload, header or query), the per-user and
//! per-address limits, and joining the user's rooms, all before the client hears it is
//! connected; what waited goes out the moment it is (after what a resumed session missed, see
//! [`super::recovery`]). Disconnects leave the hub and presence.

use std::sync::{Arc, Weak};

use serde_json::Value;
use socketioxide::extract::{SocketRef, State, TryData};
use tigo_common::{Connected, User, server_events as se};
use uuid::Uuid;

use crate::bus::BusStatus;
use crate::chat::{self, validate};
use crate::db::RoomAccess;
use crate::delivery::conn::Conn;
use crate::http::filters_bearer;
use crate::state::AppState;

/// How a socket finds its connection state: weakly, because the state holds the socket. A
/// strong reference back made a cycle that was never freed, and every connection ever opened
/// left its socket, its engine.io session and its state behind (issue 33). The hub owns the
/// state from connect until the disconnect handler (or the sweep) removes it.
#[derive(Clone)]
struct ConnRef(Weak<Conn>);

/// The connection state of an authenticated socket that is still registered.
pub(super) fn conn_of<A: socketioxide::adapter::Adapter>(
    socket: &socketioxide::socket::Socket<A>,
) -> Option<Arc<Conn>> {
    socket.extensions.get::<ConnRef>()?.0.upgrade()
}

/// Why a connection was refused; its text reaches the client's `connect_error`.
#[derive(Debug)]
pub(super) struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The token from the `auth` payload, else `Authorization: Bearer`, else `?token=`.
fn token_of(auth: &Value, socket: &SocketRef) -> Option<String> {
    if let Some(token) = auth.get("token").and_then(Value::as_str) {
        let token = token.trim();
        let token = token
            .strip_prefix("Bearer ")
            .or_else(|| token.strip_prefix("bearer "))
            .unwrap_or(token);
        if !token.is_empty() {
            return Some(token.to_string());
        }
    }
    let parts = socket.req_parts();
    let header = parts
        .headers
        .get("authorization")
        .and_then(|h| h.to_str().ok());
    if let Some(token) = filters_bearer(header) {
        return Some(token.to_string());
    }
    let query = parts.uri.query().unwrap_or("");
    validate::parse_query(query)
        .remove("token")
        .filter(|t| !t.is_empty())
}

/// Connect middleware: runs before the client hears it is connected, so the event handlers
/// are in place before its first event can arrive.
pub(super) async fn authenticate(
    socket: SocketRef,
    TryData(auth): TryData<Value>,
    State(state): State<AppState>,
) -> Result<(), Refused> {
    let auth = auth.unwrap_or(Value::Null);
    let user = who(&state, &socket, &auth).await?;
    within_limits(&state, &socket, user.id)?;
    let rooms = state.store.rooms_of_user(user.id).await.map_err(|e| {
        tracing::warn!(%e, "could not load rooms at connect");
        Refused("Service temporarily unavailable, please retry".into())
    })?;
    let mut plan = super::recovery::plan(&state, &user, &auth).await;
    let rooms = match &plan {
        Some(plan) => {
            super::recovery::rooms_to_join(&state, plan, chat::is_admin(&user), rooms).await
        }
        None => rooms,
    };
    let conn = register(&state, &socket, &user, &rooms);
    // After the joins: whatever commits from here on waits in the gates, and the positions
    // read now say where the session starts (or the replay reads up to).
    if let Some(plan) = &mut plan
        && let Some(replay) = super::recovery::begin(&state, &conn, plan).await
    {
        conn.socket.extensions.insert(replay);
    }
    // Presence is settled before the client hears it is connected (see `Presence::settled`),
    // unless Redis is away: then presence catches up when it is back, and connects must not
    // wait for Redis timeouts meanwhile.
    let rooms = conn.joined_rooms();
    if state.events.bus().status() == BusStatus::Down {
        state.presence.changed(conn.user_id, rooms).await;
    } else {
        state.presence.settled(conn.user_id, rooms).await;
    }
    tracing::debug!(user_id = %user.id, "socket authenticated");
    Ok(())
}

/// The user the connection's token names (auth payload, header or query).
async fn who(state: &AppState, socket: &SocketRef, auth: &Value) -> Result<User, Refused> {
    let Some(token) = token_of(auth, socket) else {
        return Err(Refused(
            "Authentication required: pass a token in auth.token, an Authorization: Bearer header or the token query parameter".into(),
        ));
    };
    chat::authenticate(state, &token).await.map_err(|e| {
        state
            .metrics
            .connections_refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Refused(e.message().to_string())
    })
}

/// Refuses a connection over the per-user or per-address limit.
fn within_limits(state: &AppState, socket: &SocketRef, user: Uuid) -> Result<(), Refused> {
    let limits = &state.config.limits;
    let hub = state.events.hub();
    let per_user = hub.user_conns(user).len();
    let per_address = socket
        .req_parts()
        .extensions
        .get::<crate::peer::PeerAddr>()
        .map_or(0, |p| hub.connections_from(p.0.ip()));
    let refused = if limits.connections_per_user > 0 && per_user >= limits.connections_per_user {
        Some(("connections_per_user", "Too many connections for this user"))
    } else if limits.connections_per_address > 0 && per_address >= limits.connections_per_address {
        Some((
            "connections_per_address",
            "Too many connections from this address",
        ))
    } else {
        None
    };
    let Some((limit, why)) = refused else {
        return Ok(());
    };
    state.metrics.rate_limited(limit);
    state
        .metrics
        .connections_refused
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Err(Refused(why.into()))
}

/// The connection's state, its handlers, and its rooms joined (their events wait in the gates).
fn register(state: &AppState, socket: &SocketRef, user: &User, rooms: &[RoomAccess]) -> Arc<Conn> {
    let conn = Arc::new(Conn::new(
        socket.clone(),
        user.id,
        chat::is_admin(user),
        state.config.limits.max_pending_events,
        state.metrics.live.connection(),
    ));
    for access in rooms {
        state.rooms.insert(access.id, *access);
    }
    socket.extensions.insert(state.metrics.live.socket());
    socket.extensions.insert(ConnRef(Arc::downgrade(&conn)));
    super::register(socket);
    socket.on_disconnect(on_disconnect);
    // Registered before the client hears it is connected, so nothing sent meanwhile is
    // missed (it waits in the gate) and the limits above count this connection at once. If
    // the connection dies before that, the sweep removes it.
    let hub = state.events.hub();
    hub.add_conn(&conn);
    for access in rooms.iter().take(state.config.limits.max_rooms_joined) {
        hub.join(&conn, *access, true);
    }
    conn
}

/// Runs once the client has been told it is connected: what waited goes out.
pub(super) async fn on_connect(socket: SocketRef, State(state): State<AppState>) {
    let Some(conn) = conn_of(&socket) else {
        return;
    };
    conn.emit(
        se::CONNECTED,
        &Connected {
            message: "Successfully connected to chat".into(),
            user_id: conn.user_id,
        },
    );
    if let Some(replay) = socket.extensions.get::<super::recovery::Replay>() {
        super::recovery::replay(&state, &conn, &replay).await;
    }
    conn.connected();
    state.notify.seen(&state.tasks, conn.user_id);
    if !socket.connected() {
        // Closed meanwhile: the disconnect handler may have run before we got here.
        state.events.hub().remove_conn(&conn);
        state
            .presence
            .changed(conn.user_id, conn.joined_rooms())
            .await;
    }
}

async fn on_disconnect(socket: SocketRef, State(state): State<AppState>) {
    let Some(conn) = conn_of(&socket) else {
        return;
    };
    let rooms = conn.joined_rooms();
    let hub = state.events.hub();
    hub.remove_conn(&conn);
    super::recovery::closed(&state, std::slice::from_ref(&conn)).await;
    if !hub.is_local(conn.user_id) {
        state.typing.clear_user(conn.user_id);
    }
    state.presence.changed(conn.user_id, rooms).await;
    state.notify.seen(&state.tasks, conn.user_id);
}

/// Shutdown, once the Socket.IO layer is closed: socketioxide's `close` lets go of its
/// namespaces before it closes the transports, so no disconnect handler runs and every socket
/// stays in its namespace, which it holds in turn. Left so, each connection (in the hub, and
/// its socket) would keep the state, and with it the Redis connection, alive after the
/// instance stopped. So: every connection leaves the hub, recoverable sessions are extended
/// from now (one write for all), and each socket is then disconnected, which takes it out of
/// its namespace (its handler finds nothing left to do). Presence needs nothing: its task
/// releases this instance's claims when it stops.
pub(super) async fn release_all(state: &AppState) {
    let hub = state.events.hub();
    let conns = hub.all_conns();
    for conn in &conns {
        hub.remove_conn(conn);
    }
    super::recovery::closed(state, &conns).await;
    for conn in &conns {
        let _ = conn.socket.clone().disconnect();
    }
}
