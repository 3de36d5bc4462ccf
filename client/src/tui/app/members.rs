//! Who is in a room besides its two participants, as the chat screen shows and changes it:
//! `/members`, a guest's `/companion add|remove EMAIL`, an Admin's `/agent join|leave`, a
//! hotel owner's `/staff add|remove EMAIL`; and the `member_added` / `member_removed` events
//! that keep the room list's members current (a removed user loses the room at once).

use tigo_common::{MemberAdded, MemberRemoved, MemberRole, RoomMember};
use uuid::Uuid;

use super::{App, Cmd};

/// `add EMAIL` / `remove EMAIL` (the verbs as given): true for the first verb, and the email.
pub fn add_or_remove<'a>(rest: &'a str, verbs: [&str; 2]) -> Option<(bool, &'a str)> {
    let (verb, email) = rest.split_once(' ')?;
    let email = email.trim();
    if !email.contains('@') || email.contains(' ') {
        return None;
    }
    match verb {
        v if v == verbs[0] => Some((true, email)),
        v if v == verbs[1] => Some((false, email)),
        _ => None,
    }
}

/// One member as `/members` lists them: name and role.
pub fn describe(member: &RoomMember) -> String {
    format!(
        "{} {} ({})",
        member.first_name,
        member.last_name,
        member.role.as_str()
    )
}

impl App {
    /// `/members`: every member of the focused room, on the status line.
    pub(super) fn members_command(&mut self) -> Vec<Cmd> {
        let Some(room) = self.current_room() else {
            return self.said("no room: open one with /new EMAIL");
        };
        let names: Vec<String> = room.members.iter().map(describe).collect();
        let text = format!("members: {}", names.join(", "));
        self.said(&text)
    }

    /// `/companion add|remove EMAIL`: the guest brings a travel companion in, or out.
    pub(super) fn companion_command(&mut self, room: Option<Uuid>, rest: &str) -> Vec<Cmd> {
        match (room, add_or_remove(rest, ["add", "remove"])) {
            (Some(room), Some((add, email))) => vec![Cmd::Member {
                room,
                email: Some(email.to_string()),
                role: MemberRole::Companion,
                add,
            }],
            (None, _) => self.said("no room: open one with /new EMAIL"),
            _ => self.said("usage: /companion add EMAIL, /companion remove EMAIL"),
        }
    }

    /// `/agent join|leave`: an Admin steps into the focused room as support, or out.
    pub(super) fn agent_command(&mut self, room: Option<Uuid>, rest: &str) -> Vec<Cmd> {
        let add = match rest {
            "join" => true,
            "leave" => false,
            _ => return self.said("usage: /agent join, /agent leave"),
        };
        match room {
            Some(room) => vec![Cmd::Member {
                room,
                email: None,
                role: MemberRole::Agent,
                add,
            }],
            None => self.said("no room to join"),
        }
    }

    /// `/staff add|remove EMAIL`: the owner of the focused room's hotel changes its staff.
    pub(super) fn staff_command(&mut self, rest: &str) -> Vec<Cmd> {
        let Some((add, email)) = add_or_remove(rest, ["add", "remove"]) else {
            return self.said("usage: /staff add EMAIL, /staff remove EMAIL");
        };
        match self.current_room().and_then(|r| r.hotel_id) {
            Some(hotel) => vec![Cmd::Staff {
                hotel,
                email: email.to_string(),
                add,
            }],
            None => self.said("this room has no hotel: staff belong to a hotel's rooms"),
        }
    }

    /// `/stats`: how fast the focused room's hotel answers its guests.
    pub(super) fn stats_command(&mut self) -> Vec<Cmd> {
        match self.current_room().and_then(|r| r.hotel_id) {
            Some(hotel) => vec![Cmd::HotelStats(hotel)],
            None => self.said("this room has no hotel: /stats shows a hotel's response figures"),
        }
    }

    /// A member joined a room: listed with its members; a room we were just added to is
    /// fetched and listed.
    pub(super) fn member_added(&mut self, added: MemberAdded) -> Vec<Cmd> {
        let me = self.my_id();
        let Some(room) = self.chat.rooms.iter_mut().find(|r| r.id == added.room_id) else {
            return if added.member.user_id == me {
                vec![Cmd::OpenRoom(added.room_id)]
            } else {
                Vec::new()
            };
        };
        room.members.retain(|m| m.user_id != added.member.user_id);
        room.members.push(added.member);
        Vec::new()
    }

    /// A member left a room; when that is us, the room goes away at once.
    pub(super) fn member_removed(&mut self, removed: MemberRemoved) -> Vec<Cmd> {
        if removed.user_id == self.my_id() {
            let me = self.my_id();
            let name = self
                .chat
                .rooms
                .iter()
                .find(|r| r.id == removed.room_id)
                .map(|r| r.other(me).display_name());
            let Some(name) = name else {
                return Vec::new();
            };
            let cmds = self.chat.forget(removed.room_id);
            self.say(format!(
                "you are no longer a member of the room with {name}"
            ));
            return cmds;
        }
        if let Some(room) = self.chat.rooms.iter_mut().find(|r| r.id == removed.room_id) {
            room.members.retain(|m| m.user_id != removed.user_id);
        }
        Vec::new()
    }
}
