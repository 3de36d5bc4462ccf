//! The support queue screen (Admins): the rooms waiting for an answer, oldest first as the
//! server lists them, and which one is highlighted.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use tigo_common::RoomType;
use uuid::Uuid;

use super::{App, Cmd, Screen};

/// A room waiting for an Admin's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub room: Uuid,
    pub kind: RoomType,
    pub who: String,
    pub since: DateTime<Utc>,
    pub preview: String,
    /// Who holds the room (`me` for the viewer), and their id.
    pub assignee: Option<String>,
    pub assignee_id: Option<Uuid>,
}

/// What the queue screen shows above the rooms: first reply times over the last 30 days and
/// how many waited, hour by hour, over the last 24 hours.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueStats {
    pub threads: i64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
    /// Oldest hour first; the last is now.
    pub waiting: Vec<u64>,
}

#[derive(Debug, Default)]
pub struct Queue {
    pub waiting: Vec<Waiting>,
    pub selected: usize,
    pub stats: Option<QueueStats>,
}

impl Queue {
    /// A fresh list; the highlight stays where it was unless the list got shorter.
    pub(super) fn replace(&mut self, waiting: Vec<Waiting>) {
        self.waiting = waiting;
        self.selected = self.selected.min(self.last());
    }

    fn last(&self) -> usize {
        self.waiting.len().saturating_sub(1)
    }
}

impl App {
    pub(super) fn open_queue(&mut self) -> Vec<Cmd> {
        if !self.is_admin() {
            self.say("the support queue is for admins");
            return Vec::new();
        }
        self.screen = Screen::Queue;
        vec![Cmd::LoadQueue]
    }

    pub(super) fn queue_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        match key.code {
            KeyCode::Up => self.queue.selected = self.queue.selected.saturating_sub(1),
            KeyCode::Down => self.queue.selected = (self.queue.selected + 1).min(self.queue.last()),
            KeyCode::Enter => {
                if let Some(w) = self.queue.waiting.get(self.queue.selected) {
                    let room = w.room;
                    self.screen = Screen::Chat;
                    // A room we already list is just focused; any other is fetched and joined.
                    if let Some(i) = self.chat.rooms.iter().position(|r| r.id == room) {
                        return self.chat.select(i);
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
}
