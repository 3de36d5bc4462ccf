//! Reading a recording: its container demuxed by the reader of its detected type (never
//! another's), its length from the packets' own timing, and every packet decoded (Symphonia
//! for AAC, MP3 and Vorbis, Debian's libopus for Opus) into the waveform, within the bounds.

use std::io::Read;
use std::sync::LazyLock;
use std::time::Instant;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error;
use symphonia::core::formats::{FormatOptions, FormatReader, Track, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::packet::Packet;
use symphonia::core::units::{TimeBase, Timestamp};
use symphonia::default::formats::{IsoMp4Reader, MkvReader, MpaReader, OggReader};

use super::source::StoreSource;
use super::waveform::{Loudness, Overflow};
use super::{AudioFormat, Bounds, Voice, VoiceError};

/// Symphonia's decoders of the enabled codecs, and libopus's.
static CODECS: LazyLock<CodecRegistry> = LazyLock::new(|| {
    let mut codecs = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut codecs);
    codecs.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
    codecs
});

/// Reads a whole recording of the given container format.
pub(super) fn read(
    source: StoreSource,
    format: AudioFormat,
    bounds: &Bounds,
) -> Result<Voice, VoiceError> {
    let mut reader = open(source, format)?;
    let track = audio_track(reader.as_ref())?;
    let (time_base, params) = match (&track.time_base, &track.codec_params) {
        (Some(tb), Some(CodecParameters::Audio(params))) => (*tb, params.clone()),
        _ => return Err(unreadable("the audio track has no timing")),
    };
    // What the container declares is never the length; it only refuses early what is
    // already too long by its own word. (An MP3 without a Xing header declares nothing: its
    // length there is Symphonia's guess from the bit rate.)
    if let Some(declared) = track.duration.and_then(|d| time_base.calc_duration(d))
        && format != AudioFormat::Mpeg
        && declared.as_millis() > bounds.max.as_millis() as i128
    {
        return Err(VoiceError::TooLong);
    }
    let mut decoder = CODECS
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|_| unreadable("its codec is not one we decode"))?;
    let max_ms = bounds.max.as_millis() as u64 + SLACK_MS;
    let mut state = Reading {
        timing: Timing::new(time_base, max_ms),
        loudness: None,
        max_ms,
        samples: Vec::new(),
    };
    while let Some(packet) = next_packet(reader.as_mut(), bounds.deadline)? {
        if packet.track_id == track.id {
            state.packet(decoder.as_mut(), &packet)?;
        }
    }
    state.finish(bounds)
}

/// Decoded audio may run this far past the longest length allowed before it is refused: a
/// codec's frames do not end exactly where the container's timing does.
const SLACK_MS: u64 = 2_000;

fn unreadable(why: &str) -> VoiceError {
    VoiceError::Unreadable(why.to_string())
}

/// The container's reader, chosen by the detected type. An MP3's ID3v2 tag is skipped first:
/// the MPEG reader looks for frames anywhere, and a tag (a cover picture) may hold look-alikes.
fn open(mut source: StoreSource, format: AudioFormat) -> Result<Box<dyn FormatReader>, VoiceError> {
    if format == AudioFormat::Mpeg {
        let mut head = [0u8; 10];
        let read = source
            .read(&mut head)
            .map_err(|e| unreadable(&e.to_string()))?;
        source.start_at(id3v2_len(&head[..read]) as u64);
    }
    let source = MediaSourceStream::new(Box::new(source), MediaSourceStreamOptions::default());
    let opts = FormatOptions::default();
    let reader: Result<Box<dyn FormatReader>, Error> = match format {
        AudioFormat::Ogg => OggReader::try_new(source, opts).map(|r| Box::new(r) as _),
        AudioFormat::WebM => MkvReader::try_new(source, opts).map(|r| Box::new(r) as _),
        AudioFormat::Mp4 => IsoMp4Reader::try_new(source, opts).map(|r| Box::new(r) as _),
        AudioFormat::Mpeg => MpaReader::try_new(source, opts).map(|r| Box::new(r) as _),
    };
    reader.map_err(|e| VoiceError::Unreadable(e.to_string()))
}

/// The length of an ID3v2 tag at the start (header, body and footer), or 0.
fn id3v2_len(bytes: &[u8]) -> usize {
    match bytes {
        [b'I', b'D', b'3', _, _, flags, s0, s1, s2, s3, ..] => {
            let size = [s0, s1, s2, s3]
                .iter()
                .fold(0usize, |size, b| (size << 7) | usize::from(**b & 0x7f));
            let footer = if flags & 0x10 != 0 { 10 } else { 0 };
            10 + size + footer
        }
        _ => 0,
    }
}

/// The audio track; a file with a video track is a video, whatever else it holds.
fn audio_track(reader: &dyn FormatReader) -> Result<Track, VoiceError> {
    if reader
        .tracks()
        .iter()
        .any(|t| matches!(t.codec_params, Some(CodecParameters::Video(_))))
    {
        return Err(VoiceError::Video);
    }
    reader
        .default_track(TrackType::Audio)
        .cloned()
        .ok_or_else(|| unreadable("it has no audio track"))
}

/// The next packet, or `None` at the end. A stream that stops short of a whole page, block or
/// frame ends there: recorders write WebM without a length, and a cut recording is the part
/// that arrived.
fn next_packet(
    reader: &mut dyn FormatReader,
    deadline: Instant,
) -> Result<Option<Packet>, VoiceError> {
    if Instant::now() >= deadline {
        return Err(VoiceError::TimedOut);
    }
    match reader.next_packet() {
        Ok(packet) => Ok(packet),
        Err(Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(Error::ResetRequired) => Err(unreadable("its audio changes format midway")),
        Err(e) => Err(VoiceError::Unreadable(format!("a damaged stream: {e}"))),
    }
}

/// One recording being read.
struct Reading {
    timing: Timing,
    /// At the rate of the decoded audio, known from the first packet decoded.
    loudness: Option<Loudness>,
    max_ms: u64,
    /// Decoded samples of one packet (reused).
    samples: Vec<f32>,
}

impl Reading {
    fn packet(
        &mut self,
        decoder: &mut dyn AudioDecoder,
        packet: &Packet,
    ) -> Result<(), VoiceError> {
        let decoded = decoder
            .decode(packet)
            .map_err(|e| VoiceError::Unreadable(format!("a packet does not decode: {e}")))?;
        let frames = decoded.frames() as u64;
        let (rate, channels) = (decoded.spec().rate(), decoded.spec().channels().count());
        decoded.copy_to_vec_interleaved(&mut self.samples);
        let max_ms = self.max_ms;
        let loudness = self
            .loudness
            .get_or_insert_with(|| Loudness::new(rate, max_ms));
        if loudness.rate() != rate {
            return Err(unreadable("its sample rate changes midway"));
        }
        loudness
            .add(&self.samples, channels)
            .map_err(|Overflow| VoiceError::TooLong)?;
        self.timing
            .add(packet, frames * 1000 / u64::from(rate.max(1)))
    }

    fn finish(self, bounds: &Bounds) -> Result<Voice, VoiceError> {
        let duration_ms = self
            .timing
            .duration_ms()
            .ok_or_else(|| unreadable("it holds no audio"))?;
        if duration_ms > bounds.max.as_millis() as u64 {
            return Err(VoiceError::TooLong);
        }
        // Timing and audio must tell the same length: a file whose timestamps skip hours, or
        // whose packets hold far more than their timestamps say, is not what it claims.
        let decoded_ms = self.loudness.as_ref().map_or(0, Loudness::decoded_ms);
        if duration_ms.abs_diff(decoded_ms) > SLACK_MS {
            return Err(unreadable("its timing does not match its audio"));
        }
        if duration_ms < bounds.min.as_millis() as u64 {
            return Err(VoiceError::TooShort);
        }
        let waveform = match &self.loudness {
            Some(loudness) => loudness.waveform(),
            None => vec![0.0; super::SLICES],
        };
        Ok(Voice {
            duration_ms,
            waveform,
        })
    }
}

/// The length the packets' own timestamps span, in milliseconds from the first packet (or
/// from 0, for a codec's delay before it) to the end of the last. A packet without a duration
/// (WebM blocks usually have none) ends where its decoded audio does.
struct Timing {
    time_base: TimeBase,
    max_ms: u64,
    start: Option<i128>,
    end: i128,
}

impl Timing {
    fn new(time_base: TimeBase, max_ms: u64) -> Timing {
        Timing {
            time_base,
            max_ms,
            start: None,
            end: 0,
        }
    }

    fn add(&mut self, packet: &Packet, decoded_ms: u64) -> Result<(), VoiceError> {
        let ms = |ts: i64| {
            self.time_base
                .calc_time(Timestamp::new(ts))
                .map(|t| t.as_millis())
                .ok_or(VoiceError::TooLong)
        };
        let pts = packet.pts.get();
        let start = ms(pts)?;
        let end = match i64::try_from(packet.dur.get()) {
            Ok(0) => start + i128::from(decoded_ms),
            Ok(dur) => ms(pts.checked_add(dur).ok_or(VoiceError::TooLong)?)?,
            Err(_) => return Err(VoiceError::TooLong),
        };
        self.start = Some(self.start.map_or(start, |s| s.min(start)));
        self.end = self.end.max(end);
        match self.duration_ms() {
            Some(ms) if ms > self.max_ms => Err(VoiceError::TooLong),
            _ => Ok(()),
        }
    }

    fn duration_ms(&self) -> Option<u64> {
        let start = self.start?.max(0);
        Some(u64::try_from(self.end - start).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id3v2_tag_is_measured_with_its_footer() {
        // Size 0x81 bytes in four 7-bit groups (syncsafe: 0x00 0x00 0x01 0x01).
        assert_eq!(id3v2_len(b"ID3\x04\x00\x00\x00\x00\x01\x01rest"), 10 + 129);
        assert_eq!(
            id3v2_len(b"ID3\x04\x00\x10\x00\x00\x00\x05rest"),
            10 + 5 + 10
        );
        assert_eq!(id3v2_len(b"\xFF\xFB\x90\x64"), 0);
        assert_eq!(id3v2_len(b"ID3"), 0);
    }
}
