//! sparescan-server: the system of record. It re-applies every core rule
//! to each document in arrival order, keeps the ledger, and serves devices
//! (sync) and the back office over HTTPS.

pub mod api;
pub mod config;
pub mod console;
pub mod csv_io;
pub mod demo;
pub mod init;
pub mod ledger;
pub mod metrics;
pub mod reports;
pub mod stock_in;
pub mod store;
pub mod tls;

use anyhow::{Context, Result};
use api::{AppState, Limits, Readers};
use axum::routing::get;
use config::Config;
use ledger::Ledger;
use sparescan_core::ids::{SiteId, UserId};
use sparescan_core::model::MasterData;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::sqlite::SqliteBackend;
use store::{Backend, Credential};

/// An opened server: database, ledger writer, configuration.
pub struct Server {
    pub config: Config,
    backend: Arc<SqliteBackend>,
    ledger: Ledger,
    /// Held while this process may write the ledger (serving, importing).
    write_lock: std::sync::Mutex<Option<std::fs::File>>,
}

impl Server {
    pub fn open(config: Config) -> Result<Server> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
        let backend = Arc::new(
            SqliteBackend::open(config.database())
                .with_context(|| format!("opening {}", config.database().display()))?,
        );
        let ledger = Ledger::start(backend.clone()).context("starting the ledger")?;
        Ok(Server {
            config,
            backend,
            ledger,
            write_lock: std::sync::Mutex::new(None),
        })
    }

    /// Takes the data directory for writing the ledger. Only one process
    /// may: the server keeps the ledger's state in memory, so a second
    /// writer would go unseen by it.
    pub fn lock_for_writing(&self) -> Result<()> {
        let mut held = self
            .write_lock
            .lock()
            .map_err(|_| anyhow::anyhow!("lock poisoned"))?;
        if held.is_some() {
            return Ok(());
        }
        let path = self.config.data_dir.join("sparescan.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                *held = Some(file);
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "another sparescan-server is using {} (a server is running?): stop it, or do this through the API",
                self.config.data_dir.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn backend(&self) -> Arc<dyn Backend> {
        self.backend.clone()
    }

    pub async fn create_site(&self, master: MasterData) -> Result<()> {
        self.lock_for_writing()?;
        Ok(self.ledger.create_site(master).await?)
    }

    /// Sets a user's badge and PIN (as long as their roles need:
    /// `rules::roles::check_pin`).
    pub async fn set_credential(
        &self,
        site: &SiteId,
        user: &UserId,
        badge: &str,
        pin: &str,
    ) -> Result<()> {
        let found = self.ledger.read(site, |s| s.ledger.user(user))?;
        let roles = found
            .map(|u| u.roles)
            .with_context(|| format!("no user {user} at site {site}"))?;
        sparescan_core::rules::roles::check_pin(pin, &roles)
            .with_context(|| format!("the PIN of {user}"))?;
        let pin_hash = api::auth::hash_pin(pin).map_err(|e| anyhow::anyhow!(e.message))?;
        let cred = Credential {
            user: user.to_string(),
            badge: badge.to_owned(),
            pin_hash,
            pin_digits: u32::try_from(pin.len()).ok(),
        };
        let site = site.clone();
        self.ledger
            .write(move |s| s.set_credential(&site, &cred))
            .await?;
        Ok(())
    }

    /// Sets a user's back-office password (no change needed at sign-in).
    pub async fn set_password(
        &self,
        site: &SiteId,
        user: &UserId,
        badge: Option<&str>,
        password: &str,
        actor: &str,
    ) -> Result<()> {
        api::passwords::set_password(&self.ledger, site, user, badge, password, actor)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))
    }

    /// A one-time back-office password for a user of `site` (the CLI's,
    /// for an admin who lost theirs): shown once, changed at first sign-in.
    pub async fn one_time_password(
        &self,
        site: &SiteId,
        user: &UserId,
    ) -> Result<sparescan_core::sync::OneTimePassword> {
        api::passwords::set_one_time(&self.ledger, site, user, "cli")
            .await
            .map_err(|e| anyhow::anyhow!(e.message))
    }

    /// A new key for the monitoring system `name` of `site` (replacing any
    /// it had); only its hash is kept.
    pub async fn system_key(&self, site: &SiteId, name: &str) -> Result<String> {
        self.ledger.read(site, |_| ())?;
        let name = name.trim().to_owned();
        api::backoffice::rows::check_id(&name)
            .map_err(|e| anyhow::anyhow!("the system's name {e}"))?;
        let key = api::auth::random_token(api::backoffice::requests::SYSTEM_PREFIX);
        let hash = api::auth::hash_secret(&key);
        let site = site.clone();
        self.ledger
            .write(move |s| s.set_system_key(&site, &name, &hash))
            .await?;
        Ok(key)
    }

    /// Withdraws the key of the monitoring system `name` of `site`.
    pub async fn revoke_system_key(&self, site: &SiteId, name: &str) -> Result<bool> {
        self.ledger.read(site, |_| ())?;
        let (site, name) = (site.clone(), name.trim().to_owned());
        Ok(self
            .ledger
            .write(move |s| s.revoke_system_key(&site, &name))
            .await?)
    }

    /// A one-time enrollment code for a device of `site`.
    pub async fn enrollment_code(&self, site: &SiteId) -> Result<String> {
        Ok(api::auth::issue_enrollment_code(&self.ledger, site)
            .await?
            .0)
    }

    /// Recomputes every site's projections from the ledger and compares
    /// them with the stored state; checks the hash chains.
    pub fn verify(&self) -> Result<VerifyReport> {
        let store = self.backend.reader()?;
        let mut report = VerifyReport::default();
        for (site, master) in store.sites()? {
            let diffs = ledger::verify_site(&*store, &site, &master)?;
            report.sites.push((site, diffs));
        }
        report.chain_breaks = store
            .verify_chains()?
            .into_iter()
            .map(|b| format!("{} seq {}", b.table, b.seq))
            .collect();
        Ok(report)
    }

    /// Online backup of the database (the server may keep serving).
    pub fn backup(&self, to: &std::path::Path) -> Result<()> {
        anyhow::ensure!(
            !to.exists(),
            "{} exists already: choose a new file",
            to.display()
        );
        self.backend.reader()?.backup(to)?;
        Ok(())
    }

    /// Binds and serves HTTPS until `shutdown` resolves; returns at once with
    /// the bound address.
    pub async fn serve(&self) -> Result<Running> {
        self.lock_for_writing()?;
        let (tls, ca_file) = match (&self.config.tls.cert, &self.config.tls.key) {
            (Some(cert), Some(key)) => (tls::server_config(cert, key)?, self.config.tls.ca.clone()),
            (None, None) => {
                let ca =
                    tls::DevCa::ensure(&self.config.data_dir.join("tls"), &self.config.tls.hosts)?;
                (
                    tls::server_config(&ca.cert_pem, &ca.key_pem)?,
                    Some(ca.ca_pem),
                )
            }
            _ => anyhow::bail!("give both tls.cert and tls.key, or neither for a development CA"),
        };
        // What devices pin: served for the enrollment QR code.
        let ca = match ca_file {
            Some(path) => Some(Arc::new(api::tls_ca::ServedCa::read(&path).with_context(
                || format!("reading the CA certificate {}", path.display()),
            )?)),
            None => None,
        };
        let limits = &self.config.limits;
        let metrics = Arc::new(metrics::Metrics::default());
        // A server without a site: whoever holds the token printed below
        // makes the first one on /console/setup.
        let no_site = self
            .ledger
            .sites()
            .read()
            .map(|s| s.is_empty())
            .unwrap_or(false);
        let (setup, setup_token) = if no_site {
            let (setup, token) = console::setup::SetupToken::issue(&self.config.data_dir)
                .context("writing the setup token")?;
            (setup, Some(token))
        } else {
            (console::setup::SetupToken::default(), None)
        };
        let state = AppState {
            ledger: self.ledger.clone(),
            readers: Readers::new(self.backend.clone()),
            limits: Limits {
                pull_page: limits.pull_page,
                bootstrap_page: limits.bootstrap_page,
                push_max_docs: limits.push_max_docs,
                max_body_bytes: limits.max_body_bytes,
            },
            sign_ins: Arc::new(api::lockout::SignInGuard::new(metrics.secret_checks())),
            metrics,
            devices: Arc::new(api::auth::DeviceCache::default()),
            presence_keys: Arc::new(api::presence::KeyCache::default()),
            setup: Arc::new(setup),
            ca,
        };
        let metrics = state.metrics.clone();
        let app = api::router(state)
            .route("/healthz", get(api::openapi::healthz))
            .route(
                "/metrics",
                get(move || api::openapi::metrics(metrics.clone())),
            )
            .layer(tower_http::compression::CompressionLayer::new())
            // Extractors refuse larger bodies with our JSON error (413).
            .layer(axum::extract::DefaultBodyLimit::max(limits.max_body_bytes))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(limits.request_timeout_secs),
            ));
        let handle = axum_server::Handle::new();
        let server = axum_server::bind_rustls(
            self.config.listen,
            axum_server::tls_rustls::RustlsConfig::from_config(tls),
        )
        .handle(handle.clone());
        let task = tokio::spawn(async move {
            server
                .serve(app.into_make_service_with_connect_info::<SocketAddr>())
                .await
        });
        let Some(addr) = handle.listening().await else {
            let why = match task.await {
                Ok(Err(e)) => e.to_string(),
                Ok(Ok(())) => "it stopped".into(),
                Err(e) => e.to_string(),
            };
            anyhow::bail!(
                "cannot listen on {}: {why}. Another program may be using the port: stop it, or set \
                 `listen` in the configuration (SPARESCAN_LISTEN)",
                self.config.listen
            );
        };
        log::info!("serving https://{addr}");
        log::info!("the back-office console: https://{addr}/console");
        if let Some(token) = setup_token {
            log::warn!(
                "no site yet: open https://{addr}/console/setup and give the setup token {token} \
                 (also in {}); it works once",
                self.config.data_dir.join(console::setup::FILE).display()
            );
        }
        Ok(Running { addr, handle, task })
    }
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub sites: Vec<(SiteId, Vec<String>)>,
    pub chain_breaks: Vec<String>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.chain_breaks.is_empty() && self.sites.iter().all(|(_, d)| d.is_empty())
    }
}

impl std::fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (site, diffs) in &self.sites {
            if diffs.is_empty() {
                writeln!(f, "site {site}: projections match the ledger")?;
            } else {
                writeln!(f, "site {site}: {} difference(s)", diffs.len())?;
                for d in diffs {
                    writeln!(f, "  {d}")?;
                }
            }
        }
        if self.chain_breaks.is_empty() {
            writeln!(f, "hash chains: intact")
        } else {
            writeln!(f, "hash chains broken at: {}", self.chain_breaks.join(", "))
        }
    }
}

/// A server that is listening.
pub struct Running {
    pub addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops taking connections and lets requests under way finish.
    pub async fn shutdown(self) -> Result<()> {
        self.handle.graceful_shutdown(Some(Duration::from_secs(10)));
        self.task.await.context("server task")??;
        Ok(())
    }

    /// Serves until the process is asked to stop (Ctrl-C or SIGTERM).
    pub async fn until_signal(self) -> Result<()> {
        wait_for_signal().await;
        log::info!("stopping: finishing requests under way");
        self.shutdown().await
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
