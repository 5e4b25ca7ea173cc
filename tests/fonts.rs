//! The UI embeds a cut of DejaVu Sans (`scripts/subset-fonts.sh`): a device
//! image may have no fonts at all, so a character the cut lacks shows as a
//! box there. Every character our own texts use — the Slint sources, the
//! Russian translation, the engine's texts in either language — must have
//! a glyph in both embedded faces.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const FACES: &[&str] = &["ui/fonts/DejaVuSans.ttf", "ui/fonts/DejaVuSans-Bold.ttf"];

fn sources(dir: &Path, endings: &[&str], out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            sources(&path, endings, out);
        } else if endings
            .iter()
            .any(|end| path.to_string_lossy().ends_with(end))
        {
            out.push(path);
        }
    }
}

/// Every character shown to a person that is not plain ASCII.
fn characters_we_show() -> BTreeSet<char> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("ui"), &[".slint"], &mut files);
    sources(&root.join("lang"), &[".po", ".tsv"], &mut files);
    sources(&root.join("handheld/src/engine"), &[".rs"], &mut files);
    assert!(files.len() > 10, "sources not found: {files:?}");
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()))
                .chars()
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_ascii() && !c.is_control())
        .collect()
}

#[test]
fn every_character_of_our_texts_is_in_the_embedded_fonts() {
    let shown = characters_we_show();
    // The texts are in Russian too: the check has something to check.
    assert!(shown.contains(&'ж') && shown.contains(&'→'), "{shown:?}");
    for face in FACES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(face);
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let font = ttf_parser::Face::parse(&data, 0).expect("a TrueType font");
        let missing: Vec<char> = shown
            .iter()
            .copied()
            .filter(|&c| font.glyph_index(c).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "{face} has no glyph for {missing:?}: add them to scripts/subset-fonts.sh and run it"
        );
    }
}

#[test]
fn the_embedded_fonts_are_the_cut_not_the_full_faces() {
    // The full faces are 0.7 MB each, flash on every device.
    for face in FACES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(face);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(
            (50_000..400_000).contains(&size),
            "{face}: {size} bytes; run scripts/subset-fonts.sh"
        );
    }
}
