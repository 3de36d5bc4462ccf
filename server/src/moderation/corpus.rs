//! The labelled booking-chat lines that measure masking (`tests/fixtures/masking-corpus.tsv`):
//! how they are read and how a run is scored. `tests/api/masking.rs` runs them through
//! [`super::mask`] and through the real server on both backends, scoring both the same way.

use std::fmt;

/// The goals: share of must-keep lines back unchanged, of must-hide lines fully hidden.
pub const KEEP_GOAL: f64 = 0.99;
pub const HIDE_GOAL: f64 = 0.97;

/// One line of the corpus.
#[derive(Debug, Clone)]
pub struct Line {
    /// Whether it must come back unchanged.
    pub keep: bool,
    /// The message as sent.
    pub input: String,
    /// What it must come back as.
    pub expected: String,
    /// The kinds hidden, in the contract's order (`metadata.masked`).
    pub kinds: Vec<&'static str>,
}

/// The corpus's lines (`keep` / `hide`, a tab, the text); comments and blank lines skipped.
/// `Err` names a line that is neither.
pub fn parse(tsv: &str) -> Result<Vec<Line>, String> {
    let mut lines = Vec::new();
    for (n, raw) in tsv.lines().enumerate() {
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let Some((label, text)) = raw.split_once('\t') else {
            return Err(format!("line {}: no tab", n + 1));
        };
        let text = unescape(text);
        let line = match label {
            "keep" => Line {
                keep: true,
                input: text.clone(),
                expected: text,
                kinds: Vec::new(),
            },
            "hide" => hide_line(&text).ok_or_else(|| format!("line {}: bad marks", n + 1))?,
            other => return Err(format!("line {}: label {other:?}", n + 1)),
        };
        lines.push(line);
    }
    Ok(lines)
}

/// A `hide` line: `{{kind:detail}}` marks the details and their kind.
fn hide_line(text: &str) -> Option<Line> {
    let (mut input, mut expected) = (String::new(), String::new());
    let mut seen = [false; 3];
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let close = open + rest[open..].find("}}")?;
        let (kind, detail) = rest[open + 2..close].split_once(':')?;
        let k = ["phone", "email", "link"].iter().position(|&x| x == kind)?;
        seen[k] = true;
        input.push_str(&rest[..open]);
        expected.push_str(&rest[..open]);
        input.push_str(detail);
        expected.push_str(&format!("[{kind} hidden]"));
        rest = &rest[close + 2..];
    }
    input.push_str(rest);
    expected.push_str(rest);
    let kinds = ["phone", "email", "link"]
        .into_iter()
        .zip(seen)
        .filter_map(|(kind, s)| s.then_some(kind))
        .collect::<Vec<_>>();
    (!kinds.is_empty()).then_some(Line {
        keep: false,
        input,
        expected,
        kinds,
    })
}

/// `\u{200b}` escapes as the characters they name.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 3..];
        let decoded = tail.find('}').and_then(|end| {
            let c = u32::from_str_radix(&tail[..end], 16).ok()?;
            Some((char::from_u32(c)?, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push_str("\\u{");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The outcome of a run over the corpus.
#[derive(Debug, Default)]
pub struct Score {
    pub keep_total: usize,
    pub keep_ok: usize,
    pub hide_total: usize,
    pub hide_ok: usize,
    /// The lines that missed: what was sent, what came back.
    pub misses: Vec<(String, String)>,
}

impl Score {
    /// Counts one line: `output` is what came back, `kinds` what `metadata.masked` said.
    pub fn add(&mut self, line: &Line, output: &str, kinds: &[&str]) {
        let ok = output == line.expected && kinds == line.kinds.as_slice();
        if line.keep {
            self.keep_total += 1;
            self.keep_ok += usize::from(ok);
        } else {
            self.hide_total += 1;
            self.hide_ok += usize::from(ok);
        }
        if !ok {
            self.misses.push((line.input.clone(), output.to_string()));
        }
    }

    pub fn keep_share(&self) -> f64 {
        self.keep_ok as f64 / self.keep_total.max(1) as f64
    }

    pub fn hide_share(&self) -> f64 {
        self.hide_ok as f64 / self.hide_total.max(1) as f64
    }

    pub fn meets_goals(&self) -> bool {
        self.keep_share() >= KEEP_GOAL && self.hide_share() >= HIDE_GOAL
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "must-keep unchanged: {}/{} ({:.1} %), must-hide fully hidden: {}/{} ({:.1} %)",
            self.keep_ok,
            self.keep_total,
            100.0 * self.keep_share(),
            self.hide_ok,
            self.hide_total,
            100.0 * self.hide_share()
        )?;
        for (sent, got) in &self.misses {
            writeln!(f, "  miss: {sent:?} -> {got:?}")?;
        }
        Ok(())
    }
}

/// The corpus as kept in the repository.
pub const CORPUS: &str = include_str!("../../../tests/fixtures/masking-corpus.tsv");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_escapes_are_read() {
        let lines =
            parse("# c\nkeep\tNode.js\nhide\tcall {{phone:+49\\u{200b}30}} or {{link:x.de}}\n")
                .expect("corpus");
        assert_eq!(lines.len(), 2);
        assert!(lines[0].keep);
        assert_eq!(lines[1].input, "call +49\u{200b}30 or x.de");
        assert_eq!(lines[1].expected, "call [phone hidden] or [link hidden]");
        assert_eq!(lines[1].kinds, vec!["phone", "link"]);
        assert!(parse("maybe\tx").is_err());
    }
}
