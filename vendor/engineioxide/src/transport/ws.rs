//! The ws transport module is responsible for handling websocket connections
//! The only public function is [`new_req`] which is used to upgrade a http request to a websocket connection
//!
//! Other functions are used internally to handle the websocket connection through tasks and channels
//! and to handle upgrade from polling to ws

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, request::Parts};
use smallvec::smallvec;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{
        self, Message,
        handshake::derive_accept_key,
        protocol::{Role, WebSocketConfig},
    },
};
use tokio_util::future::FutureExt as _;

use engineioxide_core::{Packet, ProtocolVersion, Sid, Str, TransportType};

use crate::{
    DisconnectReason, Socket, body::ResponseBody, config::EngineIoConfig, engine::EngineIo,
    errors::Error, handler::EngineIoHandler, transport::make_open_packet,
};

/// Create a response for websocket upgrade
fn ws_response<B>(ws_key: &HeaderValue) -> Response<ResponseBody<B>> {
    let derived = derive_accept_key(ws_key.as_bytes());
    let sec = derived.parse::<HeaderValue>().unwrap();
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(http::header::UPGRADE, HeaderValue::from_static("websocket"))
        .header(
            http::header::CONNECTION,
            HeaderValue::from_static("Upgrade"),
        )
        .header(http::header::SEC_WEBSOCKET_ACCEPT, sec)
        .body(ResponseBody::empty_response())
        .unwrap() // we are only using constants
}

/// Upgrade a websocket request to create a websocket connection.
///
/// If a sid is provided in the query it means that is is upgraded from an existing HTTP polling request.
/// In this case the http polling request is closed and the SID is kept for the websocket
pub fn new_req<R: Send + 'static, B, H: EngineIoHandler>(
    engine: Arc<EngineIo<H>>,
    protocol: ProtocolVersion,
    sid: Option<Sid>,
    req: Request<R>,
) -> Result<Response<ResponseBody<B>>, Error> {
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts.clone(), body);

    let ws_key = parts
        .headers
        .get("Sec-WebSocket-Key")
        .ok_or(Error::InvalidWebSocketKey)?
        .clone();

    tokio::spawn(async move {
        let conn = hyper::upgrade::on(req)
            .await
            .map(hyper_util::rt::TokioIo::new);

        let res = match conn {
            Ok(conn) => setup(engine.clone(), conn, protocol, sid, parts).await,
            Err(_e) => {
                #[cfg(feature = "tracing")]
                tracing::debug!("ws upgrade error: {}", _e);
                return;
            }
        };

        match res {
            // The connection gets a task of its own, made from only what it needs: this
            // task's state (the request, the handshake) is freed when it ends here.
            Ok(conn) => {
                tokio::spawn(conn.run());
            }
            Err(Error::MultipleWebsocketRequests) => {}
            Err(_e) => {
                #[cfg(feature = "tracing")]
                tracing::debug!(?sid, "ws closed with error: {_e}");
                if let Some(sid) = sid {
                    engine.close_session(sid, DisconnectReason::TransportError);
                }
            }
        }
    });

    Ok(ws_response(&ws_key))
}

/// Handle a websocket connection upgrade
///
/// Sends an open packet if it is not an upgrade from a polling request
///
/// Read packets from the websocket and handle them, it will block until the connection is closed
pub async fn on_init<H: EngineIoHandler, S>(
    engine: Arc<EngineIo<H>>,
    conn: S,
    protocol: ProtocolVersion,
    sid: Option<Sid>,
    req_data: Parts,
) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    setup(engine, conn, protocol, sid, req_data)
        .await?
        .run()
        .await;
    Ok(())
}

/// A websocket connection past its handshake: what its task needs, and nothing else.
struct Connection<H: EngineIoHandler, S> {
    engine: Arc<EngineIo<H>>,
    socket: Arc<Socket<H::Data>>,
    ws: WebSocketStream<S>,
    /// The session started on websocket, so its heartbeat runs in this task.
    heartbeat: bool,
}

impl<H: EngineIoHandler, S> Connection<H, S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Runs the connection until it closes and tells the engine why.
    ///
    /// Fields are used in place, never moved out: an async fn's arguments stay in its state
    /// for its whole life, so a moved copy would be stored twice.
    async fn run(mut self) {
        match drive(&self.engine, &self.socket, &mut self.ws, self.heartbeat).await {
            Some(Err(ref e)) => {
                let reason =
                    Option::<DisconnectReason>::from(e).unwrap_or(DisconnectReason::TransportError);

                #[cfg(feature = "tracing")]
                tracing::debug!("error when handling packet: {:?}", e);
                self.engine.close_session(self.socket.id, reason);
            }
            Some(Ok(())) => {
                #[cfg(feature = "tracing")]
                tracing::debug!(sid = %self.socket.id, "ws transport was closed");
                self.engine
                    .close_session(self.socket.id, DisconnectReason::TransportClose);
            }
            None => {
                #[cfg(feature = "tracing")]
                tracing::debug!(sid = %self.socket.id, "socket is closing");
            }
        }
    }
}

/// The websocket handshake, or the upgrade of a polling session: everything before the
/// connection runs.
#[cfg_attr(
    feature = "tracing",
    tracing::instrument(level = "trace", name = "init_websocket", skip(engine, conn, req_data))
)]
async fn setup<H: EngineIoHandler, S>(
    engine: Arc<EngineIo<H>>,
    conn: S,
    protocol: ProtocolVersion,
    sid: Option<Sid>,
    req_data: Parts,
) -> Result<Connection<H, S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(engine.config.ws_read_buffer_size)
        .max_message_size(Some(engine.config.ws_max_message_size))
        .max_frame_size(Some(engine.config.ws_max_frame_size));

    let ws_init = move || WebSocketStream::from_raw_socket(conn, Role::Server, Some(ws_config));
    let (socket, ws, heartbeat) = if let Some(sid) = sid {
        match engine.get_socket(sid) {
            None => return Err(Error::UnknownSessionID(sid)),
            Some(socket) if socket.is_ws() => return Err(Error::MultipleWebsocketRequests),
            Some(socket) => {
                let mut ws = ws_init().await;

                // Boxed: the upgrade's state would otherwise be part of every connection's task
                // for its whole life, as the largest state of this future.
                let upgrade_fut = Box::pin(upgrade_handshake::<H, S>(&socket, &mut ws));
                match tokio::time::timeout(engine.config.upgrade_timeout, upgrade_fut)
                    .with_cancellation_token(&socket.cancellation_token)
                    .await
                {
                    Some(Ok(res)) => res?,
                    Some(Err(_)) => {
                        #[cfg(feature = "tracing")]
                        tracing::debug!(?sid, "ws upgrade timed out, closing session");
                        engine.close_session(socket.id, DisconnectReason::TransportError);
                        return Err(Error::Upgrade);
                    }
                    None => {
                        #[cfg(feature = "tracing")]
                        tracing::debug!(?sid, "socket is being closed");
                        return Err(Error::Upgrade);
                    }
                }
                // The polling session's heartbeat task keeps running.
                (socket, ws, false)
            }
        }
    } else {
        let socket = engine.create_session(protocol, TransportType::Websocket, req_data, false);

        #[cfg(feature = "tracing")]
        tracing::debug!("new websocket connection");

        let mut ws = ws_init().await;
        init_handshake(socket.id, &mut ws, &engine.config).await?;
        (socket, ws, true)
    };

    Ok(Connection {
        engine,
        socket,
        ws,
        heartbeat,
    })
}

/// Drives one websocket connection in one task: reads packets for the handler, writes the
/// socket's queued packets and, for a session that started on websocket, runs the heartbeat.
///
/// Returns `None` when the session was closed (the packets still queued, such as a close
/// packet, are sent first), `Some(Ok(()))` when the client closed the transport and
/// `Some(Err(_))` on a transport or protocol error.
///
/// One task instead of three (reader, writer, heartbeat) and an unsplit stream: an idle
/// connection then costs one task allocation, and no lock is shared between two halves.
async fn drive<H: EngineIoHandler, S>(
    engine: &Arc<EngineIo<H>>,
    socket: &Arc<Socket<H::Data>>,
    ws: &mut WebSocketStream<S>,
    heartbeat: bool,
) -> Option<Result<(), Error>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // A polling request that was in progress during the upgrade may still hold the lock.
    // Whoever holds it is the socket's one receiver. Taken at once when free, so a session
    // closed before this task first ran still gets its queued packets (the close packet).
    let _rx = match socket.internal_rx.try_lock() {
        Ok(rx) => rx,
        Err(_) => {
            let lock = socket.internal_rx.lock();
            let Some(rx) = lock
                .with_cancellation_token(&socket.cancellation_token)
                .await
            else {
                #[cfg(feature = "tracing")]
                tracing::debug!(sid = %socket.id, "session closed before starting the ws writer");
                return None;
            };
            rx
        }
    };

    let config = &engine.config;
    // The v4 heartbeat runs in this loop, on one timer: the first ping at once, then one per
    // `ping_interval` from the start, each answered within `ping_timeout` (the polling
    // heartbeat job's schedule). A v3 session's heartbeat (the client pings) runs in a task
    // of its own, as do polling sessions' (an upgraded session keeps that one).
    let mut beat = Beat::Off;
    if heartbeat {
        if socket.protocol == ProtocolVersion::V4 {
            beat = Beat::Tick;
        } else {
            socket
                .clone()
                .spawn_heartbeat(config.ping_interval, config.ping_timeout);
        }
    }
    let mut tick = tokio::time::Instant::now();
    let timer = tokio::time::sleep_until(tick);
    tokio::pin!(timer);

    let res = loop {
        // Unbiased between reading and writing, so neither starves the other. On
        // cancellation what is still queued is written below, before the close.
        tokio::select! {
            _ = socket.cancellation_token.cancelled() => break None,
            packets = std::future::poll_fn(|cx| socket.queue.poll_recv(cx)) => {
                let Some(mut packets) = packets else { break None };
                write_packets(socket, ws, &mut packets).await;
                while let Some(mut packets) = socket.queue.try_recv() {
                    write_packets(socket, ws, &mut packets).await;
                }
                #[cfg(feature = "tracing")]
                tracing::trace!(sid = %socket.id, "ws flush");
                ws.flush().await.ok();
            }
            msg = ws.next() => match msg {
                None => break Some(Ok(())),
                Some(Err(e)) => break Some(Err(e.into())),
                Some(Ok(msg)) => match on_message(engine, socket, msg) {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Heartbeat) if beat == Beat::Off => socket.heartbeat_received(),
                    Ok(Flow::Heartbeat) => {
                        if beat == Beat::Pong {
                            beat = Beat::Tick;
                            tick += config.ping_interval;
                            timer.as_mut().reset(tick);
                        }
                        // A pong before any ping was asked for is ignored, as it was.
                    }
                    Ok(Flow::Stop) => break Some(Ok(())),
                    Err(e) => break Some(Err(e)),
                },
            },
            () = &mut timer, if beat != Beat::Off => {
                if beat == Beat::Tick && socket.queue.try_send(smallvec![Packet::Ping]).is_ok() {
                    beat = Beat::Pong;
                    timer.as_mut().reset(tokio::time::Instant::now() + config.ping_timeout);
                } else {
                    // No pong in time (or no room for the ping): the session closes, which
                    // cancels this loop; the close packet still goes out below.
                    #[cfg(feature = "tracing")]
                    tracing::debug!(id = ?socket.id, "heartbeat timeout");
                    beat = Beat::Off;
                    socket.close(DisconnectReason::HeartbeatTimeout);
                }
            }
        }
    };

    #[cfg(feature = "tracing")]
    tracing::trace!(sid = %socket.id, "ws closing flush");
    if res.is_none() {
        while let Some(mut packets) = socket.queue.try_recv() {
            write_packets(socket, ws, &mut packets).await;
        }
    }
    ws.flush().await.ok();
    ws.close(None).await.ok();
    res
}

/// Where the in-loop v4 heartbeat is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Beat {
    /// Not run here (a polling or v3 heartbeat task, if any, runs it).
    Off,
    /// Waiting for the time of the next ping.
    Tick,
    /// A ping is out; waiting for its pong.
    Pong,
}

/// What a websocket message asks of the connection loop.
enum Flow {
    Continue,
    /// A Pong (v4) or Ping (v3) arrived.
    Heartbeat,
    /// The client closed the session.
    Stop,
}

/// Hands one websocket message to the handler.
fn on_message<H: EngineIoHandler>(
    engine: &Arc<EngineIo<H>>,
    socket: &Arc<Socket<H::Data>>,
    msg: Message,
) -> Result<Flow, Error> {
    match msg {
        Message::Text(msg) => match Packet::parse(socket.protocol, ws_bytes_to_str(msg))? {
            Packet::Close => {
                #[cfg(feature = "tracing")]
                tracing::debug!("[sid={}] closing session", socket.id);
                engine.close_session(socket.id, DisconnectReason::TransportClose);
                return Ok(Flow::Stop);
            }
            Packet::Pong | Packet::Ping => return Ok(Flow::Heartbeat),
            Packet::Message(msg) => engine.handler.on_message(msg, socket.clone()),
            p => return Err(Error::BadPacket(p)),
        },
        Message::Binary(mut data) => {
            if socket.protocol == ProtocolVersion::V3 && !data.is_empty() {
                // The first byte is the message type, which we don't need.
                data = data.split_off(1);
            }
            engine.handler.on_binary(data, socket.clone());
        }
        Message::Close(_) => {
            #[cfg(feature = "tracing")]
            tracing::debug!("websocket closed, closing session");
            engine.close_session(socket.id, DisconnectReason::TransportClose);
            return Ok(Flow::Stop);
        }
        _ => {
            #[cfg(feature = "tracing")]
            tracing::debug!(sid = ?socket.id, "unexpected ws message");
        }
    }
    Ok(Flow::Continue)
}

/// Feeds packets to the websocket without flushing; the caller flushes once the queue is
/// drained. A failed write is only logged: the read side then sees the broken transport.
///
/// Takes the packets by reference and waits only for the sink to be ready: this future is
/// part of every connection's task, so it keeps no copy of the packets (a `feed` future and a
/// by-value `PacketBuf` iterator made it 670 bytes).
async fn write_packets<D, S>(
    socket: &Socket<D>,
    ws: &mut WebSocketStream<S>,
    packets: &mut engineioxide_core::PacketBuf,
) where
    D: Default + Send + Sync + 'static,
    S: AsyncRead + AsyncWrite + Unpin,
{
    packets.reverse();
    while let Some(item) = packets.pop() {
        let msg = match item {
            Packet::Binary(bin) | Packet::BinaryV3(bin) => {
                if socket.protocol == ProtocolVersion::V3 {
                    // v3 protocol requires packet type as the first byte.
                    // This requires a new buffer. This is OK as it is only for the V3 protocol.
                    let mut buff = Vec::with_capacity(bin.len() + 1);
                    buff.push(0x04);
                    buff.extend(bin);
                    Message::Binary(buff.into())
                } else {
                    Message::Binary(bin)
                }
            }
            // A Noop Packet maybe sent by the server to upgrade from a polling connection
            // In the case that the packet was not poll in time it will remain in the buffer and therefore
            // it should be discarded here
            Packet::Noop => continue,
            item => Message::Text(String::from(item).into()),
        };
        let res = match std::future::poll_fn(|cx| ws.poll_ready_unpin(cx)).await {
            Ok(()) => ws.start_send_unpin(msg),
            Err(e) => Err(e),
        };
        if let Err(_e) = res {
            #[cfg(feature = "tracing")]
            tracing::debug!("[sid={}] error sending packet: {}", socket.id, _e);
        }
    }
}

/// Send a Engine.IO [`OpenPacket`] to initiate a websocket connection
async fn init_handshake<S>(
    sid: Sid,
    ws: &mut WebSocketStream<S>,
    config: &EngineIoConfig,
) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let packet = Packet::Open(make_open_packet(TransportType::Websocket, sid, config));
    let packet: String = packet.into();
    ws.send(Message::Text(packet.into())).await?;
    Ok(())
}

/// Upgrade a session from a polling request to a websocket request.
///
/// Before upgrading the session the server should send a NOOP packet to any pending polling request.
///
/// ## Handshake :
/// ```text
/// CLIENT                                                 SERVER
///│                                                      │
///│   GET /engine.io/?EIO=4&transport=websocket&sid=...  │
///│ ───────────────────────────────────────────────────► │
///│  ◄─────────────────────────────────────────────────┘ │
///│            HTTP 101 (WebSocket handshake)            │
///│                                                      │
///│            -----  WebSocket frames -----             │
///│  ─────────────────────────────────────────────────►  │
///│                         2probe                       │ (ping packet)
///│  ◄─────────────────────────────────────────────────  │
///│                         3probe                       │ (pong packet)
///│  ─────────────────────────────────────────────────►  │
///│                         5                            │ (upgrade packet)
///│                                                      │
///│            -----  WebSocket frames -----             │
/// ```
#[cfg_attr(
    feature = "tracing",
    tracing::instrument(level = "trace", skip(socket, ws))
)]
async fn upgrade_handshake<H: EngineIoHandler, S>(
    socket: &Arc<Socket<H::Data>>,
    ws: &mut WebSocketStream<S>,
) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    #[cfg(feature = "tracing")]
    tracing::debug!("starting websocket connection upgrade");

    // The socket is upgrading, from now on all polling
    // request will return a `Packet::Noop`
    socket.start_upgrade();

    // We send a last Noop request to close a potential waiting polling request.
    // A full queue means that no polling request is waiting: it would have had packets.
    match socket.queue.try_send(smallvec![Packet::Noop]) {
        Ok(()) | Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {}
        Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => return Err(Error::Upgrade),
    }

    // wait for any current polling connection to finish by waiting for the socket to be unlocked
    // All other polling connection will be immediately closed with a NOOP packet.
    let _lock = socket.internal_rx.lock().await;

    // Fetch the next packet from the ws stream, it should be a PingUpgrade packet
    let msg = match ws.next().await {
        Some(Ok(Message::Text(d))) => d,
        _ => Err(Error::Upgrade)?,
    };
    match Packet::parse(socket.protocol, ws_bytes_to_str(msg))? {
        Packet::PingUpgrade => {
            #[cfg(feature = "tracing")]
            tracing::debug!("received first ping upgrade");
            // Respond with a PongUpgrade packet
            ws.send(Message::Text(String::from(Packet::PongUpgrade).into()))
                .await?;
        }
        p => Err(Error::BadPacket(p))?,
    };

    // Fetch the next packet from the ws stream, it should be an Upgrade packet
    let msg = match ws.next().await {
        Some(Ok(Message::Text(d))) => d,
        Some(Ok(Message::Close(_))) => {
            #[cfg(feature = "tracing")]
            tracing::debug!("ws stream closed before upgrade");
            Err(Error::Upgrade)?
        }
        _ => {
            #[cfg(feature = "tracing")]
            tracing::debug!("unexpected ws message before upgrade");
            Err(Error::Upgrade)?
        }
    };
    match Packet::parse(socket.protocol, ws_bytes_to_str(msg))? {
        Packet::Upgrade => {
            #[cfg(feature = "tracing")]
            tracing::debug!("ws upgraded successfully")
        }
        p => Err(Error::BadPacket(p))?,
    };

    socket.upgrade_to_websocket();
    Ok(())
}

fn ws_bytes_to_str(bytes: tungstenite::Utf8Bytes) -> Str {
    // SAFETY: the bytes are guaranteed to be valid UTF-8 by the tungstenite parser
    unsafe { Str::from_bytes_unchecked(bytes.into()) }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use futures_util::StreamExt;
    use tokio::io::DuplexStream;

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(1);

    #[derive(Debug)]
    struct StubHandler;
    impl EngineIoHandler for StubHandler {
        type Data = ();
        fn on_connect(self: Arc<Self>, _: Arc<Socket<()>>) {}
        fn on_disconnect(&self, _: Arc<Socket<()>>, _: DisconnectReason) {}
        fn on_message(self: &Arc<Self>, _: Str, _: Arc<Socket<()>>) {}
        fn on_binary(self: &Arc<Self>, _: Bytes, _: Arc<Socket<()>>) {}
    }

    fn engine_and_socket() -> (Arc<EngineIo<StubHandler>>, Arc<Socket<()>>) {
        let engine = Arc::new(EngineIo::new(
            Arc::new(StubHandler),
            EngineIoConfig::default(),
        ));
        let socket = engine.create_session(
            ProtocolVersion::V4,
            TransportType::Websocket,
            Request::<()>::default().into_parts().0,
            false,
        );
        (engine, socket)
    }

    async fn ws_pair() -> (WebSocketStream<DuplexStream>, WebSocketStream<DuplexStream>) {
        let (server, client) = tokio::io::duplex(1024);
        (
            WebSocketStream::from_raw_socket(server, Role::Server, None).await,
            WebSocketStream::from_raw_socket(client, Role::Client, None).await,
        )
    }

    /// A polling request can still hold the lock at the end of an upgrade.
    #[tokio::test]
    async fn writer_waits_for_the_lock_of_a_polling_request() {
        let (engine, socket) = engine_and_socket();
        let (server, mut client) = ws_pair().await;

        let polling = socket.internal_rx.lock().await;
        let conn = tokio::spawn({
            let socket = socket.clone();
            async move {
                let mut server = server;
                drive(&engine, &socket, &mut server, false).await
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!conn.is_finished(), "the writer should wait for the lock");

        drop(polling);
        socket.emit(Str::from("hello")).unwrap();
        let msg = tokio::time::timeout(TIMEOUT, client.next())
            .await
            .expect("the writer should send the packet")
            .unwrap()
            .unwrap();
        assert_eq!(msg, Message::text("4hello"));
    }

    #[tokio::test]
    async fn writer_waiting_for_the_lock_stops_with_the_session() {
        let (engine, socket) = engine_and_socket();
        let (server, _client) = ws_pair().await;

        let _polling = socket.internal_rx.lock().await;
        let conn = tokio::spawn({
            let socket = socket.clone();
            async move {
                let mut server = server;
                drive(&engine, &socket, &mut server, false).await
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;

        socket.cancellation_token.cancel();
        tokio::time::timeout(TIMEOUT, conn)
            .await
            .expect("the writer should stop")
            .unwrap();
    }

    /// What is queued when the session closes (the close packet) still reaches the client.
    #[tokio::test]
    async fn closing_sends_the_queued_packets_then_closes_the_websocket() {
        let (engine, socket) = engine_and_socket();
        let (server, mut client) = ws_pair().await;
        let conn = tokio::spawn({
            let (engine, socket) = (engine.clone(), socket.clone());
            async move {
                let mut server = server;
                drive(&engine, &socket, &mut server, false).await
            }
        });
        socket.emit(Str::from("last")).unwrap();
        socket.close(DisconnectReason::ClosingServer);
        let mut texts = Vec::new();
        while let Ok(Some(Ok(msg))) = tokio::time::timeout(TIMEOUT, client.next()).await {
            match msg {
                Message::Text(t) => texts.push(t.to_string()),
                Message::Close(_) => break,
                _ => {}
            }
        }
        assert_eq!(texts, ["4last", "1"]);
        let res = tokio::time::timeout(TIMEOUT, conn).await.unwrap().unwrap();
        assert!(res.is_none(), "a session closed by the server is not a transport error");
    }

    /// The heartbeat runs inside the connection's task: a ping goes out, a pong keeps it.
    #[tokio::test]
    async fn a_websocket_session_pings_from_its_own_task() {
        let engine = Arc::new(EngineIo::new(
            Arc::new(StubHandler),
            EngineIoConfig::builder()
                .ping_interval(Duration::from_millis(50))
                .ping_timeout(Duration::from_millis(200))
                .build(),
        ));
        let socket = engine.create_session(
            ProtocolVersion::V4,
            TransportType::Websocket,
            Request::<()>::default().into_parts().0,
            false,
        );
        let (server, mut client) = ws_pair().await;
        tokio::spawn({
            let socket = socket.clone();
            async move {
                let mut server = server;
                drive(&engine, &socket, &mut server, true).await
            }
        });
        for _ in 0..3 {
            let msg = tokio::time::timeout(TIMEOUT, client.next()).await.unwrap();
            assert_eq!(msg.unwrap().unwrap(), Message::text("2"));
            client.send(Message::text("3")).await.unwrap();
        }
        assert!(!socket.is_closed());
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;
    use bytes::Bytes;
    use tokio::io::DuplexStream;

    #[derive(Debug)]
    struct StubHandler;
    impl EngineIoHandler for StubHandler {
        type Data = ();
        fn on_connect(self: Arc<Self>, _: Arc<Socket<()>>) {}
        fn on_disconnect(&self, _: Arc<Socket<()>>, _: DisconnectReason) {}
        fn on_message(self: &Arc<Self>, _: Str, _: Arc<Socket<()>>) {}
        fn on_binary(self: &Arc<Self>, _: Bytes, _: Arc<Socket<()>>) {}
    }

    /// An idle connection's task is this future: it must stay small (it was about 4.8 KB in
    /// three tasks before the patch; see vendor/PATCHES.md in tigo-chat).
    #[tokio::test]
    async fn a_connection_task_stays_small() {
        let engine = Arc::new(EngineIo::new(
            Arc::new(StubHandler),
            EngineIoConfig::default(),
        ));
        let (a, _b) = tokio::io::duplex(64);
        let ws = WebSocketStream::from_raw_socket(a, Role::Server, None).await;
        let socket = engine.create_session(
            ProtocolVersion::V4,
            TransportType::Websocket,
            Request::<()>::default().into_parts().0,
            false,
        );
        let conn = Connection::<StubHandler, DuplexStream> {
            engine,
            socket,
            ws,
            heartbeat: true,
        };
        let task = conn.run();
        let size = std::mem::size_of_val(&task);
        eprintln!("connection task future: {size} bytes");
        assert!(size <= 2200, "the connection task grew to {size} bytes");
    }
}
