#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this).
# Idempotent: installs what it needs (Python oracle in a venv inside the repo)
# and can be re-run on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "setup"
./scripts/setup.sh

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
log=target/test-output.txt
mkdir -p target
cargo test --workspace --locked 2>&1 | tee "$log"

step "biip oracle"; ./scripts/oracle.sh

# The ARM build, its tests under qemu, the packages and their installation
# in a throw-away root: every CI run proves them (SPARESCAN_SKIP_ARM=1 skips
# them on a developer's machine).
if [ "${SPARESCAN_SKIP_ARM:-}" != 1 ]; then
  arm_started=$(date +%s)
  step "aarch64: build and tests under qemu"; ./scripts/cross.sh
  step "packages"; ./scripts/package.sh
  step "install test"; ./scripts/install-test.sh
  echo "ARM steps: $(( $(date +%s) - arm_started )) s"
fi

# One closing line for the whole run (cargo's last line is a doc-test
# binary's, often "0 passed").
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\nrust tests: %d passed, %d failed\n", p, f }' "$log"
