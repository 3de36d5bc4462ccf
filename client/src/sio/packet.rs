//! The wire's one packet type: an Engine.IO v4 packet, with the Socket.IO v5 packet it carries
//! when it is a message, and its one encoder and one decoder (a WebSocket frame, a polling body
//! of packets separated by `\x1e`). Tested against frames of the official client
//! (`client/tests/fixtures`).

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio_tungstenite::tungstenite::Message as Frame;

/// Between the packets of one HTTP long-polling body.
pub const SEPARATOR: char = '\x1e';

/// One packet. `data` is JSON text as it is on the wire (empty when absent); `namespace` is
/// `/` when the wire leaves it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet<'a> {
    /// Engine.IO `0`: the handshake (sid, upgrades, pingInterval, pingTimeout, maxPayload).
    Open(&'a str),
    /// Engine.IO `1`.
    Close,
    /// Engine.IO `2` (`probe` during an upgrade); answered by a [`Packet::Pong`] of the same.
    Ping(&'a str),
    /// Engine.IO `3`.
    Pong(&'a str),
    /// Engine.IO `5`.
    Upgrade,
    /// Engine.IO `6`.
    Noop,
    /// Socket.IO `0`: the auth payload (client) or `{sid, pid}` (server).
    Connect { namespace: &'a str, data: &'a str },
    /// Socket.IO `1`.
    Disconnect { namespace: &'a str },
    /// Socket.IO `2`: `[name, args…]`, with `id` when an acknowledgement is wanted.
    Event {
        namespace: &'a str,
        id: Option<u64>,
        data: &'a str,
    },
    /// Socket.IO `3`: `[args…]` answering the event `id`.
    Ack {
        namespace: &'a str,
        id: u64,
        data: &'a str,
    },
    /// Socket.IO `4`: `{message}`, why the namespace refused.
    ConnectError { namespace: &'a str, data: &'a str },
    /// Socket.IO `5`: an event whose `attachments` binary parts follow as their own packets.
    BinaryEvent {
        namespace: &'a str,
        attachments: u32,
        id: Option<u64>,
        data: &'a str,
    },
    /// Socket.IO `6`: an acknowledgement with binary parts.
    BinaryAck {
        namespace: &'a str,
        attachments: u32,
        id: u64,
        data: &'a str,
    },
    /// A binary part: a WebSocket binary frame, `b` + base64 in a polling body.
    Attachment(Cow<'a, [u8]>),
}

/// Text that is not a packet of this protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed packet: {0}")]
pub struct BadPacket(&'static str);

impl<'a> Packet<'a> {
    /// Decodes one text packet (a WebSocket text frame, one part of a polling body).
    pub fn decode(text: &'a str) -> Result<Packet<'a>, BadPacket> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(BadPacket("empty"))?;
        let rest = chars.as_str();
        Ok(match kind {
            '0' => Packet::Open(rest),
            '1' => Packet::Close,
            '2' => Packet::Ping(rest),
            '3' => Packet::Pong(rest),
            '4' => decode_socket(rest)?,
            '5' => Packet::Upgrade,
            '6' => Packet::Noop,
            'b' => Packet::Attachment(Cow::Owned(
                BASE64
                    .decode(rest)
                    .map_err(|_| BadPacket("attachment not base64"))?,
            )),
            _ => return Err(BadPacket("unknown Engine.IO type")),
        })
    }

    /// Decodes a WebSocket frame; `None` for control frames (WebSocket ping, pong, close).
    pub fn from_frame(frame: &'a Frame) -> Option<Result<Packet<'a>, BadPacket>> {
        match frame {
            Frame::Text(text) => Some(Packet::decode(text.as_str())),
            Frame::Binary(bytes) => Some(Ok(Packet::Attachment(Cow::Borrowed(bytes)))),
            _ => None,
        }
    }

    /// Encodes as text (an attachment as in a polling body: `b` + base64).
    pub fn encode(&self) -> String {
        let (kind, namespace, attachments, id, data) = match self {
            Packet::Open(data) => return format!("0{data}"),
            Packet::Close => return "1".into(),
            Packet::Ping(data) => return format!("2{data}"),
            Packet::Pong(data) => return format!("3{data}"),
            Packet::Upgrade => return "5".into(),
            Packet::Noop => return "6".into(),
            Packet::Attachment(bytes) => return format!("b{}", BASE64.encode(bytes)),
            Packet::Connect { namespace, data } => ('0', namespace, None, None, data),
            Packet::Disconnect { namespace } => ('1', namespace, None, None, &""),
            Packet::Event {
                namespace,
                id,
                data,
            } => ('2', namespace, None, *id, data),
            Packet::Ack {
                namespace,
                id,
                data,
            } => ('3', namespace, None, Some(*id), data),
            Packet::ConnectError { namespace, data } => ('4', namespace, None, None, data),
            Packet::BinaryEvent {
                namespace,
                attachments,
                id,
                data,
            } => ('5', namespace, Some(*attachments), *id, data),
            Packet::BinaryAck {
                namespace,
                attachments,
                id,
                data,
            } => ('6', namespace, Some(*attachments), Some(*id), data),
        };
        encode_socket(kind, namespace, attachments, id, data)
    }

    /// Encodes as a WebSocket frame (an attachment as a binary frame).
    pub fn to_frame(&self) -> Frame {
        match self {
            Packet::Attachment(bytes) => Frame::binary(bytes.to_vec()),
            packet => Frame::text(packet.encode()),
        }
    }
}

/// Splits a polling body into its packets.
pub fn decode_payload(body: &str) -> Result<Vec<Packet<'_>>, BadPacket> {
    body.split(SEPARATOR).map(Packet::decode).collect()
}

/// Joins packets into one polling body.
pub fn encode_payload(packets: &[Packet<'_>]) -> String {
    let parts: Vec<String> = packets.iter().map(Packet::encode).collect();
    parts.join(&SEPARATOR.to_string())
}

/// A Socket.IO packet: type, `attachments-`, `namespace,` (unless `/`), ack id, JSON.
fn decode_socket(text: &str) -> Result<Packet<'_>, BadPacket> {
    let mut chars = text.chars();
    let kind = chars.next().ok_or(BadPacket("no Socket.IO type"))?;
    let mut rest = chars.as_str();
    let mut attachments = 0;
    if matches!(kind, '5' | '6') {
        let (count, after) = rest
            .split_once('-')
            .ok_or(BadPacket("no attachment count"))?;
        attachments = count
            .parse()
            .map_err(|_| BadPacket("bad attachment count"))?;
        rest = after;
    }
    let mut namespace = "/";
    if rest.starts_with('/') {
        let end = rest.find(',').unwrap_or(rest.len());
        namespace = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = match digits {
        0 => None,
        _ => Some(
            rest[..digits]
                .parse()
                .map_err(|_| BadPacket("bad ack id"))?,
        ),
    };
    let data = &rest[digits..];
    let needs_id = || id.ok_or(BadPacket("an acknowledgement without an id"));
    Ok(match kind {
        '0' => Packet::Connect { namespace, data },
        '1' => Packet::Disconnect { namespace },
        '2' => Packet::Event {
            namespace,
            id,
            data,
        },
        '3' => Packet::Ack {
            namespace,
            id: needs_id()?,
            data,
        },
        '4' => Packet::ConnectError { namespace, data },
        '5' => Packet::BinaryEvent {
            namespace,
            attachments,
            id,
            data,
        },
        '6' => Packet::BinaryAck {
            namespace,
            attachments,
            id: needs_id()?,
            data,
        },
        _ => return Err(BadPacket("unknown Socket.IO type")),
    })
}

fn encode_socket(
    kind: char,
    namespace: &str,
    attachments: Option<u32>,
    id: Option<u64>,
    data: &str,
) -> String {
    let mut text = String::with_capacity(namespace.len() + data.len() + 24);
    text.push('4');
    text.push(kind);
    if let Some(count) = attachments {
        text.push_str(&format!("{count}-"));
    }
    if namespace != "/" {
        text.push_str(namespace);
        text.push(',');
    }
    if let Some(id) = id {
        text.push_str(&id.to_string());
    }
    text.push_str(data);
    text
}

#[cfg(test)]
#[path = "packet_tests.rs"]
mod tests;
