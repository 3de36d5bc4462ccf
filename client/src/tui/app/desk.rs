//! The Admin's desk in the terminal client: the open reports (Ctrl-R; Enter opens the reported
//! message in its room, `/resolve dismiss|delete` closes the report), room assignment
//! (`/assign`, `/unassign`, the queue's assignee following `room_assigned` live) and saved
//! replies (`/r NAME` puts one into the input line, `/replies` lists them).

use crossterm::event::{KeyCode, KeyEvent};
use tigo_common::{RoomAssigned, SavedReply, report_actions};
use tui_input::Input;
use uuid::Uuid;

use super::{App, Cmd, Screen};

/// An open report as the Admin view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportItem {
    pub id: Uuid,
    pub room: Uuid,
    pub message: Uuid,
    pub reason: String,
    /// The reported text (empty when the message is gone).
    pub content: String,
    pub author: String,
}

#[derive(Debug, Default)]
pub struct Desk {
    pub reports: Vec<ReportItem>,
    pub selected: usize,
    /// The report opened with Enter: what `/resolve` closes.
    pub reviewing: Option<ReportItem>,
    pub replies: Vec<SavedReply>,
}

impl App {
    pub(super) fn open_reports(&mut self) -> Vec<Cmd> {
        if !self.is_admin() {
            self.say("reports are for admins");
            return Vec::new();
        }
        self.screen = Screen::Reports;
        vec![Cmd::LoadReports]
    }

    pub(super) fn reports_loaded(&mut self, reports: Vec<ReportItem>) {
        self.desk.reports = reports;
        self.desk.selected = self
            .desk
            .selected
            .min(self.desk.reports.len().saturating_sub(1));
    }

    pub(super) fn reports_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let last = self.desk.reports.len().saturating_sub(1);
        match key.code {
            KeyCode::Up => self.desk.selected = self.desk.selected.saturating_sub(1),
            KeyCode::Down => self.desk.selected = (self.desk.selected + 1).min(last),
            KeyCode::Enter => {
                if let Some(report) = self.desk.reports.get(self.desk.selected).cloned() {
                    let (room, message) = (report.room, report.message);
                    self.say(format!(
                        "report: {:?} on {}'s message; /resolve dismiss or /resolve delete",
                        report.reason, report.author
                    ));
                    self.desk.reviewing = Some(report);
                    self.screen = Screen::Chat;
                    // Marked and brought into view like a search result.
                    return self.jump_to(room, message);
                }
            }
            KeyCode::Char('r') => return vec![Cmd::LoadReports],
            KeyCode::Esc | KeyCode::Char('q') => self.screen = Screen::Chat,
            _ => {}
        }
        Vec::new()
    }

    /// `/resolve dismiss|delete`: closes the report opened from the reports view.
    pub(super) fn resolve_command(&mut self, rest: &str) -> Vec<Cmd> {
        let action = match rest {
            "dismiss" => report_actions::DISMISS,
            "delete" | "delete_message" => report_actions::DELETE_MESSAGE,
            _ => {
                self.say("usage: /resolve dismiss|delete");
                return Vec::new();
            }
        };
        match self.desk.reviewing.take() {
            Some(report) => vec![Cmd::Resolve {
                report: report.id,
                action: action.into(),
            }],
            None => {
                self.say("no report open: pick one with Ctrl-R, then Enter");
                Vec::new()
            }
        }
    }

    /// `/assign` and `/unassign`: the room in focus.
    pub(super) fn assign_command(&mut self, take: bool) -> Vec<Cmd> {
        if !self.is_admin() {
            self.say("assignment is for admins");
            return Vec::new();
        }
        match self.current_id() {
            Some(room) => vec![Cmd::Assign { room, take }],
            None => {
                self.say("no room in focus");
                Vec::new()
            }
        }
    }

    /// `/r NAME`: the saved reply goes into the input line, to be edited before Enter.
    pub(super) fn reply_command(&mut self, name: &str) -> Vec<Cmd> {
        if name.is_empty() {
            self.say("usage: /r NAME (/replies lists them)");
            return Vec::new();
        }
        match self.desk.replies.iter().find(|r| r.name == name) {
            Some(reply) => {
                self.chat.input = Input::new(reply.text.clone());
                Vec::new()
            }
            // Not known yet (or new since): fetched, then put in.
            None => vec![Cmd::LoadReplies {
                then_use: Some(name.to_string()),
            }],
        }
    }

    pub(super) fn replies_loaded(&mut self, replies: Vec<SavedReply>, then_use: Option<String>) {
        self.desk.replies = replies;
        match then_use {
            Some(name) => match self.desk.replies.iter().find(|r| r.name == name) {
                Some(reply) => self.chat.input = Input::new(reply.text.clone()),
                None => self.say(format!("no saved reply {name:?}; /replies lists them")),
            },
            None if self.desk.replies.is_empty() => {
                self.say("no saved replies (tigo-chat admin replies add)")
            }
            None => {
                let names: Vec<&str> = self.desk.replies.iter().map(|r| r.name.as_str()).collect();
                self.say(format!("saved replies: {} (/r NAME)", names.join(", ")));
            }
        }
    }

    /// `room_assigned`: the queue shows the new assignee at once and is reloaded for names.
    pub(super) fn room_assigned(&mut self, assigned: RoomAssigned) -> Vec<Cmd> {
        let name = match assigned.admin_id {
            None => None,
            Some(id) if Some(id) == self.me.as_ref().map(|u| u.id) => Some("me".to_string()),
            Some(id) => Some(
                self.queue
                    .waiting
                    .iter()
                    .find(|w| w.assignee_id == Some(id))
                    .and_then(|w| w.assignee.clone())
                    .unwrap_or_else(|| id.simple().to_string()[..8].to_string()),
            ),
        };
        for w in self
            .queue
            .waiting
            .iter_mut()
            .filter(|w| w.room == assigned.room_id)
        {
            w.assignee_id = assigned.admin_id;
            w.assignee = name.clone();
        }
        if let Some(room) = self
            .chat
            .rooms
            .iter_mut()
            .find(|r| r.id == assigned.room_id)
        {
            room.assigned_admin_id = assigned.admin_id;
        }
        if self.screen == Screen::Queue {
            vec![Cmd::LoadQueue]
        } else {
            Vec::new()
        }
    }
}
