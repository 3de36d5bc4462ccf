//! Phone numbers in folded text ([`super::fold`]): digit groups joined by spaces, dashes,
//! dots, parentheses or a slash after an area code (`555-123-4567`, `06 12 34 56 78`,
//! `+1 (555) 123-4567`, `030/1234567`, `+49 (0)30 1234 5678`, `1-800-555-0199`), or one run of
//! digits with an international prefix (`+33612345678`, `0049…`), introduced as a phone
//! (`My mobile: 07781224593`) or a mobile number by libphonenumber's data. A bare run of digits
//! is a booking number, and so is anything introduced as a booking, order or invoice reference
//! ([`super::context`]); dates, date and time ranges, amounts and the digits of file names are
//! never numbers to hide.

use std::ops::Range;

use super::context::{self, Intro};

/// Fewest and most digits a phone number has (E.164 allows 15).
const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;
/// Longest gap of separators between two groups of one number (`) - `).
const MAX_GAP: usize = 3;

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '/')
}

/// A run of ASCII digits, as byte offsets into the text; a `breaker` belongs to a word, an
/// amount, a time or a date written as one run (`A12`, `1,250`, `14:00`, `20250712`).
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    breaker: bool,
}

impl Group {
    fn len(self) -> usize {
        self.end - self.start
    }
}

/// Byte ranges of the phone numbers in `text`, in order, not overlapping.
pub fn find(text: &str) -> Vec<Range<usize>> {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let groups = groups(text);
    let mut found = Vec::new();
    let mut i = 0;
    let mut last_skipped = false;
    while i < groups.len() {
        let (chain, candidate) = chain_from(text, &groups, i);
        // Digits glued by one `-`, `.` or `_` to a date, a code or a file name's digits
        // (`Screenshot_2025-07-12-14-32-05`, `12.07.25-19.07.25`) continue that token.
        let continues = i > 0 && last_skipped && {
            let gap = &text[groups[i - 1].end..groups[i].start];
            matches!(gap, "-" | "." | "_")
        };
        let hit = (candidate && !continues)
            .then(|| judge(text, &groups[i..i + chain]))
            .flatten();
        last_skipped = hit.is_none();
        found.extend(hit);
        i += chain;
    }
    found
}

/// Every digit run that may belong to a number: not glued to a letter (`A12`, `3rd`), a
/// currency or a percent sign, not part of an amount or a time (`1,250`, `14:00`).
fn groups(text: &str) -> Vec<Group> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let mut before = text[..start].chars().rev();
        let mut after = text[i..].chars();
        let glued = |next: Option<char>, beyond: Option<char>| match next {
            Some(c) if c.is_alphanumeric() || c == '_' => true,
            Some('€' | '$' | '£' | '¥' | '₹' | '%') => true,
            Some(':' | ',') => beyond.is_some_and(|b| b.is_ascii_digit()),
            _ => false,
        };
        let breaker = glued(before.next(), before.next())
            || glued(after.next(), after.next())
            || (!after_plus(text, start) && is_compact_date(&text[start..i]));
        out.push(Group {
            start,
            end: i,
            breaker,
        });
    }
    out
}

/// `20250712`: a date written as one run.
fn is_compact_date(digits: &str) -> bool {
    let n = |r: Range<usize>| digits.get(r).and_then(|s| s.parse::<u32>().ok());
    digits.len() == 8
        && n(0..4).is_some_and(|y| (1900..=2099).contains(&y))
        && n(4..6).is_some_and(|m| (1..=12).contains(&m))
        && n(6..8).is_some_and(|d| (1..=31).contains(&d))
}

/// Whether the digits at `at` follow a `+` (an international number's country code).
fn after_plus(text: &str, at: usize) -> bool {
    text[..at].trim_end_matches(['(', ' ']).ends_with('+')
}

fn international(text: &str, first: Group) -> bool {
    after_plus(text, first.start) || text[first.start..].starts_with("00")
}

/// How many groups from `i` on form one candidate (joined by short separator gaps, stopping
/// before a date and at every breaker), and whether they may be a number at all: a date
/// (`2024-01-15`, `15.01.2024`, `12.07.25`) or a breaker is skipped whole.
fn chain_from(text: &str, groups: &[Group], i: usize) -> (usize, bool) {
    let first = groups[i];
    if first.breaker {
        return (1, false);
    }
    let abroad = international(text, first);
    if !after_plus(text, first.start)
        && (is_date(text, groups, i) || is_short_date(text, groups, i))
    {
        return (3, false);
    }
    // A slash joins an area code written with its trunk `0` to the number (`030/1234567`);
    // elsewhere it makes dates and lists (`15/01`, `rooms 101/102/103`).
    let area_code = abroad || text[first.start..].starts_with('0');
    let mut n = 1;
    while i + n < groups.len() {
        let (prev, next) = (groups[i + n - 1], groups[i + n]);
        let gap = &text[prev.end..next.start];
        let joined = !next.breaker
            && gap.chars().count() <= MAX_GAP
            && gap.chars().all(is_separator)
            && (!gap.contains('/') || (n == 1 && area_code))
            && !is_date(text, groups, i + n);
        if !joined {
            break;
        }
        n += 1;
    }
    (n, true)
}

/// Whether groups `i..i+3` spell a date with one separator: `yyyy-mm-dd` or `dd.mm.yyyy`.
fn is_date(text: &str, groups: &[Group], i: usize) -> bool {
    let Some(g) = groups.get(i..i + 3) else {
        return false;
    };
    let gap1 = &text[g[0].end..g[1].start];
    let gap2 = &text[g[1].end..g[2].start];
    let sep_ok = gap1 == gap2 && matches!(gap1, "-" | "." | "/");
    let sizes = (g[0].len(), g[1].len(), g[2].len());
    let ymd = sizes.0 == 4 && (1..=2).contains(&sizes.1) && (1..=2).contains(&sizes.2);
    let dmy = (1..=2).contains(&sizes.0) && (1..=2).contains(&sizes.1) && sizes.2 == 4;
    sep_ok && (ymd || dmy)
}

/// Whether groups `i..i+3` spell `dd.mm.yy` or `dd/mm/yy` and no fourth group follows with the
/// same separator (`06.12.34.56.78` is a French number).
fn is_short_date(text: &str, groups: &[Group], i: usize) -> bool {
    let Some(g) = groups.get(i..i + 3) else {
        return false;
    };
    let gap1 = &text[g[0].end..g[1].start];
    let gap2 = &text[g[1].end..g[2].start];
    let value = |g: Group| text[g.start..g.end].parse::<u32>().unwrap_or(0);
    let more = groups
        .get(i + 3)
        .is_some_and(|next| &text[g[2].end..next.start] == gap1);
    gap1 == gap2
        && matches!(gap1, "." | "/")
        && (1..=2).contains(&g[0].len())
        && (1..=2).contains(&g[1].len())
        && g[2].len() == 2
        && (1..=31).contains(&value(g[0]))
        && (1..=12).contains(&value(g[1]))
        && !more
}

/// The candidate's range when it is a phone number.
fn judge(text: &str, chain: &[Group]) -> Option<Range<usize>> {
    let (first, last) = (*chain.first()?, *chain.last()?);
    let digits: usize = chain.iter().map(|g| g.len()).sum();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
        return None;
    }
    let plus = after_plus(text, first.start);
    let abroad = international(text, first);
    let intro = context::intro(&text[..first.start]);
    // A booking word keeps its reference; a number that is a mobile one by libphonenumber's
    // data only when the word introduces it directly (`Booking no. 0151 4482 9031` kept,
    // `Booking confirmed. 0151 4482 9031` hidden).
    let joined: String = chain.iter().map(|g| &text[g.start..g.end]).collect();
    let booking = intro == Intro::Booking
        && (!context::is_bare_mobile(&joined) || context::booking_directly(&text[..first.start]));
    if !abroad && (booking || is_time_range(text, chain)) {
        return None;
    }
    if chain.len() == 1
        && !abroad
        && intro != Intro::Phone
        && !context::is_bare_mobile(&text[first.start..first.end])
    {
        return None; // `1234567890`: a booking number
    }
    if !abroad && intro != Intro::Phone && is_amount(text, chain) {
        return None;
    }
    // Single digits spread out are counts (`2 3 4 5 6 7 8`), not a number; a country code
    // (`+1`), the digit after it (`+33 6 …`, `+49 (0)30`, and after that `(0)`: `+33 (0)6`)
    // and North America's `1-800-…` are.
    let digits_of = |g: &Group| &text[g.start..g.end];
    let nanp = chain.len() == 4
        && digits_of(&first) == "1"
        && chain[1..].iter().map(|g| g.len()).eq([3, 3, 4]);
    let trunk = chain.get(1).is_some_and(|g| digits_of(g) == "0");
    let lone = chain.iter().enumerate().any(|(k, g)| {
        g.len() == 1 && !((k == 0 && (plus || nanp)) || (abroad && (k == 1 || (k == 2 && trunk))))
    });
    if lone {
        return None;
    }
    Some(span(text, first.start, last.end))
}

/// The number's span with its `+` and an opening or closing parenthesis.
fn span(text: &str, first: usize, last: usize) -> Range<usize> {
    let mut start = first;
    let opening = &text[..start];
    if let Some(p) = opening.rfind('+')
        && opening[p + 1..].chars().all(|c| c == '(' || c == ' ')
    {
        start = p;
    } else if opening.ends_with('(') {
        start -= 1;
    }
    let mut end = last;
    if text[end..].starts_with(')')
        && text[start..end].contains('(')
        && !text[start..end].contains(')')
    {
        end += 1;
    }
    start..end
}

/// `10.30-11.45`: two times of day with dots, joined by a dash.
fn is_time_range(text: &str, chain: &[Group]) -> bool {
    if chain.len() != 4 {
        return false;
    }
    let value = |g: &Group| text[g.start..g.end].parse::<u32>().unwrap_or(99);
    let gap = |k: usize| &text[chain[k].end..chain[k + 1].start];
    gap(0) == "."
        && gap(2) == "."
        && gap(1).contains('-')
        && [0, 2].iter().all(|&k| value(&chain[k]) <= 23)
        && [1, 3]
            .iter()
            .all(|&k| chain[k].len() == 2 && value(&chain[k]) <= 59)
}

/// `12.500.000`, `12 500 000`: an amount in thousands.
fn is_amount(text: &str, chain: &[Group]) -> bool {
    let first = chain[0];
    let gap = &text[first.end..chain.get(1).map_or(first.end, |g| g.start)];
    chain.len() >= 2
        && (1..=2).contains(&first.len())
        && !text[first.start..].starts_with('0')
        && matches!(gap, "." | " ")
        && chain[1..].iter().all(|g| g.len() == 3)
        && chain.windows(2).all(|w| &text[w[0].end..w[1].start] == gap)
}
