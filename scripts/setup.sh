#!/usr/bin/env bash
# Installs what building and testing sparescan needs on a Debian/Ubuntu
# machine: a C toolchain (ring, bundled SQLite, zstd) and Python with venv
# (the scan oracle). Idempotent: installs only what is missing.
set -euo pipefail

missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  . "$(dirname "$0")/apt-packages.sh"
  apt_install "$sudo" "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is not installed: install rustup (https://rustup.rs), then run this again." >&2
  echo "(rust-toolchain.toml pins the toolchain; rustup fetches it on first use.)" >&2
  exit 1
fi
