//! `sparescan`: the handheld app. `sparescan` runs the UI with the device's
//! configuration; `sparescan demo` starts the demo server in-process and
//! opens the UI against it (builds with the `demo` feature, the desktop
//! default); `sparescan decode` decodes scans; `sparescan startup-figures`
//! measures start-up headless.

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

use sparescan::config::{Config, TEMPLATE};

#[derive(Parser)]
#[command(
    name = "sparescan",
    version,
    about = "sparescan handheld: scan-first spare parts for maintenance"
)]
struct Cli {
    /// Configuration file (default /etc/sparescan/sparescan.toml if present).
    #[arg(long, global = true, env = "SPARESCAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the app (the default).
    Run,
    /// Start the demo site's server on loopback and open the app against it.
    #[cfg(feature = "demo")]
    Demo {
        /// Where the demo keeps its data (server and device).
        #[arg(long, default_value = "sparescan-demo")]
        dir: PathBuf,
        /// Port of the demo server on 127.0.0.1.
        #[arg(long, default_value_t = 8443)]
        port: u16,
    },
    /// Print the documented configuration file.
    ConfigTemplate,
    /// Decode scans: an argument, or one per stdin line.
    Decode {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Measure start-up without a display: the time to the first rendered
    /// frame on a cache, and resident memory with the UI shown.
    StartupFigures {
        /// The cache to open (a copy: an unenrolled one is marked as a
        /// device's, to show the sign-in screen).
        cache: PathBuf,
        /// Enroll a new cache against a server first and wait for the
        /// site's bootstrap.
        #[arg(long, num_args = 3, value_names = ["SERVER_URL", "CA_PEM", "CODE"])]
        enroll: Option<Vec<String>>,
    },
}

fn main() {
    // Start-up figures count from here.
    let started = std::time::Instant::now();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    if let Err(e) = run(started) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(started: std::time::Instant) -> Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run) {
        Command::ConfigTemplate => {
            print!("{TEMPLATE}");
            Ok(())
        }
        Command::Decode { args } => {
            let code = sparescan_core::scan::cli::run(
                &args,
                &mut std::io::stdin().lock(),
                &mut std::io::stdout().lock(),
                &mut std::io::stderr().lock(),
            );
            std::process::exit(code);
        }
        Command::StartupFigures { cache, enroll } => {
            let enroll = match enroll.as_deref() {
                Some([server_url, ca_path, code]) => Some(sparescan::startup_figures::Enrollment {
                    server_url: server_url.clone(),
                    ca_path: ca_path.clone(),
                    code: code.clone(),
                }),
                _ => None,
            };
            sparescan::startup_figures::run(&cache, enroll, started)
        }
        Command::Run => {
            let config = Config::load(cli.config.as_deref())?;
            sparescan::run::run_app(&config, None)
        }
        #[cfg(feature = "demo")]
        Command::Demo { dir, port } => {
            use anyhow::Context;
            let mut config = match &cli.config {
                Some(path) => Config::load(Some(path))?,
                None => Config::default(),
            };
            if cli.config.is_none() {
                config.data_dir = dir.join("device");
            }
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let server = sparescan::demo::DemoServer::start(&dir, ([127, 0, 0, 1], port).into())?;
            println!(
                "sparescan demo site {} at {}\n\n{}",
                sparescan_server::demo::SITE,
                server.url(),
                sparescan_server::demo::people_table()
            );
            sparescan::run::run_app(&config, Some(server.enrollment()?))
        }
    }
}
