//! Voice messages: `type: "voice"` with an audio upload, in the room types `VOICE_MESSAGES`
//! names (support rooms by default), carrying the recording's length and waveform; refused
//! elsewhere and without audio; played back with ranged downloads.

use serde_json::{Value, json};
use tigo_common::{CreateRoom, Room, RoomType};

use super::*;
use crate::attachments::{header, http};
use crate::contract;
use crate::helpers::*;

contract!(
    a_voice_message_in_a_support_room_carries_the_recordings_length_and_waveform,
    voice_messages_are_refused_in_rooms_whose_type_does_not_take_them,
    type_voice_without_an_audio_upload_is_refused,
    a_voice_message_answers_the_ranges_an_audio_element_asks_for,
    an_offline_member_is_pushed_a_voice_message_as_a_microphone,
);

async fn room_of(kind: RoomType, one: &TestUser, two: &TestUser) -> Room {
    one.api
        .create_room(&CreateRoom {
            room_type: kind,
            participant1_id: one.id(),
            participant2_id: two.id(),
            hotel_id: None,
        })
        .await
        .expect("create room")
}

/// Status and JSON of `POST /chat/messages`.
async fn post(app: &TestApp, user: &TestUser, body: Value) -> (u16, Value) {
    let resp = http()
        .post(format!("{}/chat/messages", app.url))
        .bearer_auth(&user.token)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// An uploaded recording's answer.
async fn recorded(app: &TestApp, user: &TestUser, which: Fixture) -> Value {
    let (status, up) = upload(app, user, "voice.ogg", &fixture(which)).await;
    assert_eq!(status, 201, "{up}");
    up
}

async fn a_voice_message_in_a_support_room_carries_the_recordings_length_and_waveform(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let support = app.admin().await;
    let room = room_of(RoomType::CustomerAdmin, &guest, &support).await;
    let up = recorded(&app, &guest, Fixture::Ogg).await;
    let body =
        json!({"chat_room_id": room.id, "content": "", "type": "voice", "attachment_id": up["id"]});
    let (status, sent) = post(&app, &guest, body).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["type"], "voice");
    let attachment = &sent["metadata"]["attachment"];
    assert_eq!(attachment["duration_ms"], up["duration_ms"], "{sent}");
    assert_eq!(attachment["waveform"], up["waveform"], "{sent}");
    assert_eq!(attachment["content_type"], "audio/ogg");
    // The other side reads the same in the history.
    let page = support.api.messages(room.id, "").await.expect("history");
    let stored = serde_json::to_value(&page.messages[0]).expect("json");
    assert_eq!(stored["type"], "voice");
    assert_eq!(stored["metadata"]["attachment"]["waveform"], up["waveform"]);
    assert_quiet_middle(&waveform(&stored["metadata"]["attachment"]), "history");
    // Without a type an audio upload is a voice message; the hotel side's support room too.
    let owner = app.owner().await;
    let desk = room_of(RoomType::HotelOwnerAdmin, &owner, &support).await;
    let up = recorded(&app, &owner, Fixture::Mp3).await;
    let body = json!({"chat_room_id": desk.id, "content": "listen", "attachment_id": up["id"]});
    let (status, sent) = post(&app, &owner, body).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["type"], "voice");
    assert_eq!(sent["content"], "listen");
}

async fn voice_messages_are_refused_in_rooms_whose_type_does_not_take_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let owner = app.owner().await;
    let room = app.room(&guest, &owner).await;
    let up = recorded(&app, &guest, Fixture::Ogg).await;
    // Spoken contact details cannot be masked: not between a guest and a hotel, as a voice
    // message or as a file.
    for kind in [json!("voice"), json!("file"), Value::Null] {
        let body = json!({"chat_room_id": room.id, "content": "", "type": kind, "attachment_id": up["id"]});
        let (status, answer) = post(&app, &guest, body).await;
        assert_error(status, &answer, 403);
        assert_eq!(
            answer["message"],
            "Voice messages are not allowed in this room"
        );
    }
    let page = guest.api.messages(room.id, "").await.expect("history");
    assert!(page.messages.is_empty());
    // An operator may allow them there.
    let app = spawn_app_with(backend, |config| {
        config.files.voice_rooms.push(RoomType::CustomerHotelOwner);
    })
    .await;
    let guest = app.customer().await;
    let owner = app.owner().await;
    let room = app.room(&guest, &owner).await;
    let up = recorded(&app, &guest, Fixture::Ogg).await;
    let body =
        json!({"chat_room_id": room.id, "content": "", "type": "voice", "attachment_id": up["id"]});
    let (status, sent) = post(&app, &guest, body).await;
    assert_eq!(status, 201, "{sent}");
}

/// A link to a recording elsewhere: no recording the server has read.
const ELSEWHERE: &str = "https://cdn.example.com/v.ogg";

async fn type_voice_without_an_audio_upload_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let support = app.admin().await;
    let room = room_of(RoomType::CustomerAdmin, &guest, &support).await;
    let (_, pdf) =
        crate::attachments::upload_raw(&app, &guest, "a.pdf", crate::attachments::PDF).await;
    let refused = [
        json!({"chat_room_id": room.id, "content": "hi", "type": "voice"}),
        json!({"chat_room_id": room.id, "content": "", "type": "voice",
               "file_url": ELSEWHERE, "file_name": "v.ogg"}),
        json!({"chat_room_id": room.id, "content": "", "type": "voice", "attachment_id": pdf["id"]}),
    ];
    for body in refused {
        let (status, answer) = post(&app, &guest, body).await;
        assert_error(status, &answer, 400);
    }
    let page = guest.api.messages(room.id, "").await.expect("history");
    assert!(page.messages.is_empty());
}

async fn a_voice_message_answers_the_ranges_an_audio_element_asks_for(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let support = app.admin().await;
    let room = room_of(RoomType::CustomerAdmin, &guest, &support).await;
    let bytes = fixture(Fixture::Ogg);
    let up = recorded(&app, &guest, Fixture::Ogg).await;
    let body =
        json!({"chat_room_id": room.id, "content": "", "type": "voice", "attachment_id": up["id"]});
    let (_, sent) = post(&app, &guest, body).await;
    let url = sent["file_url"].as_str().expect("a signed URL");
    let n = bytes.len();
    // A media element opens with `bytes=0-`, then seeks with open-ended ranges; no token, no
    // cookie: the signed URL alone.
    for (range, start) in [("bytes=0-", 0), (&*format!("bytes={}-", n / 2), n / 2)] {
        let resp = http()
            .get(url)
            .header("range", range)
            .send()
            .await
            .expect("ranged");
        assert_eq!(resp.status().as_u16(), 206, "{range}");
        assert_eq!(header(resp.headers(), "accept-ranges"), "bytes");
        assert_eq!(header(resp.headers(), "content-type"), "audio/ogg");
        assert_eq!(
            header(resp.headers(), "content-range"),
            format!("bytes {start}-{}/{n}", n - 1)
        );
        let body = resp.bytes().await.expect("body");
        assert_eq!(body.as_ref(), &bytes[start..], "{range}");
    }
}

async fn an_offline_member_is_pushed_a_voice_message_as_a_microphone(backend: Backend) {
    use crate::notifications::{Sink, notify_app, subscribed};
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let guest = app.customer().await;
    let support = app.admin().await;
    let room = room_of(RoomType::CustomerAdmin, &guest, &support).await;
    let device = subscribed(&sink, &support, json!("201")).await;
    let up = recorded(&app, &guest, Fixture::Ogg).await;
    let body =
        json!({"chat_room_id": room.id, "content": "", "type": "voice", "attachment_id": up["id"]});
    let (status, sent) = post(&app, &guest, body).await;
    assert_eq!(status, 201, "{sent}");
    let id = sent["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an id");
    let push = sink.push_for(&device, id).await;
    assert_eq!(push["payload"]["body"], "🎤 Voice message");
}
