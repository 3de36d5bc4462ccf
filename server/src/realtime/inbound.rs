//! One client event's way through: taken in arrival order (a ticket), rate-limited, processed,
//! and answered in arrival order, by acknowledgement or reply event; failures in the
//! contract's shape.
//!
//! socketioxide runs each event handler as its own task; the ticket taken when the event is
//! extracted makes one connection's events be processed, and answered, in order.

use std::sync::Arc;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, TryData};
use socketioxide::handler::FromMessageParts;
use socketioxide_core::Value as SioValue;
use tigo_common::{User, server_events as se};
use uuid::Uuid;

use crate::chat::{self, validate};
use crate::delivery::conn::Conn;
use crate::delivery::queue::{Committed, Stored};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How long a client's event waits for its connection to settle (a recovery replay to a slow
/// client may take this long before it is cut off).
const SETTLE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(15);

/// One client event, with its place in the connection's line.
pub(super) struct Inbound {
    conn: Arc<Conn>,
    /// `None` when too many of this connection's events already wait.
    ticket: Option<u64>,
    data: Value,
    wants_ack: bool,
}

#[derive(Debug)]
pub struct NotAuthenticated;

impl std::fmt::Display for NotAuthenticated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("socket has no authenticated connection state")
    }
}

impl std::error::Error for NotAuthenticated {}

impl<A: Adapter> FromMessageParts<A> for Inbound {
    type Error = NotAuthenticated;

    fn from_message_parts(
        s: &Arc<socketioxide::socket::Socket<A>>,
        v: &mut SioValue,
        ack_id: &Option<i64>,
    ) -> Result<Self, Self::Error> {
        let conn = super::connect::conn_of(s).ok_or(NotAuthenticated)?;
        let ticket = conn.take_ticket();
        let TryData(data) = match TryData::<Value>::from_message_parts(s, v, ack_id) {
            Ok(data) => data,
            Err(never) => match never {},
        };
        Ok(Inbound {
            conn,
            ticket,
            data: data.unwrap_or(Value::Null),
            wants_ack: ack_id.is_some(),
        })
    }
}

/// Answers an event: `{ok: true, …fields}` by ack when asked.
fn ack_ok(ack: AckSender, wants_ack: bool, fields: Value) {
    if !wants_ack {
        return;
    }
    let mut reply = Map::new();
    reply.insert("ok".into(), Value::Bool(true));
    if let Value::Object(fields) = fields {
        reply.extend(fields);
    }
    let _ = ack.send(&Value::Object(reply));
}

/// Reports a failed event: by ack when asked, else as an `error` event.
fn fail(conn: &Conn, ack: AckSender, wants_ack: bool, err: &AppError) {
    let error = err.to_wire().event_error();
    if wants_ack {
        let _ = ack.send(&json!({"ok": false, "error": error}));
    } else {
        conn.emit(se::ERROR, &error);
    }
}

/// The caller as the database knows them now; a deactivated user is disconnected.
pub(super) async fn caller(state: &AppState, conn: &Conn) -> AppResult<User> {
    match chat::user(state, conn.user_id).await? {
        Some(record) if record.is_active => Ok(record.user),
        _ => {
            let _ = conn.socket.clone().disconnect();
            Err(AppError::Unauthorized("This user is deactivated".into()))
        }
    }
}

fn overloaded() -> AppError {
    AppError::TooManyRequests {
        message: "Too many events in flight on this connection".into(),
        retry_after_secs: 1,
    }
}

/// What processing an event produced.
pub(super) enum Outcome {
    /// Answered now.
    Done(Answer),
    /// A message queued for storage: answered once it is durable.
    Queued(Stored),
}

/// The reply to an event: the contract's reply event (if any) and the ack's fields.
pub(super) struct Answer {
    pub(super) event: Option<(&'static str, Value)>,
    pub(super) ack: Value,
}

impl Answer {
    pub(super) fn with_event<T: serde::Serialize>(event: &'static str, data: &T) -> Answer {
        let data = serde_json::to_value(data).unwrap_or_default();
        Answer {
            event: Some((event, data.clone())),
            ack: data,
        }
    }
}

/// A stored message's answer: `message_sent` and the ack carry the message as its room got it
/// (`Events::new_message` encoded it once; this copies that text, it does not encode again).
pub(super) struct Sent {
    message_id: Uuid,
    message: Arc<RawValue>,
}

/// `message_sent`'s payload (`tigo_common::MessageSent`, with the message as encoded).
#[derive(Serialize)]
struct SentPayload<'a> {
    #[serde(rename = "messageId")]
    message_id: Uuid,
    message: &'a RawValue,
}

/// The ack of a stored message: `{ok: true, messageId, message}`.
#[derive(Serialize)]
struct SentAck<'a> {
    ok: bool,
    #[serde(rename = "messageId")]
    message_id: Uuid,
    message: &'a RawValue,
}

impl Sent {
    /// The answer to a stored message. A repeated `client_msg_id` answers a message stored
    /// earlier, which no room event encoded now: it is encoded here, with fresh URLs.
    fn of(state: &AppState, committed: Committed) -> Sent {
        let Committed { inserted, encoded } = committed;
        if let Some(message) = encoded {
            return Sent {
                message_id: inserted.message().id,
                message,
            };
        }
        let mut message = inserted.message().clone();
        crate::files::sign_message(&state.files, &mut message, chrono::Utc::now());
        let encoded =
            serde_json::value::to_raw_value(&message).unwrap_or_else(|_| RawValue::NULL.to_owned());
        Sent {
            message_id: message.id,
            message: encoded.into(),
        }
    }

    fn send(&self, conn: &Conn, ack: AckSender, wants_ack: bool) {
        let message = &*self.message;
        conn.emit(
            se::MESSAGE_SENT,
            &SentPayload {
                message_id: self.message_id,
                message,
            },
        );
        if wants_ack {
            let _ = ack.send(&SentAck {
                ok: true,
                message_id: self.message_id,
                message,
            });
        }
    }
}

/// How an event is answered.
enum Reply {
    Answer(Answer),
    Sent(Sent),
}

/// Runs one event: processed in arrival order (a queued message lets the next event in at
/// once), answered in arrival order.
pub(super) async fn run<F, Fut>(
    event: &'static str,
    inbound: Inbound,
    ack: AckSender,
    state: AppState,
    process: F,
) where
    F: FnOnce(AppState, Arc<Conn>, Value) -> Fut,
    Fut: std::future::Future<Output = AppResult<Outcome>>,
{
    let started = std::time::Instant::now();
    let metrics = state.metrics.clone();
    let Inbound {
        conn,
        ticket,
        data,
        wants_ack,
    } = inbound;
    let Some(ticket) = ticket else {
        return fail(&conn, ack, wants_ack, &overloaded());
    };
    // Nothing a client sends is processed before its connection is settled (recovery replayed,
    // gates opened): see `Conn::until_connected`.
    conn.until_connected(SETTLE_PATIENCE).await;
    let processing = conn.processing_turn(ticket).await;
    let outcome = match (state.limits.event(conn.key), validate::reject_nul(&data)) {
        (Err(wait), _) => {
            state.metrics.rate_limited("events");
            let secs = crate::limits::retry_after(wait);
            Err(AppError::TooManyRequests {
                message: format!("Too many events; retry in {secs} s"),
                retry_after_secs: secs,
            })
        }
        (Ok(()), Err(err)) => Err(err),
        (Ok(()), Ok(())) => process(state.clone(), conn.clone(), data).await,
    };
    drop(processing);
    let answer = match outcome {
        Ok(Outcome::Done(answer)) => Ok(Reply::Answer(answer)),
        Ok(Outcome::Queued(receipt)) => crate::delivery::writer::wait_encoded(receipt)
            .await
            .map(|committed| Reply::Sent(Sent::of(&state, committed))),
        Err(err) => Err(err),
    };
    let _replying = conn.reply_turn(ticket).await;
    metrics.event(event, started.elapsed());
    if let Err(err) = &answer {
        metrics.error(crate::metrics::error_kind(err.status()));
    }
    match answer {
        Ok(Reply::Answer(answer)) => {
            if let Some((event, data)) = &answer.event {
                conn.emit(event, data);
            }
            ack_ok(ack, wants_ack, answer.ack);
        }
        Ok(Reply::Sent(sent)) => sent.send(&conn, ack, wants_ack),
        Err(err) => fail(&conn, ack, wants_ack, &err),
    }
}
