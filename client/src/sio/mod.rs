//! A Socket.IO v5 client (Engine.IO v4, WebSocket transport) on tokio-tungstenite: connect to
//! a namespace with an auth payload, emit with or without acknowledgement, receive events, and
//! resume a dropped session (connection state recovery: `pid` and the last offset).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::Value;
use tigo_common::{AckReply, ResumeAuth};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as Frame;

/// A server event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub data: Value,
}

type AckMap = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// The sending half of a connection; cheap to clone.
#[derive(Clone)]
pub struct Socket {
    out: mpsc::UnboundedSender<Frame>,
    acks: AckMap,
    next_ack: Arc<AtomicU64>,
    namespace: Arc<str>,
    sid: Arc<str>,
    /// Connection state recovery: the private session id of the CONNECT reply (when the server
    /// gives one), whether this connection resumed the session it was given, and the offset
    /// of the last event received (the last argument of every event, when a string).
    pid: Option<Arc<str>>,
    recovered: bool,
    offset: Arc<Mutex<Option<String>>>,
}

/// The receiving half: events in arrival order.
pub struct Events {
    rx: mpsc::UnboundedReceiver<Event>,
    /// Events read while waiting for another one, kept for later calls.
    backlog: VecDeque<Event>,
}

mod options;
mod packet;
mod reader;
mod transport;

pub use self::options::{Resume, SioError, SocketOptions};
pub use self::packet::{BadPacket, Packet, decode_payload, encode_payload};
use self::reader::Reader;

impl Socket {
    /// Opens the WebSocket, joins the namespace and returns once the server accepted it.
    pub async fn connect(base: &str, options: SocketOptions) -> Result<(Socket, Events), SioError> {
        tokio::time::timeout(options.connect_timeout, Self::connect_inner(base, &options))
            .await
            .map_err(|_| SioError::Timeout("the namespace connection".into()))?
    }

    /// The Engine.IO open packet, then one writer and one reader task; the reader hands back
    /// the namespace's answer to the CONNECT sent here.
    async fn connect_inner(
        base: &str,
        options: &SocketOptions,
    ) -> Result<(Socket, Events), SioError> {
        let (mut sink, mut stream) = transport::open(base, options).await?.split();
        match stream.next().await {
            Some(Ok(Frame::Text(t))) if matches!(Packet::decode(&t), Ok(Packet::Open(_))) => {}
            other => {
                return Err(SioError::Transport(format!(
                    "expected an open packet, got {other:?}"
                )));
            }
        }
        let (out, mut out_rx) = mpsc::unbounded_channel::<Frame>();
        tokio::spawn(async move {
            while let Some(frame) = out_rx.recv().await {
                let closing = matches!(frame, Frame::Close(_));
                if sink.send(frame).await.is_err() || closing {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let (event_tx, rx) = mpsc::unbounded_channel();
        let (handshake, joined) = oneshot::channel();
        let reader = Reader {
            namespace: options.namespace.clone(),
            out: out.clone(),
            events: event_tx,
            acks: AckMap::default(),
            resume: options.resume.clone(),
            offset: Arc::default(),
            track_offset: false,
            handshake: Some(handshake),
        };
        let (acks, offset) = (reader.acks.clone(), reader.offset.clone());
        tokio::spawn(reader.run(stream));
        let auth = connect_auth(options)?;
        let connect = Packet::Connect {
            namespace: &options.namespace,
            data: &auth,
        };
        out.send(connect.to_frame()).map_err(|_| SioError::Closed)?;
        let joined = joined.await.map_err(|_| SioError::Closed)??;
        let socket = Socket {
            out,
            acks,
            next_ack: Arc::new(AtomicU64::new(1)),
            namespace: options.namespace.as_str().into(),
            sid: joined.sid.into(),
            pid: joined.pid.map(Into::into),
            recovered: joined.recovered,
            offset,
        };
        let events = Events {
            rx,
            backlog: VecDeque::new(),
        };
        Ok((socket, events))
    }

    pub fn sid(&self) -> &str {
        &self.sid
    }

    /// Whether this connection resumed the session it asked for (the server then replayed
    /// every room event missed since, before anything live).
    pub fn recovered(&self) -> bool {
        self.recovered
    }

    /// What to pass as [`SocketOptions::resume`] to resume this session after a drop; `None`
    /// when the server offers no recovery.
    pub fn resume(&self) -> Option<Resume> {
        Some(Resume {
            pid: self.pid.as_deref()?.to_string(),
            offset: self
                .offset
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        })
    }

    /// Emits an event without acknowledgement.
    pub fn emit(&self, event: &str, data: &(impl Serialize + ?Sized)) -> Result<(), SioError> {
        self.send_event(event, data, None)
    }

    /// Emits a raw Socket.IO packet body (for tests of hostile input).
    pub fn emit_raw(&self, packet: &str) -> Result<(), SioError> {
        self.out
            .send(Frame::text(packet.to_string()))
            .map_err(|_| SioError::Closed)
    }

    /// Emits an event and waits for its acknowledgement.
    pub async fn emit_ack(
        &self,
        event: &str,
        data: &(impl Serialize + ?Sized),
        timeout: Duration,
    ) -> Result<Value, SioError> {
        let id = self.next_ack.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.acks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        self.send_event(event, data, Some(id))?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(SioError::Closed),
            Err(_) => {
                self.acks
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
                Err(SioError::Timeout(format!("the ack of {event}")))
            }
        }
    }

    /// Emits a client event and reads its acknowledgement as the contract shapes it
    /// (`{ok: true, …}` or `{ok: false, error}`).
    pub async fn request(
        &self,
        event: &str,
        data: &(impl Serialize + ?Sized),
        timeout: Duration,
    ) -> Result<AckReply, SioError> {
        let ack = self.emit_ack(event, data, timeout).await?;
        serde_json::from_value(ack)
            .map_err(|e| SioError::Transport(format!("the ack of {event}: {e}")))
    }

    fn send_event(
        &self,
        event: &str,
        data: &(impl Serialize + ?Sized),
        id: Option<u64>,
    ) -> Result<(), SioError> {
        let payload = serde_json::to_string(&(event, data))
            .map_err(|e| SioError::Transport(e.to_string()))?;
        let packet = Packet::Event {
            namespace: &self.namespace,
            id,
            data: &payload,
        };
        self.out
            .send(packet.to_frame())
            .map_err(|_| SioError::Closed)
    }

    /// Leaves the namespace and closes the WebSocket.
    pub fn close(&self) {
        let bye = Packet::Disconnect {
            namespace: &self.namespace,
        };
        let _ = self.out.send(bye.to_frame());
        let _ = self.out.send(Frame::Close(None));
    }

    /// Drops the connection without a goodbye (as a network cut would).
    pub fn abort(&self) {
        let _ = self.out.send(Frame::Close(None));
    }

    pub fn is_closed(&self) -> bool {
        self.out.is_closed()
    }
}

mod events;

/// The CONNECT auth: the options' payload, with the session to resume added as the official
/// client adds it.
fn connect_auth(options: &SocketOptions) -> Result<String, SioError> {
    let mut auth = options
        .auth
        .clone()
        .unwrap_or(Value::Object(Default::default()));
    if let (Some(resume), Value::Object(map)) = (&options.resume, &mut auth) {
        let resume = ResumeAuth {
            pid: resume.pid.clone(),
            offset: resume.offset.clone(),
        };
        if let Ok(Value::Object(fields)) = serde_json::to_value(resume) {
            map.extend(fields);
        }
    }
    serde_json::to_string(&auth).map_err(|e| SioError::Transport(e.to_string()))
}

#[cfg(test)]
mod reader_tests;
