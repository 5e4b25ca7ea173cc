#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this).
# Idempotent: installs what it needs (Python oracle in a venv inside the repo)
# and can be re-run on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
cargo test --workspace --locked

step "biip oracle"; ./scripts/oracle.sh
