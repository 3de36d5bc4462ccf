//! The help box drawn over the chat screen: the keys and slash commands of the user's role
//! (Admins see the desk's too), a gap between the two columns, the descriptions wrapped
//! between words so nothing is cut at 80 columns.

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use unicode_width::UnicodeWidthStr;

use super::{centered, wrap};
use crate::tui::app::{App, For, HELP};

/// Columns between the longest key and its description.
const GAP: usize = 2;

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let width = frame.area().width.min(78);
    let rows: Vec<(&str, &str)> = HELP
        .iter()
        .filter(|(_, _, audience)| *audience == For::Everyone || app.is_admin())
        .map(|(key, what, _)| (*key, *what))
        .collect();
    let key_column = rows.iter().map(|(key, _)| key.width()).max().unwrap_or(0) + GAP;
    let text_width = (width as usize).saturating_sub(key_column + 2);
    let mut lines: Vec<Line> = Vec::new();
    for (key, what) in rows {
        for (i, part) in wrap::text(what, text_width).into_iter().enumerate() {
            let key = if i == 0 { key } else { "" };
            let pad = " ".repeat(key_column.saturating_sub(key.width()));
            lines.push(Line::from(vec![
                Span::styled(key, Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(pad),
                Span::raw(part),
            ]));
        }
    }
    let page = app.help_page;
    // A help longer than the screen is shown a page at a time.
    let per_page = (frame.area().height as usize).saturating_sub(2).max(1);
    let pages = lines.len().div_ceil(per_page).max(1);
    let page = page % pages;
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(page * per_page)
        .take(per_page)
        .collect();
    let title = if pages > 1 {
        format!(
            " keys and commands {}/{pages} (PgDn next; other keys close) ",
            page + 1
        )
    } else {
        " keys and commands (any key closes) ".to_string()
    };
    let area = centered(frame.area(), width, (shown.len() + 2) as u16);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(shown).block(Block::bordered().borders(Borders::ALL).title(title)),
        area,
    );
}
