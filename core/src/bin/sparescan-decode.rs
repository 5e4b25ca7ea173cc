//! `sparescan-decode`: prints the verdict for scans as JSON (see `--help`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = sparescan_core::scan::cli::run(
        &args,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
