//! What Enter does with the chat screen's input line: send it as a message, or run it as a
//! slash command; and the table of keys and commands that `/help` shows.

use tigo_common::Message;
use uuid::Uuid;

use super::{App, Cmd, Screen};

impl App {
    /// My newest message in the focused room: what /edit and /delete act on.
    fn last_own(&self) -> Option<&Message> {
        let room = self.current_id()?;
        let me = self.my_id();
        self.chat
            .messages
            .get(&room)?
            .iter()
            .rev()
            .find(|m| m.sender_id == me)
    }

    /// The newest message from the other side in the focused room: what /react and /reply
    /// act on.
    fn last_theirs(&self) -> Option<&Message> {
        let room = self.current_id()?;
        let me = self.my_id();
        self.chat
            .messages
            .get(&room)?
            .iter()
            .rev()
            .find(|m| m.sender_id != me)
    }

    /// A send of `content` to `room`, with a client_msg_id of its own.
    fn send(&mut self, room: Uuid, content: &str, reply_to: Option<Uuid>) -> Cmd {
        self.chat.sent_counter += 1;
        self.chat.scroll = 0;
        Cmd::Send {
            room,
            content: content.to_string(),
            // Unique per send, so a retry over REST is recognised, never doubled.
            client_msg_id: format!("tui-{}-{}", Uuid::new_v4().simple(), self.chat.sent_counter),
            reply_to,
        }
    }

    pub(super) fn submit(&mut self) -> Vec<Cmd> {
        let line = std::mem::take(&mut self.chat.input);
        let text = line.trim();
        if text.is_empty() {
            return Vec::new();
        }
        let room = self.current_id();
        // Whatever the line was, we are no longer typing it.
        let mut cmds = Vec::new();
        if let Some((r, _)) = self.chat.typing_sent.take() {
            cmds.push(Cmd::Typing { room: r, on: false });
        }
        let (command, rest) = match text.strip_prefix('/') {
            Some(cmd) => cmd
                .split_once(' ')
                .map_or((cmd, ""), |(c, r)| (c, r.trim())),
            None => ("", text),
        };
        match command {
            "" => match room {
                Some(room) => {
                    let send = self.send(room, rest, None);
                    cmds.push(send);
                }
                None => self.status = Some("no room: open one with /new EMAIL".into()),
            },
            "react" => match self.last_theirs().map(|m| m.id) {
                Some(message) if !rest.is_empty() => cmds.push(Cmd::React {
                    message,
                    emoji: rest.to_string(),
                }),
                Some(_) => self.status = Some("usage: /react EMOJI".into()),
                None => self.status = Some("no message from the other side to react to".into()),
            },
            "reply" => match (room, self.last_theirs().map(|m| m.id)) {
                (Some(room), Some(message)) if !rest.is_empty() => {
                    let send = self.send(room, rest, Some(message));
                    cmds.push(send);
                }
                (Some(_), Some(_)) => self.status = Some("usage: /reply TEXT".into()),
                _ => self.status = Some("no message from the other side to reply to".into()),
            },
            "search" => cmds.extend(self.start_search(rest)),
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
                    let chat = &mut self.chat;
                    chat.rooms.retain(|r| r.id != room);
                    chat.selected = chat.selected.min(chat.rooms.len().saturating_sub(1));
                }
                None => self.status = Some("no room to leave".into()),
            },
            "upload" => match room {
                Some(room) if !rest.is_empty() => {
                    self.chat.sent_counter += 1;
                    cmds.push(Cmd::Upload {
                        room,
                        path: rest.to_string(),
                        client_msg_id: format!(
                            "tui-{}-{}",
                            Uuid::new_v4().simple(),
                            self.chat.sent_counter
                        ),
                    });
                }
                Some(_) => self.status = Some("usage: /upload PATH".into()),
                None => self.status = Some("no room: open one with /new EMAIL".into()),
            },
            "save" => match (self.last_attachment(), rest.is_empty()) {
                (Some(m), false) => cmds.push(Cmd::Save {
                    url: m.file_url.clone().unwrap_or_default(),
                    path: rest.to_string(),
                }),
                (Some(_), true) => self.status = Some("usage: /save PATH".into()),
                (None, _) => self.status = Some("no attachment in this room to save".into()),
            },
            "queue" => cmds.extend(self.open_queue()),
            "reports" => cmds.extend(self.open_reports()),
            "resolve" => cmds.extend(self.resolve_command(rest)),
            "assign" => cmds.extend(self.assign_command(true)),
            "unassign" => cmds.extend(self.assign_command(false)),
            "r" => cmds.extend(self.reply_command(rest)),
            "replies" => cmds.push(Cmd::LoadReplies { then_use: None }),
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
    ("Ctrl-W / Ctrl-R", "support queue / open reports (Admin)"),
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
    (
        "/edit TEXT, /delete",
        "replace or delete your last message here",
    ),
    (
        "/reply TEXT",
        "answer the other side's newest message, quoting it",
    ),
    (
        "/react EMOJI",
        "react to the other side's newest message with one emoji",
    ),
    (
        "/search TEXT",
        "search your rooms' messages; Enter opens one in its room",
    ),
    (
        "/upload PATH",
        "send a file or image from your disk to this room",
    ),
    ("/save PATH", "save this room's last attachment to PATH"),
    ("/leave", "stop following this room until restart"),
    ("/read", "mark this room read"),
    ("/queue, /reports", "rooms waiting for an answer, reports"),
    ("/assign, /unassign", "take / give back the room in focus"),
    ("/r NAME, /replies", "saved reply into the line / list them"),
    (
        "/resolve ACTION",
        "dismiss or delete: close the report opened",
    ),
    ("/logout", "forget the saved session and quit"),
    ("/help, /quit", "help, quit"),
];
