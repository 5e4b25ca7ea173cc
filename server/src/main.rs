//! sparescan-server command line.

use anyhow::{Context, Result};
use clap::builder::TypedValueParser;
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
    /// Where the database, backups and the development CA live; overrides
    /// the configuration's `data_dir` and SPARESCAN_DATA_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
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
    /// users of every role with the PINs and passwords printed here. Its
    /// data is in ./sparescan-demo unless --data-dir says otherwise.
    Demo {
        /// The port to listen on [default: 8443, on 127.0.0.1, unless
        /// SPARESCAN_LISTEN or the configuration says otherwise].
        #[arg(long)]
        port: Option<u16>,
    },
    /// Create a site and its first admin on this server (refused if the
    /// site exists). Prints the admin's one-time password, once: they sign
    /// in to the back office with their badge and it, and choose their own.
    Init {
        /// The new site's id, as devices and the API name it (e.g. PLANT-2).
        #[arg(long)]
        site: String,
        /// The site's name as people know it (e.g. "North plant").
        #[arg(long)]
        name: String,
        /// The first admin's badge; also their user id.
        #[arg(long, value_name = "BADGE")]
        admin: String,
        /// The first admin's full name.
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
    },
    /// Print the documented configuration template.
    ConfigTemplate,
    /// Make a one-time enrollment code for a device of a site.
    EnrollDevice {
        /// The site's id (e.g. PLANT-1).
        #[arg(long)]
        site: String,
    },
    /// Print a one-time back-office password for a user of a site (for an
    /// admin who lost theirs): valid 24 hours, to be changed at the first
    /// sign-in; the user's sessions end.
    OneTimePassword {
        /// The site's id (e.g. PLANT-1).
        #[arg(long)]
        site: String,
        /// The user's id (e.g. admin).
        #[arg(long)]
        user: String,
    },
    /// Revoke an enrolled device: its token stops working (within 30 s on a
    /// running server) and its sessions end.
    RevokeDevice {
        /// The device's id, as `enroll` answered it and the back office lists it.
        #[arg(long)]
        id: String,
    },
    /// Print a key for a monitoring system of a site: with it, the system
    /// raises maintenance requests (`POST /api/v1/requests`) and does
    /// nothing else. A new key for the same name replaces the old one.
    SystemKey {
        /// The site's id (e.g. PLANT-1).
        #[arg(long)]
        site: String,
        /// The system's name, as requests will show it (e.g. bms, scada-north).
        #[arg(long)]
        name: String,
        /// Withdraw the system's key instead: its requests are refused from now on.
        #[arg(long)]
        revoke: bool,
    },
    /// Drop change-log entries older than the newest KEEP of a site; devices
    /// whose cursor is older are told to bootstrap again.
    Compact {
        /// The site's id (e.g. PLANT-1).
        #[arg(long)]
        site: String,
        /// How many of the newest changes to keep.
        #[arg(long, default_value_t = 1_000_000)]
        keep: u64,
    },
    /// Import master data from CSV (all-or-nothing, audited).
    Import {
        /// The site's id (e.g. PLANT-1).
        #[arg(long)]
        site: String,
        /// What the file holds.
        #[arg(value_parser = entity_parser())]
        entity: Entity,
        /// The CSV file (see docs/csv.md for the columns).
        file: PathBuf,
    },
    /// Export master data as CSV to standard output.
    Export {
        /// The site's id (e.g. PLANT-1).
        #[arg(long)]
        site: String,
        /// What to export.
        #[arg(value_parser = entity_parser())]
        entity: Entity,
    },
    /// Record stock coming in from CSV (docs/csv.md, "Stock in"): a site's
    /// opening balances, or deliveries. One document per line, judged by the
    /// rules; all or nothing.
    StockIn {
        /// The site's id (e.g. PLANT-1).
        #[arg(long)]
        site: String,
        /// Who records it (user id): an admin or controller for opening
        /// balances, a clerk for receipts.
        #[arg(long)]
        by: String,
        /// What the file holds.
        #[arg(value_enum)]
        kind: sparescan_server::stock_in::StockIn,
        /// The CSV file.
        file: PathBuf,
    },
    /// Print a report or the KPIs (JSON, or CSV with format=csv).
    Report {
        /// The site's id (e.g. PLANT-1).
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
        /// The site's id (e.g. PLANT-1).
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
    Backup {
        /// The backup file to write.
        to: PathBuf,
    },
    /// Decode scans (as the handheld does): an argument, or one per stdin line.
    Decode {
        /// Scans, or options (`decode --help` after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// The demo's data directory, beside where it was started.
const DEMO_DIR: &str = "sparescan-demo";

fn entity_parser() -> impl clap::builder::TypedValueParser<Value = Entity> {
    clap::builder::PossibleValuesParser::new(Entity::ALL.map(Entity::name))
        .try_map(|name| name.parse::<Entity>())
}

/// What to do when the data directory holds no database.
fn no_database(dir: &std::path::Path) -> String {
    let mut msg = format!(
        "no sparescan database in {}: give the server's data directory with --data-dir DIR (its \
         configuration's data_dir), or make a site there first with `sparescan-server init`",
        dir.display()
    );
    let demo = std::path::Path::new(DEMO_DIR);
    if demo.join("sparescan.db").exists() && dir != demo {
        msg.push_str(&format!(
            ". The demo's data is in ./{DEMO_DIR}: add --data-dir {DEMO_DIR}"
        ));
    }
    msg
}

fn check_port(addr: std::net::SocketAddr, demo: bool) -> Result<()> {
    if let Err(e) = std::net::TcpListener::bind(addr) {
        let how = if demo {
            "or choose another port with --port"
        } else {
            "or set `listen` in the configuration (SPARESCAN_LISTEN)"
        };
        anyhow::bail!(
            "cannot listen on {addr}: {e}. Another program (an earlier sparescan-server?) may be \
             using port {}: stop it, {how}",
            addr.port()
        );
    }
    Ok(())
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
    if let Command::Demo { port } = cli.command {
        if cli.config.is_none() {
            if std::env::var_os("SPARESCAN_DATA_DIR").is_none() {
                config.data_dir = PathBuf::from(DEMO_DIR);
            }
            if std::env::var_os("SPARESCAN_LISTEN").is_none() {
                config.listen = ([127, 0, 0, 1], 8443).into();
            }
        }
        if let Some(port) = port {
            config.listen.set_port(port);
        }
    }
    if let Some(dir) = &cli.data_dir {
        config.data_dir = dir.clone();
    }
    if cli.tls_cert.is_some() || cli.tls_key.is_some() {
        config.tls.cert = cli.tls_cert.clone();
        config.tls.key = cli.tls_key.clone();
    }
    match &cli.command {
        // These make what they need: a database, a site.
        Command::Serve | Command::Demo { .. } | Command::Init { .. } => {}
        // The others work on an existing server's data: an empty directory
        // (a mistyped path, the demo's elsewhere) is said, never made.
        _ if !config.database().exists() => anyhow::bail!(no_database(&config.data_dir)),
        _ => {}
    }
    if matches!(cli.command, Command::Serve | Command::Demo { .. }) {
        // Before anything is made on disk: a port in use leaves nothing
        // half-made behind.
        check_port(config.listen, matches!(cli.command, Command::Demo { .. }))?;
    }
    // A demo that fails before it serves takes away the folder it made.
    let fresh_demo = matches!(cli.command, Command::Demo { .. }) && !config.data_dir.exists();
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async move {
        let server = Server::open(config)?;
        match cli.command {
            Command::Serve => server.serve().await?.until_signal().await,
            Command::Demo { .. } => {
                let started = async {
                    sparescan_server::demo::install(&server).await?;
                    server.serve().await
                };
                let running = match started.await {
                    Ok(r) => r,
                    Err(e) => {
                        if fresh_demo {
                            let _ = std::fs::remove_dir_all(&server.config.data_dir);
                        }
                        return Err(e);
                    }
                };
                println!(
                    "sparescan demo site {} at https://{}\nCA to pin: {}\n\n{}",
                    sparescan_server::demo::SITE,
                    running.addr,
                    server.config.data_dir.join("tls/ca.pem").display(),
                    sparescan_server::demo::people_table()
                );
                running.until_signal().await
            }
            Command::Init {
                site,
                name,
                admin,
                admin_name,
            } => {
                let new = sparescan_server::init::NewSite {
                    site: &site,
                    name: &name,
                    admin: &admin,
                    admin_name: &admin_name,
                };
                let otp = sparescan_server::init::init_site(&server, &new).await?;
                println!("{}", otp.password);
                eprintln!(
                    "site {site} created with its admin {admin}. The line above is {admin}'s one-time password, \
                     shown only now and valid until {}: sign in to the back office with badge {admin} and it, \
                     then choose your own. Devices: `sparescan-server enroll-device --site {site}`.",
                    otp.expires_at.format("%Y-%m-%d %H:%M UTC")
                );
                Ok(())
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
            Command::SystemKey { site, name, revoke } => {
                let site = sparescan_core::ids::SiteId::new(site);
                if revoke {
                    anyhow::ensure!(
                        server.revoke_system_key(&site, &name).await?,
                        "system {name} of site {site} has no key in force: nothing was changed"
                    );
                    eprintln!("the key of system {name} at site {site} is withdrawn");
                } else {
                    let key = server.system_key(&site, &name).await?;
                    println!("{key}");
                    eprintln!(
                        "the line above is the key of system {name} at site {site}, shown only now: \
                         the system sends it as `Authorization: Bearer …` to POST /api/v1/requests"
                    );
                }
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
            Command::StockIn {
                site,
                by,
                kind,
                file,
            } => {
                server.lock_for_writing()?;
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let n = sparescan_server::stock_in::import(
                    server.ledger(),
                    &site.as_str().into(),
                    kind,
                    &by.as_str().into(),
                    "cli",
                    &bytes,
                )
                .await
                .with_context(|| format!("recording {}", file.display()))?;
                eprintln!("recorded {n} document(s) of stock in at site {site}");
                Ok(())
            }
            Command::Export { site, entity } => {
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
        reason_code: None,
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
