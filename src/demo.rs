//! `sparescan demo`: the server's demo site in-process on loopback, and this
//! device enrolled against it, so the UI opens at the sign-in screen.

use anyhow::{Context, Result};
use sparescan_server::{Server, config::Config as ServerConfig};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A running demo server (stopped when dropped).
pub struct DemoServer {
    pub addr: SocketAddr,
    pub ca_path: PathBuf,
    runtime: Option<tokio::runtime::Runtime>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Server,
}

impl DemoServer {
    /// Starts the demo site with its data under `dir/server`, listening on
    /// `listen` (port 0 picks a free one).
    pub fn start(dir: &Path, listen: SocketAddr) -> Result<DemoServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting the server runtime")?;
        let config = ServerConfig::new(listen, dir.join("server"));
        let server = Server::open(config).context("opening the demo server's data")?;
        let running = runtime.block_on(async {
            sparescan_server::demo::install(&server).await?;
            server.serve().await
        })?;
        let addr = running.addr;
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(async move {
            let _ = stop.await;
            if let Err(e) = running.shutdown().await {
                log::warn!("demo server shutdown: {e:#}");
            }
        });
        Ok(DemoServer {
            addr,
            ca_path: dir.join("server/tls/ca.pem"),
            runtime: Some(runtime),
            shutdown: Some(shutdown),
            server,
        })
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// A one-time enrollment code for a device of the demo site.
    pub fn enrollment_code(&self) -> Result<String> {
        let rt = self.runtime.as_ref().context("server stopped")?;
        rt.block_on(
            self.server
                .enrollment_code(&sparescan_server::demo::SITE.into()),
        )
    }

    /// What this device needs to enroll itself against the demo site.
    pub fn enrollment(&self) -> Result<crate::run::Enrollment> {
        Ok(crate::run::Enrollment {
            server_url: self.url(),
            ca_path: self.ca_path.display().to_string(),
            code: self.enrollment_code()?,
        })
    }

    /// Runs a future on the server's runtime (tests).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> Result<F::Output> {
        Ok(self.runtime.as_ref().context("server stopped")?.block_on(f))
    }

    pub fn server(&self) -> &Server {
        &self.server
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(5));
        }
    }
}
