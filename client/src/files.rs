//! Attachments over REST: upload a file (`POST /chat/uploads`, the raw body with its name in
//! `X-File-Name`) and download one by the signed URL the server handed out.

use tigo_common::{ErrorBody, Upload};

use crate::api::{Api, ApiError};

/// A downloaded file.
#[derive(Debug, Clone)]
pub struct Downloaded {
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

fn transport(base: &str, e: reqwest::Error) -> ApiError {
    if e.is_connect() {
        ApiError::Unreachable(base.to_string())
    } else {
        ApiError::Transport(e.to_string())
    }
}

async fn failure(resp: reqwest::Response) -> ApiError {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let body: Option<ErrorBody> = serde_json::from_str(&text).ok();
    ApiError::Status {
        status,
        message: body.as_ref().map(|b| b.message.to_string()).unwrap_or(text),
        body,
    }
}

impl Api {
    /// Uploads `bytes` as a file called `name`; send it with `attachment_id`.
    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> Result<Upload, ApiError> {
        let encoded =
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let mut req = self
            .http
            .post(format!("{}/chat/uploads", self.base))
            .header("content-type", "application/octet-stream")
            .header("x-file-name", encoded)
            .body(bytes);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.map_err(|e| transport(&self.base, e))?;
        if !resp.status().is_success() {
            return Err(failure(resp).await);
        }
        resp.json()
            .await
            .map_err(|e| ApiError::Transport(format!("unexpected response: {e}")))
    }

    /// Downloads a `file_url` or `thumbnail_url`: signed, so no token is sent with it. A URL
    /// that has expired meanwhile is fetched again with the token, without its signature.
    pub async fn download(&self, url: &str) -> Result<Downloaded, ApiError> {
        let mut resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| transport(&self.base, e))?;
        if resp.status().as_u16() == 401
            && let (Some(token), Some((unsigned, _))) = (&self.token, url.split_once('?'))
        {
            resp = self
                .http
                .get(unsigned)
                .bearer_auth(token)
                .send()
                .await
                .map_err(|e| transport(&self.base, e))?;
        }
        if !resp.status().is_success() {
            return Err(failure(resp).await);
        }
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        Ok(Downloaded {
            content_type,
            bytes: bytes.to_vec(),
        })
    }
}
