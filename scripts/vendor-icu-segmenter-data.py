#!/usr/bin/env python3
"""Writes vendor/icu_segmenter_data: ICU4X's segmenter data without the
word dictionaries and LSTM models of the complex scripts.

Slint's text layout (parley, with its "complex-scripts" feature, which Slint
turns on) links ICU4X's dictionaries for Chinese/Japanese (2.0 MB) and for
Thai, Lao, Khmer and Burmese (1.0 MB). The handheld's embedded font has none
of those scripts, and without the data ICU4X falls back to the rule-based
breaks it uses for every other script ("try_load is infallible if the
provider only returns IdentifierNotFound", icu_segmenter's complex/mod.rs).
The three markers keep their types and lose their entries.

Run it again after an upgrade of icu_segmenter_data:
    scripts/vendor-icu-segmenter-data.py ~/.cargo/registry/src/*/icu_segmenter_data-X.Y.Z
"""
import pathlib
import re
import shutil
import sys

EMPTIED = [
    "segmenter_dictionary_auto_v2",
    "segmenter_dictionary_extended_v2",
    "segmenter_lstm_auto_v1",
]


def empty_marker(text: str) -> str:
    """The generated macro with an empty trie and no values."""
    trie = re.compile(r'(const TRIE\s*:.*?store\s*:\s*)b"(?:[^"\\]|\\.)*"', re.S)
    text, n = trie.subn(r'\1b""', text, count=1)
    if n != 1:
        raise SystemExit("no TRIE in the generated data: has its format changed?")
    start = text.index("const VALUES")
    end = re.compile(r"unsafe\s*\{\s*icu_provider\s*::\s*baked").search(text, start).start()
    declared = text[start:end]
    type_end = declared.index("= &")
    return text[:start] + declared[:type_end] + "= &[]; " + text[end:]


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    source = pathlib.Path(sys.argv[1])
    target = pathlib.Path(__file__).resolve().parent.parent / "vendor" / "icu_segmenter_data"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".cargo-ok", ".cargo_vcs_info.json", "Cargo.lock"))
    for name in EMPTIED:
        path = target / "data" / f"{name}.rs.data"
        path.write_text(empty_marker(path.read_text()))
    (target / "SPARESCAN.md").write_text(
        "ICU4X's icu_segmenter_data as published, but for the markers "
        + ", ".join(EMPTIED)
        + ", whose entries were removed by scripts/vendor-icu-segmenter-data.py"
        + " (see there why). Licence: LICENSE (Unicode-3.0).\n"
    )


main()
