//! A stored upload as Symphonia reads a file: `Read` and `Seek` over the file store, a window
//! of [`WINDOW`] bytes fetched at a time, so reading a recording holds that window rather than
//! the whole file, from a folder or from S3 alike. It runs on the reading's blocking thread
//! and waits there for each ranged read.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use symphonia::core::io::MediaSource;
use tokio::runtime::Handle;

use super::super::FileStore;

/// Bytes fetched per read from the store: large enough that S3 sees a few dozen requests for
/// the largest upload, small enough to hold.
const WINDOW: u64 = 1024 * 1024;

/// What went wrong with the store itself, if anything: the reading then fails as unreadable,
/// and this tells the upload to answer 503 instead of blaming the file.
pub type StoreFailure = Arc<Mutex<Option<String>>>;

pub struct StoreSource {
    store: FileStore,
    key: String,
    /// Where the source starts in the object (past a tag skipped), and its length from there.
    base: u64,
    size: u64,
    position: u64,
    /// The bytes fetched last and where they start.
    window: Bytes,
    window_start: u64,
    runtime: Handle,
    failure: StoreFailure,
}

impl StoreSource {
    /// `runtime` runs the store's requests; the source is read on a blocking thread.
    pub fn new(store: FileStore, key: String, size: u64, runtime: Handle) -> StoreSource {
        StoreSource {
            store,
            key,
            base: 0,
            size,
            position: 0,
            window: Bytes::new(),
            window_start: 0,
            runtime,
            failure: StoreFailure::default(),
        }
    }

    pub fn failure(&self) -> StoreFailure {
        self.failure.clone()
    }

    /// Makes byte `offset` of the object the source's start (clamped to its end).
    pub fn start_at(&mut self, offset: u64) {
        let offset = offset.min(self.base + self.size);
        self.size = self.base + self.size - offset;
        self.base = offset;
        self.position = 0;
        self.window = Bytes::new();
        self.window_start = 0;
    }

    fn fetch(&mut self) -> io::Result<()> {
        let end = (self.position + WINDOW).min(self.size);
        let range = self.base + self.position..self.base + end;
        let read = self
            .runtime
            .block_on(self.store.read_range(&self.key, range));
        match read {
            Ok(bytes) => {
                self.window = bytes;
                self.window_start = self.position;
                Ok(())
            }
            Err(err) => {
                if let Ok(mut failure) = self.failure.lock() {
                    *failure = Some(err.to_string());
                }
                Err(io::Error::other("the file store failed"))
            }
        }
    }
}

impl Read for StoreSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let window_end = self.window_start + self.window.len() as u64;
        if self.position < self.window_start || self.position >= window_end {
            self.fetch()?;
        }
        let offset = (self.position - self.window_start) as usize;
        let available = &self.window[offset.min(self.window.len())..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for StoreSource {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(delta) => self.size.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        self.position = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
    }
}

impl MediaSource for StoreSource {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.size)
    }
}
