//! The file store: attachment bytes behind `object_store`'s one trait, a local folder (the
//! embedded default) or any S3-compatible object store (AWS S3, MinIO, Cloudflare R2, Ceph),
//! chosen by `FILE_STORE`. Nothing written here is visible under its key before it is whole.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig,
    WriteMultipart,
};

use crate::error::{AppError, Cause};

/// Where files go.
#[derive(Clone)]
pub enum StoreSpec {
    Local(PathBuf),
    S3(S3Spec),
}

/// An S3-compatible bucket; the credentials come from the settings, never from logs.
#[derive(Clone)]
pub struct S3Spec {
    pub bucket: String,
    pub prefix: String,
    /// `S3_ENDPOINT`: unset for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSpec::Local(path) => write!(f, "folder {}", path.display()),
            StoreSpec::S3(s3) => write!(
                f,
                "s3://{}/{} at {}",
                s3.bucket,
                s3.prefix,
                s3.endpoint.as_deref().unwrap_or("AWS")
            ),
        }
    }
}

impl StoreSpec {
    /// `FILE_STORE`: `s3://bucket/prefix` or a folder; the S3 settings fill in the rest.
    pub fn parse(text: &str, s3: S3Settings) -> Result<StoreSpec, String> {
        let text = text.trim();
        let Some(rest) = text.strip_prefix("s3://") else {
            if text.is_empty() {
                return Err("FILE_STORE is empty".into());
            }
            return Ok(StoreSpec::Local(PathBuf::from(text)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!(
                "FILE_STORE {text} names no bucket (s3://bucket/prefix)"
            ));
        }
        Ok(StoreSpec::S3(S3Spec {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            endpoint: s3.endpoint.filter(|e| !e.trim().is_empty()),
            region: s3.region.unwrap_or_else(|| "us-east-1".into()),
            access_key_id: s3.access_key_id,
            secret_access_key: s3.secret_access_key,
        }))
    }
}

/// The S3 settings next to `FILE_STORE`.
#[derive(Default)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// A handle on the store.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    /// Bytes buffered per upload before a part goes out: S3 wants parts of 5 MiB (all but the
    /// last); a folder takes any size, so less is held per upload.
    chunk: usize,
}

/// One ranged read: the object's size, the range sent and its bytes as they arrive.
pub struct Blob {
    pub size: u64,
    pub range: Range<u64>,
    pub body: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// An object being written; [`Upload::finish`] makes it visible, dropping or
/// [`Upload::abort`] leaves nothing under its key.
pub struct Upload {
    inner: WriteMultipart,
}

impl Upload {
    /// Adds bytes; waits while the parts already sent are in flight, so one upload holds at
    /// most a part or two in memory.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        self.inner.write(bytes);
        self.inner.wait_for_capacity(1).await.map_err(unavailable)
    }

    pub async fn finish(self) -> Result<(), AppError> {
        self.inner.finish().await.map(|_| ()).map_err(unavailable)
    }

    pub async fn abort(self) {
        if let Err(err) = self.inner.abort().await {
            tracing::warn!(%err, "could not abort an unfinished upload");
        }
    }
}

fn unavailable(err: object_store::Error) -> AppError {
    AppError::Unavailable(Cause::new(err))
}

/// A missing object is a 404; anything else means the store is not answering.
fn read_error(err: object_store::Error) -> AppError {
    match err {
        object_store::Error::NotFound { .. } => AppError::NotFound("File not found".into()),
        other => unavailable(other),
    }
}

impl FileStore {
    pub fn open(spec: &StoreSpec) -> Result<FileStore, String> {
        match spec {
            StoreSpec::Local(path) => {
                std::fs::create_dir_all(path)
                    .map_err(|e| format!("cannot create FILE_STORE {}: {e}", path.display()))?;
                let local = LocalFileSystem::new_with_prefix(path)
                    .map_err(|e| format!("cannot open FILE_STORE {}: {e}", path.display()))?;
                Ok(FileStore {
                    inner: Arc::new(local),
                    chunk: 256 * 1024,
                })
            }
            StoreSpec::S3(s3) => {
                // HTTPS to AWS, R2 and others uses rustls with ring; installing it twice is
                // harmless.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    // A store that is down must fail a request within seconds (503), not
                    // retry for minutes.
                    .with_retry(RetryConfig {
                        backoff: BackoffConfig::default(),
                        max_retries: 2,
                        retry_timeout: Duration::from_secs(10),
                    })
                    .with_client_options(
                        ClientOptions::new()
                            .with_connect_timeout(Duration::from_secs(3))
                            .with_timeout(Duration::from_secs(120)),
                    );
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let (Some(key), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                    builder = builder
                        .with_access_key_id(key)
                        .with_secret_access_key(secret);
                }
                let s3_store = builder
                    .build()
                    .map_err(|e| format!("invalid S3 settings for FILE_STORE: {e}"))?;
                let inner: Arc<dyn ObjectStore> = if s3.prefix.is_empty() {
                    Arc::new(s3_store)
                } else {
                    Arc::new(PrefixStore::new(s3_store, s3.prefix.as_str()))
                };
                Ok(FileStore {
                    inner,
                    chunk: 5 * 1024 * 1024,
                })
            }
        }
    }

    /// Starts writing `key`.
    pub async fn create(&self, key: &str) -> Result<Upload, AppError> {
        let upload = self
            .inner
            .put_multipart(&Path::from(key))
            .await
            .map_err(unavailable)?;
        Ok(Upload {
            inner: WriteMultipart::new_with_chunk_size(upload, self.chunk),
        })
    }

    /// Writes a small object whole (thumbnails).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), AppError> {
        self.inner
            .put(&Path::from(key), bytes.into())
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    /// Reads `key`, or the part of it in `range` (end exclusive, within the object).
    pub async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<Blob, AppError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self
            .inner
            .get_opts(&Path::from(key), options)
            .await
            .map_err(read_error)?;
        Ok(Blob {
            size: result.meta.size,
            range: result.range.clone(),
            body: result.into_stream(),
        })
    }

    /// Reads a whole object (an image being thumbnailed).
    pub async fn read_all(&self, key: &str) -> Result<Bytes, AppError> {
        let result = self.inner.get(&Path::from(key)).await.map_err(read_error)?;
        result.bytes().await.map_err(read_error)
    }

    /// The bytes of `key` in `range` (end exclusive, within the object), whole.
    pub async fn read_range(&self, key: &str, range: Range<u64>) -> Result<Bytes, AppError> {
        self.inner
            .get_range(&Path::from(key), range)
            .await
            .map_err(read_error)
    }

    /// Removes `key`; one that is already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), AppError> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(unavailable(err)),
        }
    }
}
