//! Audio uploads: each format browsers and phones record is stored with the length its own
//! timing gives (within 150 ms of the truth) and a 64-slice waveform that shows the tone's
//! quiet middle; the length is the stream's, whatever the file declares.

use serde_json::Value;

use super::*;
use crate::attachments::{PDF, get, header};
use crate::contract;
use crate::helpers::*;

contract!(
    every_format_browsers_and_phones_record_is_stored_with_its_length_and_waveform,
    a_cut_recording_lasts_as_long_as_what_arrived_whatever_its_header_says,
    other_files_answer_null_for_length_and_waveform,
);

/// In an S3-compatible store a recording is read a window at a time, by ranged requests;
/// a refused one leaves no object behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_in_an_s3_compatible_store_are_read_by_ranges() {
    use crate::attachments::s3::{keys_under, s3_endpoint, s3_store};
    let prefix = format!("v-{}", uuid::Uuid::new_v4().simple());
    let store = s3_store(&s3_endpoint(), &prefix);
    let app = spawn_app_with(Backend::Postgres, |c| c.files.store = store).await;
    let guest = app.customer().await;
    // The MP3 opens with an ID3 tag to skip; the .m4a's index is at its end.
    for (name, which) in [
        ("v.mp3", Fixture::Mp3),
        ("v.m4a", Fixture::M4a),
        ("v.webm", Fixture::RecorderWebm),
    ] {
        let (status, up) = upload(&app, &guest, name, &fixture(which)).await;
        assert_eq!(status, 201, "{name}: {up}");
        let ms = up["duration_ms"].as_i64().expect("a length");
        assert!((ms - LENGTH_MS).abs() <= 150, "{name}: {ms} ms");
        assert_quiet_middle(&waveform(&up), name);
    }
    let stored = keys_under(&prefix).await.len();
    let (status, answer) = upload(&app, &guest, "short.ogg", &fixture(Fixture::HalfSecond)).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        keys_under(&prefix).await.len(),
        stored,
        "the refused recording left an object"
    );
}

async fn every_format_browsers_and_phones_record_is_stored_with_its_length_and_waveform(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let recorder = fixture(Fixture::RecorderWebm);
    assert!(
        !craft::webm_declares_duration(&recorder),
        "a recorder's WebM has no duration"
    );
    let cases = [
        ("voice.ogg", Fixture::Ogg, "audio/ogg"),
        ("vorbis.ogg", Fixture::Vorbis, "audio/ogg"),
        ("recording.webm", Fixture::RecorderWebm, "audio/webm"),
        ("memo.m4a", Fixture::M4a, "audio/mp4"),
        ("safari.mp4", Fixture::FragmentedMp4, "audio/mp4"),
        ("voice.mp3", Fixture::Mp3, "audio/mpeg"),
    ];
    for (name, which, content_type) in cases {
        let bytes = fixture(which);
        let (status, up) = upload(&app, &guest, name, &bytes).await;
        assert_eq!(status, 201, "{name}: {up}");
        assert_eq!(up["content_type"], content_type, "{name}");
        let ms = up["duration_ms"]
            .as_i64()
            .unwrap_or_else(|| panic!("{name}: {up}"));
        assert!((ms - LENGTH_MS).abs() <= 150, "{name}: {ms} ms");
        assert_quiet_middle(&waveform(&up), name);
        assert_eq!(up["width"], Value::Null, "{name}");
        assert_eq!(up["thumbnail_url"], Value::Null, "{name}");
        // Stored as uploaded, served with its type.
        let (status, headers, body) = get(up["file_url"].as_str().expect("url"), None).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(body, bytes, "{name}");
        assert_eq!(header(&headers, "content-type"), content_type, "{name}");
    }
}

async fn a_cut_recording_lasts_as_long_as_what_arrived_whatever_its_header_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    // The MP3's Xing header says 3 s: 60 % of it arrived, and at a constant bit rate that is
    // 60 % of its length.
    let mp3 = fixture(Fixture::Mp3);
    let (status, up) = upload(&app, &guest, "cut.mp3", &mp3[..mp3.len() * 6 / 10]).await;
    assert_eq!(status, 201, "{up}");
    let ms = up["duration_ms"].as_i64().expect("a length");
    assert!(
        (ms - LENGTH_MS * 6 / 10).abs() <= 200,
        "{ms} ms, not {LENGTH_MS}"
    );
    assert_eq!(waveform(&up).len(), 64);
    // An Ogg stream ends with its last whole page (ffmpeg writes a page a second).
    let ogg = fixture(Fixture::Ogg);
    let (status, up) = upload(&app, &guest, "cut.ogg", &ogg[..ogg.len() * 8 / 10]).await;
    assert_eq!(status, 201, "{up}");
    let ms = up["duration_ms"].as_i64().expect("a length");
    assert!((1000..=2600).contains(&ms), "{ms} ms, not {LENGTH_MS}");
}

async fn other_files_answer_null_for_length_and_waveform(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let (status, up) = crate::attachments::upload_raw(&app, &owner, "r.pdf", PDF).await;
    assert_eq!(status, 201, "{up}");
    assert!(up.get("duration_ms").is_some_and(Value::is_null), "{up}");
    assert!(up.get("waveform").is_some_and(Value::is_null), "{up}");
    let png = crate::attachments::png(4, 4);
    let (status, up) = crate::attachments::upload_raw(&app, &owner, "a.png", &png).await;
    assert_eq!(status, 201, "{up}");
    assert!(up.get("duration_ms").is_some_and(Value::is_null), "{up}");
}
