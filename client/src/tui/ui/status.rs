//! The status line every signed-in screen ends with: connection state, who is signed in and
//! where, and the last problem; wrapped between words to at most three rows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::wrap;
use crate::tui::app::{App, Link};

/// The status line's text, wrapped to the terminal's width.
fn status_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let who = app
        .me
        .as_ref()
        .map(|u| {
            let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
            format!("{} ({})", u.email, roles.join(","))
        })
        .unwrap_or_default();
    let (link, color) = match &app.link {
        Link::Online => ("● connected".to_string(), Color::Green),
        Link::Connecting => ("○ connecting…".to_string(), Color::Yellow),
        Link::Reconnecting {
            attempt,
            in_secs,
            why,
        } => {
            let why = why.as_deref().map(|w| format!(": {w}")).unwrap_or_default();
            (
                format!("○ reconnecting… (attempt {attempt}, next in {in_secs}s{why})"),
                Color::Red,
            )
        }
    };
    let mut pieces = vec![
        (link, Style::new().fg(color)),
        (format!(" {who}  {}", app.server), Style::new()),
    ];
    if let Some(status) = &app.status {
        pieces.push((status.clone(), Style::new().fg(Color::Yellow)));
    }
    wrap::spans(&pieces, width as usize)
}

/// Splits off the bottom rows the status line needs (at most three).
pub(super) fn split(app: &App, area: Rect) -> (Rect, Rect, Vec<Line<'static>>) {
    let lines = status_lines(app, area.width);
    let height = (lines.len() as u16).clamp(1, 3);
    let [main, status] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(height)]).areas(area);
    (main, status, lines)
}

pub(super) fn draw(frame: &mut Frame, lines: Vec<Line<'static>>, area: Rect) {
    frame.render_widget(Paragraph::new(lines), area);
}
