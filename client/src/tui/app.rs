//! The terminal client's state and its update function: every key press and every network
//! event is a [`Msg`]; [`App::update`] changes the state and returns the [`Cmd`]s the network
//! side must run. No I/O here, so all of it is unit-tested.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;
use tigo_common::{Message, MessageStatus, Role, Room, User};
use uuid::Uuid;

/// Connection state shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    /// Lost; the next attempt is in this many seconds.
    Reconnecting {
        attempt: u32,
        in_secs: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Login,
    Chat,
    Help,
    Queue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginField {
    Email,
    Password,
}

/// A room waiting for an Admin's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub room: Uuid,
    pub kind: tigo_common::RoomType,
    pub who: String,
    pub since: DateTime<Utc>,
    pub preview: String,
}

/// Everything the network side tells the UI, and every key.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    LoggedIn {
        user: User,
        token: String,
    },
    LoginFailed(String),
    Link(Link),
    Rooms(Vec<Room>),
    /// One room as the server has it now (its last message after an edit or delete).
    RoomChanged(Room),
    /// A page of a room's history (oldest first); `older` when it came from scrolling up.
    History {
        room: Uuid,
        messages: Vec<Message>,
        older: bool,
        total: i64,
    },
    Online {
        room: Uuid,
        users: Vec<Uuid>,
    },
    /// A Socket.IO event.
    Event {
        name: String,
        data: Value,
    },
    Queue(Vec<Waiting>),
    /// Show this room (one just opened with /new or from the queue).
    Focus(Uuid),
    /// A command failed; shown in the status bar.
    Failed(String),
    Tick,
}

/// Work for the network side.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Login {
        email: String,
        password: String,
    },
    Send {
        room: Uuid,
        content: String,
        client_msg_id: String,
    },
    MarkRead(Uuid),
    LoadOlder {
        room: Uuid,
        before: Uuid,
    },
    Typing {
        room: Uuid,
        on: bool,
    },
    /// Open (or reuse) a room with the user of this email.
    NewRoom {
        email: String,
    },
    Edit {
        message: Uuid,
        content: String,
    },
    Delete(Uuid),
    /// Fetch a room again: its last message changed by an edit or delete.
    RefreshRoom(Uuid),
    Leave(Uuid),
    LoadQueue,
    OpenRoom(Uuid),
    Logout,
    Quit,
}

pub struct App {
    pub screen: Screen,
    pub server: String,
    pub me: Option<User>,
    pub link: Link,
    // Login form.
    pub email: String,
    pub password: String,
    pub field: LoginField,
    pub login_error: Option<String>,
    pub logging_in: bool,
    // Chat.
    pub rooms: Vec<Room>,
    pub selected: usize,
    pub messages: HashMap<Uuid, Vec<Message>>,
    /// Rooms whose whole history is loaded.
    pub complete: HashSet<Uuid>,
    pub loading_older: HashSet<Uuid>,
    pub online: HashSet<Uuid>,
    /// (room, user) → when the typing indicator expires.
    pub typing: HashMap<(Uuid, Uuid), DateTime<Utc>>,
    pub input: String,
    /// Lines scrolled up from the bottom of the message pane.
    pub scroll: usize,
    pub status: Option<String>,
    pub queue: Vec<Waiting>,
    pub queue_selected: usize,
    /// When we last told the room we were typing (to send one start per few seconds).
    typing_sent: Option<(Uuid, DateTime<Utc>)>,
    sent_counter: u64,
}

impl App {
    pub fn new(server: &str, email: Option<String>) -> App {
        App {
            screen: Screen::Login,
            server: server.to_string(),
            me: None,
            link: Link::Connecting,
            field: if email.is_some() {
                LoginField::Password
            } else {
                LoginField::Email
            },
            email: email.unwrap_or_default(),
            password: String::new(),
            login_error: None,
            logging_in: false,
            rooms: Vec::new(),
            selected: 0,
            messages: HashMap::new(),
            complete: HashSet::new(),
            loading_older: HashSet::new(),
            online: HashSet::new(),
            typing: HashMap::new(),
            input: String::new(),
            scroll: 0,
            status: None,
            queue: Vec::new(),
            queue_selected: 0,
            typing_sent: None,
            sent_counter: 0,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|u| u.has_role(Role::Admin))
    }

    pub fn current_room(&self) -> Option<&Room> {
        self.rooms.get(self.selected)
    }

    pub fn current_id(&self) -> Option<Uuid> {
        self.current_room().map(|r| r.id)
    }

    fn my_id(&self) -> Uuid {
        self.me.as_ref().map(|u| u.id).unwrap_or_default()
    }

    /// Newest activity first, as the server sorts.
    fn sort_rooms(&mut self) {
        let current = self.current_id();
        self.rooms
            .sort_by(|a, b| activity(b).cmp(&activity(a)).then(b.id.cmp(&a.id)));
        if let Some(id) = current {
            self.selected = self.rooms.iter().position(|r| r.id == id).unwrap_or(0);
        }
    }

    /// The role shown next to the other participant of a room.
    pub fn other_role(&self, room: &Room) -> &'static str {
        let (a, b) = room.room_type.roles();
        let mine = self
            .me
            .as_ref()
            .map(|u| u.roles.clone())
            .unwrap_or_default();
        if !room.has_participant(self.my_id()) {
            return "";
        }
        if mine.contains(&a) && !mine.contains(&b) {
            b.as_str()
        } else if mine.contains(&b) && !mine.contains(&a) {
            a.as_str()
        } else {
            ""
        }
    }

    /// Names of those typing in the focused room (not me).
    pub fn typists(&self) -> Vec<String> {
        let Some(room) = self.current_room() else {
            return Vec::new();
        };
        let now = Utc::now();
        let mut names: Vec<String> = self
            .typing
            .iter()
            .filter(|((r, u), until)| *r == room.id && *u != self.my_id() && **until > now)
            .map(|((_, u), _)| {
                if *u == room.participant1_id {
                    room.participant1.first_name.clone()
                } else if *u == room.participant2_id {
                    room.participant2.first_name.clone()
                } else {
                    "Someone".into()
                }
            })
            .collect();
        names.sort();
        names
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Key(key) => self.key(key),
            Msg::LoggedIn { user, token: _ } => {
                self.me = Some(user);
                self.screen = Screen::Chat;
                self.logging_in = false;
                self.login_error = None;
                self.password.clear();
                Vec::new()
            }
            Msg::LoginFailed(why) => {
                self.logging_in = false;
                self.login_error = Some(why);
                self.password.clear();
                self.field = LoginField::Password;
                self.screen = Screen::Login;
                Vec::new()
            }
            Msg::Link(link) => {
                self.link = link;
                Vec::new()
            }
            Msg::Rooms(rooms) => {
                let current = self.current_id();
                self.rooms = rooms;
                self.sort_rooms();
                if current.is_none() && !self.rooms.is_empty() {
                    self.selected = 0;
                }
                self.focus_effects()
            }
            Msg::RoomChanged(room) => {
                if let Some(r) = self.rooms.iter_mut().find(|r| r.id == room.id) {
                    r.last_message_content = room.last_message_content;
                    r.last_message_at = room.last_message_at;
                }
                self.sort_rooms();
                Vec::new()
            }
            Msg::History {
                room,
                messages,
                older,
                total,
            } => {
                self.loading_older.remove(&room);
                let list = self.messages.entry(room).or_default();
                let known: HashSet<Uuid> = list.iter().map(|m| m.id).collect();
                let fresh: Vec<Message> = messages
                    .into_iter()
                    .filter(|m| !known.contains(&m.id))
                    .collect();
                if older && fresh.is_empty() {
                    self.complete.insert(room);
                }
                list.extend(fresh);
                list.sort_by_key(|m| (m.created_at, m.id));
                if list.len() as i64 >= total {
                    self.complete.insert(room);
                }
                Vec::new()
            }
            Msg::Online { users, .. } => {
                self.online.extend(users);
                Vec::new()
            }
            Msg::Event { name, data } => self.event(&name, data),
            Msg::Queue(queue) => {
                self.queue = queue;
                self.queue_selected = self.queue_selected.min(self.queue.len().saturating_sub(1));
                Vec::new()
            }
            Msg::Focus(room) => match self.rooms.iter().position(|r| r.id == room) {
                Some(index) => self.select(index),
                None => Vec::new(),
            },
            Msg::Failed(why) => {
                self.status = Some(why);
                Vec::new()
            }
            Msg::Tick => {
                let now = Utc::now();
                self.typing.retain(|_, until| *until > now);
                Vec::new()
            }
        }
    }

    /// What focusing the current room implies: mark it read.
    fn focus_effects(&mut self) -> Vec<Cmd> {
        let Some(room) = self.current_room() else {
            return Vec::new();
        };
        if room.unread_count > 0 {
            let id = room.id;
            if let Some(r) = self.rooms.get_mut(self.selected) {
                r.unread_count = 0;
            }
            return vec![Cmd::MarkRead(id)];
        }
        Vec::new()
    }

    fn select(&mut self, index: usize) -> Vec<Cmd> {
        if self.rooms.is_empty() {
            return Vec::new();
        }
        self.selected = index.min(self.rooms.len() - 1);
        self.scroll = 0;
        let mut cmds = self.focus_effects();
        if let Some(id) = self.current_id()
            && !self.messages.contains_key(&id)
        {
            cmds.push(Cmd::OpenRoom(id));
        }
        cmds
    }

    fn event(&mut self, name: &str, data: Value) -> Vec<Cmd> {
        match name {
            "new_message" => {
                let Ok(message) = serde_json::from_value::<Message>(data) else {
                    return Vec::new();
                };
                let room = message.chat_room_id;
                let mine = message.sender_id == self.my_id();
                let list = self.messages.entry(room).or_default();
                if list.iter().any(|m| m.id == message.id) {
                    return Vec::new();
                }
                let position = list
                    .iter()
                    .rposition(|m| (m.created_at, m.id) < (message.created_at, message.id))
                    .map_or(0, |p| p + 1);
                let at = message.created_at;
                let preview = tigo_preview(&message);
                list.insert(position, message.clone());
                self.typing.remove(&(room, message.sender_id));
                let focused = self.current_id() == Some(room) && self.screen == Screen::Chat;
                let mut cmds = Vec::new();
                match self.rooms.iter_mut().find(|r| r.id == room) {
                    Some(r) => {
                        if r.last_message_at.is_none_or(|t| t <= at) {
                            r.last_message_at = Some(at);
                            r.last_message_content = Some(preview);
                        }
                        if !mine {
                            if focused {
                                cmds.push(Cmd::MarkRead(room));
                            } else {
                                r.unread_count += 1;
                            }
                        }
                    }
                    None => cmds.push(Cmd::OpenRoom(room)),
                }
                self.sort_rooms();
                cmds
            }
            "message_sent" => {
                if let Ok(message) = serde_json::from_value::<Message>(data["message"].clone()) {
                    return self.event(
                        "new_message",
                        serde_json::to_value(message).unwrap_or_default(),
                    );
                }
                Vec::new()
            }
            "message_edited" => {
                if let Ok(edited) = serde_json::from_value::<Message>(data)
                    && let Some(m) = self
                        .messages
                        .get_mut(&edited.chat_room_id)
                        .and_then(|l| l.iter_mut().find(|m| m.id == edited.id))
                {
                    let room = edited.chat_room_id;
                    *m = edited;
                    return vec![Cmd::RefreshRoom(room)];
                }
                Vec::new()
            }
            "message_deleted" => {
                let (Some(id), Some(room)) =
                    (uuid_of(&data["messageId"]), uuid_of(&data["roomId"]))
                else {
                    return Vec::new();
                };
                if let Some(list) = self.messages.get_mut(&room) {
                    list.retain(|m| m.id != id);
                }
                // The room list's last message may have been this one: ask what it is now.
                if self.rooms.iter().any(|r| r.id == room) {
                    return vec![Cmd::RefreshRoom(room)];
                }
                Vec::new()
            }
            "message_delivered" => {
                if let (Some(id), Some(room)) =
                    (uuid_of(&data["messageId"]), uuid_of(&data["roomId"]))
                    && let Some(m) = self
                        .messages
                        .get_mut(&room)
                        .and_then(|l| l.iter_mut().find(|m| m.id == id))
                    && m.status == MessageStatus::Sent
                {
                    m.status = MessageStatus::Delivered;
                }
                Vec::new()
            }
            "messages_read" => {
                let (Some(reader), Some(room)) =
                    (uuid_of(&data["userId"]), uuid_of(&data["roomId"]))
                else {
                    return Vec::new();
                };
                if let Some(list) = self.messages.get_mut(&room) {
                    for m in list.iter_mut().filter(|m| m.sender_id != reader) {
                        m.status = MessageStatus::Read;
                    }
                }
                Vec::new()
            }
            "user_typing" => {
                let (Some(user), Some(room)) = (uuid_of(&data["userId"]), uuid_of(&data["roomId"]))
                else {
                    return Vec::new();
                };
                if data["isTyping"] == true {
                    self.typing
                        .insert((room, user), Utc::now() + chrono::Duration::seconds(6));
                } else {
                    self.typing.remove(&(room, user));
                }
                Vec::new()
            }
            "user_online" | "user_offline" => {
                if let Some(user) = uuid_of(&data["userId"]) {
                    if name == "user_online" {
                        self.online.insert(user);
                    } else {
                        self.online.remove(&user);
                    }
                }
                Vec::new()
            }
            "room_created" => {
                if let Ok(room) = serde_json::from_value::<Room>(data)
                    && !self.rooms.iter().any(|r| r.id == room.id)
                {
                    self.rooms.push(room);
                    self.sort_rooms();
                }
                Vec::new()
            }
            "error" => {
                self.status = data["message"].as_str().map(|m| format!("error: {m}"));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')) {
            return vec![Cmd::Quit];
        }
        match self.screen {
            Screen::Login => self.login_key(key),
            Screen::Help => {
                self.screen = Screen::Chat;
                Vec::new()
            }
            Screen::Queue => self.queue_key(key),
            Screen::Chat => self.chat_key(key, ctrl),
        }
    }

    fn login_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if self.logging_in {
            return Vec::new();
        }
        let field = match self.field {
            LoginField::Email => &mut self.email,
            LoginField::Password => &mut self.password,
        };
        match key.code {
            KeyCode::Char(c) => field.push(c),
            KeyCode::Backspace => {
                field.pop();
            }
            KeyCode::Tab | KeyCode::Down | KeyCode::Up | KeyCode::BackTab => {
                self.field = match self.field {
                    LoginField::Email => LoginField::Password,
                    LoginField::Password => LoginField::Email,
                };
            }
            KeyCode::Enter => {
                if self.field == LoginField::Email {
                    self.field = LoginField::Password;
                } else if !self.email.is_empty() && !self.password.is_empty() {
                    self.logging_in = true;
                    self.login_error = None;
                    return vec![Cmd::Login {
                        email: self.email.clone(),
                        password: self.password.clone(),
                    }];
                }
            }
            KeyCode::Esc => return vec![Cmd::Quit],
            _ => {}
        }
        Vec::new()
    }

    fn queue_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        match key.code {
            KeyCode::Up => self.queue_selected = self.queue_selected.saturating_sub(1),
            KeyCode::Down => {
                self.queue_selected =
                    (self.queue_selected + 1).min(self.queue.len().saturating_sub(1))
            }
            KeyCode::Enter => {
                if let Some(w) = self.queue.get(self.queue_selected) {
                    let room = w.room;
                    self.screen = Screen::Chat;
                    if let Some(i) = self.rooms.iter().position(|r| r.id == room) {
                        return self.select(i);
                    }
                    return vec![Cmd::OpenRoom(room)];
                }
            }
            KeyCode::Char('r') => return vec![Cmd::LoadQueue],
            KeyCode::Esc | KeyCode::Char('q') => self.screen = Screen::Chat,
            _ => {}
        }
        Vec::new()
    }

    fn chat_key(&mut self, key: KeyEvent, ctrl: bool) -> Vec<Cmd> {
        match key.code {
            KeyCode::Up
                if ctrl || self.input.is_empty() && key.modifiers.contains(KeyModifiers::ALT) =>
            {
                self.select(self.selected.saturating_sub(1))
            }
            KeyCode::Down
                if ctrl || self.input.is_empty() && key.modifiers.contains(KeyModifiers::ALT) =>
            {
                self.select(self.selected + 1)
            }
            KeyCode::Tab => {
                let next = if self.rooms.is_empty() {
                    0
                } else {
                    (self.selected + 1) % self.rooms.len()
                };
                self.select(next)
            }
            KeyCode::BackTab => {
                let prev = if self.selected == 0 {
                    self.rooms.len().saturating_sub(1)
                } else {
                    self.selected - 1
                };
                self.select(prev)
            }
            KeyCode::PageUp | KeyCode::Up => {
                self.scroll_up(if key.code == KeyCode::PageUp { 10 } else { 1 })
            }
            KeyCode::PageDown | KeyCode::Down => {
                self.scroll = self
                    .scroll
                    .saturating_sub(if key.code == KeyCode::PageDown { 10 } else { 1 });
                Vec::new()
            }
            KeyCode::F(1) => {
                self.screen = Screen::Help;
                Vec::new()
            }
            KeyCode::Char('n') if ctrl => {
                self.input = "/new ".into();
                Vec::new()
            }
            KeyCode::Char('w') if ctrl => self.open_queue(),
            KeyCode::Char(c) => {
                self.input.push(c);
                self.typing_tick()
            }
            KeyCode::Backspace => {
                self.input.pop();
                Vec::new()
            }
            KeyCode::Esc => {
                self.input.clear();
                self.status = None;
                Vec::new()
            }
            KeyCode::Enter => self.submit(),
            _ => Vec::new(),
        }
    }

    fn open_queue(&mut self) -> Vec<Cmd> {
        if !self.is_admin() {
            self.status = Some("the support queue is for admins".into());
            return Vec::new();
        }
        self.screen = Screen::Queue;
        vec![Cmd::LoadQueue]
    }

    /// Scrolling up past what is loaded fetches the page before it.
    fn scroll_up(&mut self, lines: usize) -> Vec<Cmd> {
        self.scroll += lines;
        let Some(room) = self.current_id() else {
            return Vec::new();
        };
        let loaded = self.messages.get(&room).map_or(0, Vec::len);
        if self.scroll + 5 >= loaded
            && !self.complete.contains(&room)
            && !self.loading_older.contains(&room)
            && let Some(first) = self.messages.get(&room).and_then(|l| l.first())
        {
            let before = first.id;
            self.loading_older.insert(room);
            return vec![Cmd::LoadOlder { room, before }];
        }
        self.scroll = self.scroll.min(loaded.saturating_sub(1));
        Vec::new()
    }

    /// One `typing_start` every few seconds while keys come in.
    fn typing_tick(&mut self) -> Vec<Cmd> {
        let Some(room) = self.current_id() else {
            return Vec::new();
        };
        if self.input.starts_with('/') {
            return Vec::new();
        }
        let now = Utc::now();
        let due = match self.typing_sent {
            Some((r, at)) => r != room || now - at > chrono::Duration::seconds(3),
            None => true,
        };
        if due {
            self.typing_sent = Some((room, now));
            return vec![Cmd::Typing { room, on: true }];
        }
        Vec::new()
    }

    fn last_own(&self) -> Option<&Message> {
        let room = self.current_id()?;
        self.messages
            .get(&room)?
            .iter()
            .rev()
            .find(|m| m.sender_id == self.my_id())
    }

    fn submit(&mut self) -> Vec<Cmd> {
        let line = std::mem::take(&mut self.input);
        let text = line.trim();
        if text.is_empty() {
            return Vec::new();
        }
        let room = self.current_id();
        let mut stop_typing = Vec::new();
        if let Some((r, _)) = self.typing_sent.take() {
            stop_typing.push(Cmd::Typing { room: r, on: false });
        }
        let (command, rest) = match text.strip_prefix('/') {
            Some(cmd) => cmd
                .split_once(' ')
                .map_or((cmd, ""), |(c, r)| (c, r.trim())),
            None => ("", text),
        };
        let mut cmds = stop_typing;
        match command {
            "" => match room {
                Some(room) => {
                    self.sent_counter += 1;
                    cmds.push(Cmd::Send {
                        room,
                        content: rest.to_string(),
                        client_msg_id: format!(
                            "tui-{}-{}",
                            Uuid::new_v4().simple(),
                            self.sent_counter
                        ),
                    });
                    self.scroll = 0;
                }
                None => self.status = Some("no room: open one with /new EMAIL".into()),
            },
            "help" => self.screen = Screen::Help,
            "quit" | "q" => cmds.push(Cmd::Quit),
            "logout" => cmds.push(Cmd::Logout),
            "new" => {
                if rest.contains('@') {
                    cmds.push(Cmd::NewRoom {
                        email: rest.to_string(),
                    });
                } else {
                    self.status = Some("usage: /new EMAIL".into());
                }
            }
            "edit" => match self.last_own() {
                Some(m) if !rest.is_empty() => cmds.push(Cmd::Edit {
                    message: m.id,
                    content: rest.to_string(),
                }),
                Some(_) => self.status = Some("usage: /edit NEW TEXT".into()),
                None => self.status = Some("you have no message here to edit".into()),
            },
            "delete" => match self.last_own() {
                Some(m) => cmds.push(Cmd::Delete(m.id)),
                None => self.status = Some("you have no message here to delete".into()),
            },
            "leave" => match room {
                Some(room) => {
                    cmds.push(Cmd::Leave(room));
                    self.rooms.retain(|r| r.id != room);
                    self.selected = self.selected.min(self.rooms.len().saturating_sub(1));
                }
                None => self.status = Some("no room to leave".into()),
            },
            "queue" => cmds.extend(self.open_queue()),
            "read" => {
                if let Some(room) = room {
                    cmds.push(Cmd::MarkRead(room));
                }
            }
            other => self.status = Some(format!("unknown command /{other}; /help lists them")),
        }
        cmds
    }
}

fn activity(room: &Room) -> DateTime<Utc> {
    room.last_message_at.unwrap_or(room.created_at)
}

fn uuid_of(value: &Value) -> Option<Uuid> {
    value.as_str().and_then(|s| Uuid::parse_str(s).ok())
}

fn tigo_preview(message: &Message) -> String {
    if message.content.is_empty() {
        message.file_name.clone().unwrap_or_default()
    } else {
        message.content.clone()
    }
}

/// The slash commands, for `/help` and the README.
pub const HELP: &[(&str, &str)] = &[
    ("Enter", "send the line (or run a /command)"),
    ("Tab / Shift-Tab", "next / previous room"),
    ("Ctrl-Up / Ctrl-Down", "previous / next room"),
    (
        "Up / Down, PgUp / PgDn",
        "scroll messages (older pages load by themselves)",
    ),
    ("Ctrl-N", "start /new"),
    ("Ctrl-W", "support queue (Admin)"),
    ("F1", "this help"),
    (
        "C↔H, C↔A, H↔A",
        "room types: guest↔hotel, guest↔support, hotel↔support",
    ),
    ("Esc", "clear the line"),
    ("Ctrl-C / Ctrl-Q", "quit"),
    (
        "/new EMAIL",
        "open (or reuse) a room with that user; type from your roles",
    ),
    ("/edit TEXT", "replace your last message in this room"),
    ("/delete", "delete your last message in this room"),
    ("/leave", "stop following this room until restart"),
    ("/read", "mark this room read"),
    (
        "/queue",
        "support queue: rooms waiting for an answer (Admin)",
    ),
    ("/logout", "forget the saved session and quit"),
    ("/help, /quit", "help, quit"),
];
