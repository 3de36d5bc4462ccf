//! The login screen: the server's address, the email and (masked) password fields, and
//! whether a login is under way or why the last one failed (wrapped, never cut).

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{centered, wrap};
use crate::tui::app::{App, LoginField};

/// The form's width, borders included.
const WIDTH: u16 = 60;

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let width = frame.area().width.min(WIDTH);
    let inner = width.saturating_sub(2) as usize;
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
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = wrap::text(&format!("tigo-chat · {}", app.server), inner)
        .into_iter()
        .map(|line| Line::from(line).style(bold))
        .collect();
    lines.extend([
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
    ]);
    if app.login.logging_in {
        lines.push(Line::from("logging in…"));
    } else if let Some(err) = &app.login.error {
        for line in wrap::text(err, inner) {
            lines.push(Line::from(Span::styled(line, Style::new().fg(Color::Red))));
        }
    } else {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(""));
    lines.push(
        Line::from("Tab: next field · Enter: log in · Esc: quit")
            .style(Style::new().fg(Color::DarkGray)),
    );
    let area = centered(frame.area(), width, lines.len() as u16 + 2);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Log in ")),
        area,
    );
}
