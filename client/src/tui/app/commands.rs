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
        cmds.extend(self.command(command, rest, room));
        cmds
    }

    /// One slash command (`""`: a plain message) with the rest of its line, in the focused
    /// room (if any).
    fn command(&mut self, command: &str, rest: &str, room: Option<Uuid>) -> Vec<Cmd> {
        match command {
            "" => self.message_command(room, rest),
            "react" => self.react_command(rest),
            "reply" => self.reply_to_theirs(room, rest),
            "search" => self.start_search(rest),
            "help" => {
                self.screen = Screen::Help;
                Vec::new()
            }
            "quit" | "q" => vec![Cmd::Quit],
            "logout" => vec![Cmd::Logout],
            "new" => self.new_room_command(rest),
            "edit" => self.edit_command(rest),
            "delete" => self.delete_command(),
            "leave" => self.leave_command(room),
            "upload" => self.upload_command(room, rest),
            "save" => self.save_command(rest, false),
            "save!" => self.save_command(rest, true),
            "queue" => self.open_queue(),
            "reports" => self.open_reports(),
            "resolve" => self.resolve_command(rest),
            "assign" => self.assign_command(true),
            "unassign" => self.assign_command(false),
            "r" => self.reply_command(rest),
            "replies" => vec![Cmd::LoadReplies { then_use: None }],
            "read" => room.map(Cmd::MarkRead).into_iter().collect(),
            "members" => self.members_command(),
            "stats" => self.stats_command(),
            "companion" => self.companion_command(room, rest),
            "agent" => self.agent_command(room, rest),
            "staff" => self.staff_command(rest),
            other => {
                self.say(format!("unknown command /{other}; /help lists them"));
                Vec::new()
            }
        }
    }

    /// A line without a slash: a message to the focused room.
    fn message_command(&mut self, room: Option<Uuid>, text: &str) -> Vec<Cmd> {
        match room {
            Some(room) => vec![self.send(room, text, None)],
            None => {
                self.say("no room: open one with /new EMAIL");
                Vec::new()
            }
        }
    }

    /// `/react EMOJI`: on the other side's newest message.
    fn react_command(&mut self, emoji: &str) -> Vec<Cmd> {
        match self.last_theirs().map(|m| m.id) {
            Some(message) if !emoji.is_empty() => vec![Cmd::React {
                message,
                emoji: emoji.to_string(),
            }],
            Some(_) => self.said("usage: /react EMOJI"),
            None => self.said("no message from the other side to react to"),
        }
    }

    /// `/reply TEXT`: answers the other side's newest message.
    fn reply_to_theirs(&mut self, room: Option<Uuid>, text: &str) -> Vec<Cmd> {
        match (room, self.last_theirs().map(|m| m.id)) {
            (Some(room), Some(message)) if !text.is_empty() => {
                vec![self.send(room, text, Some(message))]
            }
            (Some(_), Some(_)) => self.said("usage: /reply TEXT"),
            _ => self.said("no message from the other side to reply to"),
        }
    }

    /// `/new EMAIL`: a room with that user.
    fn new_room_command(&mut self, email: &str) -> Vec<Cmd> {
        if email.contains('@') {
            vec![Cmd::NewRoom {
                email: email.to_string(),
            }]
        } else {
            self.said("usage: /new EMAIL")
        }
    }

    /// `/edit NEW TEXT`: my newest message here.
    fn edit_command(&mut self, content: &str) -> Vec<Cmd> {
        match self.last_own() {
            Some(m) if !content.is_empty() => vec![Cmd::Edit {
                message: m.id,
                content: content.to_string(),
            }],
            Some(_) => self.said("usage: /edit NEW TEXT"),
            None => self.said("you have no message here to edit"),
        }
    }

    /// `/delete`: my newest message here.
    fn delete_command(&mut self) -> Vec<Cmd> {
        match self.last_own() {
            Some(m) => vec![Cmd::Delete(m.id)],
            None => self.said("you have no message here to delete"),
        }
    }

    /// Shows `text` on the status line; a command that only answers that way sends nothing.
    pub(super) fn said(&mut self, text: &str) -> Vec<Cmd> {
        self.say(text);
        Vec::new()
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
        cmds.extend(self.chat.forget(room));
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
        "/members",
        "who is in this room, with their roles",
        For::Everyone,
    ),
    (
        "/stats",
        "how fast this room's hotel answers its guests: rate, median, label",
        For::Everyone,
    ),
    (
        "/companion add|remove EMAIL",
        "guest: bring a travel companion into this room, or out",
        For::Everyone,
    ),
    (
        "/staff add|remove EMAIL",
        "hotel owner: put a user on this room's hotel's staff, or off",
        For::Everyone,
    ),
    (
        "/agent join|leave",
        "step into this room as support, or out",
        For::Admins,
    ),
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
