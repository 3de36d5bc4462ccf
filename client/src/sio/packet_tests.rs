//! The packet codec against frames the official socket.io-client 4.8 sent and received
//! (`client/tests/fixtures/official-client-frames.jsonl`, recorded by `capture.cjs` there).

use serde_json::Value;

use super::*;

const FRAMES: &str = include_str!("../../tests/fixtures/official-client-frames.jsonl");

/// One recorded frame: its scenario, its transport, its text (or binary bytes).
type Recorded = (String, String, Result<String, Vec<u8>>);

fn frames() -> Vec<Recorded> {
    FRAMES
        .lines()
        .map(|line| {
            let f: Value = serde_json::from_str(line).expect("a fixture line is JSON");
            let field = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            let body = match f["binary"].as_str() {
                Some(b) => Err(BASE64.decode(b).expect("base64 in the fixture")),
                None => Ok(field("text")),
            };
            (field("scenario"), field("transport"), body)
        })
        .collect()
}

/// Every text packet of the fixture, polling bodies split.
fn texts() -> Vec<String> {
    let mut all = Vec::new();
    for (_, transport, body) in frames() {
        if let Ok(text) = body {
            match transport.as_str() {
                "polling" => all.extend(text.split(SEPARATOR).map(str::to_string)),
                _ => all.push(text),
            }
        }
    }
    all
}

#[test]
fn every_recorded_frame_decodes_and_encodes_back_to_the_same_bytes() {
    let all = frames();
    assert!(all.len() > 50, "the fixture holds the recorded frames");
    for (scenario, transport, body) in all {
        match (transport.as_str(), body) {
            ("polling", Ok(text)) => {
                let packets = decode_payload(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                assert_eq!(encode_payload(&packets), text, "{scenario}");
            }
            (_, Ok(text)) => {
                let frame = Frame::text(text.clone());
                let packet = Packet::from_frame(&frame).expect("a data frame");
                let packet = packet.unwrap_or_else(|e| panic!("{text}: {e}"));
                assert_eq!(packet.to_frame(), frame, "{scenario}");
            }
            (_, Err(bytes)) => {
                let frame = Frame::binary(bytes.clone());
                let packet = Packet::from_frame(&frame).expect("a data frame");
                assert_eq!(packet, Ok(Packet::Attachment(Cow::Borrowed(&bytes[..]))));
                assert_eq!(packet.map(|p| p.to_frame()), Ok(frame));
            }
        }
    }
}

/// The first recorded text packet `pick` accepts, decoded.
fn find(pick: impl Fn(&Packet<'_>) -> bool) -> String {
    texts()
        .into_iter()
        .find(|t| Packet::decode(t).is_ok_and(|p| pick(&p)))
        .unwrap_or_else(|| panic!("no such packet in the fixture"))
}

#[test]
fn connect_carries_auth_then_pid_and_offset_when_resuming() {
    let first = find(|p| matches!(p, Packet::Connect { data, .. } if data.contains("token")));
    assert_eq!(first, r#"40/chat,{"token":"<token>"}"#);
    let resumed = find(|p| matches!(p, Packet::Connect { data, .. } if data.contains("offset")));
    let Ok(Packet::Connect { namespace, data }) = Packet::decode(&resumed) else {
        panic!("{resumed}");
    };
    let auth: Value = serde_json::from_str(data).expect("JSON auth");
    assert_eq!(namespace, "/chat");
    assert!(
        auth["pid"].is_string() && auth["offset"].is_string(),
        "{auth}"
    );
    let reply = find(|p| {
        matches!(p, Packet::Connect { data, .. } if data.contains("pid")
        && !data.contains("offset"))
    });
    assert!(reply.starts_with(r#"40/chat,{"sid":""#), "{reply}");
}

#[test]
fn refusal_ping_pong_acks_and_binary_events_decode_to_their_kinds() {
    assert_eq!(
        Packet::decode(&find(|p| matches!(p, Packet::ConnectError { .. }))),
        Ok(Packet::ConnectError {
            namespace: "/chat",
            data: r#"{"message":"Invalid token"}"#
        })
    );
    assert_eq!(Packet::decode("2"), Ok(Packet::Ping("")));
    assert_eq!(Packet::Pong("").encode(), "3");
    let asked = find(|p| matches!(p, Packet::Event { id: Some(1), .. }));
    assert!(asked.starts_with(r#"42/chat,1["send_message","#), "{asked}");
    let answer = find(|p| matches!(p, Packet::Ack { id: 0, .. }));
    assert!(answer.starts_with(r#"43/chat,0[{"#), "{answer}");
    let binary = find(|p| matches!(p, Packet::BinaryEvent { .. }));
    assert!(matches!(
        Packet::decode(&binary),
        Ok(Packet::BinaryEvent { namespace: "/chat", attachments: 1, id: None, data })
            if data.contains(r#"{"_placeholder":true,"num":0}"#)
    ));
}

#[test]
fn a_polling_body_holds_several_packets_and_base64_attachments() {
    let packets = decode_payload("2\x1e40/chat,{\"sid\":\"s\"}\x1ebAAEC/w==").expect("a body");
    assert_eq!(
        packets,
        vec![
            Packet::Ping(""),
            Packet::Connect {
                namespace: "/chat",
                data: "{\"sid\":\"s\"}"
            },
            Packet::Attachment(Cow::Owned(vec![0, 1, 2, 255])),
        ]
    );
}

#[test]
fn what_is_not_a_packet_is_an_error_not_a_guess() {
    for bad in [
        "",
        "x",
        "4",
        "49",
        "43/chat,[]",
        "45/chat,[]",
        "45x-[]",
        "b***",
    ] {
        assert!(Packet::decode(bad).is_err(), "{bad:?} decoded");
    }
    assert_eq!(
        Packet::decode("42[\"a\"]"),
        Ok(Packet::Event {
            namespace: "/",
            id: None,
            data: "[\"a\"]"
        })
    );
}
