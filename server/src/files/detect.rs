//! What an upload is, from its bytes alone (never the declared type or the name), and what it
//! may be called.

/// Bytes read before deciding the type: enough for every signature `infer` checks that we
/// accept, and for telling text from markup.
pub const HEAD_BYTES: usize = 8 * 1024;

/// The type of a file from its first bytes (`head`, up to [`HEAD_BYTES`]); `None` when it is
/// none we can name. Text is `text/plain` only when it is UTF-8 without control characters
/// and does not open like markup or a script: a browser must never see HTML, SVG or XML in
/// what we call text.
pub fn content_type(head: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(head) {
        return Some(audio_name(kind.mime_type()));
    }
    if mpeg_audio_frame(head) {
        return Some("audio/mpeg");
    }
    plain_text(head).then_some("text/plain")
}

/// Each audio container by the one name it is accepted under. A WebM or MP4 file is named as
/// audio here: whether it holds a video shows only once it is read (an MP4's index may be at
/// its end), and then it is refused, or stored under [`video_name`] where that is allowed.
fn audio_name(detected: &'static str) -> &'static str {
    match detected {
        "audio/opus" | "audio/ogg" => "audio/ogg",
        "video/webm" => "audio/webm",
        "audio/m4a" | "video/mp4" => "audio/mp4",
        other => other,
    }
}

/// The video type of an audio container found to hold a video.
pub fn video_name(content_type: &str) -> Option<&'static str> {
    match content_type {
        "audio/webm" => Some("video/webm"),
        "audio/mp4" => Some("video/mp4"),
        _ => None,
    }
}

/// An MPEG audio Layer III frame header without an ID3 tag before it, in any of the versions
/// (`infer` knows only some of them: not a frame with a CRC, nor MPEG 2.5).
fn mpeg_audio_frame(head: &[u8]) -> bool {
    match head {
        [0xFF, second, third, ..] => {
            let version = (second >> 3) & 0b11;
            let layer = (second >> 1) & 0b11;
            let bitrate = third >> 4;
            let rate = (third >> 2) & 0b11;
            second & 0xE0 == 0xE0
                && version != 0b01
                && layer == 0b01
                && bitrate != 0b1111
                && rate != 0b11
        }
        _ => false,
    }
}

/// Text through to its last byte: `text/plain` is decided from the head, and the rest must
/// hold to the same rule (UTF-8, no control characters), so that what is served as text is
/// text, whatever its length. Fed the whole file, chunk by chunk as it arrives.
#[derive(Default)]
pub struct TextCheck {
    /// The start of a character cut at the end of the last chunk (at most 3 bytes).
    pending: Vec<u8>,
}

impl TextCheck {
    /// Whether the bytes so far are still text.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(chunk);
        let (valid, rest) = match std::str::from_utf8(&bytes) {
            Ok(text) => (text, &[][..]),
            Err(err) if err.error_len().is_none() => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                (std::str::from_utf8(valid).unwrap_or_default(), rest)
            }
            Err(_) => return false,
        };
        if valid.chars().any(forbidden) {
            return false;
        }
        self.pending = rest.to_vec();
        true
    }

    /// Whether the file ended on a whole character.
    pub fn end(self) -> bool {
        self.pending.is_empty()
    }
}

/// Control characters other than line breaks, tab and form feed.
fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')
}

fn plain_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A character cut at the end of the head is fine; anything else is not UTF-8.
        Err(err) if err.error_len().is_none() && head.len() - err.valid_up_to() < 4 => {
            match std::str::from_utf8(&head[..err.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    if text.chars().any(forbidden) {
        return false;
    }
    let opening = text.trim_start_matches('\u{feff}').trim_start();
    !(opening.starts_with('<') || opening.starts_with("#!"))
}

/// Whether the type is an image we decode (and so thumbnail and show inline).
pub fn is_image(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/jpeg" | "image/png" | "image/gif" | "image/webp"
    )
}

/// A file name as given, checked: no path (`/`, `\`, `..`), no control characters, not
/// empty, at most 255 characters. Such names are refused rather than rewritten: no browser
/// sends them, and a silently renamed file surprises its sender.
pub fn file_name(name: &str) -> Result<String, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("file name should not be empty".into());
    }
    if trimmed.chars().count() > 255 {
        return Err("file name must be shorter than or equal to 255 characters".into());
    }
    if trimmed.chars().any(char::is_control) {
        return Err("file name must not contain control characters".into());
    }
    if trimmed.contains(['/', '\\']) || trimmed == "." || trimmed == ".." {
        return Err("file name must not contain a path".into());
    }
    Ok(trimmed.to_string())
}

/// `X-File-Name`: a header carries ASCII, so a UTF-8 name comes percent-encoded.
pub fn header_file_name(raw: &str) -> Result<String, String> {
    let decoded = percent_decode(raw).ok_or("X-File-Name must be percent-encoded UTF-8")?;
    file_name(&decoded)
}

fn percent_decode(raw: &str) -> Option<String> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|name| name.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(
            content_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(content_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(
            content_type("Zimmer 12: Dusche tropft ✓\n".as_bytes()),
            Some("text/plain")
        );
        for markup in [
            &b"<!DOCTYPE html><html><script>alert(1)</script>"[..],
            b"  <svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            b"<?xml version='1.0'?><svg/>",
            b"\xef\xbb\xbf<html>",
            b"#!/bin/sh\nrm -rf /",
        ] {
            assert_ne!(content_type(markup), Some("text/plain"), "{markup:?}");
        }
        let exe = content_type(b"MZ\x90\0\x03\0\0\0").expect("an executable is recognised");
        assert!(!super::super::DEFAULT_TYPES.contains(&exe), "{exe}");
        assert_eq!(content_type(b"bin\0ary"), None);
        // Audio containers by the names they are accepted under.
        let ogg_opus = b"OggS\0\x02\0\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\x01\x13OpusHead\x01\x01";
        assert_eq!(content_type(ogg_opus), Some("audio/ogg"));
        assert_eq!(
            content_type(b"\0\0\0\x1cftypM4A \0\0\0\0"),
            Some("audio/mp4")
        );
        assert_eq!(
            content_type(b"\0\0\0\x1cftypisom\0\0\x02\0"),
            Some("audio/mp4")
        );
        assert_eq!(content_type(b"ID3\x04\0\0\0\0\0\0"), Some("audio/mpeg"));
        // MPEG 1 Layer III with a CRC, and MPEG 2.5.
        assert_eq!(content_type(b"\xFF\xFA\x90\x64\0\0"), Some("audio/mpeg"));
        assert_eq!(content_type(b"\xFF\xE3\x18\xC4\0\0"), Some("audio/mpeg"));
        assert_eq!(video_name("audio/webm"), Some("video/webm"));
        // A cut multi-byte character at the end of the head is still text.
        assert_eq!(content_type(&"ab✓".as_bytes()[..4]), Some("text/plain"));
    }

    #[test]
    fn text_must_be_utf8_to_its_last_byte() {
        let feed = |chunks: &[&[u8]]| {
            let mut check = TextCheck::default();
            chunks.iter().all(|c| check.feed(c)) && check.end()
        };
        assert!(feed(&["Zimmer 12 ✓\n".as_bytes()]));
        // A character split between chunks is whole once the next one arrives.
        let tick = "✓".as_bytes();
        assert!(feed(&[b"ok ", &tick[..1], &tick[1..], b" done"]));
        // Latin-1: an "é" (0xE9) at the very end, or followed by more text.
        assert!(!feed(&[b"caf\xe9"]));
        assert!(!feed(&[b"caf\xe9 au lait"]));
        assert!(!feed(&[b"all text ", b"then \x1b[2J"]));
    }

    #[test]
    fn names_with_paths_or_control_characters_are_refused() {
        assert_eq!(
            file_name(" Rechnung 12.pdf ").as_deref(),
            Ok("Rechnung 12.pdf")
        );
        for bad in [
            "../etc/passwd",
            "a/b.png",
            "..\\x.png",
            "..",
            "a\u{0}b",
            "a\nb",
            "",
            "   ",
        ] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
        assert!(file_name(&"x".repeat(256)).is_err());
        assert_eq!(
            header_file_name("Zimmer%20%E2%9C%93.png").as_deref(),
            Ok("Zimmer ✓.png")
        );
        assert!(header_file_name("%2e%2e%2fx").is_err());
        assert!(header_file_name("%FF").is_err(), "not UTF-8");
    }
}
