//! What commands print on standard output. A command's result is gathered first and written
//! once it has succeeded, so a failure prints nothing there; a file is written aside and
//! renamed into place, so a failure leaves none. A reader that goes away (`… | head -1`)
//! ends the command quietly: that is not an error. Human-readable text is made [`visible`]
//! here, so text from users cannot drive the operator's terminal; JSON goes out exact.

use std::borrow::Cow;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A command's standard output, held until it has succeeded.
#[derive(Default)]
pub struct Out {
    text: Vec<u8>,
}

impl Out {
    /// One line of human-readable text; anything in it that a terminal would act on is shown
    /// escaped ([`visible`]), a line break too.
    pub fn line(&mut self, text: impl AsRef<str>) {
        self.text
            .extend_from_slice(visible(text.as_ref()).as_bytes());
        self.text.push(b'\n');
    }

    /// A value as pretty JSON (`--json`).
    pub fn json<T: Serialize>(&mut self, value: &T) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut self.text, value)?;
        self.text.push(b'\n');
        Ok(())
    }

    /// Human-readable lines (a rendered table ends its own lines), each made [`visible`].
    pub fn text(&mut self, text: String) {
        self.text.extend_from_slice(visible_lines(&text).as_bytes());
    }

    /// Bytes exactly as given: generated scripts, never text from users.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.text.extend_from_slice(bytes);
    }

    /// Writes it all out.
    pub fn finish(self) -> anyhow::Result<()> {
        write_stdout(&self.text)
    }
}

/// Writes human-readable lines to standard output now (for streams: monitor lines, smoke
/// steps), each made [`visible`]; a closed pipe ends the process quietly.
pub fn now(text: &str) {
    now_exact(&visible_lines(text));
}

/// Writes JSON (or other machine-read text) to standard output now, exactly as given.
pub fn now_exact(text: &str) {
    let written = write_stdout(text.as_bytes());
    if written.is_err() {
        // Not a pipe error (that exits inside): nothing better to do than stop printing.
        std::process::exit(1);
    }
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::BrokenPipe => reader_gone(),
        Err(err) => Err(err.into()),
    }
}

/// The reader of standard output went away: the output is not wanted any more.
pub fn reader_gone() -> ! {
    std::process::exit(0)
}

/// Text with every character a terminal would act on rather than show written as a Rust
/// escape (`\u{1b}`, `\n`, `\t`): the C0 and C1 controls, DEL (so no escape sequence, bell
/// or clipboard write gets through), the bidirectional overrides and isolates (which reorder
/// what is shown) and the line and paragraph separators. Everything else, backslashes
/// included, stays as it is.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if acts_on_terminal(c) {
            shown.extend(c.escape_debug());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// [`visible`] for each line of `text`, the line breaks between them kept.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && acts_on_terminal(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(visible).collect();
    Cow::Owned(lines.join("\n"))
}

fn acts_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// A file written beside its destination and renamed over it on [`AsideFile::commit`];
/// dropped without that, the partial file is removed.
pub struct AsideFile {
    file: Option<std::fs::File>,
    partial: PathBuf,
    target: PathBuf,
}

impl AsideFile {
    pub fn create(target: &Path) -> std::io::Result<AsideFile> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let partial = target.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        // Readable too: a spool is read back once complete.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&partial)?;
        Ok(AsideFile {
            file: Some(file),
            partial,
            target: target.to_path_buf(),
        })
    }

    /// A file in the temporary directory, for output that goes to standard output once
    /// complete ([`AsideFile::copy_to_stdout`]).
    pub fn spool() -> std::io::Result<AsideFile> {
        let path = std::env::temp_dir().join(format!("tigo-chat-{}.out", std::process::id()));
        AsideFile::create(&path)
    }

    /// Copies what was written to standard output, then removes the file.
    pub fn copy_to_stdout(mut self) -> anyhow::Result<()> {
        use std::io::{Read, Seek};
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        file.seek(std::io::SeekFrom::Start(0))?;
        let mut chunk = vec![0u8; 64 * 1024];
        let result = loop {
            let n = match file.read(&mut chunk) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(err) => break Err(err.into()),
            };
            if let Err(err) = write_stdout(&chunk[..n]) {
                break Err(err);
            }
        };
        let _ = std::fs::remove_file(&self.partial);
        result
    }

    pub fn writer(&mut self) -> &mut std::fs::File {
        self.file.as_mut().expect("the file is open until commit")
    }

    /// Makes the written file the destination.
    pub fn commit(mut self) -> std::io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        std::fs::rename(&self.partial, &self.target)
    }
}

impl Drop for AsideFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// An error with its causes, each said once (a cause whose text is already in what was said
/// is left out: error types often repeat their source's text), made [`visible`]: errors may
/// echo text from users.
pub fn describe(err: &anyhow::Error) -> String {
    let mut said = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if said.contains(&text) {
            continue;
        }
        if !said.is_empty() {
            said.push_str(": ");
        }
        said.push_str(&text);
    }
    visible(&said).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_repeating_its_source_is_said_once() {
        let err = anyhow::anyhow!("disk full")
            .context("database unavailable: disk full")
            .context("cannot open the database");
        assert_eq!(
            describe(&err),
            "cannot open the database: database unavailable: disk full"
        );
    }

    #[test]
    fn terminal_controls_are_shown_escaped_and_other_text_kept() {
        assert_eq!(visible("café \\ 日本 👍🏽 <b>"), "café \\ 日本 👍🏽 <b>");
        assert_eq!(visible("<b>Bob</b>\u{1b}[31m"), "<b>Bob</b>\\u{1b}[31m");
        assert_eq!(
            visible("a\u{1b}]52;c;eA==\u{7}\u{9b}2J\u{7f}\u{202e}cba\tb\nc"),
            "a\\u{1b}]52;c;eA==\\u{7}\\u{9b}2J\\u{7f}\\u{202e}cba\\tb\\nc"
        );
        assert_eq!(visible_lines("a\u{1b}c\nd\n"), "a\\u{1b}c\nd\n");
    }

    #[test]
    fn an_unfinished_file_leaves_nothing_and_a_finished_one_replaces_the_target() {
        let dir = std::env::temp_dir().join(format!("tigo-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let target = dir.join("room.json");
        {
            let mut file = AsideFile::create(&target).expect("create");
            file.writer().write_all(b"[").expect("write");
        }
        assert_eq!(std::fs::read_dir(&dir).expect("list").count(), 0);
        let mut file = AsideFile::create(&target).expect("create");
        file.writer().write_all(b"[]").expect("write");
        file.commit().expect("commit");
        assert_eq!(std::fs::read(&target).expect("read"), b"[]");
        assert_eq!(std::fs::read_dir(&dir).expect("list").count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
