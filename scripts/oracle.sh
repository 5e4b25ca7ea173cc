#!/usr/bin/env bash
# Compares the scan decoder with biip, an independent GS1 parser, on more than
# 10,000 generated inputs (core/tests/oracle/compare.py). Installs the pinned
# biip into a venv inside the repo (target/oracle-venv); idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

BIIP_VERSION=5.2.0
venv=target/oracle-venv
# A fresh Debian/Ubuntu has python3 without venv/ensurepip.
python3 -c 'import venv, ensurepip' 2>/dev/null || ./scripts/setup.sh
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('biip') != '$BIIP_VERSION')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check "biip==$BIIP_VERSION"
fi
cargo build --quiet -p sparescan-core --bin sparescan-decode --locked
"$venv/bin/python" core/tests/oracle/compare.py --decoder target/debug/sparescan-decode --count 12000 --min-agreed 10000
