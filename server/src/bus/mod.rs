//! The event bus between instances. In-process: nothing crosses (there is one instance).
//! Redis: every room event is published once on `chat:events` as `{event, roomId, data}`,
//! and every instance delivers what it hears there to its own connections: `data` goes out
//! as received; what routing needs travels beside it in the envelope.

pub mod redis;

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use serde_json::value::RawValue;
use uuid::Uuid;

pub use self::redis::RedisBus;

/// Redis channel of room events.
pub const EVENTS_CHANNEL: &str = "chat:events";
/// Redis channel of notifications for recipients with no live connection.
pub const NOTIFICATIONS_CHANNEL: &str = "notification:events";

/// The room events: what travels between instances and out to connections, named as on the
/// wire (`new_message`, …). The one place an event's name is text; everything else matches
/// this enum. A name this build does not know fails to decode, and the envelope is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomEvent {
    NewMessage,
    MessageEdited,
    MessageDeleted,
    MessagesRead,
    MessageDelivered,
    UserTyping,
    UserOnline,
    UserOffline,
    RoomCreated,
    ReactionUpdated,
    RoomAssigned,
    MemberAdded,
    MemberRemoved,
}

impl RoomEvent {
    pub const ALL: [RoomEvent; 13] = [
        RoomEvent::NewMessage,
        RoomEvent::MessageEdited,
        RoomEvent::MessageDeleted,
        RoomEvent::MessagesRead,
        RoomEvent::MessageDelivered,
        RoomEvent::UserTyping,
        RoomEvent::UserOnline,
        RoomEvent::UserOffline,
        RoomEvent::RoomCreated,
        RoomEvent::ReactionUpdated,
        RoomEvent::RoomAssigned,
        RoomEvent::MemberAdded,
        RoomEvent::MemberRemoved,
    ];

    /// The Socket.IO event name clients listen for.
    pub fn as_str(self) -> &'static str {
        use tigo_common::server_events as ev;
        match self {
            RoomEvent::NewMessage => ev::NEW_MESSAGE,
            RoomEvent::MessageEdited => ev::MESSAGE_EDITED,
            RoomEvent::MessageDeleted => ev::MESSAGE_DELETED,
            RoomEvent::MessagesRead => ev::MESSAGES_READ,
            RoomEvent::MessageDelivered => ev::MESSAGE_DELIVERED,
            RoomEvent::UserTyping => ev::USER_TYPING,
            RoomEvent::UserOnline => ev::USER_ONLINE,
            RoomEvent::UserOffline => ev::USER_OFFLINE,
            RoomEvent::RoomCreated => ev::ROOM_CREATED,
            RoomEvent::ReactionUpdated => ev::REACTION_UPDATED,
            RoomEvent::RoomAssigned => ev::ROOM_ASSIGNED,
            RoomEvent::MemberAdded => ev::MEMBER_ADDED,
            RoomEvent::MemberRemoved => ev::MEMBER_REMOVED,
        }
    }
}

/// A room event as it travels on `chat:events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub event: RoomEvent,
    #[serde(rename = "roomId")]
    pub room_id: Option<Uuid>,
    /// The event's payload as JSON text: encoded once, shared with every connection here and
    /// copied as is to the bus.
    pub data: Arc<RawValue>,
    /// The instance that produced it; it ignores its own copies.
    pub origin: Uuid,
    /// Its position in its room's event log (connection state recovery), for logged events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// A user whose connections must not get it (the typist, for `user_typing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<Uuid>,
    /// Several rooms at once (presence changes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<Uuid>,
    /// The room's facts, for an instance that may have no connection in it yet
    /// (`member_added`: the added user's connections join it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<crate::db::RoomAccess>,
    /// Users addressed directly (`room_created`, `member_added`, `member_removed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<Uuid>,
    /// `new_message`: what delivery receipts need of it, so an instance hearing it hands
    /// `data` to its connections as received, without reading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageIds>,
}

/// Encodes an event's payload once; what the bus and every connection get is this text.
pub fn encode<T: Serialize>(data: &T) -> Arc<RawValue> {
    serde_json::value::to_raw_value(data)
        .unwrap_or_else(|_| RawValue::NULL.to_owned())
        .into()
}

impl Envelope {
    /// `member_added`: with the room's facts (the added user's connections join it wherever
    /// they are) and the user addressed.
    pub fn member_added(
        access: crate::db::RoomAccess,
        added: &tigo_common::MemberAdded,
        origin: Uuid,
    ) -> Envelope {
        let mut envelope = Envelope::new(
            RoomEvent::MemberAdded,
            Some(access.id),
            encode(added),
            origin,
        );
        envelope.access = Some(access);
        envelope.users = vec![added.member.user_id];
        envelope
    }

    /// `member_removed`: the removed user addressed (their connections leave the room).
    pub fn member_removed(removed: &tigo_common::MemberRemoved, origin: Uuid) -> Envelope {
        let mut envelope = Envelope::new(
            RoomEvent::MemberRemoved,
            Some(removed.room_id),
            encode(removed),
            origin,
        );
        envelope.users = vec![removed.user_id];
        envelope
    }

    /// An event with nothing beside its payload but its room and where it comes from.
    pub fn new(event: RoomEvent, room_id: Option<Uuid>, data: Arc<RawValue>, origin: Uuid) -> Self {
        Envelope {
            event,
            room_id,
            data,
            origin,
            seq: None,
            except: None,
            rooms: Vec::new(),
            access: None,
            users: Vec::new(),
            message: None,
        }
    }
}

/// The two fields of a `new_message` that delivery receipts need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageIds {
    pub id: Uuid,
    #[serde(rename = "senderId")]
    pub sender_id: Uuid,
}

#[derive(Clone)]
pub enum Bus {
    InProcess,
    Redis(RedisBus),
}

/// What `/chat/health` says of the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusStatus {
    InProcess,
    Up,
    Down,
}

impl BusStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BusStatus::InProcess => "in-process",
            BusStatus::Up => "up",
            BusStatus::Down => "down",
        }
    }
}

impl Bus {
    pub fn publish(&self, envelope: &Envelope) {
        if let Bus::Redis(redis) = self {
            redis.publish(EVENTS_CHANNEL, envelope);
        }
    }

    pub fn status(&self) -> BusStatus {
        match self {
            Bus::InProcess => BusStatus::InProcess,
            Bus::Redis(redis) if redis.is_up() => BusStatus::Up,
            Bus::Redis(_) => BusStatus::Down,
        }
    }

    pub fn redis(&self) -> Option<&RedisBus> {
        match self {
            Bus::Redis(redis) => Some(redis),
            Bus::InProcess => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_events_travel_under_their_wire_names() {
        for event in RoomEvent::ALL {
            let text = serde_json::to_string(&event).expect("encode");
            assert_eq!(text, format!("\"{}\"", event.as_str()));
            assert_eq!(serde_json::from_str::<RoomEvent>(&text).ok(), Some(event));
        }
        assert!(serde_json::from_str::<RoomEvent>("\"user_updated\"").is_err());
    }
}
