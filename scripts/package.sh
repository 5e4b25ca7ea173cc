#!/usr/bin/env bash
# Builds the .deb packages with cargo-deb (installed into target/tools):
#   sparescan_<version>_arm64.deb         the handheld (kiosk service, udev rule)
#   sparescan-server_<version>_arm64.deb  the server
#   sparescan-server_<version>_amd64.deb  the server
# into target/debian/. The arm64 binaries come from scripts/cross.sh (run it
# first); the amd64 server is built here with the host toolchain.
# scripts/install-test.sh installs and starts them in a throw-away root.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== package: %s\n' "$*"; }
TARGET=aarch64-unknown-linux-gnu
CARGO_DEB_VERSION=3.8.0
out=target/debian
# The handheld is built in the `device` profile, the server in `release`.
handheld_bin=target/cross/$TARGET/device/sparescan
server_bin=target/cross/$TARGET/release/sparescan-server

for bin in "$handheld_bin" "$server_bin"; do
  if ! [ -x "$bin" ]; then
    echo "package: $bin is missing: run scripts/cross.sh first" >&2
    exit 1
  fi
done

step "cargo-deb $CARGO_DEB_VERSION"
# dpkg-shlibdeps works out the packages' library dependencies.
if ! command -v dpkg-shlibdeps >/dev/null; then
  echo "installing: dpkg-dev"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dpkg-dev >/dev/null
fi
tools="$PWD/target/tools"
if ! "$tools/bin/cargo-deb" --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
  cargo install --quiet --locked cargo-deb --version "$CARGO_DEB_VERSION" --root "$tools"
fi
export PATH="$tools/bin:$PATH"

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

step "amd64: server"
cargo build --locked --release -p sparescan-server
cargo deb --locked --no-build -p sparescan-server --output "$out"

for deb in "$out"/*.deb; do
  printf '%-48s %6.1f MB\n' "$(basename "$deb")" "$(awk -v n="$(stat -c %s "$deb")" 'BEGIN { print n / 1048576 }')"
done
