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
        let line = self.chat.input.value_and_reset();
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
                None => self.say("no room: open one with /new EMAIL"),
            },
            "react" => match self.last_theirs().map(|m| m.id) {
                Some(message) if !rest.is_empty() => cmds.push(Cmd::React {
                    message,
                    emoji: rest.to_string(),
                }),
                Some(_) => self.say("usage: /react EMOJI"),
                None => self.say("no message from the other side to react to"),
            },
            "reply" => match (room, self.last_theirs().map(|m| m.id)) {
                (Some(room), Some(message)) if !rest.is_empty() => {
                    let send = self.send(room, rest, Some(message));
                    cmds.push(send);
                }
                (Some(_), Some(_)) => self.say("usage: /reply TEXT"),
                _ => self.say("no message from the other side to reply to"),
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
                    self.say("usage: /new EMAIL");
                }
            }
            "edit" => match self.last_own() {
                Some(m) if !rest.is_empty() => cmds.push(Cmd::Edit {
                    message: m.id,
                    content: rest.to_string(),
                }),
                Some(_) => self.say("usage: /edit NEW TEXT"),
                None => self.say("you have no message here to edit"),
            },
            "delete" => match self.last_own() {
                Some(m) => cmds.push(Cmd::Delete(m.id)),
                None => self.say("you have no message here to delete"),
            },
            "leave" => cmds.extend(self.leave_command(room)),
            "upload" => cmds.extend(self.upload_command(room, rest)),
            "save" => cmds.extend(self.save_command(rest, false)),
            "save!" => cmds.extend(self.save_command(rest, true)),
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
            other => self.say(format!("unknown command /{other}; /help lists them")),
        }
        cmds
    }
}

impl App {
    /// `/leave`: the room leaves the list (and its events stop) until restart; the next room
    /// takes the focus, and the status line says what happened.
    fn leave_command(&mut self, room: Option<Uuid>) -> Vec<Cmd> {
        let Some(room) = room else {
            self.say("no room to leave");
            return Vec::new();
        };
        let me = self.my_id();
        let name = self
            .current_room()
            .map(|r| r.other(me).display_name())
            .unwrap_or_default();
        let mut cmds = vec![Cmd::Leave(room)];
        let chat = &mut self.chat;
        chat.rooms.retain(|r| r.id != room);
        chat.messages.remove(&room);
        chat.selected = chat.selected.min(chat.rooms.len().saturating_sub(1));
        cmds.extend(chat.select(chat.selected));
        self.say(format!(
            "left the room with {name}: no more of its messages until you restart"
        ));
        cmds
    }
}

/// Who a line of the help is for: Admins see every line, everyone else only their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    Everyone,
    Admins,
}

/// The keys and slash commands, for `/help` and the README.
pub const HELP: &[(&str, &str, For)] = &[
    ("Enter", "send the line (or run a /command)", For::Everyone),
    (
        "Left / Right, Home / End",
        "move in the line (Ctrl-B / Ctrl-F, Ctrl-A / Ctrl-E)",
        For::Everyone,
    ),
    (
        "Ctrl-Left / Ctrl-Right",
        "a word back / forward (Alt-B / Alt-F)",
        For::Everyone,
    ),
    (
        "Ctrl-W, Ctrl-U, Ctrl-K",
        "delete the word before the cursor, up to it, from it to the end",
        For::Everyone,
    ),
    ("Ctrl-Y", "put back what was deleted last", For::Everyone),
    ("Esc", "clear the line and the status", For::Everyone),
    ("Tab / Shift-Tab", "next / previous room", For::Everyone),
    ("Ctrl-Up / Ctrl-Down", "previous / next room", For::Everyone),
    (
        "Up / Down, PgUp / PgDn",
        "scroll messages (older pages load by themselves)",
        For::Everyone,
    ),
    ("Ctrl-N", "start /new", For::Everyone),
    ("F1, /help", "this help", For::Everyone),
    (
        "C↔H, C↔A, H↔A",
        "room types: guest↔hotel, guest↔support, hotel↔support",
        For::Everyone,
    ),
    ("Ctrl-C / Ctrl-Q, /quit", "quit", For::Everyone),
    (
        "/new EMAIL",
        "open (or reuse) a room with that user; type from your roles",
        For::Everyone,
    ),
    (
        "/edit TEXT, /delete",
        "replace or delete your last message here",
        For::Everyone,
    ),
    (
        "/reply TEXT",
        "answer the other side's newest message, quoting it",
        For::Everyone,
    ),
    (
        "/react EMOJI",
        "react to the other side's newest message with one emoji",
        For::Everyone,
    ),
    (
        "/search TEXT",
        "search your rooms' messages; Enter opens one in its room",
        For::Everyone,
    ),
    (
        "/upload PATH",
        "send a file or image from your disk to this room (~ is your home)",
        For::Everyone,
    ),
    (
        "/save PATH",
        "save this room's last attachment to PATH or into a folder; never replaces a file",
        For::Everyone,
    ),
    ("/save! PATH", "the same, replacing PATH", For::Everyone),
    (
        "/leave",
        "stop following this room until restart",
        For::Everyone,
    ),
    ("/read", "mark this room read", For::Everyone),
    (
        "/logout",
        "forget the saved session and quit",
        For::Everyone,
    ),
    (
        "F2, /queue",
        "support queue: rooms waiting for an answer",
        For::Admins,
    ),
    (
        "Ctrl-R, /reports",
        "open reports; Enter shows the message in its room",
        For::Admins,
    ),
    (
        "/resolve ACTION",
        "dismiss or delete: close the report opened",
        For::Admins,
    ),
    (
        "/assign, /unassign",
        "take / give back the room in focus",
        For::Admins,
    ),
    (
        "/r NAME, /replies",
        "saved reply into the line / list them",
        For::Admins,
    ),
];
