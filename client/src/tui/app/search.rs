//! The search screen: the results of `/search TEXT` (room, sender, time, text), which one is
//! highlighted, and Enter jumping to that message in its room (older pages load until it is
//! there).

use crossterm::event::{KeyCode, KeyEvent};
use tigo_common::Message;
use uuid::Uuid;

use super::{App, Cmd, Screen};

/// Older pages fetched at most while looking for a message to jump to.
const JUMP_PAGES: u32 = 50;

#[derive(Debug, Default)]
pub struct Search {
    pub query: String,
    /// Newest first, as the server answers.
    pub results: Vec<Message>,
    pub total: i64,
    pub selected: usize,
    pub loading: bool,
}

/// A message the chat screen should bring into view and mark, and how many older pages have
/// been fetched looking for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jump {
    pub room: Uuid,
    pub message: Uuid,
    pub(super) pages: u32,
}

impl App {
    pub(super) fn start_search(&mut self, q: &str) -> Vec<Cmd> {
        if q.is_empty() {
            self.say("usage: /search TEXT");
            return Vec::new();
        }
        self.search = Search {
            query: q.to_string(),
            loading: true,
            ..Search::default()
        };
        self.screen = Screen::Search;
        vec![Cmd::Search { q: q.to_string() }]
    }

    pub(super) fn search_results(&mut self, results: Vec<Message>, total: i64) {
        self.search.results = results;
        self.search.total = total;
        self.search.loading = false;
        self.search.selected = 0;
    }

    pub(super) fn search_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let last = self.search.results.len().saturating_sub(1);
        match key.code {
            KeyCode::Up => self.search.selected = self.search.selected.saturating_sub(1),
            KeyCode::Down => self.search.selected = (self.search.selected + 1).min(last),
            KeyCode::Enter => {
                if let Some(m) = self.search.results.get(self.search.selected) {
                    let (room, message) = (m.chat_room_id, m.id);
                    self.screen = Screen::Chat;
                    return self.jump_to(room, message);
                }
            }
            KeyCode::Esc | KeyCode::Char('q') => self.screen = Screen::Chat,
            _ => {}
        }
        Vec::new()
    }

    /// Focuses the room and brings the message into view, fetching what is missing.
    pub(super) fn jump_to(&mut self, room: Uuid, message: Uuid) -> Vec<Cmd> {
        self.chat.jump = Some(Jump {
            room,
            message,
            pages: 0,
        });
        let mut cmds = match self.chat.rooms.iter().position(|r| r.id == room) {
            Some(i) => self.chat.select(i),
            None => vec![Cmd::OpenRoom(room)],
        };
        cmds.extend(self.chat.continue_jump(room));
        cmds
    }
}

impl super::Chat {
    /// After a page of `room` arrived (or on the jump itself): done when the message is
    /// loaded, else the next older page, within [`JUMP_PAGES`].
    pub(super) fn continue_jump(&mut self, room: Uuid) -> Vec<Cmd> {
        let Some(jump) = self.jump.filter(|j| j.room == room) else {
            return Vec::new();
        };
        let Some(list) = self.messages.get(&room) else {
            // Not loaded yet: opening the room fetches its newest page.
            return Vec::new();
        };
        if list.iter().any(|m| m.id == jump.message) || self.loading_older.contains(&room) {
            return Vec::new();
        }
        match list.first() {
            Some(first) if !self.complete.contains(&room) && jump.pages < JUMP_PAGES => {
                self.jump = Some(Jump {
                    pages: jump.pages + 1,
                    ..jump
                });
                self.loading_older.insert(room);
                vec![Cmd::LoadOlder {
                    room,
                    before: first.id,
                }]
            }
            _ => {
                // Gone (deleted since the search) or beyond what we fetch: stop looking.
                self.jump = None;
                Vec::new()
            }
        }
    }
}
