//! Recordings for the voice tests, made by ffmpeg (Debian's; `scripts/services.sh` installs
//! it) the first time a test asks for one, once per run: a 3 s tone whose middle second is a
//! tenth as loud, in each format browsers and phones record, and the raw material of the
//! hostile files (`craft`).

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{LazyLock, Mutex};

use uuid::Uuid;

/// How long the tone recordings last, in milliseconds.
pub const LENGTH_MS: i64 = 3000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fixture {
    /// Ogg/Opus: Firefox's MediaRecorder, WhatsApp and Telegram.
    Ogg,
    /// Ogg/Vorbis, as older recorders write it.
    Vorbis,
    /// WebM/Opus as Chrome's MediaRecorder writes it: to a stream, so without a duration, cues
    /// or element sizes.
    RecorderWebm,
    /// MP4/AAC as a phone's `.m4a`, its index (`moov`) at the end.
    M4a,
    /// Fragmented MP4/AAC, as Safari's MediaRecorder writes it.
    FragmentedMp4,
    /// MPEG audio Layer III with a Xing header.
    Mp3,
    /// Half a second of Ogg/Opus.
    HalfSecond,
    /// 12 s of recorder-style WebM/Opus.
    LongWebm,
    /// VP8 video with an Opus track, in WebM.
    VideoWebm,
    /// H.264 video with an AAC track, in MP4.
    VideoMp4,
    /// Raw AAC frames (ADTS) of silence at 16 kHz, for a hand-made MP4.
    SilentAdts,
}

/// The tone: 3 s at 440 Hz, the second in the middle at a tenth of the volume.
const TONE: [&str; 8] = [
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:duration=3",
    "-af",
    "volume=enable='between(t,1,2)':volume=0.1",
    "-ac",
    "1",
];

/// The fixture's bytes (made once per test run).
pub fn fixture(which: Fixture) -> Vec<u8> {
    static MADE: LazyLock<Mutex<HashMap<Fixture, Vec<u8>>>> = LazyLock::new(Default::default);
    if let Some(bytes) = MADE.lock().expect("fixtures").get(&which) {
        return bytes.clone();
    }
    let bytes = make(which);
    MADE.lock().expect("fixtures").insert(which, bytes.clone());
    bytes
}

fn make(which: Fixture) -> Vec<u8> {
    let opus = ["-c:a", "libopus", "-b:a", "24k"];
    match which {
        Fixture::Ogg => ffmpeg(&[&TONE[..], &opus[..]].concat(), Some("ogg")),
        Fixture::Vorbis => ffmpeg(
            &[&TONE[..], &["-c:a", "libvorbis", "-q:a", "2"]].concat(),
            Some("ogg"),
        ),
        Fixture::RecorderWebm => ffmpeg(
            &[&TONE[..], &opus[..], &["-f", "webm", "-live", "1"]].concat(),
            None,
        ),
        Fixture::M4a => ffmpeg(
            &[&TONE[..], &["-c:a", "aac", "-b:a", "48k"]].concat(),
            Some("m4a"),
        ),
        Fixture::FragmentedMp4 => ffmpeg(
            &[
                &TONE[..],
                &[
                    "-c:a",
                    "aac",
                    "-f",
                    "mp4",
                    "-movflags",
                    "+frag_keyframe+empty_moov",
                ],
            ]
            .concat(),
            None,
        ),
        Fixture::Mp3 => ffmpeg(
            &[&TONE[..], &["-c:a", "libmp3lame", "-b:a", "32k"]].concat(),
            Some("mp3"),
        ),
        Fixture::HalfSecond => ffmpeg(
            &[
                &["-f", "lavfi", "-i", "sine=duration=0.5", "-ac", "1"][..],
                &opus[..],
            ]
            .concat(),
            Some("ogg"),
        ),
        Fixture::LongWebm => ffmpeg(
            &[
                &["-f", "lavfi", "-i", "sine=duration=12", "-ac", "1"][..],
                &opus[..],
                &["-f", "webm", "-live", "1"],
            ]
            .concat(),
            None,
        ),
        _ => hostile(which),
    }
}

/// The files that are not voice recordings: videos with an audio track, AAC without a
/// container.
fn hostile(which: Fixture) -> Vec<u8> {
    let video = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10",
        "-f",
        "lavfi",
    ];
    match which {
        Fixture::VideoWebm => ffmpeg(
            &[
                &video[..],
                &["-i", "sine", "-t", "3", "-c:v", "libvpx", "-c:a", "libopus"],
            ]
            .concat(),
            Some("webm"),
        ),
        Fixture::VideoMp4 => ffmpeg(
            &[
                &video[..],
                &["-i", "sine", "-t", "3", "-c:v", "libx264", "-c:a", "aac"],
            ]
            .concat(),
            Some("mp4"),
        ),
        Fixture::SilentAdts => ffmpeg(
            &[
                "-f",
                "lavfi",
                "-i",
                "anullsrc=r=16000:cl=mono",
                "-t",
                "2",
                "-c:a",
                "aac",
                "-b:a",
                "16k",
                "-f",
                "adts",
            ],
            None,
        ),
        _ => unreachable!("the recordings are made by `make`"),
    }
}

/// Runs ffmpeg with `args`, writing to a file with extension `ext` (a seekable output, as a
/// phone writes) or, with `None`, to a pipe (as a recorder streams); returns what it wrote.
fn ffmpeg(args: &[&str], ext: Option<&str>) -> Vec<u8> {
    let path = ext.map(|ext| {
        std::env::temp_dir().join(format!("tigo-voice-{}.{ext}", Uuid::new_v4().simple()))
    });
    let mut command = Command::new("ffmpeg");
    command
        .args(["-v", "error", "-nostdin", "-y"])
        .args(args)
        .stdin(Stdio::null());
    match &path {
        Some(path) => command.arg(path),
        None => command.arg("pipe:1"),
    };
    let out = command.output().unwrap_or_else(|e| {
        panic!("the voice tests need ffmpeg (scripts/services.sh installs it): {e}")
    });
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match path {
        Some(path) => {
            let bytes = std::fs::read(&path).expect("ffmpeg's output");
            let _ = std::fs::remove_file(&path);
            bytes
        }
        None => out.stdout,
    }
}
