//! Wrapping text to a width: between words everywhere (a word is split only when wider than
//! the whole line); message bodies keep their own line breaks and are measured in terminal
//! columns (a CJK character or an emoji takes two).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Lays styled pieces of text out on lines of at most `width` columns, breaking at spaces.
pub fn spans(pieces: &[(String, Style)], width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut lines: Vec<Vec<Span<'static>>> = Vec::new();
    // The line being filled, and its width so far.
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (text, style) in pieces {
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            for chunk in chunks(word, width) {
                let len = chunk.chars().count();
                let gap = usize::from(used > 0);
                if used + gap + len > width {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                if used > 0 {
                    line.push(Span::raw(" "));
                    used += 1;
                }
                line.push(Span::styled(chunk, *style));
                used += len;
            }
        }
    }
    lines.push(line);
    lines.into_iter().map(Line::from).collect()
}

/// Plain text on lines of at most `width` columns.
pub fn text(text: &str, width: usize) -> Vec<String> {
    spans(&[(text.to_string(), Style::new())], width)
        .into_iter()
        .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

/// Breaks `text` into lines of at most `width` columns, at its newlines and between words
/// (message bodies: the whole text is shown, scrolled rather than truncated).
pub fn words(text: &str, width: usize) -> Vec<String> {
    let options = textwrap::Options::new(width.max(1))
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit)
        .break_words(true);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|line| line.into_owned())
        .collect()
}

/// A word cut into pieces of `width` columns (one piece when it fits).
fn chunks(word: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_between_words_and_keep_every_word_whole() {
        let lines = text(
            "open (or reuse) a room with that user; type from your roles",
            20,
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "open (or reuse) a room with that user; type from your roles"
        );
        assert_eq!(lines[0], "open (or reuse) a");
    }

    #[test]
    fn a_word_wider_than_the_line_is_split() {
        assert_eq!(text("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(words("abcdefgh", 3), vec!["abc", "def", "gh"]);
    }

    #[test]
    fn message_bodies_break_between_words_keep_their_newlines_and_count_columns() {
        assert_eq!(
            words("Is an early check-in possible on Friday?", 20),
            vec!["Is an early check-in", "possible on Friday?"]
        );
        assert_eq!(words("one\n\ntwo", 20), vec!["one", "", "two"]);
        // Two columns each: six characters of Japanese fill a line of twelve.
        assert_eq!(words("日本語日本語 ok", 12), vec!["日本語日本語", "ok"]);
        assert_eq!(
            words("日本語日本語日本語", 12),
            vec!["日本語日本語", "日本語"]
        );
    }
}
