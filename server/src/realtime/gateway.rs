//! The `/chat` namespace: authentication at connect (a failing token gets `connect_error`),
//! the client events of the contract, each access-checked and answered by acknowledgement
//! (`{ok, …}`) or, without one, by the contract's reply event or `error`.
//!
//! socketioxide runs each event handler as its own task; a ticket taken in arrival order
//! (see [`Inbound`]) makes one connection's events be processed, and answered, in order.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Event, SocketRef, State, TryData};
use socketioxide::handler::{ConnectHandler, FromMessageParts};
use socketioxide_core::Value as RawValue;
use tigo_common::{
    Connected, JoinedRoom, MessageSent, NAMESPACE, RoomRef, User, client_events as ce,
    server_events as se,
};
use uuid::Uuid;

use crate::bus::BusStatus;
use crate::chat::{self, messages, rooms, validate};
use crate::db::{Cursor, MessageQuery};
use crate::delivery::conn::{Conn, Sent};
use crate::delivery::queue::Stored;
use crate::error::{AppError, AppResult};
use crate::http::filters_bearer;
use crate::state::AppState;

/// How long a replay may wait for a slow client before it is dropped.
const REPLAY_PATIENCE: Duration = Duration::from_secs(10);

/// Mounts the namespace.
pub fn attach(io: &SocketIo) {
    io.ns(NAMESPACE, on_connect.with(authenticate));
}

/// Why a connection was refused; its text reaches the client's `connect_error`.
#[derive(Debug)]
struct Refused(String);

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
async fn authenticate(
    socket: SocketRef,
    TryData(auth): TryData<Value>,
    State(state): State<AppState>,
) -> Result<(), Refused> {
    let auth = auth.unwrap_or(Value::Null);
    let Some(token) = token_of(&auth, &socket) else {
        return Err(Refused(
            "Authentication required: pass a token in auth.token, an Authorization: Bearer header or the token query parameter".into(),
        ));
    };
    let user = chat::authenticate(&state, &token).await.map_err(|e| {
        state
            .metrics
            .connections_refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Refused(e.message().to_string())
    })?;
    let limits = &state.config.limits;
    let hub = state.events.hub();
    let per_user = hub.user_conns(user.id).len();
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
    if let Some((limit, why)) = refused {
        state.metrics.rate_limited(limit);
        state
            .metrics
            .connections_refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(Refused(why.into()));
    }
    let rooms = state.store.rooms_of_user(user.id).await.map_err(|e| {
        tracing::warn!(%e, "could not load rooms at connect");
        Refused("Service temporarily unavailable, please retry".into())
    })?;
    let conn = Arc::new(Conn::new(
        socket.clone(),
        user.id,
        chat::is_admin(&user),
        state.config.limits.max_pending_events,
    ));
    for access in &rooms {
        state.rooms.insert(access.id, *access);
    }
    socket.extensions.insert(conn.clone());
    register(&socket);
    socket.on_disconnect(on_disconnect);
    // Registered before the client hears it is connected, so nothing sent meanwhile is
    // missed (it waits in the gate) and the limits above count this connection at once. If
    // the connection dies before that, the sweep removes it.
    hub.add_conn(&conn);
    for access in rooms.iter().take(limits.max_rooms_joined) {
        hub.join(&conn, *access, true);
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

/// Runs once the client has been told it is connected: what waited goes out.
async fn on_connect(socket: SocketRef, State(state): State<AppState>) {
    let Some(conn) = socket.extensions.get::<Arc<Conn>>() else {
        return;
    };
    conn.emit(
        se::CONNECTED,
        &Connected {
            message: "Successfully connected to chat".into(),
            user_id: conn.user_id,
        },
    );
    conn.connected();
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
    let Some(conn) = socket.extensions.get::<Arc<Conn>>() else {
        return;
    };
    let rooms = conn.joined_rooms();
    let hub = state.events.hub();
    hub.remove_conn(&conn);
    if !hub.is_local(conn.user_id) {
        state.typing.clear_user(conn.user_id);
    }
    state.presence.changed(conn.user_id, rooms).await;
}

/// One client event, with its place in the connection's line.
pub struct Inbound {
    conn: Arc<Conn>,
    /// `None` when too many of this connection's events already wait.
    ticket: Option<u64>,
    data: Value,
    wants_ack: bool,
}

#[derive(Debug)]
pub struct NotAuthenticated;

impl std::fmt::Display for NotAuthenticated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("socket has no authenticated connection state")
    }
}

impl std::error::Error for NotAuthenticated {}

impl<A: Adapter> FromMessageParts<A> for Inbound {
    type Error = NotAuthenticated;

    fn from_message_parts(
        s: &Arc<socketioxide::socket::Socket<A>>,
        v: &mut RawValue,
        ack_id: &Option<i64>,
    ) -> Result<Self, Self::Error> {
        let conn = s.extensions.get::<Arc<Conn>>().ok_or(NotAuthenticated)?;
        let ticket = conn.take_ticket();
        let TryData(data) = match TryData::<Value>::from_message_parts(s, v, ack_id) {
            Ok(data) => data,
            Err(never) => match never {},
        };
        Ok(Inbound {
            conn,
            ticket,
            data: data.unwrap_or(Value::Null),
            wants_ack: ack_id.is_some(),
        })
    }
}

/// Answers an event: `{ok: true, …fields}` by ack when asked.
fn ack_ok(ack: AckSender, wants_ack: bool, fields: Value) {
    if !wants_ack {
        return;
    }
    let mut reply = Map::new();
    reply.insert("ok".into(), Value::Bool(true));
    if let Value::Object(fields) = fields {
        reply.extend(fields);
    }
    let _ = ack.send(&Value::Object(reply));
}

/// Reports a failed event: by ack when asked, else as an `error` event.
fn fail(conn: &Conn, ack: AckSender, wants_ack: bool, err: &AppError) {
    let error = err.to_wire().event_error();
    if wants_ack {
        let _ = ack.send(&json!({"ok": false, "error": error}));
    } else {
        conn.emit(se::ERROR, &error);
    }
}

/// The caller as the database knows them now; a deactivated user is disconnected.
async fn caller(state: &AppState, conn: &Conn) -> AppResult<User> {
    match chat::user(state, conn.user_id).await? {
        Some(record) if record.is_active => Ok(record.user),
        _ => {
            let _ = conn.socket.clone().disconnect();
            Err(AppError::Unauthorized("This user is deactivated".into()))
        }
    }
}

fn room_ref(data: &Value) -> AppResult<Uuid> {
    if !data.is_object() {
        return Err(AppError::validation(
            "the payload must be an object {roomId}, not a bare value",
        ));
    }
    let problem = || AppError::validation("roomId must be a UUID");
    let text = data
        .get("roomId")
        .and_then(Value::as_str)
        .ok_or_else(problem)?;
    validate::path_uuid("roomId", text).map_err(|_| problem())
}

fn overloaded() -> AppError {
    AppError::TooManyRequests {
        message: "Too many events in flight on this connection".into(),
        retry_after_secs: 1,
    }
}

/// What processing an event produced.
enum Outcome {
    /// Answered now.
    Done(Answer),
    /// A message queued for storage: answered once it is durable.
    Queued(Stored),
}

/// The reply to an event: the contract's reply event (if any) and the ack's fields.
struct Answer {
    event: Option<(&'static str, Value)>,
    ack: Value,
}

impl Answer {
    fn with_event<T: serde::Serialize>(event: &'static str, data: &T) -> Answer {
        let data = serde_json::to_value(data).unwrap_or_default();
        Answer {
            event: Some((event, data.clone())),
            ack: data,
        }
    }
}

/// Runs one event: processed in arrival order (a queued message lets the next event in at
/// once), answered in arrival order.
async fn run<F, Fut>(
    event: &'static str,
    inbound: Inbound,
    ack: AckSender,
    state: AppState,
    process: F,
) where
    F: FnOnce(AppState, Arc<Conn>, Value) -> Fut,
    Fut: std::future::Future<Output = AppResult<Outcome>>,
{
    let started = std::time::Instant::now();
    let metrics = state.metrics.clone();
    let Inbound {
        conn,
        ticket,
        data,
        wants_ack,
    } = inbound;
    let Some(ticket) = ticket else {
        return fail(&conn, ack, wants_ack, &overloaded());
    };
    let processing = conn.processing_turn(ticket).await;
    let outcome = match (state.limits.event(conn.key), validate::reject_nul(&data)) {
        (Err(wait), _) => {
            state.metrics.rate_limited("events");
            let secs = crate::limits::retry_after(wait);
            Err(AppError::TooManyRequests {
                message: format!("Too many events; retry in {secs} s"),
                retry_after_secs: secs,
            })
        }
        (Ok(()), Err(err)) => Err(err),
        (Ok(()), Ok(())) => process(state, conn.clone(), data).await,
    };
    drop(processing);
    let answer = match outcome {
        Ok(Outcome::Done(answer)) => Ok(answer),
        Ok(Outcome::Queued(receipt)) => {
            crate::delivery::writer::wait(receipt).await.map(|stored| {
                let message = stored.message();
                Answer::with_event(
                    se::MESSAGE_SENT,
                    &MessageSent {
                        message_id: message.id,
                        message: message.clone(),
                    },
                )
            })
        }
        Err(err) => Err(err),
    };
    let _replying = conn.reply_turn(ticket).await;
    metrics.event(event, started.elapsed());
    if let Err(err) = &answer {
        metrics.error(crate::metrics::error_kind(err.status()));
    }
    match answer {
        Ok(answer) => {
            if let Some((event, data)) = &answer.event {
                conn.emit(event, data);
            }
            ack_ok(ack, wants_ack, answer.ack);
        }
        Err(err) => fail(&conn, ack, wants_ack, &err),
    }
}

/// Registers the client events of the contract on an authenticated socket.
fn register(socket: &SocketRef) {
    socket.on(
        ce::JOIN_ROOM,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::JOIN_ROOM, i, a, s, join_room)
        },
    );
    socket.on(
        ce::LEAVE_ROOM,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::LEAVE_ROOM, i, a, s, leave_room)
        },
    );
    socket.on(
        ce::SEND_MESSAGE,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::SEND_MESSAGE, i, a, s, send_message)
        },
    );
    socket.on(
        ce::MARK_MESSAGES_READ,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::MARK_MESSAGES_READ, i, a, s, mark_read)
        },
    );
    socket.on(
        ce::TYPING_START,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::TYPING_START, i, a, s, typing_start)
        },
    );
    socket.on(
        ce::TYPING_STOP,
        |i: Inbound, a: AckSender, State(s): State<AppState>| {
            run(ce::TYPING_STOP, i, a, s, typing_stop)
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

async fn join_room(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let room = room_ref(&data)?;
    let last = match data.get("lastMessageId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            validate::path_uuid("lastMessageId", s)
                .map_err(|_| AppError::validation("lastMessageId must be a UUID"))?,
        ),
        Some(_) => return Err(AppError::validation("lastMessageId must be a UUID")),
    };
    let user = caller(&state, &conn).await?;
    let access = chat::room_access(&state, &user, room).await?;
    if !conn.joined(room) && conn.joined_rooms().len() >= state.config.limits.max_rooms_joined {
        state.metrics.rate_limited("rooms_joined");
        return Err(AppError::TooManyRequests {
            message: "This connection has joined too many rooms; leave some first".into(),
            retry_after_secs: 1,
        });
    }
    chat::audit_admin_read(&state, &user, &access).await;
    let hub = state.events.hub();
    let mut joined = JoinedRoom {
        room_id: room,
        replayed: 0,
        has_more: false,
    };
    if let Some(last) = last {
        // Live events wait behind the replay; what this connection already got is skipped.
        let seen = hub.join_for_replay(&conn, access);
        let mut replayed = HashSet::new();
        let outcome = replay(&state, &conn, &access, last, &seen, &mut replayed).await;
        conn.end_replay(room, &replayed);
        (joined.replayed, joined.has_more) = outcome?;
    } else {
        hub.join(&conn, access, false);
    }
    state.presence.joined(user.id, room).await;
    Ok(Outcome::Done(Answer::with_event(se::JOINED_ROOM, &joined)))
}

/// Emits the messages after `last`, oldest first, up to the replay limit.
async fn replay(
    state: &AppState,
    conn: &Conn,
    access: &crate::db::RoomAccess,
    last: Uuid,
    seen: &HashSet<Uuid>,
    replayed: &mut HashSet<Uuid>,
) -> AppResult<(u32, bool)> {
    let limit = state.config.limits.max_replay;
    let Some(anchor) = state
        .store
        .message(last)
        .await?
        .filter(|m| m.chat_room_id == access.id)
    else {
        // Unknown or deleted anchor: the client must catch up over REST.
        return Ok((0, true));
    };
    let query = MessageQuery {
        room_id: access.id,
        before: None,
        after: Some(Cursor::of(&anchor)),
        offset: 0,
        limit: limit as i64 + 1,
    };
    let (messages, _) = state.store.list_messages(&query).await?;
    let has_more = messages.len() > limit;
    let mut count = 0;
    for message in messages.iter().take(limit) {
        replayed.insert(message.id);
        if seen.contains(&message.id) {
            continue;
        }
        match conn
            .emit_paced(se::NEW_MESSAGE, message, REPLAY_PATIENCE)
            .await
        {
            Sent::Queued => count += 1,
            Sent::Closed | Sent::Dropped => break,
        }
        if message.sender_id != conn.user_id && access.has_participant(conn.user_id) {
            state.events.delivered(message.id, access.id, conn.user_id);
        }
    }
    Ok((count, has_more))
}

async fn leave_room(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let room = room_ref(&data)?;
    let user = caller(&state, &conn).await?;
    chat::room_access(&state, &user, room).await?;
    state.events.hub().leave(&conn, room);
    Ok(Outcome::Done(Answer::with_event(
        se::LEFT_ROOM,
        &RoomRef { room_id: room },
    )))
}

async fn send_message(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let user = caller(&state, &conn).await?;
    Ok(Outcome::Queued(
        messages::enqueue(&state, &user, &data).await?,
    ))
}

async fn mark_read(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    let room = room_ref(&data)?;
    let user = caller(&state, &conn).await?;
    let read = rooms::mark_read(&state, &user, room).await?;
    Ok(Outcome::Done(Answer {
        event: Some((se::MESSAGES_MARKED_READ, json!({ "roomId": room }))),
        ack: json!({"roomId": room, "readAt": tigo_common::time::format(&read.read_at)}),
    }))
}

async fn typing(
    state: &AppState,
    conn: &Conn,
    data: &Value,
    is_typing: bool,
) -> AppResult<Outcome> {
    let room = room_ref(data)?;
    let user = caller(state, conn).await?;
    chat::room_access(state, &user, room).await?;
    if is_typing {
        state.typing.start(user.id, room);
    } else {
        state.typing.stop(user.id, room);
    }
    Ok(Outcome::Done(Answer {
        event: None,
        ack: json!({ "roomId": room }),
    }))
}

async fn typing_start(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    typing(&state, &conn, &data, true).await
}

async fn typing_stop(state: AppState, conn: Arc<Conn>, data: Value) -> AppResult<Outcome> {
    typing(&state, &conn, &data, false).await
}
