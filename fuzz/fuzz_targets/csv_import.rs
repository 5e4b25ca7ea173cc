//! A master-data CSV file as the import reads it (API and CLI): the first
//! byte picks the entity. Nothing may panic, and a refusal names a line of
//! the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sparescan_core_fuzz::demo_site;
use sparescan_server::csv_io::{self, Entity};

fuzz_target!(|data: &[u8]| {
    let Some((pick, file)) = data.split_first() else {
        return;
    };
    let entity = Entity::ALL[usize::from(*pick) % Entity::ALL.len()];
    if let Err(e) = csv_io::import(entity, demo_site(), file) {
        // A file's lines, and one more for an error at its end.
        let lines = file.split(|b| *b == b'\n').count() as u64;
        assert!(
            (1..=lines.max(1) + 1).contains(&e.line),
            "line {} of a {lines}-line file: {e}",
            e.line
        );
    }
});
