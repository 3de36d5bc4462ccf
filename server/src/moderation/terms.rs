//! Blocked terms as this instance holds them, and how they match. A term is one or more words;
//! it matches whole words of the folded text ([`super::fold`]), ignoring case, accents and
//! hidden characters, as search reads them: `whatsapp` blocks "WhatsApp me", "whatsápp",
//! "ｗｈａｔｓａｐｐ" and "whats\u{200b}app", but not "whatsapps".

use std::sync::{Arc, RwLock};

/// The words of `text`, lower-cased: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// A term as stored: its words, lower-cased, one space apart; `None` when it has no word.
/// (Stored as written, so `admin blocklist list` shows it so; matching folds it.)
pub fn normalize(term: &str) -> Option<String> {
    let words: Vec<String> = words(term).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The terms in force on this instance.
#[derive(Default)]
pub struct Blocklist {
    terms: RwLock<Arc<Vec<Vec<String>>>>,
}

impl Blocklist {
    /// Replaces the terms (as stored: see [`normalize`]).
    pub fn set(&self, stored: &[String]) {
        let terms: Vec<Vec<String>> = stored.iter().map(|t| super::fold::words(t)).collect();
        *self.terms.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(terms);
    }

    /// Whether `text` holds a blocked term as whole words.
    pub fn blocks(&self, text: &str) -> bool {
        let terms = self.terms.read().unwrap_or_else(|p| p.into_inner()).clone();
        if terms.is_empty() {
            return false;
        }
        let words = super::fold::words(text);
        terms.iter().any(|term| {
            !term.is_empty()
                && words
                    .windows(term.len())
                    .any(|w| w.iter().zip(term).all(|(a, b)| a == b))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(terms: &[&str]) -> Blocklist {
        let list = Blocklist::default();
        let stored: Vec<String> = terms.iter().filter_map(|t| normalize(t)).collect();
        list.set(&stored);
        list
    }

    #[test]
    fn terms_match_whole_words_ignoring_case() {
        let list = list(&["WhatsApp", "pay  cash"]);
        assert!(list.blocks("add me on whatsapp!"));
        assert!(list.blocks("Let us PAY CASH at arrival"));
        assert!(list.blocks("pay-cash?"));
        assert!(!list.blocks("whatsapps are nice"));
        assert!(!list.blocks("pay by card, cash back"));
        assert!(!list.blocks(""));
    }

    #[test]
    fn accents_hidden_characters_and_wide_letters_do_not_hide_a_term() {
        let list = list(&["whatsapp", "Café Cash"]);
        for text in [
            "whatsápp me",
            "WHATSÁPP",
            "whats\u{200b}app?",
            "ｗｈａｔｓａｐｐ",
            "pay at the cafe cash desk",
        ] {
            assert!(list.blocks(text), "{text:?}");
        }
        assert!(!list.blocks("whatsápps"));
    }

    #[test]
    fn a_term_without_words_is_no_term() {
        assert_eq!(normalize("  --- "), None);
        assert_eq!(normalize(" Pay  Cash "), Some("pay cash".into()));
        assert!(!Blocklist::default().blocks("anything"));
    }
}
