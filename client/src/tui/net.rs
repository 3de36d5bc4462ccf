//! The terminal client's network side: runs [`Cmd`]s over REST and Socket.IO and turns what
//! comes back into [`Msg`]s. Keeps the connection up (reconnecting with backoff) and, after a
//! reconnect, asks each room to replay what was missed, then pages any larger gap over REST,
//! so no message is lost and none is shown twice (the state drops repeats by id).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use tigo_common::{CreateRoom, Message, RoomType, User};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use uuid::Uuid;

use super::app::{Cmd, Link, Msg, Waiting};
use super::session::{self, Session};
use crate::api::{Api, ApiError};
use crate::sio::{Events, Socket, SocketOptions};

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
}

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

    /// Connects the socket; on success rejoins every room from its last seen message.
    pub async fn connect(&mut self) -> Option<Events> {
        let token = self.api.token()?.to_string();
        self.tell(Msg::Link(Link::Connecting));
        let (socket, mut events) =
            match Socket::connect(self.api.base(), SocketOptions::with_token(&token)).await {
                Ok(pair) => pair,
                Err(_) => return None,
            };
        if events.wait_for("connected", ACK).await.is_err() {
            return None;
        }
        self.socket = Some(socket.clone());
        self.attempt = 0;
        self.tell(Msg::Link(Link::Online));
        let rooms: Vec<(Uuid, Uuid)> = self.last_seen.iter().map(|(r, m)| (*r, m.id)).collect();
        for (room, last) in rooms {
            let ack = socket
                .emit_ack(
                    "join_room",
                    &json!({"roomId": room, "lastMessageId": last}),
                    ACK,
                )
                .await;
            let has_more = ack
                .as_ref()
                .map_or(true, |a| a["hasMore"] == true || a["ok"] != true);
            if has_more {
                self.catch_up(room).await;
            }
        }
        Some(events)
    }

    /// Pages a room's history over REST from the last message seen until nothing is left.
    async fn catch_up(&mut self, room: Uuid) {
        for _ in 0..100 {
            let Some(last) = self.last_seen.get(&room).map(|m| m.id) else {
                return;
            };
            match self
                .api
                .messages(room, &format!("limit=100&after={last}"))
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

    /// Seconds to wait before reconnect attempt `attempt`: 1, 2, 4, 8, then 10.
    pub fn backoff(&mut self) -> Duration {
        self.attempt += 1;
        let secs = (1u64 << (self.attempt - 1).min(4)).min(10);
        self.tell(Msg::Link(Link::Reconnecting {
            attempt: self.attempt,
            in_secs: secs,
        }));
        self.socket = None;
        Duration::from_secs(secs)
    }

    /// A server event: passed on, and remembered as the replay point.
    pub fn event(&mut self, name: String, data: Value) {
        if name == "new_message"
            && let Ok(m) = serde_json::from_value::<Message>(data.clone())
        {
            self.note(&m);
        }
        self.tell(Msg::Event { name, data });
    }

    /// Runs one command; false means quit.
    pub async fn run(&mut self, cmd: Cmd) -> bool {
        match cmd {
            Cmd::Quit => return false,
            Cmd::Logout => {
                if let Some(path) = &self.session_path {
                    let _ = session::forget(path);
                }
                return false;
            }
            Cmd::Login { email, password } => match self.api.login(&email, &password).await {
                Ok(login) => {
                    self.api = self.api.with_token(&login.access_token);
                    if let Some(path) = &self.session_path {
                        let session = Session {
                            url: self.api.base().to_string(),
                            email: email.clone(),
                            token: login.access_token.clone(),
                        };
                        if let Err(e) = session::save(path, &session) {
                            tracing::warn!(%e, "could not save the session");
                        }
                    }
                    self.signed_in(login.user, login.access_token).await;
                }
                Err(ApiError::Status { status: 401, .. }) => self.tell(Msg::LoginFailed(
                    "Wrong email or password, try again".into(),
                )),
                Err(e) => self.tell(Msg::LoginFailed(describe(&e))),
            },
            Cmd::Send {
                room,
                content,
                client_msg_id,
            } => {
                let body = json!({"chat_room_id": room, "content": content, "client_msg_id": client_msg_id});
                let via_socket = match &self.socket {
                    Some(socket) => socket.emit_ack("send_message", &body, ACK).await.ok(),
                    None => None,
                };
                match via_socket {
                    Some(ack) if ack["ok"] == true => {}
                    Some(ack) if ack["ok"] == false => self.tell(Msg::Failed(format!(
                        "not sent: {}",
                        ack["error"]["message"].as_str().unwrap_or("refused")
                    ))),
                    // No socket or no answer: REST, with the same client_msg_id, never sends twice.
                    _ => match serde_json::from_value(body).map_err(|e| e.to_string()) {
                        Ok(req) => match self.api.send(&req).await {
                            Ok(message) => {
                                let data = serde_json::to_value(&message).unwrap_or_default();
                                self.event("new_message".into(), data);
                            }
                            Err(e) => self.tell(Msg::Failed(format!("not sent: {}", describe(&e)))),
                        },
                        Err(e) => self.tell(Msg::Failed(e)),
                    },
                }
            }
            Cmd::MarkRead(room) => {
                let done = match &self.socket {
                    Some(s) => s
                        .emit("mark_messages_read", &json!({"roomId": room}))
                        .is_ok(),
                    None => false,
                };
                if !done {
                    let _ = self.api.mark_read(room).await;
                }
            }
            Cmd::LoadOlder { room, before } => match self
                .api
                .messages(room, &format!("limit=50&before={before}"))
                .await
            {
                Ok(page) => self.tell(Msg::History {
                    room,
                    messages: page.messages,
                    older: true,
                    total: page.total,
                }),
                Err(e) => self.tell(Msg::Failed(describe(&e))),
            },
            Cmd::Typing { room, on } => {
                if let Some(s) = &self.socket {
                    let _ = s.emit(
                        if on { "typing_start" } else { "typing_stop" },
                        &json!({"roomId": room}),
                    );
                }
            }
            Cmd::NewRoom { email } => self.new_room(&email).await,
            Cmd::Edit { message, content } => {
                if let Err(e) = self.api.edit(message, &content).await {
                    self.tell(Msg::Failed(describe(&e)));
                }
            }
            Cmd::Delete(message) => {
                if let Err(e) = self.api.delete(message).await {
                    self.tell(Msg::Failed(describe(&e)));
                }
            }
            Cmd::Leave(room) => {
                if let Some(s) = &self.socket {
                    let _ = s.emit("leave_room", &json!({"roomId": room}));
                }
                self.last_seen.remove(&room);
            }
            Cmd::LoadQueue => match self.api.support_queue().await {
                Ok(queue) => self.tell(Msg::Queue(
                    queue
                        .into_iter()
                        .map(|w| Waiting {
                            room: w.room.id,
                            kind: w.room.room_type,
                            who: format!(
                                "{} <{}>",
                                w.last_sender.display_name(),
                                w.last_sender.email
                            ),
                            since: w.waiting_since,
                            preview: w.room.last_message_content.clone().unwrap_or_default(),
                        })
                        .collect(),
                )),
                Err(e) => self.tell(Msg::Failed(describe(&e))),
            },
            Cmd::RefreshRoom(room) => {
                if let Ok(r) = self.api.room(room).await {
                    self.tell(Msg::RoomChanged(r));
                }
            }
            Cmd::OpenRoom(room) => {
                if let Ok(r) = self.api.room(room).await {
                    let mine = self.me.as_ref().is_some_and(|u| r.has_participant(u.id));
                    if !mine && let Some(s) = &self.socket {
                        let _ = s.emit_ack("join_room", &json!({"roomId": room}), ACK).await;
                    }
                    self.tell(Msg::Event {
                        name: "room_created".into(),
                        data: serde_json::to_value(&r).unwrap_or_default(),
                    });
                }
                self.open(room).await;
                self.tell(Msg::Focus(room));
            }
        }
        true
    }

    async fn new_room(&mut self, email: &str) {
        let Some(me) = self.me.clone() else { return };
        let other = match self.api.lookup_user(email).await {
            Ok(u) => u,
            Err(e) => return self.tell(Msg::Failed(describe(&e))),
        };
        let Some(room_type) = RoomType::infer(&me.roles, &other.roles) else {
            return self.tell(Msg::Failed(format!("no room type fits you and {email}")));
        };
        match self
            .api
            .create_room(&CreateRoom {
                room_type,
                participant1_id: me.id,
                participant2_id: other.id,
                hotel_id: None,
            })
            .await
        {
            Ok(room) => {
                self.tell(Msg::Event {
                    name: "room_created".into(),
                    data: serde_json::to_value(&room).unwrap_or_default(),
                });
                self.open(room.id).await;
                self.tell(Msg::Focus(room.id));
            }
            Err(e) => self.tell(Msg::Failed(describe(&e))),
        }
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
            events = net.connect().await;
            retry_at = if events.is_some() {
                None
            } else {
                Some(tokio::time::Instant::now() + net.backoff())
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
                Some(e) => net.event(e.name, e.data),
                None => {
                    events = None;
                    retry_at = Some(tokio::time::Instant::now() + net.backoff());
                }
            },
            () = tokio::time::sleep_until(wait) => {}
        }
    }
}
