//! The sync client: what a device (and the tests, and the CLI) uses to talk
//! to the server. HTTPS only, trusting only the pinned CA. The wire types
//! are sparescan-core's (`core::sync`), the server's handlers use the same.

pub mod tls;

use reqwest::StatusCode;
use sparescan_core::document::Document;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::sync::*;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the server address must be https:// (plain HTTP is refused): {0}")]
    NotHttps(String),
    #[error("TLS setup: {0}")]
    Tls(String),
    #[error("cannot reach the server: {0}")]
    Network(#[from] reqwest::Error),
    #[error("{message} ({code}, HTTP {status})")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("this device's copy is too old: bootstrap again")]
    Rebootstrap,
    #[error("not enrolled: enroll the device first")]
    NotEnrolled,
    #[error("a pulled row is not valid: {0}")]
    BadRow(String),
}

/// How long a device waits for an online sign-in.
pub const SIGN_IN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

/// TCP and TLS handshake: a handheld on a shop floor's Wi-Fi is told it is
/// offline within seconds, not after the OS gives up.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Longest wait for the next bytes of an answer, after the handshake (a
/// link that dies mid-request). Not shorter: a busy server may judge a
/// batch of 500 documents, or read a large one, for seconds before its
/// first byte; 4 s timed out a 15 MiB push on a loaded test machine. A
/// server that cannot be reached is told by the connect timeout.
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    device_token: Option<String>,
    session: Option<String>,
    /// Presence keys received at sign-in on this device, by user.
    presence: std::collections::HashMap<String, (String, Vec<u8>)>,
}

impl Client {
    /// A client for `base` (https://host:port) trusting only `ca_pem`.
    pub fn new(base: &str, ca_pem: &[u8]) -> Result<Self, ClientError> {
        if !base.starts_with("https://") {
            return Err(ClientError::NotHttps(base.to_owned()));
        }
        let tls = crate::tls::pinned_client_config(ca_pem)
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(true)
            .connect_timeout(CONNECT_TIMEOUT)
            // No total per request: a bootstrap takes as long as its bytes
            // keep coming; a read that waits longer than this is a dead link.
            .read_timeout(READ_TIMEOUT)
            .build()?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            device_token: None,
            session: None,
            presence: std::collections::HashMap::new(),
        })
    }

    /// The CA certificate (PEM) of `base` for a device told its SHA-256
    /// by the enrollment QR code: fetched from the server, returned only if
    /// its fingerprint is `ca_sha256`. The device pins it from then on.
    pub async fn fetch_ca(base: &str, ca_sha256: &str) -> Result<Vec<u8>, ClientError> {
        if !base.starts_with("https://") {
            return Err(ClientError::NotHttps(base.to_owned()));
        }
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::tls::fingerprint_fetch_config())
            .https_only(true)
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .build()?;
        let url = format!("{}/api/v1/tls/ca.pem", base.trim_end_matches('/'));
        let resp = http.get(url).send().await?;
        if !resp.status().is_success() {
            return Err(Self::error_of(resp).await);
        }
        let pem = resp.bytes().await?.to_vec();
        let found =
            crate::tls::ca_fingerprint(&pem).map_err(|e| ClientError::Tls(e.to_string()))?;
        if !found.eq_ignore_ascii_case(ca_sha256.trim()) {
            return Err(ClientError::Tls(format!(
                "the server's CA certificate is not the one in the enrollment QR code (SHA-256 {found}): \
                 check the server address, or make a new code on the console's Devices page"
            )));
        }
        Ok(pem)
    }

    pub fn with_device_token(mut self, token: impl Into<String>) -> Self {
        self.device_token = Some(token.into());
        self
    }

    pub fn device_token(&self) -> Option<&str> {
        self.device_token.as_deref()
    }

    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn device(&self, req: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, ClientError> {
        let token = self.device_token.as_ref().ok_or(ClientError::NotEnrolled)?;
        Ok(req.bearer_auth(token))
    }

    async fn parse<T: serde::de::DeserializeOwned>(
        resp: reqwest::Response,
    ) -> Result<T, ClientError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp.json().await?);
        }
        Err(Self::error_of(resp).await)
    }

    /// A refusal's error: the server's `{code, message}` when it sent one.
    async fn error_of(resp: reqwest::Response) -> ClientError {
        let status = resp.status();
        if status == StatusCode::GONE {
            return ClientError::Rebootstrap;
        }
        let text = resp.text().await.unwrap_or_default();
        let body: Option<ApiError> = serde_json::from_str(&text).ok();
        match body {
            Some(b) => ClientError::Api {
                status: status.as_u16(),
                code: b.code,
                message: b.message,
            },
            None => ClientError::Api {
                status: status.as_u16(),
                code: "http".into(),
                message: text,
            },
        }
    }

    /// Exchanges a one-time code for a device token (kept in the client).
    pub async fn enroll(&mut self, code: &str, name: &str) -> Result<EnrollResponse, ClientError> {
        let resp = self
            .http
            .post(self.url("/api/v1/devices/enroll"))
            .json(&EnrollRequest {
                code: code.to_owned(),
                name: name.to_owned(),
            })
            .send()
            .await?;
        let enrolled: EnrollResponse = Self::parse(resp).await?;
        self.device_token = Some(enrolled.token.clone());
        Ok(enrolled)
    }

    /// Signs a person in on this device (or, without a device token, at
    /// `site` for the back office).
    pub async fn sign_in(
        &mut self,
        badge: &str,
        pin: &str,
        site: Option<&str>,
    ) -> Result<SignInResponse, ClientError> {
        let mut req = self
            .http
            .post(self.url("/api/v1/sessions"))
            .json(&SignInRequest {
                badge: badge.to_owned(),
                pin: pin.to_owned(),
                password: None,
                site: site.map(Into::into),
            });
        if let Some(t) = &self.device_token {
            // A person is waiting at the handheld: if the server does not
            // answer soon, the device signs them in offline instead.
            req = req.bearer_auth(t).timeout(SIGN_IN_TIMEOUT);
        }
        let signed: SignInResponse = Self::parse(req.send().await?).await?;
        self.session = Some(signed.token.clone());
        if let Some(p) = &signed.presence
            && let Some(key) = sparescan_core::presence::hex_decode(&p.key)
        {
            self.presence
                .insert(signed.user.id.to_string(), (p.id.clone(), key));
        }
        Ok(signed)
    }

    /// Signs a person in to the back office of `site` with badge (or user
    /// id) and password.
    pub async fn sign_in_office(
        &mut self,
        login: &str,
        password: &str,
        site: &str,
    ) -> Result<SignInResponse, ClientError> {
        let req = self
            .http
            .post(self.url("/api/v1/sessions"))
            .json(&SignInRequest {
                badge: login.to_owned(),
                pin: String::new(),
                password: Some(password.to_owned()),
                site: Some(site.into()),
            });
        let signed: SignInResponse = Self::parse(req.send().await?).await?;
        self.session = Some(signed.token.clone());
        Ok(signed)
    }

    /// Pushes documents; those without a proof get one from the presence
    /// keys this client received at sign-in (their author's, and their
    /// approver's), when it holds them.
    pub async fn push(&self, documents: &[Document]) -> Result<PushResponse, ClientError> {
        let proved: Vec<Document> = documents.iter().map(|d| self.prove(d.clone())).collect();
        self.push_as_is(&proved).await
    }

    /// Pushes documents exactly as given (a device proves its documents
    /// when it records them).
    pub async fn push_as_is(&self, documents: &[Document]) -> Result<PushResponse, ClientError> {
        let req = self.device(self.http.post(self.url("/api/v1/sync/push")))?;
        let resp = req
            .json(&PushRequest {
                documents: documents.to_vec(),
            })
            .send()
            .await?;
        Self::parse(resp).await
    }

    /// `doc` with its author's (and approver's) MAC, if this client holds
    /// their keys and the document has no proof yet.
    pub fn prove(&self, doc: Document) -> Document {
        if doc.proof.is_some() {
            return doc;
        }
        let Some((id, key)) = self.presence.get(doc.author.as_str()) else {
            return doc;
        };
        let approver = doc
            .approver
            .as_ref()
            .and_then(|a| self.presence.get(a.as_str()))
            .map(|(id, key)| (id.as_str(), key.as_slice()));
        sparescan_core::presence::prove(doc.clone(), (id.as_str(), key.as_slice()), approver)
    }

    pub async fn pull(&self, after: u64, limit: Option<u32>) -> Result<PullResponse, ClientError> {
        let mut url = format!("{}?after={after}", self.url("/api/v1/sync/pull"));
        if let Some(l) = limit {
            url.push_str(&format!("&limit={l}"));
        }
        let resp = self.device(self.http.get(url))?.send().await?;
        Self::parse(resp).await
    }

    pub async fn bootstrap_page(&self, page: Option<&str>) -> Result<BootstrapPage, ClientError> {
        let mut url = self.url("/api/v1/sync/bootstrap");
        if let Some(p) = page {
            url.push_str(&format!("?page={p}"));
        }
        let resp = self.device(self.http.get(url))?.send().await?;
        Self::parse(resp).await
    }

    /// Every row of the site, with progress (rows so far, rows in all), and
    /// the cursor to pull from.
    pub async fn bootstrap(
        &self,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<(Vec<Row>, u64), ClientError> {
        let mut rows = Vec::new();
        let mut page = self.bootstrap_page(None).await?;
        let cursor = page.cursor;
        loop {
            rows.append(&mut page.rows);
            progress(rows.len() as u64, page.total);
            match page.next.take() {
                Some(next) => page = self.bootstrap_page(Some(&next)).await?,
                None => break,
            }
        }
        Ok((rows, cursor))
    }

    /// Pulls every change after `cursor` into `ledger`; returns the new
    /// cursor.
    pub async fn pull_into(
        &self,
        ledger: &mut MemoryLedger,
        mut cursor: u64,
    ) -> Result<u64, ClientError> {
        loop {
            let page = self.pull(cursor, None).await?;
            for c in page.changes {
                ledger
                    .set_row(Row {
                        key: c.key,
                        value: c.value,
                    })
                    .map_err(|e| ClientError::BadRow(e.to_string()))?;
            }
            cursor = page.cursor;
            if !page.more {
                return Ok(cursor);
            }
        }
    }

    pub async fn credentials(&self) -> Result<Vec<BadgeHolder>, ClientError> {
        let resp = self
            .device(self.http.get(self.url("/api/v1/sync/credentials")))?
            .send()
            .await?;
        Self::parse(resp).await
    }

    /// A GET with the signed-in person's session (back office, reports).
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, ClientError> {
        let mut req = self.http.get(self.url(path));
        if let Some(s) = &self.session {
            req = req.bearer_auth(s);
        }
        Self::parse(req.send().await?).await
    }

    /// A POST with the signed-in person's session.
    pub async fn post_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(s) = &self.session {
            req = req.bearer_auth(s);
        }
        Self::parse(req.send().await?).await
    }

    /// The raw HTTP client, for tests that send what a client never would.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused() {
        let err = Client::new("http://127.0.0.1:8443", b"").err();
        assert!(matches!(err, Some(ClientError::NotHttps(_))), "{err:?}");
    }

    #[test]
    fn a_ca_that_is_not_one_is_refused() {
        let err = Client::new("https://127.0.0.1:8443", b"no certificate").err();
        assert!(matches!(err, Some(ClientError::Tls(_))), "{err:?}");
    }
}
