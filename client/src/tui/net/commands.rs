//! Running one [`Cmd`] from the UI: REST calls and socket emits, their outcome told back as
//! [`Msg`]s. A send goes over the socket when there is one and falls back to REST with the
//! same client_msg_id, so it is never stored twice.

use tigo_common::client_events as ce;
use tigo_common::{AckReply, CreateRoom, JoinRoom, ReactionChange, RoomRef, RoomType, SendMessage};
use uuid::Uuid;

use super::{ACK, Net, describe};
use crate::api::ApiError;
use crate::tui::app::attachments::expand_home;
use crate::tui::app::{Cmd, Msg, Waiting};
use crate::tui::event::ServerEvent;
use crate::tui::session::{self, Session};

impl Net {
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
            Cmd::Login { email, password } => self.login(email, &password).await,
            Cmd::Send {
                room,
                content,
                client_msg_id,
                reply_to,
            } => {
                let body = SendMessage {
                    chat_room_id: room,
                    content,
                    client_msg_id: Some(client_msg_id),
                    reply_to_id: reply_to,
                    ..SendMessage::default()
                };
                self.send(body).await;
            }
            Cmd::React { message, emoji } => self.react(message, &emoji).await,
            Cmd::Search { q } => self.search(&q).await,
            Cmd::Upload {
                room,
                path,
                client_msg_id,
            } => self.upload(room, &path, client_msg_id).await,
            Cmd::Save {
                url,
                path,
                name,
                overwrite,
            } => self.save(&url, &path, &name, overwrite).await,
            Cmd::MarkRead(room) => self.mark_read(room).await,
            Cmd::LoadOlder { room, before } => self.load_older(room, before).await,
            Cmd::Typing { room, on } => {
                let name = if on {
                    ce::TYPING_START
                } else {
                    ce::TYPING_STOP
                };
                self.emit(name, &RoomRef { room_id: room });
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
                self.emit(ce::LEAVE_ROOM, &RoomRef { room_id: room });
                self.last_seen.remove(&room);
            }
            Cmd::LoadQueue => self.load_queue().await,
            Cmd::HotelStats(hotel) => self.hotel_stats(hotel).await,
            Cmd::RefreshRoom(room) => {
                if let Ok(r) = self.api.room(room).await {
                    self.tell(Msg::RoomChanged(r));
                }
            }
            Cmd::LoadReports
            | Cmd::Resolve { .. }
            | Cmd::Assign { .. }
            | Cmd::LoadReplies { .. } => self.desk(cmd).await,
            Cmd::Member { .. } | Cmd::Staff { .. } => self.members(cmd).await,
            Cmd::OpenRoom(room) => self.open_room(room).await,
        }
        true
    }

    /// Emits over the socket when there is one; false when there is none or it is closed.
    fn emit(&self, name: &str, payload: &impl serde::Serialize) -> bool {
        self.socket
            .as_ref()
            .is_some_and(|s| s.emit(name, payload).is_ok())
    }

    async fn login(&mut self, email: String, password: &str) {
        match self.api.login(&email, password).await {
            Ok(login) => {
                self.api = self.api.with_token(&login.access_token);
                if let Some(path) = &self.session_path {
                    let session = Session {
                        url: self.api.base().to_string(),
                        email,
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
        }
    }

    async fn search(&mut self, q: &str) {
        match self.api.search(q, "limit=100").await {
            Ok(found) => self.tell(Msg::SearchResults {
                messages: found.messages,
                total: found.total,
            }),
            Err(e) => self.tell(Msg::Failed(format!("search: {}", describe(&e)))),
        }
    }

    async fn mark_read(&mut self, room: Uuid) {
        if !self.emit(ce::MARK_MESSAGES_READ, &RoomRef { room_id: room }) {
            let _ = self.api.mark_read(room).await;
        }
    }

    async fn load_older(&mut self, room: Uuid, before: Uuid) {
        let query = format!("limit=50&before={before}");
        match self.api.messages(room, &query).await {
            Ok(page) => self.tell(Msg::History {
                room,
                messages: page.messages,
                older: true,
                total: page.total,
            }),
            Err(e) => self.tell(Msg::Failed(describe(&e))),
        }
    }

    async fn load_queue(&mut self) {
        let queue = match self.api.support_queue().await {
            Ok(queue) => queue,
            Err(e) => return self.tell(Msg::Failed(describe(&e))),
        };
        let waiting = queue.into_iter().map(|w| Waiting {
            room: w.room.id,
            kind: w.room.room_type,
            who: format!("{} <{}>", w.last_sender.display_name(), w.last_sender.email),
            since: w.waiting_since,
            preview: w.room.last_message_content.clone().unwrap_or_default(),
            assignee: w.assignee.as_ref().map(|a| {
                if self.me.as_ref().is_some_and(|me| me.id == a.id) {
                    "me".to_string()
                } else {
                    a.display_name()
                }
            }),
            assignee_id: w.room.assigned_admin_id,
        });
        self.tell(Msg::Queue(waiting.collect()));
        self.load_queue_stats().await;
    }

    async fn open_room(&mut self, room: Uuid) {
        if let Ok(r) = self.api.room(room).await {
            let mine = self.me.as_ref().is_some_and(|u| r.has_participant(u.id));
            if !mine && let Some(s) = &self.socket {
                let join = JoinRoom {
                    room_id: room,
                    last_message_id: None,
                };
                let _ = s.emit_ack(ce::JOIN_ROOM, &join, ACK).await;
            }
            self.tell(Msg::Server(ServerEvent::RoomCreated(r)));
        }
        self.open(room).await;
        self.tell(Msg::Focus(room));
    }

    /// Sends a message body over the socket, or over REST when there is no socket or no
    /// answer (with the same client_msg_id, so it is never stored twice).
    async fn send(&mut self, body: SendMessage) {
        let via_socket = match &self.socket {
            Some(socket) => socket.request(ce::SEND_MESSAGE, &body, ACK).await.ok(),
            None => None,
        };
        match via_socket {
            Some(AckReply { ok: true, .. }) => {}
            Some(reply) => self.tell(Msg::Failed(format!("not sent: {}", refusal(reply)))),
            None => match self.api.send(&body).await {
                Ok(message) => self.event(ServerEvent::NewMessage(message)),
                Err(e) => self.tell(Msg::Failed(format!("not sent: {}", describe(&e)))),
            },
        }
    }

    /// `/upload PATH`: the file goes up, then a message with it to the room.
    async fn upload(&mut self, room: Uuid, path: &str, client_msg_id: String) {
        let file = expand_home(path, home().as_deref());
        let bytes = match tokio::fs::read(&file).await {
            Ok(bytes) => bytes,
            Err(e) => return self.tell(Msg::Failed(format!("cannot read {path}: {e}"))),
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        match self.api.upload(&name, bytes).await {
            Ok(up) => {
                let body = SendMessage {
                    chat_room_id: room,
                    attachment_id: Some(up.id),
                    client_msg_id: Some(client_msg_id),
                    ..SendMessage::default()
                };
                self.send(body).await;
            }
            Err(e) => self.tell(Msg::Failed(format!("not uploaded: {}", describe(&e)))),
        }
    }

    /// `/save PATH` (`/save! PATH` when `overwrite`): the room's last attachment, by its
    /// signed URL, to PATH or into the folder PATH names. An existing file is never replaced
    /// without `overwrite`: checked before the download and again, atomically, on creating it.
    async fn save(&mut self, url: &str, path: &str, name: &str, overwrite: bool) {
        let mut target = expand_home(path, home().as_deref());
        if tokio::fs::metadata(&target).await.is_ok_and(|m| m.is_dir()) {
            target.push(safe_name(name));
        }
        let shown = target.display().to_string();
        let exists = || Msg::Failed(format!("{shown} exists; /save! {path} replaces it"));
        if !overwrite && tokio::fs::try_exists(&target).await.unwrap_or(false) {
            return self.tell(exists());
        }
        let file = match self.api.download(url).await {
            Ok(file) => file,
            Err(e) => return self.tell(Msg::Failed(format!("not saved: {}", describe(&e)))),
        };
        match write_file(&target, &file.bytes, overwrite).await {
            Ok(()) => self.tell(Msg::Notice(format!(
                "saved {} to {shown}",
                crate::tui::app::attachments::human_size(file.bytes.len() as i64)
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => self.tell(exists()),
            Err(e) => self.tell(Msg::Failed(format!("cannot write {shown}: {e}"))),
        }
    }

    /// Over the socket when there is one (the room, us included, hears `reaction_updated`),
    /// else over REST, whose answer updates the message here.
    async fn react(&mut self, message: Uuid, emoji: &str) {
        let body = ReactionChange {
            message_id: message,
            emoji: emoji.to_string(),
        };
        let ack = match &self.socket {
            Some(socket) => socket.request(ce::ADD_REACTION, &body, ACK).await.ok(),
            None => None,
        };
        match ack {
            Some(AckReply { ok: true, .. }) => {}
            Some(reply) => self.tell(Msg::Failed(format!("no reaction: {}", refusal(reply)))),
            None => match self.api.react(message, emoji).await {
                Ok(m) => self.event(ServerEvent::ReactionUpdated(tigo_common::ReactionUpdated {
                    message_id: m.id,
                    room_id: m.chat_room_id,
                    reactions: m.reactions,
                })),
                Err(e) => self.tell(Msg::Failed(format!("no reaction: {}", describe(&e)))),
            },
        }
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
                let id = room.id;
                self.tell(Msg::Server(ServerEvent::RoomCreated(room)));
                self.open(id).await;
                self.tell(Msg::Focus(id));
            }
            Err(e) => self.tell(Msg::Failed(describe(&e))),
        }
    }
}

/// Why the server refused an acknowledged event, in its words.
fn refusal(reply: AckReply) -> String {
    reply.error.map_or_else(|| "refused".into(), |e| e.message)
}

/// The user's home folder, for `~` in a path.
fn home() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(std::path::PathBuf::from)
}

/// A file name from the server as a name in a folder here: no folder parts, never empty.
fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    match base {
        "" | "." | ".." => "attachment".into(),
        base => base.to_string(),
    }
}

/// Writes `bytes` to `path`: a new file only, unless `overwrite`.
async fn write_file(path: &std::path::Path, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).await?;
    file.write_all(bytes).await?;
    file.flush().await
}
