//! sparescan-server command line.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use sparescan_server::Server;
use sparescan_server::config::{Config, TEMPLATE};
use sparescan_server::csv_io::{self, Entity};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sparescan-server",
    version,
    about = "sparescan server: the system of record for spare-parts movements"
)]
struct Cli {
    /// Configuration file (TOML); environment variables override it.
    #[arg(long, short, global = true, env = "SPARESCAN_CONFIG")]
    config: Option<PathBuf>,
    /// PEM certificate chain to serve (with --tls-key); without both, a
    /// development CA is made in the data directory.
    #[arg(long, global = true)]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, global = true)]
    tls_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTPS.
    Serve,
    /// Serve with the demo site (created on first start): every workflow,
    /// users of every role with the PINs and passwords printed here.
    Demo,
    /// Print the documented configuration template.
    ConfigTemplate,
    /// Make a one-time enrollment code for a device of a site.
    EnrollDevice {
        #[arg(long)]
        site: String,
    },
    /// Print a one-time back-office password for a user of a site (for an
    /// admin who lost theirs): valid 24 hours, to be changed at the first
    /// sign-in; the user's sessions end.
    OneTimePassword {
        #[arg(long)]
        site: String,
        #[arg(long)]
        user: String,
    },
    /// Revoke an enrolled device: its token stops working (within 30 s on a
    /// running server) and its sessions end.
    RevokeDevice {
        #[arg(long)]
        id: String,
    },
    /// Drop change-log entries older than the newest KEEP of a site; devices
    /// whose cursor is older are told to bootstrap again.
    Compact {
        #[arg(long)]
        site: String,
        #[arg(long, default_value_t = 1_000_000)]
        keep: u64,
    },
    /// Import master data from CSV (all-or-nothing, audited).
    Import {
        #[arg(long)]
        site: String,
        /// items, warehouses, bins, batches, assets, users or policy.
        entity: String,
        /// The CSV file (see docs/csv.md for the columns).
        file: PathBuf,
    },
    /// Export master data as CSV to standard output.
    Export {
        #[arg(long)]
        site: String,
        entity: String,
    },
    /// Print a report or the KPIs (JSON, or CSV with format=csv).
    Report {
        #[arg(long)]
        site: String,
        #[arg(value_enum)]
        kind: sparescan_server::reports::ReportKind,
        /// Parameters as key=value, e.g. wo=WO-1003 format=csv.
        params: Vec<String>,
    },
    /// Close the books through a date (an accountant's period close
    /// document, judged by the same rules as every other).
    ClosePeriod {
        #[arg(long)]
        site: String,
        /// Last day of the closed period (YYYY-MM-DD).
        #[arg(long)]
        until: chrono::NaiveDate,
        /// The accountant closing it (user id).
        #[arg(long)]
        by: String,
    },
    /// Recompute every site's projections from the ledger and compare; check
    /// the hash chains. Exits non-zero on any difference.
    Verify,
    /// Online backup of the database to a file.
    Backup { to: PathBuf },
    /// Decode scans (as the handheld does): an argument, or one per stdin line.
    Decode {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    if let Command::ConfigTemplate = cli.command {
        print!("{TEMPLATE}");
        return Ok(());
    }
    if let Command::Decode { args } = &cli.command {
        let code = sparescan_core::scan::cli::run(
            args,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        );
        std::process::exit(code);
    }
    let mut config = Config::load(cli.config.as_deref())?;
    // The demo runs for whoever tries it: data in ./sparescan-demo and
    // loopback only, unless a config file or the environment says otherwise.
    if matches!(cli.command, Command::Demo) && cli.config.is_none() {
        if std::env::var_os("SPARESCAN_DATA_DIR").is_none() {
            config.data_dir = PathBuf::from("sparescan-demo");
        }
        if std::env::var_os("SPARESCAN_LISTEN").is_none() {
            config.listen = ([127, 0, 0, 1], 8443).into();
        }
    }
    if cli.tls_cert.is_some() || cli.tls_key.is_some() {
        config.tls.cert = cli.tls_cert.clone();
        config.tls.key = cli.tls_key.clone();
    }
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async move {
        let server = Server::open(config)?;
        match cli.command {
            Command::Serve => server.serve().await?.until_signal().await,
            Command::Demo => {
                sparescan_server::demo::install(&server).await?;
                let running = server.serve().await?;
                println!(
                    "sparescan demo site {} at https://{}\nCA to pin: {}\n\n{}",
                    sparescan_server::demo::SITE,
                    running.addr,
                    server.config.data_dir.join("tls/ca.pem").display(),
                    sparescan_server::demo::people_table()
                );
                running.until_signal().await
            }
            Command::EnrollDevice { site } => {
                let code = server.enrollment_code(&site.as_str().into()).await?;
                println!("{code}");
                eprintln!(
                    "one-time code for a device of site {site}, valid {} hours",
                    sparescan_server::api::auth::ENROLLMENT_HOURS
                );
                Ok(())
            }
            Command::OneTimePassword { site, user } => {
                let otp = server
                    .one_time_password(&site.as_str().into(), &user.as_str().into())
                    .await?;
                println!("{}", otp.password);
                eprintln!(
                    "one-time password for {user} at site {site}, valid until {}: sign in with it and choose your own",
                    otp.expires_at
                );
                Ok(())
            }
            Command::Verify => {
                let report = server.verify()?;
                print!("{report}");
                anyhow::ensure!(report.is_clean(), "verification found differences");
                Ok(())
            }
            Command::Backup { to } => {
                server.backup(&to)?;
                eprintln!("backed up to {}", to.display());
                Ok(())
            }
            Command::RevokeDevice { id } => {
                let mut store = server.backend().writer()?;
                anyhow::ensure!(
                    store.revoke_device(&id)?,
                    "no enrolled, unrevoked device {id}"
                );
                eprintln!("device {id} revoked");
                Ok(())
            }
            Command::Compact { site, keep } => {
                let site = sparescan_core::ids::SiteId::new(site);
                let mut store = server.backend().writer()?;
                let last = store.last_change(&site)?;
                let dropped = store.compact_changes(&site, last.saturating_sub(keep))?;
                eprintln!(
                    "dropped {dropped} change(s) of site {site}; devices behind {} bootstrap again",
                    last.saturating_sub(keep)
                );
                Ok(())
            }
            Command::Import { site, entity, file } => {
                server.lock_for_writing()?;
                let entity: Entity = entity.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let n = csv_io::import_into(
                    server.ledger(),
                    &site.as_str().into(),
                    entity,
                    "cli",
                    &bytes,
                )
                .await?;
                eprintln!("imported {n} {} into site {site}", entity.name());
                Ok(())
            }
            Command::Export { site, entity } => {
                let entity: Entity = entity.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
                let csv = server
                    .ledger()
                    .read(&site.as_str().into(), |s| csv_io::export(entity, &s.master))?;
                print!("{csv}");
                Ok(())
            }
            Command::Report { site, kind, params } => {
                let pairs: Vec<(&str, &str)> = params
                    .iter()
                    .map(|p| {
                        p.split_once('=').ok_or_else(|| {
                            anyhow::anyhow!("parameter `{p}` is not key=value (e.g. wo=WO-1003)")
                        })
                    })
                    .collect::<Result<_>>()?;
                let (params, format) = sparescan_server::reports::Params::from_pairs(kind, pairs)?;
                let out = sparescan_server::reports::run(
                    &server,
                    &site.as_str().into(),
                    kind,
                    &params,
                    format,
                )
                .await?;
                print!("{out}");
                Ok(())
            }
            Command::ClosePeriod { site, until, by } => {
                close_period(&server, &site, until, &by).await
            }
            Command::ConfigTemplate | Command::Decode { .. } => Ok(()),
        }
    })
}

async fn close_period(
    server: &Server,
    site: &str,
    until: chrono::NaiveDate,
    by: &str,
) -> Result<()> {
    server.lock_for_writing()?;
    use sparescan_core::document::{Body, Document};
    use sparescan_core::sync::Verdict;
    let doc = Document {
        id: sparescan_core::ids::DocId::new_v7(),
        author: by.into(),
        device: "cli".into(),
        site: site.into(),
        device_time: chrono::Utc::now(),
        work_order: None,
        line: None,
        reason: None,
        approver: None,
        follows: None,
        proof: None,
        body: Body::PeriodClose { until },
    };
    match server.ledger().push(site.into(), vec![doc]).await?.pop() {
        Some(Verdict::Accepted { seq, .. }) => {
            eprintln!("period closed through {until} (ledger sequence {seq})");
            Ok(())
        }
        Some(Verdict::Rejected { refusal, .. }) => {
            anyhow::bail!(
                "{} — {} ({})",
                refusal.message,
                refusal.what_to_do,
                refusal.code
            )
        }
        other => anyhow::bail!("unexpected verdict {other:?}"),
    }
}
