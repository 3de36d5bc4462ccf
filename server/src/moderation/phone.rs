//! Phone numbers as the contract's examples define them: digit groups joined by spaces, dashes,
//! dots or parentheses (`555-123-4567`, `06 12 34 56 78`, `+1 (555) 123-4567`), or one run of
//! digits with an international prefix (`+33612345678`, `0049…`). A bare run of digits is a
//! booking number, and dates, times and amounts are never numbers to hide.

use std::ops::Range;

/// Fewest and most digits a phone number has (E.164 allows 15).
const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;
/// Longest gap of separators between two groups of one number (`) - `).
const MAX_GAP: usize = 3;

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}')
}

/// A run of ASCII digits, as byte offsets into the text.
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
}

impl Group {
    fn len(self) -> usize {
        self.end - self.start
    }
}

/// Byte ranges of the phone numbers in `text`, in order, not overlapping.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    if !bytes.iter().any(u8::is_ascii_digit) {
        return Vec::new();
    }
    let groups = groups(text);
    let mut found = Vec::new();
    let mut i = 0;
    while i < groups.len() {
        let (chain, candidate) = chain_from(text, &groups, i);
        if candidate && let Some(range) = judge(text, &groups[i..i + chain]) {
            found.push(range);
        }
        i += chain;
    }
    found
}

/// Every digit run that may belong to a number: not glued to a letter (`A12`, `3rd`), not part
/// of an amount or a time (`1,250`, `14:00`).
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
        // A comma, colon or slash between digits joins them into an amount, a time or a
        // date (`1,250`, `14:00`, `15/01`); a letter glued on makes a code (`A12`, `3rd`).
        let glued = |next: Option<char>, beyond: Option<char>| match next {
            Some(c) if c.is_alphanumeric() || c == '_' => true,
            Some(':' | ',' | '/') => beyond.is_some_and(|b| b.is_ascii_digit()),
            _ => false,
        };
        if glued(before.next(), before.next()) || glued(after.next(), after.next()) {
            out.push(Group { start, end: start }); // a breaker: chains stop here
        } else {
            out.push(Group { start, end: i });
        }
    }
    out
}

/// How many groups from `i` on form one candidate (joined by short separator gaps, stopping
/// before a date and at every breaker), and whether they may be a number at all: a date
/// (`2024-01-15`, `15.01.2024`) or a breaker is skipped whole.
fn chain_from(text: &str, groups: &[Group], i: usize) -> (usize, bool) {
    if groups[i].len() == 0 {
        return (1, false);
    }
    if is_date(text, groups, i) {
        return (3, false);
    }
    let mut n = 1;
    while i + n < groups.len() {
        let (prev, next) = (groups[i + n - 1], groups[i + n]);
        let gap = &text[prev.end..next.start];
        let joined = next.len() > 0
            && gap.chars().count() <= MAX_GAP
            && gap.chars().all(is_separator)
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

/// The candidate's range when it is a phone number.
fn judge(text: &str, chain: &[Group]) -> Option<Range<usize>> {
    let (first, last) = (chain.first()?, chain.last()?);
    if first.len() == 0 {
        return None;
    }
    let digits: usize = chain.iter().map(|g| g.len()).sum();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
        return None;
    }
    let before = text[..first.start].trim_end_matches(['(', ' ']);
    let plus = before.ends_with('+');
    let international = plus || text[first.start..].starts_with("00");
    if chain.len() == 1 && !international {
        return None; // `1234567890`: a booking number
    }
    // Single digits spread out are counts (`2 3 4 5 6 7 8`), not a number; only a country code
    // after `+` may be one digit.
    let lone = chain
        .iter()
        .enumerate()
        .any(|(k, g)| g.len() == 1 && !(k == 0 && plus));
    if lone {
        return None;
    }
    let mut start = first.start;
    let opening = &text[..start];
    if let Some(p) = opening.rfind('+')
        && opening[p + 1..].chars().all(|c| c == '(' || c == ' ')
    {
        start = p;
    } else if opening.ends_with('(') {
        start -= 1;
    }
    let mut end = last.end;
    if text[end..].starts_with(')')
        && text[start..end].contains('(')
        && !text[start..end].contains(')')
    {
        end += 1;
    }
    Some(start..end)
}
