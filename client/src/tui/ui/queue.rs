//! The support queue screen (Admins): how long each room has waited, its type, who wrote
//! last and what, oldest first.

use chrono::Utc;
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState};

use super::{short_tag, status, truncate};
use crate::tui::app::App;

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let (main, status_area, status_lines) = status::split(app, frame.area());
    let now = Utc::now();
    let items: Vec<ListItem> = app
        .queue
        .waiting
        .iter()
        .map(|w| {
            let waited = now - w.since;
            let wait = if waited.num_hours() > 0 {
                format!("{}h{:02}m", waited.num_hours(), waited.num_minutes() % 60)
            } else {
                format!("{}m{:02}s", waited.num_minutes(), waited.num_seconds() % 60)
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{wait:>8}  "), Style::new().fg(Color::Yellow)),
                Span::raw(format!("{}  ", short_tag(w.kind))),
                Span::styled(
                    format!("{:<24}", truncate(&w.who, 24)),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    format!(
                        " {:<12} ",
                        truncate(w.assignee.as_deref().unwrap_or("unassigned"), 12)
                    ),
                    Style::new().fg(Color::Cyan),
                ),
                Span::raw(truncate(&w.preview, main.width.saturating_sub(60) as usize)),
            ]))
        })
        .collect();
    let mut state = ListState::default();
    if !app.queue.waiting.is_empty() {
        state.select(Some(app.queue.selected));
    }
    let list = List::new(items)
        .block(Block::bordered().title(format!(
            " support queue: {} waiting, oldest first (Enter opens, r refreshes, Esc back) ",
            app.queue.waiting.len()
        )))
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, main, &mut state);
    status::draw(frame, status_lines, status_area);
}
