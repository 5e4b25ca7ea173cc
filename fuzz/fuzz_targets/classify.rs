//! `scan::classify` must never panic, and every refusal must point inside
//! the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sparescan_core::scan::{ScanConfig, classify};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a keyboard-wedge configuration, so the substitute
    // paths are fuzzed too.
    let (mode, input) = data.split_first().map_or((0, data), |(m, r)| (*m, r));
    let mut config = ScanConfig {
        reference_year: Some(2026),
        ..ScanConfig::default()
    };
    match mode % 4 {
        1 => config.gs_substitute = Some('|'),
        2 => {
            config.gs_substitute = Some('~');
            config.rs_substitute = Some('^');
            config.eot_substitute = Some('@');
        }
        3 => config.gs_substitute = Some('\u{e9}'),
        _ => {}
    }
    if let Err(e) = classify(input, &config) {
        assert!(
            e.position <= input.len(),
            "position {} > len {}",
            e.position,
            input.len()
        );
    }
});
