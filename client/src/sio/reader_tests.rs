//! The one reading loop against a scripted peer on a real loopback socket: pings are answered
//! before and after the namespace accepts, the CONNECT reply resumes the session asked for,
//! and events keep their offset for the next resume.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;

use super::*;

const T: Duration = Duration::from_secs(5);

/// The next text frame the client sent.
async fn next_text<S>(ws: &mut S) -> String
where
    S: StreamExt<Item = Result<Frame, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(T, ws.next()).await {
            Ok(Some(Ok(Frame::Text(t)))) => return t.to_string(),
            Ok(Some(Ok(_))) => continue,
            other => panic!("no text frame from the client: {other:?}"),
        }
    }
}

#[tokio::test]
async fn one_loop_answers_pings_joins_and_tracks_offsets() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let peer = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("a connection");
        let mut ws = tokio_tungstenite::accept_async(tcp)
            .await
            .expect("a websocket");
        let send = |t: &str| Frame::text(t.to_string());
        ws.send(send(r#"0{"sid":"e","pingInterval":25000}"#))
            .await
            .ok();
        ws.send(send("2")).await.ok();
        let mut seen = vec![next_text(&mut ws).await, next_text(&mut ws).await];
        seen.sort();
        ws.send(send(r#"40/chat,{"sid":"s1","pid":"p1"}"#))
            .await
            .ok();
        ws.send(send(r#"42/chat,["new_message",{"n":1},"off-2"]"#))
            .await
            .ok();
        ws.send(send("2probe")).await.ok();
        seen.push(next_text(&mut ws).await);
        seen
    });
    let options = SocketOptions {
        resume: Some(Resume {
            pid: "p1".into(),
            offset: Some("off-1".into()),
        }),
        ..SocketOptions::with_token("tok")
    };
    let (socket, mut events) = Socket::connect(&base, options).await.expect("joined");
    let event = events.next_within(T).await.expect("the event");
    let seen = peer.await.expect("the peer ran");
    assert_eq!((seen[0].as_str(), seen[2].as_str()), ("3", "3probe"));
    let auth = seen[1].strip_prefix("40/chat,").expect("a CONNECT");
    let auth: Value = serde_json::from_str(auth).expect("JSON auth");
    assert_eq!(
        auth,
        serde_json::json!({"token": "tok", "pid": "p1", "offset": "off-1"})
    );
    assert_eq!((socket.sid(), socket.recovered()), ("s1", true));
    assert_eq!(event.name, "new_message");
    assert_eq!(event.data, serde_json::json!({"n": 1}));
    let resume = socket.resume().expect("recovery offered");
    assert_eq!(resume.offset.as_deref(), Some("off-2"));
}

#[tokio::test]
async fn a_refusal_is_the_servers_message() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("a connection");
        let mut ws = tokio_tungstenite::accept_async(tcp)
            .await
            .expect("a websocket");
        ws.send(Frame::text(r#"0{"sid":"e"}"#)).await.ok();
        let _ = next_text(&mut ws).await;
        ws.send(Frame::text(r#"44/chat,{"message":"Invalid token"}"#))
            .await
            .ok();
        let _ = ws.next().await;
    });
    let refused = Socket::connect(&base, SocketOptions::with_token("bad")).await;
    assert!(matches!(refused, Err(SioError::Refused(m)) if m == "Invalid token"));
}
