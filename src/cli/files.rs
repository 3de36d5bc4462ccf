//! Attachment settings, shared by `serve` and `admin` (purge and export reach the same store).

use std::time::Duration;

use clap::Args;

use crate::duration;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Attachment settings")]
pub struct FilesArgs {
    /// Where uploaded files go: a folder, or s3://bucket/prefix for any S3-compatible store.
    #[arg(
        long,
        env = "FILE_STORE",
        default_value = "./tigo-chat-files",
        global = true
    )]
    pub file_store: String,
    /// S3-compatible endpoint (MinIO, R2, Ceph…); unset: AWS S3.
    #[arg(long, env = "S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "AWS_REGION", global = true)]
    pub aws_region: Option<String>,
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true, global = true)]
    pub aws_access_key_id: Option<String>,
    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        hide_env_values = true,
        global = true
    )]
    pub aws_secret_access_key: Option<String>,
    /// Largest upload, in bytes.
    #[arg(long, env = "MAX_UPLOAD_BYTES", default_value_t = 25 * 1024 * 1024, global = true)]
    pub max_upload_bytes: u64,
    /// Upload types accepted (detected from the bytes), comma-separated.
    #[arg(
        long,
        env = "ALLOWED_FILE_TYPES",
        value_delimiter = ',',
        default_value = "image/jpeg,image/png,image/gif,image/webp,application/pdf,text/plain,audio/ogg,audio/webm,audio/mp4,audio/mpeg",
        global = true
    )]
    pub allowed_file_types: Vec<String>,
    /// How long a signed file URL works.
    #[arg(long, env = "FILE_URL_TTL", default_value = "1h", value_parser = duration::parse, global = true)]
    pub file_url_ttl: Duration,
    /// The origin clients reach the service at, for signed file URLs (https://chat.example.com);
    /// unset: the address the server listens on.
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Uploads per user per minute (0: no limit).
    #[arg(long, env = "UPLOADS_PER_MINUTE", default_value_t = 30, global = true)]
    pub uploads_per_minute: u32,
    /// Uploads never sent in a message are removed after this long.
    #[arg(long, env = "UNATTACHED_UPLOAD_TTL", default_value = "24h", value_parser = duration::parse, global = true)]
    pub unattached_upload_ttl: Duration,
}

impl FilesArgs {
    pub fn config(&self) -> anyhow::Result<tigo_server::files::FilesConfig> {
        let s3 = tigo_server::files::S3Settings {
            endpoint: self.s3_endpoint.clone(),
            region: self.aws_region.clone(),
            access_key_id: self.aws_access_key_id.clone(),
            secret_access_key: self.aws_secret_access_key.clone(),
        };
        let store = tigo_server::files::StoreSpec::parse(&self.file_store, s3)
            .map_err(anyhow::Error::msg)?;
        let public_url = self.public_url.clone().filter(|u| !u.trim().is_empty());
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            anyhow::bail!("PUBLIC_URL must start with http:// or https:// (got {url})");
        }
        let defaults = tigo_server::files::FilesConfig::default();
        Ok(tigo_server::files::FilesConfig {
            store,
            max_upload_bytes: self.max_upload_bytes.max(1),
            allowed_types: self
                .allowed_file_types
                .iter()
                .map(|t| t.trim().to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .collect(),
            url_ttl: self.file_url_ttl.max(Duration::from_secs(1)),
            public_url,
            uploads_per_minute: self.uploads_per_minute,
            unattached_ttl: self.unattached_upload_ttl,
            sweep_every: defaults
                .sweep_every
                .min(self.unattached_upload_ttl.max(Duration::from_secs(1))),
            // `serve` sets the voice settings from its own flags.
            ..defaults
        })
    }
}
