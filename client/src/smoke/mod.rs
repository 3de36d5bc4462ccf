//! `tigo-chat smoke`: a scripted end-to-end check of a deployment. Two users log in, open (or
//! reuse) their room, connect over Socket.IO, exchange a message each way, and check delivery,
//! the read receipt, typing, a reaction, a reply, edit and delete, then send an image and
//! download it back. Every step is timed; the messages it sends are deleted again whatever
//! happens.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use tigo_common::{CreateRoom, LoginResponse, RoomType};
use uuid::Uuid;

use crate::api::Api;

mod attachment;
use crate::sio::{Events, Socket, SocketOptions};

pub struct SmokeConfig {
    pub url: String,
    pub user_a: (String, String),
    pub user_b: (String, String),
    pub step_timeout: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: String,
    pub ok: bool,
    pub millis: f64,
    pub detail: String,
}

struct Run<'a> {
    steps: Vec<Step>,
    report: &'a mut dyn FnMut(&Step),
}

impl Run<'_> {
    /// Runs one step; its error text becomes the step's detail.
    async fn step<T>(
        &mut self,
        name: &str,
        work: impl std::future::Future<Output = Result<T, String>>,
    ) -> Option<T> {
        let started = Instant::now();
        let result = work.await;
        let step = Step {
            name: name.to_string(),
            ok: result.is_ok(),
            millis: started.elapsed().as_secs_f64() * 1000.0,
            detail: result.as_ref().err().cloned().unwrap_or_default(),
        };
        (self.report)(&step);
        self.steps.push(step);
        result.ok()
    }
}

/// Waits for `event` whose payload satisfies `matches`.
async fn expect(
    events: &mut Events,
    event: &str,
    timeout: Duration,
    matches: impl Fn(&Value) -> bool,
) -> Result<Value, String> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let data = events
            .wait_for(event, left)
            .await
            .map_err(|e| format!("no {event}: {e}"))?;
        if matches(&data) {
            return Ok(data);
        }
    }
}

fn ok_ack(ack: Value) -> Result<Value, String> {
    if ack["ok"] == true {
        Ok(ack)
    } else {
        Err(format!("refused: {}", ack["error"]))
    }
}

/// Runs the check; `report` sees each step as it finishes. True when every step passed.
pub async fn run(config: &SmokeConfig, report: &mut dyn FnMut(&Step)) -> Vec<Step> {
    let mut run = Run {
        steps: Vec::new(),
        report,
    };
    let t = config.step_timeout;
    let api = match Api::new(&config.url) {
        Ok(api) => api,
        Err(e) => {
            run.step::<()>("client", async { Err(e.to_string()) }).await;
            return run.steps;
        }
    };
    let login = |who: &(String, String)| {
        let api = api.clone();
        let (email, password) = who.clone();
        async move {
            api.login(&email, &password)
                .await
                .map_err(|e| e.to_string())
        }
    };
    let Some(a) = run.step("log in user A", login(&config.user_a)).await else {
        return run.steps;
    };
    let Some(b) = run.step("log in user B", login(&config.user_b)).await else {
        return run.steps;
    };
    let a_api = api.with_token(&a.access_token);
    let b_api = api.with_token(&b.access_token);
    let Some(room) = run
        .step("create or reuse their room", async {
            let room_type = RoomType::infer(&a.user.roles, &b.user.roles)
                .ok_or("these users' roles fit no room type")?;
            a_api
                .create_room(&CreateRoom {
                    room_type,
                    participant1_id: a.user.id,
                    participant2_id: b.user.id,
                    hotel_id: None,
                })
                .await
                .map_err(|e| e.to_string())
        })
        .await
    else {
        return run.steps;
    };
    let mut sent: Vec<(Api, Uuid)> = Vec::new();
    exchange(
        &mut run,
        &config.url,
        t,
        &a,
        &b,
        &a_api,
        &b_api,
        room.id,
        &mut sent,
    )
    .await;
    attachment::step(&mut run, t, &a_api, &b_api, room.id, &mut sent).await;
    // Leave nothing behind, even after a failure.
    let leftovers: Vec<(Api, Uuid)> = sent;
    if !leftovers.is_empty() {
        run.step("clean up leftover test messages", async {
            for (api, id) in &leftovers {
                match api.delete(*id).await {
                    Ok(()) | Err(crate::api::ApiError::Status { status: 404, .. }) => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(())
        })
        .await;
    }
    run.steps
}

#[allow(clippy::too_many_arguments)]
async fn exchange(
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
    let connect = |token: String| async move {
        let (socket, mut events) = Socket::connect(url, SocketOptions::with_token(&token))
            .await
            .map_err(|e| e.to_string())?;
        events
            .wait_for("connected", t)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((socket, events))
    };
    let Some((a_sock, mut a_events)) = run
        .step("connect A over Socket.IO", connect(a.access_token.clone()))
        .await
    else {
        return;
    };
    let Some((b_sock, mut b_events)) = run
        .step("connect B over Socket.IO", connect(b.access_token.clone()))
        .await
    else {
        return;
    };
    let marker = Uuid::new_v4();
    let Some(from_a) = run
        .step("A sends, B receives", async {
            let ack = a_sock
                .emit_ack(
                    "send_message",
                    &json!({"chat_room_id": room, "content": format!("smoke test {marker} (A)"), "client_msg_id": format!("smoke-{marker}-a")}),
                    t,
                )
                .await
                .map_err(|e| e.to_string())
                .and_then(ok_ack)?;
            let id = ack["messageId"].clone();
            if let Ok(uuid) = serde_json::from_value::<Uuid>(id.clone()) {
                sent.push((a_api.clone(), uuid));
            }
            expect(&mut b_events, "new_message", t, |m| m["id"] == id).await?;
            Ok(id)
        })
        .await
    else {
        return;
    };
    run.step("delivery receipt reaches A", async {
        expect(&mut a_events, "message_delivered", t, |d| {
            d["messageId"] == from_a
        })
        .await
        .map(|_| ())
    })
    .await;
    let Some(from_b) = run
        .step("B sends, A receives", async {
            let ack = b_sock
                .emit_ack(
                    "send_message",
                    &json!({"chat_room_id": room, "content": format!("smoke test {marker} (B)"), "client_msg_id": format!("smoke-{marker}-b")}),
                    t,
                )
                .await
                .map_err(|e| e.to_string())
                .and_then(ok_ack)?;
            let id = ack["messageId"].clone();
            if let Ok(uuid) = serde_json::from_value::<Uuid>(id.clone()) {
                sent.push((b_api.clone(), uuid));
            }
            expect(&mut a_events, "new_message", t, |m| m["id"] == id).await?;
            Ok(id)
        })
        .await
    else {
        return;
    };
    run.step("read receipt: B reads, A is told", async {
        b_sock
            .emit_ack("mark_messages_read", &json!({"roomId": room}), t)
            .await
            .map_err(|e| e.to_string())
            .and_then(ok_ack)?;
        let b_id = json!(b.user.id);
        expect(&mut a_events, "messages_read", t, |r| r["userId"] == b_id).await?;
        let page = a_api
            .messages(room, "limit=100")
            .await
            .map_err(|e| e.to_string())?;
        let status = page
            .messages
            .iter()
            .find(|m| json!(m.id) == from_a)
            .map(|m| m.status.as_str());
        match status {
            Some("read") => Ok(()),
            other => Err(format!("A's message status is {other:?}, not read")),
        }
    })
    .await;
    run.step("typing shows and clears", async {
        a_sock
            .emit("typing_start", &json!({"roomId": room}))
            .map_err(|e| e.to_string())?;
        let a_id = json!(a.user.id);
        expect(&mut b_events, "user_typing", t, |e| {
            e["userId"] == a_id && e["isTyping"] == true
        })
        .await?;
        a_sock
            .emit("typing_stop", &json!({"roomId": room}))
            .map_err(|e| e.to_string())?;
        expect(&mut b_events, "user_typing", t, |e| {
            e["userId"] == a_id && e["isTyping"] == false
        })
        .await
        .map(|_| ())
    })
    .await;
    run.step("A edits, B sees the edit", async {
        let id: Uuid = serde_json::from_value(from_a.clone()).map_err(|e| e.to_string())?;
        let edited = a_api
            .edit(id, &format!("smoke test {marker} (A, edited)"))
            .await
            .map_err(|e| e.to_string())?;
        if !edited.is_edited {
            return Err("is_edited is false".into());
        }
        expect(&mut b_events, "message_edited", t, |m| {
            m["id"] == from_a && m["is_edited"] == true
        })
        .await
        .map(|_| ())
    })
    .await;
    run.step("B reacts to A's message, A is told", async {
        b_sock
            .emit_ack(
                "add_reaction",
                &json!({"messageId": from_a, "emoji": "👍"}),
                t,
            )
            .await
            .map_err(|e| e.to_string())
            .and_then(ok_ack)?;
        let b_id = json!(b.user.id);
        expect(&mut a_events, "reaction_updated", t, |r| {
            r["messageId"] == from_a
                && r["reactions"][0]["emoji"] == "👍"
                && r["reactions"][0]["user_ids"][0] == b_id
        })
        .await
        .map(|_| ())
    })
    .await;
    run.step("A replies to B's message, B sees the quote", async {
        let ack = a_sock
            .emit_ack(
                "send_message",
                &json!({"chat_room_id": room, "content": format!("smoke test {marker} (A, reply)"),
                        "client_msg_id": format!("smoke-{marker}-reply"), "reply_to_id": from_b}),
                t,
            )
            .await
            .map_err(|e| e.to_string())
            .and_then(ok_ack)?;
        let id = ack["messageId"].clone();
        if let Ok(uuid) = serde_json::from_value::<Uuid>(id.clone()) {
            sent.push((a_api.clone(), uuid));
        }
        expect(&mut b_events, "new_message", t, |m| {
            m["id"] == id && m["reply_to"]["id"] == from_b && m["reply_to"]["deleted"] == false
        })
        .await
        .map(|_| ())
    })
    .await;
    run.step("both delete, both see it", async {
        for (api, id) in sent.iter() {
            api.delete(*id).await.map_err(|e| e.to_string())?;
        }
        for id in [&from_a, &from_b] {
            expect(&mut a_events, "message_deleted", t, |d| {
                d["messageId"] == *id
            })
            .await?;
            expect(&mut b_events, "message_deleted", t, |d| {
                d["messageId"] == *id
            })
            .await?;
        }
        sent.clear();
        Ok(())
    })
    .await;
    a_sock.close();
    b_sock.close();
}
