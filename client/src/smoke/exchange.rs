//! The Socket.IO half of the smoke check: both users connect, then each step acts on one
//! socket and waits for what the other one must see.

use std::time::Duration;

use serde::Deserialize;
use tigo_common::client_events::{ADD_REACTION, MARK_MESSAGES_READ, SEND_MESSAGE};
use tigo_common::client_events::{TYPING_START, TYPING_STOP};
use tigo_common::server_events::{CONNECTED, MESSAGE_DELETED, MESSAGE_DELIVERED, MESSAGE_EDITED};
use tigo_common::server_events::{MESSAGES_READ, NEW_MESSAGE, REACTION_UPDATED, USER_TYPING};
use tigo_common::{LoginResponse, Message, MessageDeleted, MessageDelivered, MessageStatus};
use tigo_common::{
    MessagesRead, ReactionChange, ReactionUpdated, RoomRef, SendMessage, UserTyping,
};
use uuid::Uuid;

use super::{Run, expect, ok_ack};
use crate::api::Api;
use crate::sio::{Events, Socket, SocketOptions};

/// One connected user.
struct Side<'a> {
    login: &'a LoginResponse,
    api: &'a Api,
    socket: Socket,
    events: Events,
}

/// What the steps share: the room, the marker in every text, and the messages to delete.
struct Exchange<'a, 's> {
    t: Duration,
    room: Uuid,
    marker: Uuid,
    a: Side<'a>,
    b: Side<'a>,
    sent: &'s mut Vec<(Api, Uuid)>,
}

/// Connects both users and runs the steps in order; a step that yields the id a later one
/// needs ends the exchange when it fails.
#[allow(clippy::too_many_arguments)]
pub(super) async fn exchange(
    run: &mut Run<'_>,
    url: &str,
    t: Duration,
    a: &LoginResponse,
    b: &LoginResponse,
    a_api: &Api,
    b_api: &Api,
    room: Uuid,
    sent: &mut Vec<(Api, Uuid)>,
) {
    let Some(a) = run
        .step("connect A over Socket.IO", connect(url, t, a, a_api))
        .await
    else {
        return;
    };
    let Some(b) = run
        .step("connect B over Socket.IO", connect(url, t, b, b_api))
        .await
    else {
        return;
    };
    let marker = Uuid::new_v4();
    let mut x = Exchange {
        t,
        room,
        marker,
        a,
        b,
        sent,
    };
    let Some(from_a) = run.step("A sends, B receives", x.a_sends()).await else {
        return;
    };
    run.step("delivery receipt reaches A", x.delivery_receipt(from_a))
        .await;
    let Some(from_b) = run.step("B sends, A receives", x.b_sends()).await else {
        return;
    };
    run.step("read receipt: B reads, A is told", x.read_receipt(from_a))
        .await;
    run.step("typing shows and clears", x.typing()).await;
    run.step("A edits, B sees the edit", x.edit(from_a)).await;
    run.step("B reacts to A's message, A is told", x.react(from_a))
        .await;
    run.step(
        "A replies to B's message, B sees the quote",
        x.reply(from_b),
    )
    .await;
    run.step("both delete, both see it", x.delete_all(from_a, from_b))
        .await;
    x.a.socket.close();
    x.b.socket.close();
}

/// Connects `login`'s user and waits for the server's `connected`.
async fn connect<'a>(
    url: &str,
    t: Duration,
    login: &'a LoginResponse,
    api: &'a Api,
) -> Result<Side<'a>, String> {
    let options = SocketOptions::with_token(&login.access_token);
    let (socket, mut events) = Socket::connect(url, options)
        .await
        .map_err(|e| e.to_string())?;
    events
        .wait_for(CONNECTED, t)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Side {
        login,
        api,
        socket,
        events,
    })
}

/// Sends `body` from `from`; once acknowledged it is recorded in `sent` for the cleanup.
/// Returns the new message's id.
async fn send(
    from: &Side<'_>,
    sent: &mut Vec<(Api, Uuid)>,
    t: Duration,
    body: &SendMessage,
) -> Result<Uuid, String> {
    let ack = from
        .socket
        .request(SEND_MESSAGE, body, t)
        .await
        .map_err(|e| e.to_string())
        .and_then(ok_ack)?;
    let id = ack
        .data
        .get("messageId")
        .and_then(|id| Uuid::deserialize(id).ok())
        .ok_or_else(|| format!("the ack has no message id: {:?}", ack.data))?;
    sent.push((from.api.clone(), id));
    Ok(id)
}

impl Exchange<'_, '_> {
    /// The body of a plain message from `who` (`A` or `B`).
    fn message(&self, who: &str) -> SendMessage {
        let marker = self.marker;
        let tag = who.to_lowercase();
        SendMessage {
            chat_room_id: self.room,
            content: format!("smoke test {marker} ({who})"),
            client_msg_id: Some(format!("smoke-{marker}-{tag}")),
            ..SendMessage::default()
        }
    }

    async fn a_sends(&mut self) -> Result<Uuid, String> {
        let id = send(&self.a, self.sent, self.t, &self.message("A")).await?;
        expect(&mut self.b.events, NEW_MESSAGE, self.t, |m: &Message| {
            m.id == id
        })
        .await?;
        Ok(id)
    }

    async fn b_sends(&mut self) -> Result<Uuid, String> {
        let id = send(&self.b, self.sent, self.t, &self.message("B")).await?;
        expect(&mut self.a.events, NEW_MESSAGE, self.t, |m: &Message| {
            m.id == id
        })
        .await?;
        Ok(id)
    }

    async fn delivery_receipt(&mut self, from_a: Uuid) -> Result<(), String> {
        expect(
            &mut self.a.events,
            MESSAGE_DELIVERED,
            self.t,
            |d: &MessageDelivered| d.message_id == from_a,
        )
        .await
        .map(|_| ())
    }

    /// B marks the room read; A hears of it and sees its message as read.
    async fn read_receipt(&mut self, from_a: Uuid) -> Result<(), String> {
        let (t, room) = (self.t, self.room);
        self.b
            .socket
            .request(MARK_MESSAGES_READ, &RoomRef { room_id: room }, t)
            .await
            .map_err(|e| e.to_string())
            .and_then(ok_ack)?;
        let b_id = self.b.login.user.id;
        expect(&mut self.a.events, MESSAGES_READ, t, |r: &MessagesRead| {
            r.user_id == b_id
        })
        .await?;
        let page = self
            .a
            .api
            .messages(room, "limit=100")
            .await
            .map_err(|e| e.to_string())?;
        let status = page
            .messages
            .iter()
            .find(|m| m.id == from_a)
            .map(|m| m.status);
        match status {
            Some(MessageStatus::Read) => Ok(()),
            other => Err(format!(
                "A's message status is {:?}, not read",
                other.map(MessageStatus::as_str)
            )),
        }
    }

    async fn typing(&mut self) -> Result<(), String> {
        let (t, room) = (self.t, self.room);
        let a_id = self.a.login.user.id;
        for (event, typing) in [(TYPING_START, true), (TYPING_STOP, false)] {
            self.a
                .socket
                .emit(event, &RoomRef { room_id: room })
                .map_err(|e| e.to_string())?;
            expect(&mut self.b.events, USER_TYPING, t, |e: &UserTyping| {
                e.user_id == a_id && e.is_typing == typing
            })
            .await?;
        }
        Ok(())
    }

    async fn edit(&mut self, from_a: Uuid) -> Result<(), String> {
        let marker = self.marker;
        let edited = self
            .a
            .api
            .edit(from_a, &format!("smoke test {marker} (A, edited)"))
            .await
            .map_err(|e| e.to_string())?;
        if !edited.is_edited {
            return Err("is_edited is false".into());
        }
        expect(&mut self.b.events, MESSAGE_EDITED, self.t, |m: &Message| {
            m.id == from_a && m.is_edited
        })
        .await
        .map(|_| ())
    }

    async fn react(&mut self, from_a: Uuid) -> Result<(), String> {
        self.b
            .socket
            .request(
                ADD_REACTION,
                &ReactionChange {
                    message_id: from_a,
                    emoji: "👍".into(),
                },
                self.t,
            )
            .await
            .map_err(|e| e.to_string())
            .and_then(ok_ack)?;
        let b_id = self.b.login.user.id;
        expect(
            &mut self.a.events,
            REACTION_UPDATED,
            self.t,
            |r: &ReactionUpdated| {
                r.message_id == from_a
                    && r.reactions.first().is_some_and(|first| {
                        first.emoji == "👍" && first.user_ids.first() == Some(&b_id)
                    })
            },
        )
        .await
        .map(|_| ())
    }

    async fn reply(&mut self, from_b: Uuid) -> Result<(), String> {
        let marker = self.marker;
        let body = SendMessage {
            chat_room_id: self.room,
            content: format!("smoke test {marker} (A, reply)"),
            client_msg_id: Some(format!("smoke-{marker}-reply")),
            reply_to_id: Some(from_b),
            ..SendMessage::default()
        };
        let id = send(&self.a, self.sent, self.t, &body).await?;
        expect(&mut self.b.events, NEW_MESSAGE, self.t, |m: &Message| {
            m.id == id
                && m.reply_to
                    .as_ref()
                    .is_some_and(|quote| quote.id == from_b && !quote.deleted)
        })
        .await
        .map(|_| ())
    }

    /// Deletes every message sent so far; both sides see A's and B's first messages go.
    async fn delete_all(&mut self, from_a: Uuid, from_b: Uuid) -> Result<(), String> {
        for (api, id) in self.sent.iter() {
            api.delete(*id).await.map_err(|e| e.to_string())?;
        }
        for id in [from_a, from_b] {
            for events in [&mut self.a.events, &mut self.b.events] {
                expect(events, MESSAGE_DELETED, self.t, |d: &MessageDeleted| {
                    d.message_id == id
                })
                .await?;
            }
        }
        self.sent.clear();
        Ok(())
    }
}
