//! How the state follows the server: one handler per [`ServerEvent`], already decoded into
//! `tigo_common`'s payload types, so nothing here looks at names or raw JSON.

use chrono::Utc;
use tigo_common::{
    EventError, Message, MessageDeleted, MessageDelivered, MessageStatus, MessagesRead,
    QUOTE_CHARS, ReplyTo, Room, UserTyping,
};
use uuid::Uuid;

use super::{App, Cmd, Screen};
use crate::tui::event::ServerEvent;

/// How long a typing indicator lasts without news: the sender repeats its start every few
/// seconds while typing, and a stop may be lost with a dropped connection.
const TYPING_SHOWN: chrono::Duration = chrono::Duration::seconds(6);

impl App {
    pub(super) fn server_event(&mut self, event: ServerEvent) -> Vec<Cmd> {
        match event {
            ServerEvent::NewMessage(message) => self.new_message(message),
            // Our own message, echoed: the same as any new one (repeats are dropped by id).
            ServerEvent::MessageSent(sent) => self.new_message(sent.message),
            ServerEvent::MessageEdited(message) => self.message_edited(message),
            ServerEvent::MessageDeleted(deleted) => self.message_deleted(deleted),
            ServerEvent::MessageDelivered(delivered) => {
                self.message_delivered(delivered);
                Vec::new()
            }
            ServerEvent::MessagesRead(read) => {
                self.messages_read(read);
                Vec::new()
            }
            ServerEvent::ReactionUpdated(updated) => {
                if let Some(m) = self
                    .chat
                    .messages
                    .get_mut(&updated.room_id)
                    .and_then(|l| l.iter_mut().find(|m| m.id == updated.message_id))
                {
                    m.reactions = updated.reactions;
                }
                Vec::new()
            }
            ServerEvent::UserTyping(typing) => {
                self.user_typing(typing);
                Vec::new()
            }
            ServerEvent::UserOnline(presence) => {
                self.chat.online.insert(presence.user_id);
                Vec::new()
            }
            ServerEvent::UserOffline(presence) => {
                self.chat.online.remove(&presence.user_id);
                Vec::new()
            }
            ServerEvent::RoomCreated(room) => {
                self.room_created(room);
                Vec::new()
            }
            ServerEvent::RoomAssigned(assigned) => self.room_assigned(assigned),
            ServerEvent::MemberAdded(added) => self.member_added(added),
            ServerEvent::MemberRemoved(removed) => self.member_removed(removed),
            ServerEvent::Error(EventError { message, .. }) => {
                self.say(format!("error: {message}"));
                Vec::new()
            }
            ServerEvent::Unknown { .. } | ServerEvent::Malformed { .. } => Vec::new(),
        }
    }

    /// Inserts in order (a replay can arrive after live messages), moves the room up, and
    /// either marks it read (focused) or counts it unread. A room we do not list is fetched.
    fn new_message(&mut self, message: Message) -> Vec<Cmd> {
        let room = message.chat_room_id;
        let mine = message.sender_id == self.my_id();
        let focused = self.current_id() == Some(room) && self.screen == Screen::Chat;
        let chat = &mut self.chat;
        let list = chat.messages.entry(room).or_default();
        if list.iter().any(|m| m.id == message.id) {
            return Vec::new();
        }
        let position = list
            .iter()
            .rposition(|m| (m.created_at, m.id) < (message.created_at, message.id))
            .map_or(0, |p| p + 1);
        let at = message.created_at;
        let preview = preview(&message);
        chat.typing.remove(&(room, message.sender_id));
        list.insert(position, message);
        let mut cmds = Vec::new();
        match chat.rooms.iter_mut().find(|r| r.id == room) {
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
        chat.sort_rooms();
        cmds
    }

    /// Replaces a message we hold; the room list's preview may have been it, so refetch.
    fn message_edited(&mut self, edited: Message) -> Vec<Cmd> {
        let room = edited.chat_room_id;
        let Some(m) = self
            .chat
            .messages
            .get_mut(&room)
            .and_then(|l| l.iter_mut().find(|m| m.id == edited.id))
        else {
            return Vec::new();
        };
        let (id, quoted) = (
            edited.id,
            edited.content.chars().take(QUOTE_CHARS).collect::<String>(),
        );
        *m = edited;
        self.requote(room, id, |q| q.content = quoted.clone());
        vec![Cmd::RefreshRoom(room)]
    }

    fn message_deleted(&mut self, deleted: MessageDeleted) -> Vec<Cmd> {
        let room = deleted.room_id;
        if let Some(list) = self.chat.messages.get_mut(&room) {
            list.retain(|m| m.id != deleted.message_id);
        }
        // Replies that quote it show it as deleted, never its text again.
        self.requote(room, deleted.message_id, |q| {
            q.content.clear();
            q.deleted = true;
        });
        // The room list's last message may have been this one: ask what it is now.
        if self.chat.rooms.iter().any(|r| r.id == room) {
            return vec![Cmd::RefreshRoom(room)];
        }
        Vec::new()
    }

    /// Updates the quote of `quoted` in the replies we hold in `room`, as the server would now
    /// render it.
    fn requote(&mut self, room: Uuid, quoted: Uuid, change: impl Fn(&mut ReplyTo)) {
        for m in self.chat.messages.get_mut(&room).into_iter().flatten() {
            if let Some(q) = m.reply_to.as_mut().filter(|q| q.id == quoted) {
                change(q);
            }
        }
    }

    /// Sent → delivered, never back down from read.
    fn message_delivered(&mut self, delivered: MessageDelivered) {
        if let Some(m) = self
            .chat
            .messages
            .get_mut(&delivered.room_id)
            .and_then(|l| l.iter_mut().find(|m| m.id == delivered.message_id))
            && m.status == MessageStatus::Sent
        {
            m.status = MessageStatus::Delivered;
        }
    }

    /// Someone read the room: everything not theirs in it is read.
    fn messages_read(&mut self, read: MessagesRead) {
        if let Some(list) = self.chat.messages.get_mut(&read.room_id) {
            for m in list.iter_mut().filter(|m| m.sender_id != read.user_id) {
                m.status = MessageStatus::Read;
            }
        }
    }

    fn user_typing(&mut self, typing: UserTyping) {
        let key = (typing.room_id, typing.user_id);
        if typing.is_typing {
            self.chat.typing.insert(key, Utc::now() + TYPING_SHOWN);
        } else {
            self.chat.typing.remove(&key);
        }
    }

    /// A new room is listed but not focused: it must not pull the user away mid-sentence.
    fn room_created(&mut self, room: Room) {
        if !self.chat.rooms.iter().any(|r| r.id == room.id) {
            self.chat.rooms.push(room);
            self.chat.sort_rooms();
        }
    }
}

/// The room list's preview of a message: its text, or the file's name for a bare file.
fn preview(message: &Message) -> String {
    if message.content.is_empty() {
        message.file_name.clone().unwrap_or_default()
    } else {
        message.content.clone()
    }
}
