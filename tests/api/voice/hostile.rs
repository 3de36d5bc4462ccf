//! Hostile recordings: each is refused (400 for a length out of bounds, 415 for what is not
//! readable audio of its detected type) within seconds, and nothing is stored; a good one
//! that found no turn to be read is 503, not 415.

use std::time::{Duration, Instant};

use super::*;
use crate::contract;
use crate::helpers::*;

contract!(
    recordings_that_are_not_readable_audio_of_their_type_are_refused_with_415,
    recordings_shorter_than_a_second_or_longer_than_the_limit_are_refused_with_400,
    a_few_kilobytes_that_last_hours_are_refused_at_once,
    audio_that_runs_on_while_its_timestamps_stand_still_is_refused,
    reading_a_recording_stops_at_its_time_limit,
    a_recording_that_waits_past_the_limit_for_its_turn_is_503_and_can_be_sent_again,
);

async fn recordings_that_are_not_readable_audio_of_their_type_are_refused_with_415(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let ogg = fixture(Fixture::Ogg);
    let m4a = fixture(Fixture::M4a);
    let lying = mp4::aac_lasting_hours(&fixture(Fixture::SilentAdts), 336, 336, 1);
    let cases: Vec<(&str, Vec<u8>, &[u16])> = vec![
        ("headers-only.ogg", ogg[..200].to_vec(), &[415]),
        // An .m4a's index is at its end: without it nothing is playable.
        ("half.m4a", m4a[..m4a.len() / 2].to_vec(), &[415]),
        (
            "noise.ogg",
            craft::header_then_garbage(&ogg, 1024),
            &[400, 415],
        ),
        (
            "noise.webm",
            craft::header_then_garbage(&fixture(Fixture::RecorderWebm), 1024),
            &[400, 415],
        ),
        (
            "noise.m4a",
            craft::header_then_garbage(&fixture(Fixture::FragmentedMp4), 1024),
            &[400, 415],
        ),
        (
            "noise.mp3",
            craft::header_then_garbage(&fixture(Fixture::Mp3), 1024),
            &[400, 415],
        ),
        ("video.webm", fixture(Fixture::VideoWebm), &[415]),
        ("video.mp4", fixture(Fixture::VideoMp4), &[415]),
        // 7,000 s of frames whose timestamps add up to 7 s.
        ("lying.m4a", lying, &[400, 415]),
    ];
    for (name, bytes, expected) in cases {
        let (status, answer) = upload(&app, &guest, name, &bytes).await;
        assert_refused(&app, status, &answer, expected, name);
    }
}

async fn recordings_shorter_than_a_second_or_longer_than_the_limit_are_refused_with_400(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |config| {
        config.files.voice_max_duration = Duration::from_secs(2);
    })
    .await;
    let guest = app.customer().await;
    for (name, which) in [
        ("long.ogg", Fixture::Ogg),
        // No length in its header: found too long while it is read.
        ("long.webm", Fixture::RecorderWebm),
        ("long.m4a", Fixture::M4a),
        ("long.mp3", Fixture::Mp3),
        ("short.ogg", Fixture::HalfSecond),
    ] {
        let (status, answer) = upload(&app, &guest, name, &fixture(which)).await;
        assert_refused(&app, status, &answer, &[400], name);
    }
    let (status, answer) = upload(&app, &guest, "empty.ogg", b"").await;
    assert_refused(&app, status, &answer, &[400], "zero-length");
}

async fn a_few_kilobytes_that_last_hours_are_refused_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let ogg = craft::ogg_lasting_hours(&fixture(Fixture::Ogg), 5);
    let m4a = mp4::aac_lasting_hours(&fixture(Fixture::SilentAdts), 336, 336, 1024);
    assert!(m4a.len() < 8 * 1024, "{} bytes", m4a.len());
    for (name, bytes) in [("hours.ogg", ogg), ("hours.m4a", m4a)] {
        let started = Instant::now();
        let (status, answer) = upload(&app, &guest, name, &bytes).await;
        assert_refused(&app, status, &answer, &[400], name);
        assert!(started.elapsed() < Duration::from_secs(5), "{name}");
    }
}

async fn audio_that_runs_on_while_its_timestamps_stand_still_is_refused(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.files.voice_max_duration = Duration::from_secs(2);
    })
    .await;
    let guest = app.customer().await;
    // 12 s of audio in blocks stamped 1 ms apart: decoding stops at the cap (the limit and
    // 2 s), not at the end.
    let stalled = craft::webm_with_stalled_clock(&fixture(Fixture::LongWebm));
    let (status, answer) = upload(&app, &guest, "stalled.webm", &stalled).await;
    assert_refused(&app, status, &answer, &[400], "stalled clock");
    // 3 s in blocks 1 ms apart: within the cap, but its timing and its audio disagree.
    let app = spawn_app(backend).await;
    let guest = app.customer().await;
    let stalled = craft::webm_with_stalled_clock(&fixture(Fixture::RecorderWebm));
    let (status, answer) = upload(&app, &guest, "stalled.webm", &stalled).await;
    assert_refused(&app, status, &answer, &[415], "stalled clock, short");
}

async fn reading_a_recording_stops_at_its_time_limit(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.files.voice_read_limit = Duration::ZERO;
    })
    .await;
    let guest = app.customer().await;
    let (status, answer) = upload(&app, &guest, "voice.ogg", &fixture(Fixture::Ogg)).await;
    assert_refused(&app, status, &answer, &[415], "no time to read");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("within")),
        "{answer}"
    );
}

async fn a_recording_that_waits_past_the_limit_for_its_turn_is_503_and_can_be_sent_again(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |config| {
        config.files.voice_read_limit = Duration::from_secs(2);
    })
    .await;
    let guest = app.customer().await;
    // Another reading holds this instance's one turn for longer than the limit.
    let held = app.state.files.voice_turn().await.expect("the turn");
    let (status, answer) = upload(&app, &guest, "voice.ogg", &fixture(Fixture::Ogg)).await;
    assert_refused(&app, status, &answer, &[503], "no turn to read");
    drop(held);
    let (status, answer) = upload(&app, &guest, "voice.ogg", &fixture(Fixture::Ogg)).await;
    assert_eq!(status, 201, "the same file once the turn is free: {answer}");
    assert!(
        answer["duration_ms"].as_u64().is_some_and(|ms| ms > 0),
        "{answer}"
    );
}
