//! The terminal client's network side: runs [`Cmd`]s over REST and Socket.IO and turns what
//! comes back into [`Msg`]s. Keeps the connection up (reconnecting with backoff) and resumes
//! its session after a reconnect (connection state recovery: the server replays what was
//! missed); when the session cannot be resumed, asks each room to replay what was missed, then
//! pages any larger gap over REST, so no message is lost and none is shown twice (the state
//! drops repeats by id). Socket
//! events are decoded here, once, into [`ServerEvent`]s; running a [`Cmd`] is in `commands`.

mod commands;
mod desk;
mod members;
mod stats;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tigo_common::{AckReply, JoinRoom, JoinedRoom, Message, User, client_events, server_events};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use uuid::Uuid;

use super::app::{Cmd, Link, Msg};
use super::event::ServerEvent;
use crate::api::{Api, ApiError};
use crate::sio::{Events, SioError, Socket, SocketOptions};

/// How long an acknowledged emit may take: past it the socket counts as not answering (a
/// send then goes over REST, a rejoin pages its room over REST).
const ACK: Duration = Duration::from_secs(10);

pub struct Net {
    api: Api,
    msgs: UnboundedSender<Msg>,
    session_path: Option<PathBuf>,
    me: Option<User>,
    socket: Option<Socket>,
    /// Newest message seen per room: where a replay starts after a reconnect.
    last_seen: HashMap<Uuid, Message>,
    attempt: u32,
    /// The session to resume after a drop (connection state recovery), from the last socket.
    resume: Option<crate::sio::Resume>,
}

/// Whether a rejoin's answer leaves messages to page over REST: it was refused, or the gap
/// was larger than one replay (`hasMore`).
fn more_to_page(reply: AckReply) -> bool {
    !reply.ok
        || serde_json::from_value::<JoinedRoom>(serde_json::Value::Object(reply.data))
            .is_ok_and(|joined| joined.has_more)
}

/// A failure as the status bar words it: the server's own message when it answered.
fn describe(err: &ApiError) -> String {
    match err {
        ApiError::Status { message, .. } => message.clone(),
        ApiError::Unreachable(_) => err.to_string(),
        ApiError::Transport(t) => format!("cannot reach the server: {t}"),
    }
}

impl Net {
    pub fn new(api: Api, msgs: UnboundedSender<Msg>, session_path: Option<PathBuf>) -> Net {
        Net {
            api,
            msgs,
            session_path,
            me: None,
            socket: None,
            last_seen: HashMap::new(),
            attempt: 0,
            resume: None,
        }
    }

    fn tell(&self, msg: Msg) {
        let _ = self.msgs.send(msg);
    }

    fn note(&mut self, message: &Message) {
        let newer = self
            .last_seen
            .get(&message.chat_room_id)
            .is_none_or(|m| (m.created_at, m.id) < (message.created_at, message.id));
        if newer {
            self.last_seen.insert(message.chat_room_id, message.clone());
        }
    }

    /// Signs in with a token (from `--token` or the saved session); false when it is refused.
    pub async fn resume(&mut self, token: &str) -> bool {
        let api = self.api.with_token(token);
        match api.me().await {
            Ok(user) => {
                self.api = api;
                self.signed_in(user, token.to_string()).await;
                true
            }
            Err(_) => false,
        }
    }

    async fn signed_in(&mut self, user: User, token: String) {
        self.me = Some(user.clone());
        self.tell(Msg::LoggedIn { user, token });
        self.refresh_rooms().await;
    }

    async fn refresh_rooms(&mut self) {
        match self.api.rooms("limit=100").await {
            Ok(list) => {
                let first = list.rooms.first().map(|r| r.id);
                self.tell(Msg::Rooms(list.rooms));
                if let Some(room) = first {
                    self.open(room).await;
                }
            }
            Err(e) => self.tell(Msg::Failed(describe(&e))),
        }
    }

    async fn open(&mut self, room: Uuid) {
        match self.api.messages(room, "limit=50").await {
            Ok(page) => {
                if let Some(last) = page.messages.last() {
                    let last = last.clone();
                    self.note(&last);
                }
                self.tell(Msg::History {
                    room,
                    messages: page.messages,
                    older: false,
                    total: page.total,
                });
            }
            Err(ApiError::Status { status: 403, .. }) => return,
            Err(e) => self.tell(Msg::Failed(describe(&e))),
        }
        if let Ok(users) = self.api.online_users(room).await {
            self.tell(Msg::Online { room, users });
        }
    }

    /// Connects the socket, resuming the last session when there is one: then the server has
    /// replayed what was missed already. Otherwise rejoins every room from its last seen
    /// message. `Err` says why it failed; a refused token also signs out (see [`Net::refused`]).
    pub async fn connect(&mut self) -> Result<Events, String> {
        let Some(token) = self.api.token().map(str::to_string) else {
            return Err("signed out".into());
        };
        self.tell(Msg::Link(Link::Connecting));
        // Kept until a connection is up: a failed attempt retries the same session.
        let options = SocketOptions {
            resume: self.resume.clone(),
            ..SocketOptions::with_token(&token)
        };
        let (socket, mut events) = match Socket::connect(self.api.base(), options).await {
            Ok(pair) => pair,
            Err(SioError::Refused(why)) => return Err(self.refused(why).await),
            Err(e) => return Err(e.to_string()),
        };
        if let Err(e) = events.wait_for(server_events::CONNECTED, ACK).await {
            return Err(e.to_string());
        }
        self.socket = Some(socket.clone());
        self.resume = None;
        self.attempt = 0;
        self.tell(Msg::Link(Link::Online));
        if socket.recovered() {
            return Ok(events);
        }
        let rooms: Vec<(Uuid, Uuid)> = self.last_seen.iter().map(|(r, m)| (*r, m.id)).collect();
        for (room, last) in rooms {
            let join = JoinRoom {
                room_id: room,
                last_message_id: Some(last),
            };
            let reply = socket.request(client_events::JOIN_ROOM, &join, ACK).await;
            if reply.map_or(true, more_to_page) {
                self.catch_up(room).await;
            }
        }
        Ok(events)
    }

    /// The server refused the socket: when REST refuses the token too (deactivated account,
    /// expired token), the session is over: the token is dropped, so nothing reconnects, and
    /// the UI goes back to the login form with the server's words. Otherwise (too many
    /// connections, a server in trouble) it is worth another try.
    async fn refused(&mut self, why: String) -> String {
        match self.api.me().await {
            Err(ApiError::Status {
                status: 401 | 403,
                message,
                ..
            }) => {
                self.api.token = None;
                self.me = None;
                self.resume = None;
                self.socket = None;
                self.last_seen.clear();
                self.tell(Msg::SignedOut(message.clone()));
                message
            }
            _ => format!("refused: {why}"),
        }
    }

    /// Pages a room's history over REST from the last message seen until nothing is left. By
    /// its instant, not its id: that message may have been deleted meanwhile (a room's
    /// messages have distinct instants, so nothing is skipped or repeated).
    async fn catch_up(&mut self, room: Uuid) {
        for _ in 0..100 {
            let Some(last) = self.last_seen.get(&room).map(|m| m.created_at) else {
                return;
            };
            let after = last.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            match self
                .api
                .messages(room, &format!("limit=100&after={after}"))
                .await
            {
                Ok(page) if !page.messages.is_empty() => {
                    if let Some(m) = page.messages.last() {
                        let m = m.clone();
                        self.note(&m);
                    }
                    self.tell(Msg::History {
                        room,
                        messages: page.messages,
                        older: false,
                        total: page.total,
                    });
                }
                _ => return,
            }
        }
    }

    /// Seconds to wait before reconnect attempt `attempt`: 1, 2, 4, 8, then 10; `why` the
    /// last attempt failed, for the status line.
    pub fn backoff(&mut self, why: Option<String>) -> Duration {
        self.attempt += 1;
        let secs = (1u64 << (self.attempt - 1).min(4)).min(10);
        self.tell(Msg::Link(Link::Reconnecting {
            attempt: self.attempt,
            in_secs: secs,
            why,
        }));
        if let Some(socket) = self.socket.take() {
            self.resume = socket.resume().or(self.resume.take());
        }
        Duration::from_secs(secs)
    }

    /// A server event: passed on, and a new message remembered as the replay point.
    pub fn event(&mut self, event: ServerEvent) {
        match &event {
            ServerEvent::NewMessage(m) => self.note(m),
            // The state ignores it; the log (at debug: serde's reason may quote the payload)
            // says which event and why, should client and server ever disagree on a shape.
            ServerEvent::Malformed { name, error } => {
                tracing::debug!(event = %name, %error, "server event did not decode");
            }
            _ => {}
        }
        self.tell(Msg::Server(event));
    }
}

/// The network loop: commands from the UI, events from the socket, reconnects.
pub async fn run(mut net: Net, mut cmds: UnboundedReceiver<Cmd>, initial: Option<Cmd>) {
    if let Some(cmd) = initial
        && !net.run(cmd).await
    {
        return;
    }
    let mut events: Option<Events> = None;
    let mut retry_at: Option<tokio::time::Instant> = Some(tokio::time::Instant::now());
    loop {
        if events.is_none()
            && net.api.token().is_some()
            && retry_at.is_some_and(|t| t <= tokio::time::Instant::now())
        {
            retry_at = match net.connect().await {
                Ok(connected) => {
                    events = Some(connected);
                    None
                }
                // Signed out: nothing to reconnect until the user logs in again.
                Err(_) if net.api.token().is_none() => None,
                Err(why) => Some(tokio::time::Instant::now() + net.backoff(Some(why))),
            };
        }
        let wait =
            retry_at.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            cmd = cmds.recv() => {
                let Some(cmd) = cmd else { return };
                let was_signed_in = net.api.token().is_some();
                if !net.run(cmd).await {
                    return;
                }
                if !was_signed_in && net.api.token().is_some() {
                    retry_at = Some(tokio::time::Instant::now());
                }
            }
            event = async {
                match events.as_mut() {
                    Some(e) => e.next().await,
                    None => std::future::pending().await,
                }
            } => match event {
                Some(e) => net.event(ServerEvent::decode(&e.name, e.data)),
                None => {
                    events = None;
                    retry_at = Some(tokio::time::Instant::now() + net.backoff(Some("the connection dropped".into())));
                }
            },
            () = tokio::time::sleep_until(wait) => {}
        }
    }
}
