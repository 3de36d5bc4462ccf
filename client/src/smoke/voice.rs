//! The smoke test's voice step, when a support user is given: A opens (or reuses) their
//! support room, uploads a recording and sends it as a voice message; the server must read its
//! length and waveform, and support must get both and the recording itself back.

use std::time::Duration;

use tigo_common::{CreateRoom, LoginResponse, Message, MessageType, RoomType, SendMessage};
use uuid::Uuid;

use super::Run;
use super::attachment::{download_back, seen_by, upload_within};
use crate::api::Api;

/// 1.5 s of Ogg/Opus, a 440 Hz tone whose middle third is quiet, made with
/// `ffmpeg -f lavfi -i "sine=frequency=440:duration=1.5" -af
/// "volume=enable='between(t,0.5,1)':volume=0.1" -ac 1 -c:a libopus -b:a 12k -map_metadata -1
/// -fflags +bitexact -flags:a +bitexact voice.ogg` (committed: a deployment has no ffmpeg).
const VOICE: &[u8] = include_bytes!("voice.ogg");

/// The recording's length, and how far the server's reading of it may be off.
const VOICE_MS: i64 = 1500;
const TOLERANCE_MS: i64 = 150;

pub(super) async fn step(
    run: &mut Run<'_>,
    t: Duration,
    a: &LoginResponse,
    a_api: &Api,
    support: &LoginResponse,
    support_api: &Api,
    sent: &mut Vec<(Api, Uuid)>,
) {
    let work = async {
        let room_type = RoomType::infer(&a.user.roles, &support.user.roles)
            .filter(|t| *t != RoomType::CustomerHotelOwner)
            .ok_or("user A and the support user fit no support room")?;
        let room = a_api
            .create_room(&CreateRoom {
                room_type,
                participant1_id: a.user.id,
                participant2_id: support.user.id,
                hotel_id: None,
            })
            .await
            .map_err(|e| format!("support room: {e}"))?;
        let up = upload_within(a_api, t, "smoke-voice.ogg", VOICE).await?;
        read_right(up.duration_ms, up.waveform.as_deref())?;
        let req = SendMessage {
            chat_room_id: room.id,
            message_type: MessageType::Voice,
            attachment_id: Some(up.id),
            client_msg_id: Some(format!("smoke-voice-{}", Uuid::new_v4().simple())),
            ..SendMessage::default()
        };
        let message: Message = a_api.send(&req).await.map_err(|e| format!("send: {e}"))?;
        sent.push((a_api.clone(), message.id));
        heard(support_api, room.id, message.id).await
    };
    run.step(
        "A sends a voice message to support, who gets its length, waveform and bytes",
        work,
    )
    .await;
}

/// Support finds the voice message with its facts, and downloads the recording by its
/// signed URL alone.
async fn heard(support_api: &Api, room: Uuid, id: Uuid) -> Result<(), String> {
    let seen = seen_by(
        support_api,
        room,
        id,
        "support does not see the voice message",
    )
    .await?;
    if seen.message_type != MessageType::Voice {
        return Err(format!(
            "stored as {}, not voice",
            seen.message_type.as_str()
        ));
    }
    let attachment = seen
        .metadata
        .as_ref()
        .and_then(|m| m.get("attachment"))
        .ok_or("no metadata.attachment")?;
    let waveform: Option<Vec<f64>> = attachment
        .get("waveform")
        .and_then(|w| serde_json::from_value(w.clone()).ok());
    read_right(
        attachment.get("duration_ms").and_then(|d| d.as_i64()),
        waveform.as_deref(),
    )?;
    let url = seen.file_url.as_deref().ok_or("no file_url")?;
    download_back(support_api, url, VOICE).await
}

/// The server read the recording: its length, and 64 numbers from 0 to 1.
fn read_right(duration_ms: Option<i64>, waveform: Option<&[f64]>) -> Result<(), String> {
    let ms = duration_ms.ok_or("no duration_ms: was the recording read?")?;
    if (ms - VOICE_MS).abs() > TOLERANCE_MS {
        return Err(format!("duration_ms {ms}, the recording lasts {VOICE_MS}"));
    }
    match waveform {
        Some(w) if w.len() == 64 && w.iter().all(|v| (0.0..=1.0).contains(v)) => Ok(()),
        other => Err(format!(
            "not a waveform of 64 numbers from 0 to 1: {other:?}"
        )),
    }
}
