//! The one loop reading a connection, from the Engine.IO open packet to the close: it keeps
//! the connection alive (answers every ping), hands the namespace's CONNECT reply or refusal to
//! [`Socket::connect`](super::Socket::connect), events to [`Events`](super::Events) (noting
//! the offset of each, for recovery) and acknowledgements to their waiters.

use std::ops::ControlFlow;

use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use tigo_common::{ConnectRefused, ConnectReply};

use super::transport::Ws;
use super::*;

/// What the namespace answered the CONNECT with.
pub(super) struct Joined {
    pub sid: String,
    pub pid: Option<String>,
    pub recovered: bool,
}

pub(super) type Handshake = oneshot::Sender<Result<Joined, SioError>>;

pub(super) struct Reader {
    pub namespace: String,
    /// Pongs go out with everything else.
    pub out: mpsc::UnboundedSender<Frame>,
    pub events: mpsc::UnboundedSender<Event>,
    pub acks: AckMap,
    /// The session asked for: when the reply resumes it, its offset is where we stand.
    pub resume: Option<Resume>,
    pub offset: Arc<Mutex<Option<String>>>,
    /// Whether the server offers recovery (a `pid` in the reply): only then offsets count.
    pub track_offset: bool,
    pub handshake: Option<Handshake>,
}

impl Reader {
    pub(super) async fn run(mut self, mut stream: SplitStream<Ws>) {
        let mut ended = SioError::Closed;
        while let Some(frame) = stream.next().await {
            let frame = match frame {
                Ok(frame) => frame,
                Err(e) => {
                    ended = SioError::Transport(e.to_string());
                    break;
                }
            };
            if matches!(frame, Frame::Close(_)) {
                break;
            }
            let Some(Ok(packet)) = Packet::from_frame(&frame) else {
                continue;
            };
            if self.on_packet(packet).is_break() {
                break;
            }
        }
        if let Some(handshake) = self.handshake.take() {
            let _ = handshake.send(Err(ended));
        }
        // Dropping the senders ends the event stream and fails pending acks.
        self.acks.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn on_packet(&mut self, packet: Packet<'_>) -> ControlFlow<()> {
        let ours = |ns: &str| ns == self.namespace;
        match packet {
            Packet::Ping(data) => {
                let _ = self.out.send(Packet::Pong(data).to_frame());
            }
            Packet::Connect { namespace, data } if ours(namespace) => self.joined(data),
            Packet::ConnectError { namespace, data } if ours(namespace) => {
                let message = serde_json::from_str::<ConnectRefused>(data)
                    .map_or_else(|_| "connect_error".to_string(), |r| r.message);
                if let Some(handshake) = self.handshake.take() {
                    let _ = handshake.send(Err(SioError::Refused(message)));
                }
            }
            Packet::Event {
                namespace, data, ..
            } if ours(namespace) => self.event(data),
            Packet::Ack {
                namespace,
                id,
                data,
            } if ours(namespace) => self.ack(id, data),
            Packet::Disconnect { namespace } if ours(namespace) => return ControlFlow::Break(()),
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn joined(&mut self, data: &str) {
        let reply: ConnectReply = serde_json::from_str(data).unwrap_or_default();
        let asked = self.resume.take();
        let recovered =
            reply.pid.is_some() && asked.as_ref().map(|r| r.pid.as_str()) == reply.pid.as_deref();
        self.track_offset = reply.pid.is_some();
        *self.offset.lock().unwrap_or_else(|p| p.into_inner()) =
            asked.filter(|_| recovered).and_then(|r| r.offset);
        if let Some(handshake) = self.handshake.take() {
            let _ = handshake.send(Ok(Joined {
                sid: reply.sid,
                pid: reply.pid,
                recovered,
            }));
        }
    }

    /// `[name, payload, offset?]`: the payload to the events, the offset (the last argument,
    /// when a string) kept for a resume.
    fn event(&mut self, data: &str) {
        let Ok(Value::Array(mut parts)) = serde_json::from_str::<Value>(data) else {
            return;
        };
        if parts.is_empty() {
            return;
        }
        let name = parts.remove(0);
        if let (true, Some(Value::String(at))) = (self.track_offset, parts.last()) {
            *self.offset.lock().unwrap_or_else(|p| p.into_inner()) = Some(at.clone());
        }
        let data = if parts.is_empty() {
            Value::Null
        } else {
            parts.swap_remove(0)
        };
        // Nobody listening to events is fine: acks still need reading.
        if let Value::String(name) = name {
            let _ = self.events.send(Event { name, data });
        }
    }

    fn ack(&mut self, id: u64, data: &str) {
        let data = match serde_json::from_str::<Value>(data) {
            Ok(Value::Array(mut parts)) if !parts.is_empty() => parts.swap_remove(0),
            _ => Value::Null,
        };
        let waiter = self
            .acks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        if let Some(waiter) = waiter {
            let _ = waiter.send(data);
        }
    }
}
