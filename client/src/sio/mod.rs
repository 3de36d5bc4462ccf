//! A Socket.IO v5 client (Engine.IO v4, WebSocket transport) on tokio-tungstenite: connect to
//! a namespace with an auth payload, emit with or without acknowledgement, receive events, and
//! resume a dropped session (connection state recovery: `pid` and the last offset).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

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

pub use self::options::{Resume, SioError, SocketOptions};
pub use self::packet::parse_packet;
use self::packet::ws_url;

impl Socket {
    /// Opens the WebSocket, joins the namespace and returns once the server accepted it.
    pub async fn connect(base: &str, options: SocketOptions) -> Result<(Socket, Events), SioError> {
        tokio::time::timeout(options.connect_timeout, Self::connect_inner(base, &options))
            .await
            .map_err(|_| SioError::Timeout("the namespace connection".into()))?
    }

    async fn connect_inner(
        base: &str,
        options: &SocketOptions,
    ) -> Result<(Socket, Events), SioError> {
        let mut request = ws_url(base, &options.query)
            .into_client_request()
            .map_err(|e| SioError::Transport(e.to_string()))?;
        for (name, value) in &options.headers {
            let name =
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|e| SioError::Transport(e.to_string()))?;
            let value =
                HeaderValue::from_str(value).map_err(|e| SioError::Transport(e.to_string()))?;
            request.headers_mut().insert(name, value);
        }
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(16 * 1024)
            .write_buffer_size(0);
        let (ws, _) = match options.bind {
            None => tokio_tungstenite::connect_async_with_config(request, Some(config), true)
                .await
                .map_err(|e| match e {
                    tokio_tungstenite::tungstenite::Error::Io(io)
                        if io.kind() == std::io::ErrorKind::ConnectionRefused =>
                    {
                        SioError::Unreachable(base.to_string())
                    }
                    e => SioError::Transport(e.to_string()),
                })?,
            Some(local) => {
                let host = request.uri().host().unwrap_or("127.0.0.1").to_string();
                let port = request.uri().port_u16().unwrap_or(80);
                let remote = tokio::net::lookup_host((host.as_str(), port))
                    .await
                    .map_err(|e| SioError::Transport(e.to_string()))?
                    .next()
                    .ok_or_else(|| SioError::Transport(format!("cannot resolve {host}")))?;
                let socket = if remote.is_ipv4() {
                    tokio::net::TcpSocket::new_v4()
                } else {
                    tokio::net::TcpSocket::new_v6()
                }
                .map_err(|e| SioError::Transport(e.to_string()))?;
                socket
                    .bind(std::net::SocketAddr::new(local, 0))
                    .map_err(|e| SioError::Transport(format!("binding {local}: {e}")))?;
                let stream = socket
                    .connect(remote)
                    .await
                    .map_err(|e| SioError::Transport(e.to_string()))?;
                let _ = stream.set_nodelay(true);
                let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
                tokio_tungstenite::client_async_with_config(request, stream, Some(config))
                    .await
                    .map_err(|e| SioError::Transport(e.to_string()))?
            }
        };
        let (mut sink, mut stream) = ws.split();
        // Engine.IO open packet.
        match stream.next().await {
            Some(Ok(Frame::Text(t))) if t.starts_with('0') => {}
            other => {
                return Err(SioError::Transport(format!(
                    "expected an open packet, got {other:?}"
                )));
            }
        }
        let namespace = options.namespace.clone();
        let mut auth = options
            .auth
            .clone()
            .unwrap_or(Value::Object(Default::default()));
        // As the official client does: the session to resume rides in the CONNECT auth.
        if let (Some(resume), Value::Object(map)) = (&options.resume, &mut auth) {
            map.insert("pid".into(), Value::String(resume.pid.clone()));
            if let Some(offset) = &resume.offset {
                map.insert("offset".into(), Value::String(offset.clone()));
            }
        }
        sink.send(Frame::text(format!("40{namespace},{auth}")))
            .await
            .map_err(|e| SioError::Transport(e.to_string()))?;
        let (sid, pid) = loop {
            match stream.next().await {
                Some(Ok(Frame::Text(t))) => {
                    if t.as_str() == "2" {
                        let _ = sink.send(Frame::text("3")).await;
                        continue;
                    }
                    let Some(body) = t.strip_prefix('4') else {
                        continue;
                    };
                    let Some((kind, ns, _, json)) = parse_packet(body) else {
                        continue;
                    };
                    if ns != namespace {
                        continue;
                    }
                    let payload: Value = serde_json::from_str(json).unwrap_or(Value::Null);
                    match kind {
                        0 => {
                            let text = |key: &str| {
                                payload.get(key).and_then(Value::as_str).map(str::to_string)
                            };
                            break (text("sid").unwrap_or_default(), text("pid"));
                        }
                        4 => {
                            let message = payload
                                .get("message")
                                .and_then(Value::as_str)
                                .unwrap_or("connect_error")
                                .to_string();
                            return Err(SioError::Refused(message));
                        }
                        _ => continue,
                    }
                }
                Some(Ok(Frame::Close(_))) | None => return Err(SioError::Closed),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(SioError::Transport(e.to_string())),
            }
        };
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Frame>();
        let (event_tx, event_rx) = mpsc::unbounded_channel();
        let acks: AckMap = Arc::new(Mutex::new(HashMap::new()));
        tokio::spawn(async move {
            while let Some(frame) = out_rx.recv().await {
                let closing = matches!(frame, Frame::Close(_));
                if sink.send(frame).await.is_err() || closing {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let reader_acks = acks.clone();
        let recovered =
            pid.is_some() && options.resume.as_ref().map(|r| r.pid.as_str()) == pid.as_deref();
        let offset = Arc::new(Mutex::new(
            options
                .resume
                .as_ref()
                .filter(|_| recovered)
                .and_then(|r| r.offset.clone()),
        ));
        let last_offset = pid.is_some().then(|| offset.clone());
        let pong = out_tx.clone();
        let ns = namespace.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                let Frame::Text(text) = frame else {
                    if matches!(frame, Frame::Close(_)) {
                        break;
                    }
                    continue;
                };
                if text.as_str() == "2" {
                    let _ = pong.send(Frame::text("3"));
                    continue;
                }
                let Some(body) = text.strip_prefix('4') else {
                    continue;
                };
                let Some((kind, packet_ns, ack, json)) = parse_packet(body) else {
                    continue;
                };
                if packet_ns != ns {
                    continue;
                }
                match kind {
                    2 => {
                        let Ok(Value::Array(mut parts)) = serde_json::from_str::<Value>(json)
                        else {
                            continue;
                        };
                        if parts.is_empty() {
                            continue;
                        }
                        let name = parts.remove(0);
                        if let (Some(keep), Some(Value::String(at))) = (&last_offset, parts.last())
                        {
                            *keep.lock().unwrap_or_else(|p| p.into_inner()) = Some(at.clone());
                        }
                        let data = if parts.is_empty() {
                            Value::Null
                        } else {
                            parts.remove(0)
                        };
                        // Nobody listening to events is fine: acks still need reading.
                        if let Value::String(name) = name {
                            let _ = event_tx.send(Event { name, data });
                        }
                    }
                    3 => {
                        let Some(id) = ack else { continue };
                        let data = match serde_json::from_str::<Value>(json) {
                            Ok(Value::Array(mut parts)) if !parts.is_empty() => parts.remove(0),
                            _ => Value::Null,
                        };
                        let waiter = reader_acks
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(&id);
                        if let Some(waiter) = waiter {
                            let _ = waiter.send(data);
                        }
                    }
                    1 => break,
                    _ => {}
                }
            }
            // Dropping the senders ends the event stream and fails pending acks.
            reader_acks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
        });
        Ok((
            Socket {
                out: out_tx,
                acks,
                next_ack: Arc::new(AtomicU64::new(1)),
                namespace: namespace.into(),
                sid: sid.into(),
                pid: pid.map(Into::into),
                recovered,
                offset,
            },
            Events {
                rx: event_rx,
                backlog: VecDeque::new(),
            },
        ))
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
    pub fn emit(&self, event: &str, data: &Value) -> Result<(), SioError> {
        let payload = serde_json::to_string(&(event, data))
            .map_err(|e| SioError::Transport(e.to_string()))?;
        self.out
            .send(Frame::text(format!("42{},{payload}", self.namespace)))
            .map_err(|_| SioError::Closed)
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
        data: &Value,
        timeout: Duration,
    ) -> Result<Value, SioError> {
        let id = self.next_ack.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.acks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let payload = serde_json::to_string(&(event, data))
            .map_err(|e| SioError::Transport(e.to_string()))?;
        self.out
            .send(Frame::text(format!("42{},{id}{payload}", self.namespace)))
            .map_err(|_| SioError::Closed)?;
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

    /// Leaves the namespace and closes the WebSocket.
    pub fn close(&self) {
        let _ = self.out.send(Frame::text(format!("41{},", self.namespace)));
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
