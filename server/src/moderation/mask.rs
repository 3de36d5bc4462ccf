//! Contact masking: phone numbers, e-mail addresses and links in a message's text are replaced
//! by `[phone hidden]`, `[email hidden]`, `[link hidden]`. The finders read the folded text
//! ([`super::fold`]: zero-width characters, full-width digits and accents cannot hide a
//! number) and the matching span of the original is replaced. Links and addresses are found by
//! `linkify` and judged by [`super::links`]; phone numbers by [`super::phone`]. Pure and
//! synchronous: the send path calls it once, before anything is stored.

use std::ops::Range;

use linkify::{LinkFinder, LinkKind};

use super::fold::Folded;
use super::links;

pub const PHONE_HIDDEN: &str = "[phone hidden]";
pub const EMAIL_HIDDEN: &str = "[email hidden]";
pub const LINK_HIDDEN: &str = "[link hidden]";

/// What was hidden, and how often.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub phone: u32,
    pub email: u32,
    pub link: u32,
}

impl Counts {
    pub fn total(self) -> u32 {
        self.phone + self.email + self.link
    }

    /// The kinds hidden, in the contract's order (`metadata.masked`).
    pub fn kinds(self) -> Vec<&'static str> {
        [
            ("phone", self.phone),
            ("email", self.email),
            ("link", self.link),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, _)| kind)
        .collect()
    }
}

/// The text with contact details hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    pub text: String,
    pub counts: Counts,
}

/// Masks with one set of allowed link domains.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Lower-cased; a link to one of them or a subdomain is kept.
    allowed_domains: Vec<String>,
}

/// Passes after the first; each one only runs when the previous one hid something.
const MAX_ROUNDS: usize = 4;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Phone,
    Email,
    Link,
}

impl Masker {
    pub fn new(allowed_domains: &[String]) -> Masker {
        Masker {
            allowed_domains: allowed_domains
                .iter()
                .map(|d| d.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
        }
    }

    /// Hides what `text` holds; the result has at most `max_chars` characters (a marker longer
    /// than what it hides may push a message at the limit over it: its tail is cut). Runs until
    /// nothing is left to hide, so that masking masked text changes nothing: a cut tail or two
    /// pieces meeting where a marker went can form something new.
    pub fn mask(&self, text: &str, max_chars: usize) -> Masked {
        let mut masked = self.once(text, max_chars);
        for _ in 0..MAX_ROUNDS {
            let again = self.once(&masked.text, max_chars);
            if again.counts.total() == 0 {
                break;
            }
            masked.text = again.text;
            masked.counts.phone += again.counts.phone;
            masked.counts.email += again.counts.email;
            masked.counts.link += again.counts.link;
        }
        masked
    }

    fn once(&self, text: &str, max_chars: usize) -> Masked {
        let folded = Folded::new(text);
        let hits = self.find(folded.text());
        if hits.is_empty() {
            return Masked {
                text: cut(text, max_chars).to_owned(),
                counts: Counts::default(),
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut counts = Counts::default();
        let mut at = 0;
        for (range, kind) in hits {
            let range = folded.original_range(range);
            if range.start < at {
                continue;
            }
            out.push_str(&text[at..range.start]);
            out.push_str(match kind {
                Kind::Phone => PHONE_HIDDEN,
                Kind::Email => EMAIL_HIDDEN,
                Kind::Link => LINK_HIDDEN,
            });
            match kind {
                Kind::Phone => counts.phone += 1,
                Kind::Email => counts.email += 1,
                Kind::Link => counts.link += 1,
            }
            at = range.end;
        }
        out.push_str(&text[at..]);
        let keep = cut(&out, max_chars).len();
        out.truncate(keep);
        Masked { text: out, counts }
    }

    /// What `text` (folded) holds to hide, ordered by start, the longest first.
    fn find(&self, text: &str) -> Vec<(Range<usize>, Kind)> {
        // An address written out (`john at gmail dot com`) needs none of the characters
        // below; its finder looks for its own hints first, so ordinary chat stays cheap.
        let mut hits: Vec<(Range<usize>, Kind)> = links::obfuscated_emails(text)
            .into_iter()
            .map(|range| (range, Kind::Email))
            .collect();
        // Only text with a dot, an `@` or a colon can hold a link or an address; skipping the
        // finder otherwise keeps ordinary chat cheap.
        if text.contains(['.', '@', ':']) {
            let mut finder = LinkFinder::new();
            finder.url_must_have_scheme(false);
            for link in finder.links(text) {
                let kind = match link.kind() {
                    LinkKind::Email => Kind::Email,
                    _ if !links::is_link(link.as_str()) || self.allowed(link.as_str()) => {
                        continue;
                    }
                    _ => Kind::Link,
                };
                hits.push((link.start()..link.end(), kind));
            }
        }
        for range in super::phone::find(text) {
            hits.push((range, Kind::Phone));
        }
        hits.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
        hits
    }

    /// Whether a link (with or without a scheme) points to an allowed domain or below it.
    fn allowed(&self, link: &str) -> bool {
        if self.allowed_domains.is_empty() {
            return false;
        }
        let rest = link.split_once("://").map_or(link, |(_, rest)| rest);
        let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        let host = rest
            .split(['/', '?', '#', ':'])
            .next()
            .unwrap_or("")
            .trim_end_matches('.')
            .to_ascii_lowercase();
        self.allowed_domains.iter().any(|d| {
            host == *d
                || host
                    .strip_suffix(d.as_str())
                    .is_some_and(|s| s.ends_with('.'))
        })
    }
}

/// The first `max_chars` characters of `text`.
fn cut(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}
