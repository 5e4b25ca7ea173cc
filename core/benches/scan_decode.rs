//! Decode time of typical scans: `cargo bench -p sparescan-core --bench scan_decode`.
//! Prints the median (and 10th/90th percentiles) per decode over batches.

use std::hint::black_box;
use std::time::Instant;

use sparescan_core::scan::{ScanConfig, classify};

const BATCH: u32 = 2_000;
const BATCHES: usize = 301;

fn bench(name: &str, input: &str, config: &ScanConfig) {
    assert!(classify(input, config).is_ok(), "{name} must decode");
    let mut per_decode_ns: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..BATCH {
                black_box(classify(black_box(input), black_box(config)).ok());
            }
            start.elapsed().as_nanos() as f64 / f64::from(BATCH)
        })
        .collect();
    per_decode_ns.sort_by(f64::total_cmp);
    let at = |q: f64| per_decode_ns[((per_decode_ns.len() - 1) as f64 * q) as usize];
    println!(
        "{name:<44} median {:>7.0} ns   p10 {:>7.0} ns   p90 {:>7.0} ns",
        at(0.5),
        at(0.1),
        at(0.9)
    );
}

fn main() {
    let pinned = ScanConfig {
        reference_year: Some(2026),
        ..ScanConfig::default()
    };
    let default = ScanConfig::default();
    let battery = "]d201095060001343521727123110BM24-0815\x1d21SN0012345";
    println!("scan_decode: {BATCHES} batches of {BATCH} decodes");
    bench("battery module DataMatrix (01 17 10 21)", battery, &pinned);
    bench(
        "  same, default config (reads the clock)",
        battery,
        &default,
    );
    bench(
        "SSCC pallet label (00 02 37 3302)",
        "]C1001061414112345678970210614141000019370048\x1d3302001250",
        &pinned,
    );
    bench(
        "bare wedge scan, no GS (01 17 10)",
        "01095060001343521727123110BATCH2024X",
        &pinned,
    );
    bench(
        "GS1 Digital Link",
        "https://id.gs1.org/01/09506000134352/10/ABC%2F1/21/XYZ?17=271231",
        &pinned,
    );
    bench("HIBC combined", "+A123BJC5D6E71/$$52001510X3C", &pinned);
    bench(
        "DigiKey format 06",
        "[)>\x1e06\x1dPCUST-123\x1d1P296-1234-1-ND\x1dK\x1d1K12345678\x1d9D2412\x1d1TLOT123\x1d4LCN\x1dQ250\x1e\x04",
        &pinned,
    );
    bench("site label", "BIN:A-01-02", &pinned);
}
