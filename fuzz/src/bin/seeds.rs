//! Writes the seed corpora: `cargo run --bin seeds` (in fuzz/), then
//! `cargo +nightly fuzz run push corpus/push`.
//!
//! Push: each demo seed document alone, proven with the fuzz key, and all
//! of them in one push. CSV: every entity of the demo site as exported.

use sparescan_core::presence;
use sparescan_core::sync::PushRequest;
use sparescan_core_fuzz::{KEY, demo_site, now};
use sparescan_server::csv_io::{self, Entity};
use std::path::Path;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(name), bytes)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let push_dir = Path::new("corpus/push");
    let mut all = Vec::new();
    for (n, doc) in sparescan_server::demo::seed_documents(now()).into_iter().enumerate() {
        let doc = presence::prove(doc, ("fuzz-key", KEY), None);
        let one = PushRequest { documents: vec![doc.clone()] };
        write(push_dir, &format!("seed-{n:03}.json"), &serde_json::to_vec(&one)?)?;
        all.push(doc);
    }
    let every = PushRequest { documents: all };
    write(push_dir, "seed-all.json", &serde_json::to_vec(&every)?)?;

    let csv_dir = Path::new("corpus/csv_import");
    for (n, entity) in Entity::ALL.into_iter().enumerate() {
        let mut file = vec![n as u8];
        file.extend_from_slice(csv_io::export(entity, &demo_site().master).as_bytes());
        write(csv_dir, &format!("{entity:?}.csv"), &file)?;
    }
    println!("seeds written to corpus/push and corpus/csv_import");
    Ok(())
}
