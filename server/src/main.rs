//! sparescan-server command line.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use sparescan_server::Server;
use sparescan_server::config::{Config, TEMPLATE};
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTPS.
    Serve,
    /// Serve with the demo site (created on first start): every workflow,
    /// users of every role with the PINs printed here.
    Demo,
    /// Print the documented configuration template.
    ConfigTemplate,
    /// Make a one-time enrollment code for a device of a site.
    EnrollDevice {
        #[arg(long)]
        site: String,
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
    let config = Config::load(cli.config.as_deref())?;
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
            Command::ConfigTemplate | Command::Decode { .. } => Ok(()),
        }
    })
}
