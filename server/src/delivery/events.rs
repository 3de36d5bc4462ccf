//! Room events: the one place that delivers each event to this instance's connections and
//! publishes it once on the bus for the others, and that turns what reached whom into
//! follow-up work: delivery receipts (sent down a channel the writer owns) and offline
//! notifications. Members coming and going are in `membership`.

mod membership;

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::value::RawValue;
use tigo_common::{
    Message, MessageDeleted, MessageDelivered, MessagesRead, ReactionUpdated, Room, UserPresence,
    UserTyping,
};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::bus::{Bus, Envelope, MessageIds, RoomEvent, encode};
use crate::db::{Receipt, RoomAccess};
use crate::delivery::hub::{Hub, Outgoing};
use crate::metrics::Metrics;

/// Receipts waiting for the writer before new ones are dropped (they are best effort).
pub const MAX_RECEIPTS: usize = 65_536;

/// The channel receipts take to the writer: the writer owns its receiving end.
pub fn receipts() -> (mpsc::Sender<Receipt>, mpsc::Receiver<Receipt>) {
    mpsc::channel(MAX_RECEIPTS)
}

/// Work that follows a delivery, done off the hot path by the follow-up task (`followups`).
#[derive(Debug)]
pub enum Followup {
    /// A new message: recipients with no live connection anywhere get a notification.
    Notify {
        message: Arc<Message>,
        recipients: Vec<Uuid>,
    },
    /// A user's connections here joined a room (presence keeps `room:{id}:users`).
    Joined { user: Uuid, room: Uuid },
}

#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    instance: Uuid,
    hub: Arc<Hub>,
    bus: Bus,
    followups: mpsc::Sender<Followup>,
    /// To the writer: messages that reached a recipient, committed with the next batch.
    receipts: mpsc::Sender<Receipt>,
    metrics: Arc<Metrics>,
    /// Each room's members other than its participants (`membership`).
    members: crate::cache::MemberCache,
}

impl Events {
    pub fn new(
        instance: Uuid,
        hub: Arc<Hub>,
        bus: Bus,
        followups: mpsc::Sender<Followup>,
        receipts: mpsc::Sender<Receipt>,
        metrics: Arc<Metrics>,
    ) -> Events {
        Events {
            inner: Arc::new(Inner {
                instance,
                hub,
                bus,
                followups,
                receipts,
                metrics,
                members: crate::cache::MemberCache::default(),
            }),
        }
    }

    /// Counts a stored message for `/metrics`.
    pub fn counted_message(&self) {
        self.inner
            .metrics
            .messages
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts a writer's successful commit for `/metrics`.
    pub fn committed(&self, elapsed: std::time::Duration) {
        let metrics = &self.inner.metrics;
        metrics
            .commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        metrics.commit_duration.observe(elapsed);
    }

    pub fn instance(&self) -> Uuid {
        self.inner.instance
    }

    pub fn hub(&self) -> &Arc<Hub> {
        &self.inner.hub
    }

    pub fn bus(&self) -> &Bus {
        &self.inner.bus
    }

    fn envelope(&self, event: RoomEvent, room_id: Option<Uuid>, data: Arc<RawValue>) -> Envelope {
        Envelope::new(event, room_id, data, self.inner.instance)
    }

    /// Delivers here, then publishes for the other instances.
    fn emit(&self, envelope: Envelope) {
        self.deliver(&envelope);
        self.inner.bus.publish(&envelope);
    }

    fn followup(&self, work: Followup) {
        if self.inner.followups.try_send(work).is_err() {
            tracing::warn!("follow-up queue full; a receipt or notification was skipped");
        }
    }

    /// A message was stored: `new_message` to everyone in its room; recipients with no live
    /// connection anywhere get a notification. Returns the message as encoded, once, for the
    /// room, the bus and the sender's answer.
    /// `seq`: the event's position in the room's log (connection state recovery).
    pub fn new_message(
        &self,
        message: &Message,
        access: RoomAccess,
        seq: Option<i64>,
    ) -> Arc<RawValue> {
        let encoded = encode(message);
        let mut envelope = self.envelope(
            RoomEvent::NewMessage,
            Some(message.chat_room_id),
            encoded.clone(),
        );
        envelope.seq = seq;
        envelope.message = Some(MessageIds {
            id: message.id,
            sender_id: message.sender_id,
        });
        let reached = self.deliver_message(&envelope, Some(access));
        self.inner.bus.publish(&envelope);
        // A recipient who got it on a connection here is online: only the others need the
        // presence lookup (a Redis round trip) that decides on a notification.
        let recipients: Vec<Uuid> = self
            .member_ids(&access)
            .into_iter()
            .filter(|p| *p != message.sender_id && !reached.contains(p))
            .collect();
        if !recipients.is_empty() {
            self.followup(Followup::Notify {
                message: Arc::new(message.clone()),
                recipients,
            });
        }
        encoded
    }

    pub fn message_edited(&self, message: &Message, seq: i64) {
        let mut envelope = self.envelope(
            RoomEvent::MessageEdited,
            Some(message.chat_room_id),
            encode(message),
        );
        envelope.seq = Some(seq);
        self.emit(envelope);
    }

    pub fn reaction_updated(&self, updated: &ReactionUpdated, seq: i64) {
        let mut envelope = self.envelope(
            RoomEvent::ReactionUpdated,
            Some(updated.room_id),
            encode(updated),
        );
        envelope.seq = Some(seq);
        self.emit(envelope);
    }

    pub fn message_deleted(&self, deleted: &MessageDeleted, seq: i64) {
        let mut envelope = self.envelope(
            RoomEvent::MessageDeleted,
            Some(deleted.room_id),
            encode(deleted),
        );
        envelope.seq = Some(seq);
        self.emit(envelope);
    }

    pub fn messages_read(&self, read: &MessagesRead, seq: Option<i64>) {
        let mut envelope = self.envelope(RoomEvent::MessagesRead, Some(read.room_id), encode(read));
        envelope.seq = seq;
        self.emit(envelope);
    }

    pub fn message_delivered(&self, delivered: &MessageDelivered) {
        let envelope = self.envelope(
            RoomEvent::MessageDelivered,
            Some(delivered.room_id),
            encode(delivered),
        );
        self.emit(envelope);
    }

    /// `user_typing` to the others in the room (not the typist's own connections).
    pub fn typing(&self, typing: &UserTyping) {
        let mut envelope =
            self.envelope(RoomEvent::UserTyping, Some(typing.room_id), encode(typing));
        envelope.except = Some(typing.user_id);
        self.emit(envelope);
    }

    /// `user_online` / `user_offline` to the others in the rooms the user is in.
    pub fn presence(&self, user: Uuid, online: bool, rooms: Vec<Uuid>) {
        let event = if online {
            RoomEvent::UserOnline
        } else {
            RoomEvent::UserOffline
        };
        let mut envelope = self.envelope(event, None, encode(&UserPresence { user_id: user }));
        envelope.rooms = rooms;
        envelope.except = Some(user);
        self.emit(envelope);
    }

    /// A room was created: its members' live connections join it and hear of it.
    pub fn room_created(&self, room: &Room) {
        let mut envelope = self.envelope(RoomEvent::RoomCreated, Some(room.id), encode(room));
        let participants = [room.participant1_id, room.participant2_id];
        // Staff of the room's hotel are members from the start.
        let others = room.members.iter().map(|m| m.user_id);
        envelope.users = participants
            .into_iter()
            .chain(others.filter(|u| !participants.contains(u)))
            .collect();
        self.emit(envelope);
    }

    /// A room was assigned or unassigned: every Admin connection, on every instance, hears it.
    pub fn room_assigned(&self, assigned: &tigo_common::RoomAssigned) {
        let envelope = self.envelope(
            RoomEvent::RoomAssigned,
            Some(assigned.room_id),
            encode(assigned),
        );
        self.emit(envelope);
    }

    /// A recipient's connection got a message: the writer's next commit moves the recipient's
    /// delivered position in the message's room to it.
    pub fn delivered(&self, message_id: Uuid, recipient: Uuid) {
        let receipt = Receipt {
            message_id,
            recipient,
        };
        if self.inner.receipts.try_send(receipt).is_err() {
            tracing::debug!("receipt queue full; a delivery receipt was skipped");
        }
    }

    /// An event heard on the bus.
    pub fn remote(&self, envelope: Envelope) {
        if envelope.origin != self.inner.instance {
            self.deliver(&envelope);
        }
    }

    fn deliver(&self, envelope: &Envelope) {
        let event = envelope.event;
        let hub = &self.inner.hub;
        match event {
            RoomEvent::UserOnline | RoomEvent::UserOffline => {
                hub.to_rooms(&envelope.rooms, event, &envelope.data, envelope.except)
            }
            RoomEvent::RoomCreated => {
                if let Some(access) = room_access(&envelope.data) {
                    for user in hub.room_created(access, &envelope.users, &envelope.data) {
                        self.followup(Followup::Joined {
                            user,
                            room: access.id,
                        });
                    }
                }
            }
            RoomEvent::RoomAssigned => hub.to_admins(event, &envelope.data),
            RoomEvent::MemberAdded | RoomEvent::MemberRemoved => self.deliver_membership(envelope),
            RoomEvent::NewMessage => {
                self.deliver_message(envelope, None);
            }
            _ => {
                if let Some(room) = envelope.room_id {
                    let out = Outgoing {
                        event,
                        data: envelope.data.clone(),
                        message_id: None,
                        seq: envelope.seq,
                    };
                    hub.to_room(room, &out, envelope.except);
                }
            }
        }
    }

    /// `new_message` to this instance's connections in the room; a recipient's connection
    /// receiving it makes the message `delivered`. Returns the users whose connections got it.
    fn deliver_message(&self, envelope: &Envelope, access: Option<RoomAccess>) -> HashSet<Uuid> {
        let Some(room) = envelope.room_id else {
            return HashSet::new();
        };
        let out = Outgoing {
            event: RoomEvent::NewMessage,
            data: envelope.data.clone(),
            message_id: envelope.message.map(|m| m.id),
            seq: envelope.seq,
        };
        let reach = self.inner.hub.to_room(room, &out, None);
        let (
            Some(MessageIds {
                id: message_id,
                sender_id: sender,
            }),
            Some(access),
        ) = (envelope.message, access.or(reach.access))
        else {
            return reach.users;
        };
        // Each member whose connection got it moves their delivered position; an Admin reading
        // along is no member and has none.
        for recipient in self.member_ids(&access) {
            if recipient != sender && reach.users.contains(&recipient) {
                self.delivered(message_id, recipient);
            }
        }
        reach.users
    }
}

fn room_access(room: &RawValue) -> Option<RoomAccess> {
    let room: Room = serde_json::from_str(room.get()).ok()?;
    Some(RoomAccess {
        id: room.id,
        room_type: room.room_type,
        participant1_id: room.participant1_id,
        participant2_id: room.participant2_id,
    })
}
