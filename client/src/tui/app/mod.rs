//! The terminal client's state and its update function: every key press and every network
//! event is a [`Msg`]; [`App::update`] changes the state and returns the [`Cmd`]s the network
//! side must run. No I/O here, so all of it is unit-tested. The state is split by screen
//! ([`login`], [`chat`], [`queue`], [`search`]); this module owns what they share and the dispatch.

pub mod attachments;
mod chat;
mod commands;
mod desk;
mod events;
mod login;
mod members;
mod queue;
mod search;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;
use tigo_common::{Message, Role, Room, User};
use uuid::Uuid;

pub use self::chat::Chat;
pub use self::commands::{For, HELP};
pub use self::desk::{Desk, ReportItem};
pub use self::login::{LoginField, LoginForm};
pub use self::queue::{Queue, QueueStats, Waiting};
pub use self::search::{Jump, Search};
use super::event::ServerEvent;

/// Connection state shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    /// Lost; the next attempt is in this many seconds, and why the last one failed.
    Reconnecting {
        attempt: u32,
        in_secs: u64,
        why: Option<String>,
    },
}

/// How long a status line stays: a newer one replaces it sooner.
const STATUS_SHOWN: chrono::Duration = chrono::Duration::seconds(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Login,
    Chat,
    /// Drawn over the chat screen; any key closes it.
    Help,
    Queue,
    /// The results of `/search`.
    Search,
    /// Open reports (Admin).
    Reports,
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
    /// The server no longer takes our token (the account was deactivated, the token expired):
    /// back to the login form with the server's reason; nothing reconnects.
    SignedOut(String),
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
    /// A server event as decoded by the network side.
    Server(ServerEvent),
    /// A server event still as its name and JSON; decoded on arrival, exactly like
    /// [`Msg::Server`] after [`ServerEvent::decode`].
    Event {
        name: String,
        data: Value,
    },
    Queue(Vec<Waiting>),
    /// The support figures the queue screen shows.
    QueueStats(QueueStats),
    /// The answer to [`Cmd::Search`], newest first, and how many match in all.
    SearchResults {
        messages: Vec<Message>,
        total: i64,
    },
    Reports(Vec<ReportItem>),
    /// The saved replies; `then_use`: put this one into the input line.
    Replies {
        replies: Vec<tigo_common::SavedReply>,
        then_use: Option<String>,
    },
    /// Show this room (one just opened with /new or from the queue).
    Focus(Uuid),
    /// A command failed; shown in the status bar.
    Failed(String),
    /// A command finished with something to say (a file saved); shown in the status bar.
    Notice(String),
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
        /// The message this one answers.
        reply_to: Option<Uuid>,
    },
    React {
        message: Uuid,
        emoji: String,
    },
    Search {
        q: String,
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
    /// Upload the file at `path` and send it to `room`.
    Upload {
        room: Uuid,
        path: String,
        client_msg_id: String,
    },
    /// Download `url` (a signed file URL) to `path` (`~` is the home folder; a folder gets
    /// the file's `name`); an existing file is replaced only when `overwrite`.
    Save {
        url: String,
        path: String,
        name: String,
        overwrite: bool,
    },
    /// Fetch a room again: its last message changed by an edit or delete.
    RefreshRoom(Uuid),
    Leave(Uuid),
    LoadQueue,
    /// A hotel's response figures, said in the status bar.
    HotelStats(Uuid),
    OpenRoom(Uuid),
    LoadReports,
    Resolve {
        report: Uuid,
        action: String,
    },
    /// Take the room (`take`) or give it back.
    Assign {
        room: Uuid,
        take: bool,
    },
    LoadReplies {
        then_use: Option<String>,
    },
    /// Add `email` (`None`: me) to `room` as `role`, or remove them.
    Member {
        room: Uuid,
        email: Option<String>,
        role: tigo_common::MemberRole,
        add: bool,
    },
    /// Put `email` on `hotel`'s staff, or take them off.
    Staff {
        hotel: Uuid,
        email: String,
        add: bool,
    },
    Logout,
    Quit,
}

pub struct App {
    pub screen: Screen,
    pub server: String,
    pub me: Option<User>,
    pub link: Link,
    /// The status bar's message (a failed command, a server error, what a command did); Esc
    /// clears it, a newer one replaces it, and it goes by itself after [`STATUS_SHOWN`].
    pub status: Option<String>,
    status_until: Option<chrono::DateTime<chrono::Utc>>,
    pub login: LoginForm,
    pub chat: Chat,
    pub queue: Queue,
    pub search: Search,
    /// The page of the help box shown (the drawing wraps it round).
    pub help_page: usize,
    pub desk: Desk,
}

impl App {
    pub fn new(server: &str, email: Option<String>) -> App {
        App {
            screen: Screen::Login,
            server: server.to_string(),
            me: None,
            link: Link::Connecting,
            status: None,
            status_until: None,
            login: LoginForm::new(email),
            chat: Chat::default(),
            queue: Queue::default(),
            search: Search::default(),
            help_page: 0,
            desk: Desk::default(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|u| u.has_role(Role::Admin))
    }

    pub fn current_room(&self) -> Option<&Room> {
        self.chat.current_room()
    }

    pub fn current_id(&self) -> Option<Uuid> {
        self.chat.current_id()
    }

    /// Shows `text` in the status line, replacing what was there, for [`STATUS_SHOWN`].
    pub(crate) fn say(&mut self, text: impl Into<String>) {
        self.status = Some(text.into());
        self.status_until = Some(chrono::Utc::now() + STATUS_SHOWN);
    }

    /// Clears the status line once its time is up.
    pub(crate) fn expire_status(&mut self, now: chrono::DateTime<chrono::Utc>) {
        if self.status_until.is_some_and(|until| until <= now) {
            self.status = None;
            self.status_until = None;
        }
    }

    /// The server refused our token: everything of that session goes, the form says why.
    fn signed_out(&mut self, why: String) {
        if let Some(me) = self.me.take() {
            self.login.email = me.email;
        }
        self.login.failed(format!("Signed out: {why}"));
        self.screen = Screen::Login;
        self.link = Link::Connecting;
        self.status = None;
        self.chat = Chat::default();
        self.queue = Queue::default();
        self.search = Search::default();
        self.desk = Desk::default();
    }

    /// Who I am signed in as; nil before that (so no message or room is ever "mine").
    fn my_id(&self) -> Uuid {
        self.me.as_ref().map(|u| u.id).unwrap_or_default()
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Key(key) => self.key(key),
            Msg::LoggedIn { user, token: _ } => {
                self.me = Some(user);
                self.screen = Screen::Chat;
                self.login.signed_in();
                Vec::new()
            }
            Msg::LoginFailed(why) => {
                self.login.failed(why);
                self.screen = Screen::Login;
                Vec::new()
            }
            Msg::SignedOut(why) => {
                self.signed_out(why);
                Vec::new()
            }
            Msg::Link(link) => {
                self.link = link;
                Vec::new()
            }
            Msg::Rooms(rooms) => self.chat.set_rooms(rooms),
            Msg::RoomChanged(room) => {
                self.chat.room_changed(room);
                Vec::new()
            }
            Msg::History {
                room,
                messages,
                older,
                total,
            } => {
                self.chat.merge_history(room, messages, older, total);
                self.chat.continue_jump(room)
            }
            Msg::Online { users, .. } => {
                self.chat.online.extend(users);
                Vec::new()
            }
            Msg::Server(event) => self.server_event(event),
            Msg::Event { name, data } => self.server_event(ServerEvent::decode(&name, data)),
            Msg::QueueStats(stats) => {
                self.queue.stats = Some(stats);
                Vec::new()
            }
            Msg::Queue(waiting) => {
                self.queue.replace(waiting);
                Vec::new()
            }
            Msg::SearchResults { messages, total } => {
                self.search_results(messages, total);
                Vec::new()
            }
            Msg::Reports(reports) => {
                self.reports_loaded(reports);
                Vec::new()
            }
            Msg::Replies { replies, then_use } => {
                self.replies_loaded(replies, then_use);
                Vec::new()
            }
            Msg::Focus(room) => self.chat.focus(room),
            Msg::Notice(text) | Msg::Failed(text) => {
                self.say(text);
                Vec::new()
            }
            Msg::Tick => {
                let now = chrono::Utc::now();
                self.chat.expire_typing(now);
                self.expire_status(now);
                Vec::new()
            }
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')) {
            return vec![Cmd::Quit];
        }
        match self.screen {
            Screen::Login => self.login.key(key),
            Screen::Help => {
                // Page keys turn the pages of a help longer than the screen; others close it.
                match key.code {
                    KeyCode::PageDown | KeyCode::Down | KeyCode::Char(' ') => self.help_page += 1,
                    KeyCode::PageUp | KeyCode::Up => {
                        self.help_page = self.help_page.saturating_sub(1)
                    }
                    _ => {
                        self.help_page = 0;
                        self.screen = Screen::Chat;
                    }
                }
                Vec::new()
            }
            Screen::Queue => self.queue_key(key),
            Screen::Search => self.search_key(key),
            Screen::Reports => self.reports_key(key),
            Screen::Chat => self.chat_key(key, ctrl),
        }
    }
}
