//! The help box drawn over the chat screen: every key and slash command, the descriptions
//! wrapped between words so nothing is cut at 80 columns.

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{centered, wrap};
use crate::tui::app::HELP;

/// Width of the help box's key column.
const KEY_COLUMN: usize = 22;

pub(super) fn draw(frame: &mut Frame, page: usize) {
    let width = frame.area().width.min(78);
    let text_width = (width as usize).saturating_sub(KEY_COLUMN + 2);
    let mut lines: Vec<Line> = Vec::new();
    for (key, what) in HELP {
        for (i, part) in wrap::text(what, text_width).into_iter().enumerate() {
            let key = if i == 0 { *key } else { "" };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{key:<KEY_COLUMN$}"),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(part),
            ]));
        }
    }
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
