//! The text the safety rules read: compatibility forms mapped (NFKC: full-width `０６` is
//! `06`, a no-break space is a space), format characters removed (zero-width spaces and
//! joiners, soft hyphens, direction marks) and accents folded the way search folds them
//! (`whatsápp` reads `whatsapp`, as SQLite's `remove_diacritics` and PostgreSQL's `unaccent`
//! index it). Every byte of the folded text knows the character of the original it came from,
//! so a match found in the folded text hides the matching span of the original.

use std::borrow::Cow;
use std::ops::Range;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// A text as the rules read it, traced back to the original.
pub struct Folded<'a> {
    original: &'a str,
    text: Cow<'a, str>,
    /// For each byte of `text`, where the original character it came from starts (empty when
    /// the text is the original: ASCII needs no folding).
    origin: Vec<usize>,
}

impl<'a> Folded<'a> {
    pub fn new(original: &'a str) -> Folded<'a> {
        if original.is_ascii() {
            return Folded {
                original,
                text: Cow::Borrowed(original),
                origin: Vec::new(),
            };
        }
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len());
        for (at, c) in original.char_indices() {
            let before = text.len();
            fold_char(c, &mut text);
            origin.resize(origin.len() + (text.len() - before), at);
        }
        Folded {
            original,
            text: Cow::Owned(text),
            origin,
        }
    }

    /// The folded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The span of the original that a non-empty span of the folded text came from.
    pub fn original_range(&self, range: Range<usize>) -> Range<usize> {
        if self.origin.is_empty() || range.is_empty() {
            return range;
        }
        let start = self.origin[range.start];
        let last = self.origin[range.end - 1];
        let width = self.original[last..]
            .chars()
            .next()
            .map_or(0, char::len_utf8);
        start..last + width
    }
}

/// Appends what `c` reads as once folded (nothing for a format character or a lone mark).
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c);
        return;
    }
    if c.general_category() == GeneralCategory::Format {
        return;
    }
    // Letters with a stroke have no decomposition; both search dictionaries fold them.
    let stroke = match c {
        'ø' => Some('o'),
        'Ø' => Some('O'),
        'ł' => Some('l'),
        'Ł' => Some('L'),
        'đ' => Some('d'),
        'Đ' => Some('D'),
        'ħ' => Some('h'),
        'Ħ' => Some('H'),
        _ => None,
    };
    if let Some(base) = stroke {
        out.push(base);
        return;
    }
    decompose_compatible(c, |d| {
        if !is_combining_mark(d) {
            out.push(d);
        }
    });
}

/// The words of a text as blocked terms compare them: folded, lower-cased runs of letters and
/// digits.
pub fn words(text: &str) -> Vec<String> {
    let folded = Folded::new(text);
    folded
        .text()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evasions_fold_to_what_they_spell() {
        for (text, folded) in [
            ("+49\u{200b}30\u{200b}1234", "+49301234"),
            ("０６ １２ ３４", "06 12 34"),
            ("whatsápp", "whatsapp"),
            ("whats\u{ad}app", "whatsapp"),
            ("ｗｈａｔｓａｐｐ", "whatsapp"),
            ("Ørsted café", "Orsted cafe"),
            ("06\u{202f}12", "06 12"),
        ] {
            assert_eq!(Folded::new(text).text(), folded, "{text:?}");
        }
    }

    #[test]
    fn a_folded_span_maps_back_to_the_original_characters() {
        let text = "ring +49\u{200b}30\u{200b}12 ok";
        let folded = Folded::new(text);
        let at = folded.text().find('+').expect("plus");
        let end = folded.text().find(" ok").expect("end");
        let range = folded.original_range(at..end);
        assert_eq!(&text[range], "+49\u{200b}30\u{200b}12");
        let wide = "call ０６ １２ now";
        let folded = Folded::new(wide);
        let range = folded.original_range(5..10);
        assert_eq!(&wide[range], "０６ １２");
    }

    #[test]
    fn words_fold_case_accents_and_hidden_characters() {
        assert_eq!(words("WhatsÁpp me!"), vec!["whatsapp", "me"]);
        assert_eq!(words("what\u{200d}sapp"), vec!["whatsapp"]);
        assert!(words("  --  ").is_empty());
    }
}
