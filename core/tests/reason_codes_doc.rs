//! docs/reason-codes.md is generated from the code; this test fails when
//! the two drift. Regenerate with `UPDATE_DOCS=1 cargo test -p
//! sparescan-core --test reason_codes_doc`.

use sparescan_core::reason::ReasonCode;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[test]
fn reason_codes_doc_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/reason-codes.md");
    let generated = ReasonCode::markdown_table();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/reason-codes.md");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/reason-codes.md is out of date: run UPDATE_DOCS=1 cargo test -p sparescan-core --test reason_codes_doc"
    );
}

#[test]
fn codes_are_stable_snake_case_and_unique_with_guidance() {
    let mut seen = BTreeSet::new();
    for code in ReasonCode::ALL {
        let c = code.code();
        assert!(
            c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{c} is not snake_case"
        );
        assert!(seen.insert(c), "{c} twice");
        assert!(
            !code.message().is_empty() && !code.what_to_do().is_empty(),
            "{c}"
        );
        // The wire form is the same code.
        let json = serde_json::to_string(code).expect("serialise");
        assert_eq!(json, format!("\"{c}\""));
    }
    for code in ReasonCode::DEFAULT_EXCEPTIONS {
        assert!(ReasonCode::EXCEPTIONABLE.contains(code), "{code}");
    }
}
