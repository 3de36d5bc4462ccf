//! Drawing the state, one module per screen: the chat screen (room list, messages, input),
//! the login form, the help box over the chat, the support queue, search results, and the
//! status line they share. Pure functions of [`App`], checked with ratatui's `TestBackend`; this module picks
//! the screen and holds the small helpers several screens use.

mod chat;
mod help;
mod login;
mod queue;
mod reports;
mod search;
mod status;
mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use tigo_common::RoomType;

use super::app::{App, Screen};

pub fn draw(frame: &mut Frame, app: &App) {
    match app.screen {
        Screen::Login => login::draw(frame, app),
        Screen::Chat => chat::draw(frame, app),
        Screen::Help => {
            chat::draw(frame, app);
            help::draw(frame, app);
        }
        Screen::Queue => queue::draw(frame, app),
        Screen::Search => search::draw(frame, app),
        Screen::Reports => reports::draw(frame, app),
    }
}

/// A box of at most `width` × `height` in the middle of `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The room list's short form of a type.
fn short_tag(kind: RoomType) -> &'static str {
    match kind {
        RoomType::CustomerHotelOwner => "C↔H",
        RoomType::CustomerAdmin => "C↔A",
        RoomType::HotelOwnerAdmin => "H↔A",
    }
}

/// `text` on one line of at most `width` characters, an ellipsis marking a cut.
fn truncate(text: &str, width: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= width {
        one_line
    } else {
        let mut out: String = one_line.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A wait in its largest units: `45s`, `12m`, `3h 20m`, `2d 4h`.
pub fn wait(seconds: i64) -> String {
    let (d, h, m) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{m}m"),
        s if s < 86_400 => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}
