//! The server's Socket.IO events as the terminal client sees them: decoded once, from the
//! event's name and JSON, into [`ServerEvent`] with `tigo_common`'s payload types, so the
//! state's update logic matches on types rather than on strings and `serde_json::Value`.

use serde::de::DeserializeOwned;
use serde_json::Value;
use tigo_common::server_events as names;
use tigo_common::{
    EventError, MemberAdded, MemberRemoved, Message, MessageDeleted, MessageDelivered, MessageSent,
    MessagesRead, ReactionUpdated, Room, UserPresence, UserTyping,
};

/// A server event the client acts on, or why it does not.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    NewMessage(Message),
    /// The acknowledgement-like echo of our own message.
    MessageSent(MessageSent),
    MessageEdited(Message),
    MessageDeleted(MessageDeleted),
    MessageDelivered(MessageDelivered),
    MessagesRead(MessagesRead),
    ReactionUpdated(ReactionUpdated),
    UserTyping(UserTyping),
    UserOnline(UserPresence),
    UserOffline(UserPresence),
    RoomCreated(Room),
    RoomAssigned(tigo_common::RoomAssigned),
    MemberAdded(MemberAdded),
    MemberRemoved(MemberRemoved),
    Error(EventError),
    /// A name this client has no use for (`connected`, `joined_room`, ...): ignored.
    Unknown {
        name: String,
    },
    /// A known name whose payload did not decode: ignored like before, but kept apart from
    /// [`ServerEvent::Unknown`] so the network side can log it.
    Malformed {
        name: String,
        error: String,
    },
}

impl ServerEvent {
    /// Decodes one event. Never fails: what cannot be used becomes `Unknown` or `Malformed`.
    pub fn decode(name: &str, data: Value) -> ServerEvent {
        match name {
            names::NEW_MESSAGE => payload(name, data, ServerEvent::NewMessage),
            names::MESSAGE_SENT => payload(name, data, ServerEvent::MessageSent),
            names::MESSAGE_EDITED => payload(name, data, ServerEvent::MessageEdited),
            names::MESSAGE_DELETED => payload(name, data, ServerEvent::MessageDeleted),
            names::MESSAGE_DELIVERED => payload(name, data, ServerEvent::MessageDelivered),
            names::MESSAGES_READ => payload(name, data, ServerEvent::MessagesRead),
            names::REACTION_UPDATED => payload(name, data, ServerEvent::ReactionUpdated),
            names::USER_TYPING => payload(name, data, ServerEvent::UserTyping),
            names::USER_ONLINE => payload(name, data, ServerEvent::UserOnline),
            names::USER_OFFLINE => payload(name, data, ServerEvent::UserOffline),
            names::ROOM_CREATED => payload(name, data, ServerEvent::RoomCreated),
            names::ROOM_ASSIGNED => payload(name, data, ServerEvent::RoomAssigned),
            names::MEMBER_ADDED => payload(name, data, ServerEvent::MemberAdded),
            names::MEMBER_REMOVED => payload(name, data, ServerEvent::MemberRemoved),
            names::ERROR => payload(name, data, ServerEvent::Error),
            _ => ServerEvent::Unknown { name: name.into() },
        }
    }
}

fn payload<T: DeserializeOwned>(
    name: &str,
    data: Value,
    wrap: impl FnOnce(T) -> ServerEvent,
) -> ServerEvent {
    match serde_json::from_value(data) {
        Ok(value) => wrap(value),
        Err(e) => ServerEvent::Malformed {
            name: name.into(),
            error: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn payloads_decode_into_their_common_types() {
        let (user, room, message) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(
            ServerEvent::decode(
                "user_typing",
                json!({"userId": user, "roomId": room, "isTyping": true})
            ),
            ServerEvent::UserTyping(UserTyping {
                user_id: user,
                room_id: room,
                is_typing: true
            })
        );
        assert_eq!(
            ServerEvent::decode(
                "message_deleted",
                json!({"messageId": message, "roomId": room, "deletedBy": user})
            ),
            ServerEvent::MessageDeleted(MessageDeleted {
                message_id: message,
                room_id: room,
                deleted_by: user
            })
        );
        assert_eq!(
            ServerEvent::decode("user_offline", json!({"userId": user})),
            ServerEvent::UserOffline(UserPresence { user_id: user })
        );
        // Extra fields (an error's retryAfter) are no reason to drop the event.
        assert_eq!(
            ServerEvent::decode(
                "error",
                json!({"statusCode": 429, "message": "slow down", "retryAfter": 3})
            ),
            ServerEvent::Error(EventError {
                message: "slow down".into(),
                status_code: 429
            })
        );
    }

    #[test]
    fn unknown_names_and_bad_payloads_are_told_apart() {
        assert_eq!(
            ServerEvent::decode("joined_room", json!({})),
            ServerEvent::Unknown {
                name: "joined_room".into()
            }
        );
        assert!(matches!(
            ServerEvent::decode("user_typing", json!({"userId": "not a uuid"})),
            ServerEvent::Malformed { name, .. } if name == "user_typing"
        ));
        assert!(matches!(
            ServerEvent::decode("new_message", Value::Null),
            ServerEvent::Malformed { .. }
        ));
    }
}
