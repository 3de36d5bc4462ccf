//! Attachments in the terminal: how a message with a file reads (`📎 name (size)`, images
//! marked, a voice message as `🎤 0:42 ▁▂▅▇▅▂▁`), and what `/upload PATH`, `/save PATH` and
//! `/save! PATH` act on.

use tigo_common::{Message, MessageType};
use uuid::Uuid;

use super::{App, Cmd};

/// Sizes as people read them: 812 B, 14.2 KB, 3.1 MB.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{} B", bytes.max(0));
    }
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

/// `📎 name (size)` for a message with a file, with ` [image]` for images; a voice message
/// reads `🎤 0:42 ▁▂▅▇▅▂▁`.
pub fn label(m: &Message) -> Option<String> {
    if m.message_type == MessageType::Voice
        && let Some(voice) = voice_label(m)
    {
        return Some(voice);
    }
    let name = m.file_name.as_deref()?;
    let size = m
        .file_size
        .map(|s| format!(" ({})", human_size(s)))
        .unwrap_or_default();
    let image = if m.message_type == MessageType::Image {
        " [image]"
    } else {
        ""
    };
    Some(format!("📎 {name}{size}{image}"))
}

/// Block characters from the lowest bar to the highest.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Bars a voice message's waveform is shown in.
const VOICE_BARS: usize = 16;

/// `🎤 0:42 ▁▂▅▇▅▂▁`: a voice message's length and its waveform, from
/// `metadata.attachment`.
pub fn voice_label(m: &Message) -> Option<String> {
    let attachment = m.metadata.as_ref()?.get("attachment")?;
    let ms = attachment.get("duration_ms")?.as_i64()?;
    let waveform: Vec<f64> = attachment
        .get("waveform")
        .and_then(|w| w.as_array())
        .map(|w| w.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default();
    let bars = bars(&waveform, VOICE_BARS);
    Some(format!("🎤 {} {bars}", clock(ms)).trim_end().to_string())
}

/// A length as a player shows it: `0:07`, `4:32`, `1:02:03`.
pub fn clock(ms: i64) -> String {
    let secs = (ms.max(0) + 500) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A waveform (numbers 0 to 1) as `width` bars, each the loudest of its share of slices.
pub fn bars(waveform: &[f64], width: usize) -> String {
    if waveform.is_empty() || width == 0 {
        return String::new();
    }
    let width = width.min(waveform.len());
    (0..width)
        .map(|i| {
            let (start, end) = (i * waveform.len() / width, (i + 1) * waveform.len() / width);
            let peak = waveform[start..end.max(start + 1)]
                .iter()
                .copied()
                .fold(0.0, f64::max)
                .clamp(0.0, 1.0);
            BARS[(peak * (BARS.len() - 1) as f64).round() as usize]
        })
        .collect()
}

/// How a quote names a file it quotes: `[image] caption` or `📎 name`; the caption when there
/// is one, else the file's name when the quoted message is loaded here.
pub fn quoted(kind: MessageType, content: &str, file_name: Option<&str>) -> String {
    let what = if content.is_empty() {
        file_name.unwrap_or_default()
    } else {
        content
    };
    let mark = match kind {
        MessageType::Text => return content.to_string(),
        MessageType::Image => "[image]",
        MessageType::File => "📎",
        // A recording's file name says nothing: its caption, or what it is.
        MessageType::Voice if content.is_empty() => return "🎤 Voice message".into(),
        MessageType::Voice => "🎤",
    };
    if what.is_empty() {
        mark.to_string()
    } else {
        format!("{mark} {what}")
    }
}

/// `path` with a leading `~` (alone or before `/`) read as `home`, as a shell would.
pub fn expand_home(path: &str, home: Option<&std::path::Path>) -> std::path::PathBuf {
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => std::path::PathBuf::from(path),
    }
}

impl App {
    /// `/upload PATH`: the file goes up from the network side, then into the room.
    pub(super) fn upload_command(&mut self, room: Option<Uuid>, path: &str) -> Vec<Cmd> {
        match room {
            Some(room) if !path.is_empty() => {
                self.chat.sent_counter += 1;
                vec![Cmd::Upload {
                    room,
                    path: path.to_string(),
                    client_msg_id: format!(
                        "tui-{}-{}",
                        Uuid::new_v4().simple(),
                        self.chat.sent_counter
                    ),
                }]
            }
            Some(_) => {
                self.say("usage: /upload PATH");
                Vec::new()
            }
            None => {
                self.say("no room: open one with /new EMAIL");
                Vec::new()
            }
        }
    }

    /// `/save PATH` never replaces a file (the network side refuses and says `/save!`);
    /// `/save! PATH` does.
    pub(super) fn save_command(&mut self, path: &str, overwrite: bool) -> Vec<Cmd> {
        let verb = if overwrite { "/save!" } else { "/save" };
        match (self.last_attachment(), path.is_empty()) {
            (Some(m), false) => vec![Cmd::Save {
                url: m.file_url.clone().unwrap_or_default(),
                path: path.to_string(),
                name: m.file_name.clone().unwrap_or_else(|| "attachment".into()),
                overwrite,
            }],
            (Some(_), true) => {
                self.say(format!("usage: {verb} PATH"));
                Vec::new()
            }
            (None, _) => {
                self.say("no attachment in this room to save");
                Vec::new()
            }
        }
    }

    /// The newest message with a file in the focused room: what `/save` downloads.
    pub(super) fn last_attachment(&self) -> Option<&Message> {
        let room = self.current_id()?;
        self.chat
            .messages
            .get(&room)?
            .iter()
            .rev()
            .find(|m| m.file_url.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_labels_read_as_people_say_them() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(14_540), "14.2 KB");
        assert_eq!(human_size(3_250_000), "3.1 MB");
        let mut m: Message = serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::nil(), "chat_room_id": uuid::Uuid::nil(), "sender_id": uuid::Uuid::nil(),
            "sender": {"id": uuid::Uuid::nil(), "first_name": "A", "last_name": "B", "email": "a@b.c"},
            "content": "", "type": "image", "status": "sent", "file_url": "http://x/chat/files/1",
            "file_name": "dusche.jpg", "file_size": 204800, "metadata": null, "is_edited": false,
            "edited_at": null, "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z"
        }))
        .expect("message");
        assert_eq!(
            label(&m).as_deref(),
            Some("📎 dusche.jpg (200.0 KB) [image]")
        );
        m.message_type = MessageType::File;
        m.file_name = Some("rechnung.pdf".into());
        m.file_size = Some(900);
        assert_eq!(label(&m).as_deref(), Some("📎 rechnung.pdf (900 B)"));
        m.file_name = None;
        assert_eq!(label(&m), None);
    }

    #[test]
    fn a_voice_message_shows_its_length_and_waveform_in_bars() {
        assert_eq!(clock(7_400), "0:07");
        assert_eq!(clock(42_600), "0:43");
        assert_eq!(clock(3_723_000), "1:02:03");
        let stairs: Vec<f64> = (0..64).map(|i| f64::from(i / 8) / 7.0).collect();
        assert_eq!(bars(&stairs, 8), "▁▂▃▄▅▆▇█");
        let mut quiet_middle = vec![1.0; 64];
        quiet_middle[16..48].fill(0.05);
        assert_eq!(bars(&quiet_middle, 4), "█▁▁█");
        let mut m: Message = serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::nil(), "chat_room_id": uuid::Uuid::nil(), "sender_id": uuid::Uuid::nil(),
            "sender": {"id": uuid::Uuid::nil(), "first_name": "A", "last_name": "B", "email": "a@b.c"},
            "content": "", "type": "voice", "status": "sent", "file_url": "http://x/chat/files/1",
            "file_name": "voice.webm", "file_size": 9000,
            "metadata": {"attachment": {"duration_ms": 42_000, "waveform": quiet_middle}},
            "is_edited": false, "edited_at": null,
            "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z"
        }))
        .expect("message");
        assert_eq!(label(&m).as_deref(), Some("🎤 0:42 ████▁▁▁▁▁▁▁▁████"));
        // Without its facts it still reads as a file.
        m.metadata = None;
        assert_eq!(label(&m).as_deref(), Some("📎 voice.webm (8.8 KB)"));
        assert_eq!(quoted(MessageType::Voice, "", None), "🎤 Voice message");
    }
}
