//! The chat screen's state: the room list and which room is focused, each room's loaded
//! messages, who is online or typing, the input line and the scroll position; and the keys
//! that move around it (what Enter does with the line is in `commands`). The input line is
//! `tui-input`'s line editor: every key the chat screen does not claim goes to it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tigo_common::{Message, Room};
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};
use uuid::Uuid;

use super::{App, Cmd, Screen};

#[derive(Debug, Default)]
pub struct Chat {
    pub rooms: Vec<Room>,
    /// Index of the focused room in `rooms`.
    pub selected: usize,
    pub messages: HashMap<Uuid, Vec<Message>>,
    /// Rooms whose whole history is loaded.
    pub complete: HashSet<Uuid>,
    pub loading_older: HashSet<Uuid>,
    pub online: HashSet<Uuid>,
    /// (room, user) → when the typing indicator expires.
    pub typing: HashMap<(Uuid, Uuid), DateTime<Utc>>,
    /// The input line: its text and cursor (moved and edited by the usual readline keys).
    pub input: Input,
    /// Lines scrolled up from the bottom of the message pane.
    pub scroll: usize,
    /// When we last told the room we were typing (to send one start per few seconds).
    pub(super) typing_sent: Option<(Uuid, DateTime<Utc>)>,
    /// Numbers our sends, so each gets its own client_msg_id.
    pub(super) sent_counter: u64,
    /// A message to bring into view and mark (from search); scrolling drops it.
    pub jump: Option<super::Jump>,
}

impl Chat {
    pub fn current_room(&self) -> Option<&Room> {
        self.rooms.get(self.selected)
    }

    pub fn current_id(&self) -> Option<Uuid> {
        self.current_room().map(|r| r.id)
    }

    /// Newest activity first, as the server sorts; the focus follows its room, not the index.
    pub(super) fn sort_rooms(&mut self) {
        let current = self.current_id();
        self.rooms
            .sort_by(|a, b| activity(b).cmp(&activity(a)).then(b.id.cmp(&a.id)));
        if let Some(id) = current {
            self.selected = self.rooms.iter().position(|r| r.id == id).unwrap_or(0);
        }
    }

    pub(super) fn set_rooms(&mut self, rooms: Vec<Room>) -> Vec<Cmd> {
        let current = self.current_id();
        self.rooms = rooms;
        self.sort_rooms();
        if current.is_none() && !self.rooms.is_empty() {
            self.selected = 0;
        }
        self.focus_effects()
    }

    /// Only the last message and the members change: the rest of what we hold (unread
    /// count) is fresher.
    pub(super) fn room_changed(&mut self, room: Room) {
        if let Some(r) = self.rooms.iter_mut().find(|r| r.id == room.id) {
            r.last_message_content = room.last_message_content;
            r.last_message_at = room.last_message_at;
            r.members = room.members;
        }
        self.sort_rooms();
    }

    /// Merges a page in by id (a replay after a reconnect repeats what we have) and in order.
    pub(super) fn merge_history(
        &mut self,
        room: Uuid,
        messages: Vec<Message>,
        older: bool,
        total: i64,
    ) {
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
    }

    pub(super) fn expire_typing(&mut self, now: DateTime<Utc>) {
        self.typing.retain(|_, until| *until > now);
    }

    /// What focusing the current room implies: mark it read.
    fn focus_effects(&mut self) -> Vec<Cmd> {
        let Some(room) = self.rooms.get_mut(self.selected) else {
            return Vec::new();
        };
        if room.unread_count > 0 {
            room.unread_count = 0;
            return vec![Cmd::MarkRead(room.id)];
        }
        Vec::new()
    }

    /// Drops a room from the list with what we hold of it (left, or no longer a member); the
    /// next room takes the focus.
    pub(super) fn forget(&mut self, room: Uuid) -> Vec<Cmd> {
        self.rooms.retain(|r| r.id != room);
        self.messages.remove(&room);
        self.selected = self.selected.min(self.rooms.len().saturating_sub(1));
        self.select(self.selected)
    }

    /// Focuses a room by position (clamped), fetching its history the first time.
    pub(super) fn select(&mut self, index: usize) -> Vec<Cmd> {
        if self.rooms.is_empty() {
            return Vec::new();
        }
        self.selected = index.min(self.rooms.len() - 1);
        self.scroll = 0;
        if self.jump.is_some_and(|j| Some(j.room) != self.current_id()) {
            self.jump = None;
        }
        let mut cmds = self.focus_effects();
        if let Some(id) = self.current_id()
            && !self.messages.contains_key(&id)
        {
            cmds.push(Cmd::OpenRoom(id));
        }
        cmds
    }

    /// Focuses a room by id; one we do not list (yet) is left alone.
    pub(super) fn focus(&mut self, room: Uuid) -> Vec<Cmd> {
        match self.rooms.iter().position(|r| r.id == room) {
            Some(index) => self.select(index),
            None => Vec::new(),
        }
    }

    /// Scrolling up past what is loaded fetches the page before it.
    fn scroll_up(&mut self, lines: usize) -> Vec<Cmd> {
        self.jump = None;
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

    /// One `typing_start` every few seconds while keys come in (none for a /command).
    fn typing_tick(&mut self) -> Vec<Cmd> {
        let Some(room) = self.current_id() else {
            return Vec::new();
        };
        if self.input.value().starts_with('/') {
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
}

fn activity(room: &Room) -> DateTime<Utc> {
    room.last_message_at.unwrap_or(room.created_at)
}

impl App {
    /// The role shown next to the other participant of a room: blank when it says nothing
    /// (not my room, or I hold both of its roles).
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
        let me = self.my_id();
        let now = Utc::now();
        let mut names: Vec<String> = self
            .chat
            .typing
            .iter()
            .filter(|((r, u), until)| *r == room.id && *u != me && **until > now)
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

    pub(super) fn chat_key(&mut self, key: KeyEvent, ctrl: bool) -> Vec<Cmd> {
        // Alt-Up/Down switch rooms only on an empty line, where they cannot mean anything else.
        let switch =
            ctrl || self.chat.input.value().is_empty() && key.modifiers.contains(KeyModifiers::ALT);
        let chat = &mut self.chat;
        match key.code {
            KeyCode::Up if switch => chat.select(chat.selected.saturating_sub(1)),
            KeyCode::Down if switch => chat.select(chat.selected + 1),
            KeyCode::Tab => {
                let next = if chat.rooms.is_empty() {
                    0
                } else {
                    (chat.selected + 1) % chat.rooms.len()
                };
                chat.select(next)
            }
            KeyCode::BackTab => {
                let prev = if chat.selected == 0 {
                    chat.rooms.len().saturating_sub(1)
                } else {
                    chat.selected - 1
                };
                chat.select(prev)
            }
            KeyCode::PageUp => chat.scroll_up(10),
            KeyCode::Up => chat.scroll_up(1),
            KeyCode::PageDown => {
                chat.jump = None;
                chat.scroll = chat.scroll.saturating_sub(10);
                Vec::new()
            }
            KeyCode::Down => {
                chat.jump = None;
                chat.scroll = chat.scroll.saturating_sub(1);
                Vec::new()
            }
            KeyCode::F(1) => {
                self.screen = Screen::Help;
                Vec::new()
            }
            KeyCode::F(2) => self.open_queue(),
            KeyCode::Char('n') if ctrl => {
                chat.input = Input::new("/new ".into());
                Vec::new()
            }
            KeyCode::Char('r') if ctrl => self.open_reports(),
            KeyCode::Esc => {
                chat.input.reset();
                self.status = None;
                Vec::new()
            }
            KeyCode::Enter => self.submit(),
            _ => chat.edit(key),
        }
    }
}

impl Chat {
    /// A key for the line editor (characters, Left/Right, Home/End, Backspace/Delete,
    /// Ctrl-A/E/B/F/K/W/Y, Alt-B/F, Ctrl-Left/Right); typing in it tells the room we are
    /// typing. Ctrl-U deletes up to the cursor, as readline does (`tui-input` would clear the
    /// whole line).
    fn edit(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let request = match (key.code, key.modifiers) {
            (KeyCode::Char('u'), KeyModifiers::CONTROL) => Some(InputRequest::DeleteFromStart),
            _ => to_input_request(&Event::Key(key)),
        };
        match request.and_then(|r| self.input.handle(r)) {
            Some(changed) if changed.value && !self.input.value().is_empty() => self.typing_tick(),
            _ => Vec::new(),
        }
    }
}
