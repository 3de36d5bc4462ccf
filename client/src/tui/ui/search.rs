//! The search screen: one line per match, newest first: room, sender, time, text.

use chrono::Local;
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState};

use super::{status, truncate};
use crate::tui::app::App;

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let (main, status_area, status_lines) = status::split(app, frame.area());
    let me = app.me.as_ref().map(|u| u.id).unwrap_or_default();
    let items: Vec<ListItem> = app
        .search
        .results
        .iter()
        .map(|m| {
            let room = match app.chat.rooms.iter().find(|r| r.id == m.chat_room_id) {
                Some(r) if r.has_participant(me) => r.other(me).display_name(),
                Some(r) => format!(
                    "{} / {}",
                    r.participant1.first_name, r.participant2.first_name
                ),
                None => "another room".into(),
            };
            let sender = if m.sender_id == me {
                "you".to_string()
            } else {
                m.sender.first_name.clone()
            };
            let when = m.created_at.with_timezone(&Local).format("%d %b %H:%M");
            ListItem::new(Line::from(vec![
                Span::styled(
                    format!("{:<18} ", truncate(&room, 18)),
                    Style::new().fg(Color::Cyan),
                ),
                Span::styled(
                    format!("{:<10} ", truncate(&sender, 10)),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::styled(format!("{when}  "), Style::new().fg(Color::Yellow)),
                Span::raw(truncate(&m.content, main.width.saturating_sub(48) as usize)),
            ]))
        })
        .collect();
    let mut state = ListState::default();
    if !app.search.results.is_empty() {
        state.select(Some(app.search.selected));
    }
    let title = if app.search.loading {
        format!(" search \"{}\": searching… ", app.search.query)
    } else {
        format!(
            " search \"{}\": {} found, newest first (Enter opens, Esc back) ",
            app.search.query, app.search.total
        )
    };
    let list = List::new(items)
        .block(Block::bordered().title(title))
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, main, &mut state);
    status::draw(frame, status_lines, status_area);
}
