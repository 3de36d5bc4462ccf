//! Which of the candidates `linkify` finds are links, and addresses written to slip past a
//! finder (`john (at) gmail (dot) com`). A scheme (`https://`), `www.` or a path
//! (`book-direct.example/rooms`) make a link; a bare `name.suffix` is one only when the suffix
//! is on the Public Suffix List (`Node.js`, `invoice.pdf` are not) and it is not a sentence
//! glued at its full stop (`incl.in the price`, `the pool.Spa opens`) or a product name
//! written with capitals (`Socket.IO`).

use std::sync::LazyLock;

use regex::Regex;

/// Labels that end a word or an abbreviation more often than they start a domain, in the
/// platform's languages: before a suffix that is also a word (`incl.in`, `ca.at`), the dot is
/// a typo's missing space.
const GLUED_WORDS: &[&str] = &[
    "incl",
    "excl",
    "inkl",
    "exkl",
    "approx",
    "aprox",
    "ca",
    "env",
    "etc",
    "bzw",
    "usw",
    "ggf",
    "evtl",
    "zzgl",
    "vs",
    "min",
    "max",
    "nr",
    "no",
    "st",
    "dr",
    "mr",
    "mrs",
    "ms",
    "ps",
    "cf",
    "vgl",
    "abt",
    "resp",
    "hrs",
    "mins",
    "am",
    "pm",
    "ok",
    "yes",
    "hi",
    "thanks",
    "please",
    "price",
    "room",
    "rooms",
    "night",
    "nights",
    "today",
    "tomorrow",
    "breakfast",
    "parking",
    "here",
    "there",
    "time",
    "pool",
    "also",
    "too",
    "bitte",
    "danke",
    "merci",
    "gracias",
    "grazie",
    "oui",
    "ja",
    "si",
];

/// Suffixes that are also short words in the platform's languages.
const WORD_SUFFIXES: &[&str] = &[
    "in", "at", "is", "it", "to", "me", "be", "do", "so", "us", "no", "my", "am", "an", "as", "by",
    "de", "es", "la", "se", "il", "ma", "mi", "tu", "ne", "si", "un", "im", "um", "al",
];

/// File types that are also top-level domains: `photos.zip`, `tour.mov` name files.
const FILE_SUFFIXES: &[&str] = &["zip", "mov"];

/// Whether a URL `linkify` found (with or without a scheme) is a link to hide.
pub fn is_link(found: &str) -> bool {
    let lower = found.to_ascii_lowercase();
    if lower.contains("://") || lower.starts_with("www.") {
        return true;
    }
    let host_end = found.find(['/', '?', '#', ':']).unwrap_or(found.len());
    let (host, rest) = found.split_at(host_end);
    let host = host.trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || !labels.iter().all(|l| is_label(l)) {
        return false;
    }
    if rest.len() > 1 {
        return true; // a path, a query or a port: written as an address
    }
    bare_domain(host, &labels)
}

/// A label a host name may have: letters, digits and inner hyphens (no `_`: `IMG_2041.JPG`).
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
}

/// Whether a bare `name.suffix` names a domain.
fn bare_domain(host: &str, labels: &[&str]) -> bool {
    let lower = host.to_lowercase();
    let Some(domain) = psl::domain(lower.as_bytes()) else {
        return false;
    };
    if !domain.suffix().is_known() {
        return false;
    }
    let (Some(suffix), Some(name)) = (labels.last(), labels.get(labels.len() - 2)) else {
        return false;
    };
    let upper = |s: &str| s.chars().any(char::is_uppercase);
    let lowercase = |s: &str| s.chars().any(char::is_lowercase);
    // `pool.Spa`: a sentence run on after its full stop; `Socket.IO`: a product's name.
    let title = suffix.chars().next().is_some_and(char::is_uppercase) && lowercase(suffix);
    let product = upper(suffix) && !lowercase(suffix) && lowercase(name);
    let suffix_lower = suffix.to_lowercase();
    let glued = labels.len() == 2
        && WORD_SUFFIXES.contains(&suffix_lower.as_str())
        && GLUED_WORDS.contains(&name.to_lowercase().as_str());
    !(title || product || glued || FILE_SUFFIXES.contains(&suffix_lower.as_str()))
}

/// An address with its `@` or dots written as words or in brackets:
/// `john (at) gmail (dot) com`, `john[at]gmail.com`, `john at gmail dot com`.
static OBFUSCATED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[a-z0-9][a-z0-9._%+-]*\s*(?:[\[({]\s*(?:at|@)\s*[\])}]|\s@\s|\sat\s)\s*[a-z0-9][a-z0-9-]*(?:(?:\.|\s*[\[({]\s*(?:dot|\.)\s*[\])}]\s*|\s+dot\s+)[a-z0-9-]+)+",
    )
    .ok()
});

/// Byte ranges of written-out addresses whose last part is a real suffix.
pub fn obfuscated_emails(text: &str) -> Vec<std::ops::Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let hinted = ["(at)", "[at]", "{at}", " dot ", "(dot)", "[dot]", " @ "]
        .iter()
        .any(|h| lower.contains(h));
    let Some(re) = OBFUSCATED.as_ref().filter(|_| hinted) else {
        return Vec::new();
    };
    re.find_iter(text)
        .filter(|m| {
            let mut tail = m
                .as_str()
                .rsplit(|c: char| !c.is_ascii_alphanumeric() && c != '-');
            let suffix = tail.next().unwrap_or("").to_ascii_lowercase();
            psl::suffix(format!("x.{suffix}").as_bytes()).is_some_and(|s| s.is_known())
        })
        .map(|m| m.range())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_www_and_paths_make_links() {
        for link in [
            "https://book-direct.example/x",
            "www.book-direct.example",
            "book-direct.example/rooms",
            "hotel-sonne.de",
            "Booking.com",
            "sonne.de",
        ] {
            assert!(is_link(link), "{link}");
        }
    }

    #[test]
    fn names_with_dots_are_no_links() {
        for name in [
            "Node.js",
            "incl.in",
            "invoice.pdf",
            "IMG_2041.JPG",
            "pool.Spa",
            "Socket.IO",
            "photos.zip",
            "v1.2",
        ] {
            assert!(!is_link(name), "{name}");
        }
    }

    #[test]
    fn written_out_addresses_are_found() {
        for text in [
            "john (at) gmail (dot) com",
            "john.doe[at]gmail.com",
            "john at gmail dot com",
            "j.doe @ web.de",
        ] {
            assert_eq!(obfuscated_emails(text), vec![0..text.len()], "{text}");
        }
        assert!(obfuscated_emails("we arrive at noon dot").is_empty());
        assert!(obfuscated_emails("meet at the pool (at) 5").is_empty());
    }
}
