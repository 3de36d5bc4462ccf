//! The Socket.IO half of the smoke check: both users connect, then each step acts on one
//! socket and waits for what the other one must see.

use std::time::Duration;

use serde_json::{Value, json};
use tigo_common::LoginResponse;
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
    run.step("delivery receipt reaches A", x.delivery_receipt(&from_a))
        .await;
    let Some(from_b) = run.step("B sends, A receives", x.b_sends()).await else {
        return;
    };
    run.step("read receipt: B reads, A is told", x.read_receipt(&from_a))
        .await;
    run.step("typing shows and clears", x.typing()).await;
    run.step("A edits, B sees the edit", x.edit(&from_a)).await;
    run.step("B reacts to A's message, A is told", x.react(&from_a))
        .await;
    run.step(
        "A replies to B's message, B sees the quote",
        x.reply(&from_b),
    )
    .await;
    run.step("both delete, both see it", x.delete_all(&from_a, &from_b))
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
        .wait_for("connected", t)
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
    body: &Value,
) -> Result<Value, String> {
    let ack = from
        .socket
        .emit_ack("send_message", body, t)
        .await
        .map_err(|e| e.to_string())
        .and_then(ok_ack)?;
    let id = ack["messageId"].clone();
    if let Ok(uuid) = serde_json::from_value::<Uuid>(id.clone()) {
        sent.push((from.api.clone(), uuid));
    }
    Ok(id)
}

impl Exchange<'_, '_> {
    /// The body of a plain message from `who` (`A` or `B`).
    fn message(&self, who: &str) -> Value {
        let marker = self.marker;
        let tag = who.to_lowercase();
        json!({"chat_room_id": self.room, "content": format!("smoke test {marker} ({who})"), "client_msg_id": format!("smoke-{marker}-{tag}")})
    }

    async fn a_sends(&mut self) -> Result<Value, String> {
        let id = send(&self.a, self.sent, self.t, &self.message("A")).await?;
        expect(&mut self.b.events, "new_message", self.t, |m| m["id"] == id).await?;
        Ok(id)
    }

    async fn b_sends(&mut self) -> Result<Value, String> {
        let id = send(&self.b, self.sent, self.t, &self.message("B")).await?;
        expect(&mut self.a.events, "new_message", self.t, |m| m["id"] == id).await?;
        Ok(id)
    }

    async fn delivery_receipt(&mut self, from_a: &Value) -> Result<(), String> {
        expect(&mut self.a.events, "message_delivered", self.t, |d| {
            d["messageId"] == *from_a
        })
        .await
        .map(|_| ())
    }

    /// B marks the room read; A hears of it and sees its message as read.
    async fn read_receipt(&mut self, from_a: &Value) -> Result<(), String> {
        let (t, room) = (self.t, self.room);
        self.b
            .socket
            .emit_ack("mark_messages_read", &json!({"roomId": room}), t)
            .await
            .map_err(|e| e.to_string())
            .and_then(ok_ack)?;
        let b_id = json!(self.b.login.user.id);
        expect(&mut self.a.events, "messages_read", t, |r| {
            r["userId"] == b_id
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
            .find(|m| json!(m.id) == *from_a)
            .map(|m| m.status.as_str());
        match status {
            Some("read") => Ok(()),
            other => Err(format!("A's message status is {other:?}, not read")),
        }
    }

    async fn typing(&mut self) -> Result<(), String> {
        let (t, room) = (self.t, self.room);
        let a_id = json!(self.a.login.user.id);
        for (event, typing) in [("typing_start", true), ("typing_stop", false)] {
            self.a
                .socket
                .emit(event, &json!({"roomId": room}))
                .map_err(|e| e.to_string())?;
            expect(&mut self.b.events, "user_typing", t, |e| {
                e["userId"] == a_id && e["isTyping"] == typing
            })
            .await?;
        }
        Ok(())
    }

    async fn edit(&mut self, from_a: &Value) -> Result<(), String> {
        let id: Uuid = serde_json::from_value(from_a.clone()).map_err(|e| e.to_string())?;
        let marker = self.marker;
        let edited = self
            .a
            .api
            .edit(id, &format!("smoke test {marker} (A, edited)"))
            .await
            .map_err(|e| e.to_string())?;
        if !edited.is_edited {
            return Err("is_edited is false".into());
        }
        expect(&mut self.b.events, "message_edited", self.t, |m| {
            m["id"] == *from_a && m["is_edited"] == true
        })
        .await
        .map(|_| ())
    }

    async fn react(&mut self, from_a: &Value) -> Result<(), String> {
        self.b
            .socket
            .emit_ack(
                "add_reaction",
                &json!({"messageId": from_a, "emoji": "👍"}),
                self.t,
            )
            .await
            .map_err(|e| e.to_string())
            .and_then(ok_ack)?;
        let b_id = json!(self.b.login.user.id);
        expect(&mut self.a.events, "reaction_updated", self.t, |r| {
            r["messageId"] == *from_a
                && r["reactions"][0]["emoji"] == "👍"
                && r["reactions"][0]["user_ids"][0] == b_id
        })
        .await
        .map(|_| ())
    }

    async fn reply(&mut self, from_b: &Value) -> Result<(), String> {
        let marker = self.marker;
        let body = json!({"chat_room_id": self.room, "content": format!("smoke test {marker} (A, reply)"),
                          "client_msg_id": format!("smoke-{marker}-reply"), "reply_to_id": from_b});
        let id = send(&self.a, self.sent, self.t, &body).await?;
        expect(&mut self.b.events, "new_message", self.t, |m| {
            m["id"] == id && m["reply_to"]["id"] == *from_b && m["reply_to"]["deleted"] == false
        })
        .await
        .map(|_| ())
    }

    /// Deletes every message sent so far; both sides see A's and B's first messages go.
    async fn delete_all(&mut self, from_a: &Value, from_b: &Value) -> Result<(), String> {
        for (api, id) in self.sent.iter() {
            api.delete(*id).await.map_err(|e| e.to_string())?;
        }
        for id in [from_a, from_b] {
            for events in [&mut self.a.events, &mut self.b.events] {
                expect(events, "message_deleted", self.t, |d| d["messageId"] == *id).await?;
            }
        }
        self.sent.clear();
        Ok(())
    }
}
