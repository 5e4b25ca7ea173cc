#!/usr/bin/env bash
# Builds the .deb packages with cargo-deb (installed into target/tools):
#   sparescan_<version>_arm64.deb         the handheld (kiosk service, udev rule)
#   sparescan-server_<version>_arm64.deb  the server
#   sparescan-server_<version>_amd64.deb  the server
# into target/debian/. The arm64 binaries come from scripts/cross.sh (run it
# first); the amd64 server is built here with the host toolchain (or before,
# beside cross.sh, by `package.sh prepare`).
# scripts/install-test.sh installs and starts them in a throw-away root.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== package: %s\n' "$*"; }
TARGET=aarch64-unknown-linux-gnu
out=target/debian
# The handheld is built in the `device` profile, the server in `release`.
handheld_bin=target/cross/$TARGET/device/sparescan
server_bin=target/cross/$TARGET/release/sparescan-server

. scripts/cargo-deb.sh

# `package.sh prepare`: only what needs nothing of scripts/cross.sh (the
# amd64 server's release build and cargo-deb), so it can run beside it.
if [ "${1:-}" = prepare ]; then
  step "amd64: server (release)"
  cargo build --locked --release -p sparescan-server
  step "cargo-deb $CARGO_DEB_VERSION"
  install_cargo_deb
  exit 0
fi

for bin in "$handheld_bin" "$server_bin"; do
  if ! [ -x "$bin" ]; then
    echo "package: $bin is missing: run scripts/cross.sh first" >&2
    exit 1
  fi
done

step "cargo-deb $CARGO_DEB_VERSION"
need_cargo_deb

step "default configuration files (the binaries' own templates)"
# Generated, not kept twice: what `config-template` prints is the
# documented default, and the package ships exactly that.
mkdir -p target/package
qemu-aarch64-static "$handheld_bin" config-template > target/package/sparescan.toml
qemu-aarch64-static "$server_bin" config-template > target/package/sparescan-server.toml

mkdir -p "$out"
step "arm64: handheld and server"
CARGO_TARGET_DIR=target/cross cargo deb --locked --no-build --target "$TARGET" \
  --profile device -p sparescan --output "$out"
CARGO_TARGET_DIR=target/cross cargo deb --locked --no-build --target "$TARGET" \
  -p sparescan-server --output "$out"

check_relr_libc aarch64-linux-gnu-readelf "$handheld_bin" "$out"/sparescan_*_arm64.deb

step "amd64: server"
cargo build --locked --release -p sparescan-server
cargo deb --locked --no-build -p sparescan-server --output "$out"

for deb in "$out"/*.deb; do
  printf '%-48s %6.1f MB\n' "$(basename "$deb")" "$(awk -v n="$(stat -c %s "$deb")" 'BEGIN { print n / 1048576 }')"
done
