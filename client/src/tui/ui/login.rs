//! The login screen: the server's address, the email and (masked) password fields, and
//! whether a login is under way or why the last one failed.

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::centered;
use crate::tui::app::{App, LoginField};

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let area = centered(frame.area(), 60, 11);
    let field = |label: &str, value: String, active: bool| {
        let style = if active {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        Line::from(vec![
            Span::raw(format!("{label:<10}")),
            Span::styled(format!("{value:<40}"), style),
        ])
    };
    let mut lines = vec![
        Line::from(format!("tigo-chat  ·  {}", app.server))
            .style(Style::new().add_modifier(Modifier::BOLD)),
        Line::from(""),
        field(
            "Email",
            app.login.email.clone(),
            app.login.field == LoginField::Email,
        ),
        field(
            "Password",
            "•".repeat(app.login.password.chars().count()),
            app.login.field == LoginField::Password,
        ),
        Line::from(""),
    ];
    if app.login.logging_in {
        lines.push(Line::from("logging in…"));
    } else if let Some(err) = &app.login.error {
        lines.push(Line::from(Span::styled(
            err.clone(),
            Style::new().fg(Color::Red),
        )));
    } else {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(""));
    lines.push(
        Line::from("Tab: next field · Enter: log in · Esc: quit")
            .style(Style::new().fg(Color::DarkGray)),
    );
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Log in ")),
        area,
    );
}
