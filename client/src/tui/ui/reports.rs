//! The Admin's reports screen: open reports, oldest first, with the reason and the reported
//! text.

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState};

use super::{status, truncate};
use crate::tui::app::App;

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let (main, status_area, status_lines) = status::split(app, frame.area());
    let width = main.width.saturating_sub(50) as usize;
    let items: Vec<ListItem> = app
        .desk
        .reports
        .iter()
        .map(|r| {
            ListItem::new(Line::from(vec![
                Span::styled(
                    format!("{:<24}  ", truncate(&r.reason, 24)),
                    Style::new().fg(Color::Yellow),
                ),
                Span::styled(
                    format!("{:<18}  ", truncate(&r.author, 18)),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(truncate(&r.content, width)),
            ]))
        })
        .collect();
    let mut state = ListState::default();
    if !app.desk.reports.is_empty() {
        state.select(Some(app.desk.selected));
    }
    let list = List::new(items)
        .block(Block::bordered().title(format!(
            " reports: {} open (Enter opens the message, r refreshes, Esc back) ",
            app.desk.reports.len()
        )))
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, main, &mut state);
    status::draw(frame, status_lines, status_area);
}
