//! The words of a search ([`Terms`]) and how each dialect's full-text syntax writes them
//! (an FTS5 query, a `tsquery`, and PostgreSQL's word pairs for phrases).

/// The words of a search: every group must match; a group of several words is a phrase
/// (words in double quotes, or a word such as `check-in` that holds separators); when
/// `prefix`, the last word of the last group also matches as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    groups: Vec<Vec<String>>,
    prefix: bool,
}

/// More words than any real search holds; bounds the work one request can ask for.
const MAX_GROUPS: usize = 16;

/// The words of a text: runs of letters and digits (everything else separates them, as in
/// both databases' tokenizers).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl Terms {
    /// The terms of `q`; `None` when it holds no word.
    pub fn parse(q: &str) -> Option<Terms> {
        let mut groups = Vec::new();
        let mut prefix = false;
        for (i, part) in q.split('"').enumerate() {
            // Odd parts were inside double quotes (an unclosed quote runs to the end).
            if i % 2 == 1 {
                let phrase = words(part);
                if !phrase.is_empty() {
                    groups.push(phrase);
                    prefix = false;
                }
                continue;
            }
            for word in part.split_whitespace() {
                let group = words(word);
                if !group.is_empty() {
                    groups.push(group);
                    prefix = true;
                }
            }
            if part.ends_with(char::is_whitespace) {
                prefix = false;
            }
        }
        groups.truncate(MAX_GROUPS);
        (!groups.is_empty()).then_some(Terms { groups, prefix })
    }

    fn is_last(&self, i: usize) -> bool {
        self.prefix && i + 1 == self.groups.len()
    }

    /// As an FTS5 query: `"word" AND "two words" AND "pre"*`. Words hold only letters and
    /// digits, so quoting them needs no escapes.
    pub(crate) fn fts5(&self) -> String {
        let parts: Vec<String> = (self.groups.iter().enumerate())
            .map(|(i, g)| {
                let star = if self.is_last(i) { "*" } else { "" };
                format!("\"{}\"{star}", g.join(" "))
            })
            .collect();
        parts.join(" AND ")
    }

    /// The word that also matches as a prefix, if any.
    pub(crate) fn prefix_word(&self) -> Option<&str> {
        if !self.prefix {
            return None;
        }
        self.groups.last()?.last().map(String::as_str)
    }

    /// As a `tsquery`: `'word' & 'two' <-> 'words' & 'pre':*`.
    pub(crate) fn tsquery(&self) -> String {
        self.tsquery_with(None)
    }

    /// As a `tsquery`, the prefix written as the words it stands for (`'pre':*` →
    /// `( 'prefix' | 'press' )`), when `words` are given (at least one).
    pub(crate) fn tsquery_expanded(&self, words: &[String]) -> String {
        self.tsquery_with(Some(words))
    }

    fn tsquery_with(&self, expansion: Option<&[String]>) -> String {
        let parts: Vec<String> = (self.groups.iter().enumerate())
            .map(|(i, g)| {
                let last = g.len() - 1;
                let words: Vec<String> = (g.iter().enumerate())
                    .map(|(j, w)| {
                        if !(self.is_last(i) && j == last) {
                            return format!("'{w}'");
                        }
                        match expansion {
                            Some(words) if !words.is_empty() => {
                                let words: Vec<String> = words.iter().map(|w| quoted(w)).collect();
                                format!("( {} )", words.join(" | "))
                            }
                            _ => format!("'{w}':*"),
                        }
                    })
                    .collect();
                words.join(" <-> ")
            })
            .collect();
        parts.join(" & ")
    }
}

/// A lexeme as a `tsquery` literal. The query's own words hold only letters and digits; the
/// words of an expansion come from the database, so quotes and backslashes are escaped.
fn quoted(word: &str) -> String {
    format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"))
}

/// The longest pair of words (in bytes) a phrase looks up whole; longer ones are checked by
/// position only (far below the 2,047 bytes PostgreSQL indexes of one lexeme, even after
/// accent folding lengthens a word).
const MAX_PAIR: usize = 200;

impl Terms {
    /// PostgreSQL's index of adjacent word pairs as a `tsquery` (`'latecheck'`): every pair of
    /// neighbouring words of a phrase, except the one ending in a prefix. `None` when the terms
    /// hold no such pair. A message matching the phrase holds each of these pairs; the phrase
    /// itself is still checked, so a pair that is also a word elsewhere finds nothing more.
    pub(crate) fn pairs(&self) -> Option<String> {
        let mut out = Vec::new();
        for (i, g) in self.groups.iter().enumerate() {
            for (j, pair) in g.windows(2).enumerate() {
                let prefix = self.is_last(i) && j + 2 == g.len();
                if !prefix && pair[0].len() + pair[1].len() <= MAX_PAIR {
                    out.push(format!("'{}{}'", pair[0], pair[1]));
                }
            }
        }
        (!out.is_empty()).then(|| out.join(" & "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(q: &str) -> (String, String) {
        let t = Terms::parse(q).expect("terms");
        (t.fts5(), t.tsquery())
    }

    #[test]
    fn the_last_word_is_a_prefix() {
        assert_eq!(
            both("booking break"),
            (
                "\"booking\" AND \"break\"*".into(),
                "'booking' & 'break':*".into()
            )
        );
        assert_eq!(both("break ").0, "\"break\"");
    }

    #[test]
    fn quotes_and_separators_make_phrases() {
        assert_eq!(
            both("\"late check\" CHECK-IN"),
            (
                "\"late check\" AND \"CHECK IN\"*".into(),
                "'late' <-> 'check' & 'CHECK' <-> 'IN':*".into()
            )
        );
        assert_eq!(both("\"room 12\"").1, "'room' <-> '12'");
    }

    #[test]
    fn operators_and_quotes_are_only_separators() {
        assert_eq!(both("a' OR 1=1 --").1, "'a' & 'OR' & '1' <-> '1':*");
        assert_eq!(both("café*").0, "\"café\"*");
    }

    #[test]
    fn phrases_name_their_word_pairs() {
        let pairs = |q: &str| Terms::parse(q).expect("terms").pairs();
        assert_eq!(
            pairs("\"late check out\""),
            Some("'latecheck' & 'checkout'".into())
        );
        // The last pair of a prefix phrase is left to the position check.
        assert_eq!(pairs("late check-in"), None);
        assert_eq!(pairs("check-in-desk"), Some("'checkin'".into()));
        assert_eq!(pairs("refund invoice"), None);
        let long = format!("\"{} b\"", "a".repeat(MAX_PAIR));
        assert_eq!(pairs(&long), None);
    }

    #[test]
    fn a_prefix_expands_into_the_words_it_stands_for() {
        let t = Terms::parse("refund \"late check\" inv").expect("terms");
        assert_eq!(t.prefix_word(), Some("inv"));
        let words = ["invoice".to_string(), "it's\\".to_string()];
        assert_eq!(
            t.tsquery_expanded(&words),
            "'refund' & 'late' <-> 'check' & ( 'invoice' | 'it''s\\\\' )"
        );
        assert_eq!(t.tsquery_expanded(&[]), t.tsquery());
        let phrase = Terms::parse("late check-in").expect("terms");
        assert_eq!(
            phrase.tsquery_expanded(&["inn".to_string()]),
            "'late' & 'check' <-> ( 'inn' )"
        );
        assert_eq!(Terms::parse("break ").expect("terms").prefix_word(), None);
        assert_eq!(
            Terms::parse("\"room 1\"").expect("terms").prefix_word(),
            None
        );
    }

    #[test]
    fn no_word_no_terms() {
        for q in ["", "   ", "\"\"", "-- !? ...", "👍"] {
            assert_eq!(Terms::parse(q), None, "{q:?}");
        }
    }
}
