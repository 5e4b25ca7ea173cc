#!/usr/bin/env bash
# Builds the .deb packages with cargo-deb (installed into target/tools):
#   sparescan_<version>_arm64.deb         the handheld (kiosk service, udev rule)
#   sparescan-server_<version>_arm64.deb  the server (not in a CI run that
#                                         built no aarch64 server)
#   sparescan-server_<version>_amd64.deb  the server
# into target/debian/. The arm64 binaries come from scripts/cross.sh (run it
# first); the amd64 server is built here with the host toolchain (or before,
# beside cross.sh, by `package.sh prepare`).
# scripts/install-test.sh installs and starts them in a throw-away root.
#
# The servers are packaged from `release` builds, as shipped. A CI run
# (SPARESCAN_CI_BUILDS=1, scripts/test.sh) proves the packaging and the
# installation, not the optimiser: it packages the server builds the run
# has anyway (amd64 `dev`, the test build's; aarch64 `qemu-test`, from
# scripts/cross.sh) with fast compression, instead of two more optimised
# builds of the whole tree. Those packages are not for shipping.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== package: %s\n' "$*"; }
TARGET=aarch64-unknown-linux-gnu
out=target/debian
# The handheld is built in the `device` profile, the server in `release`.
handheld_bin=target/cross/$TARGET/device/sparescan
if [ "${SPARESCAN_CI_BUILDS:-}" = 1 ]; then
  # cargo-deb (pinned in scripts/cargo-deb.sh) warns that `dev` is not for
  # releases: exactly so here.
  arm_server_profile=qemu-test amd64_server_profile=dev fast=(--fast)
else
  arm_server_profile=release amd64_server_profile=release fast=()
fi
server_bin=target/cross/$TARGET/$arm_server_profile/sparescan-server

. scripts/cargo-deb.sh

# The amd64 server: built here in `release`; in a CI run, the one the
# test build made (built here only if it is gone).
build_amd64_server() {
  if [ "$amd64_server_profile" = release ] || ! [ -x target/debug/sparescan-server ]; then
    cargo build --locked --profile "$amd64_server_profile" -p sparescan-server --bin sparescan-server
  fi
}

# `package.sh prepare`: only what needs nothing of scripts/cross.sh (the
# amd64 server's release build and cargo-deb), so it can run beside it.
if [ "${1:-}" = prepare ]; then
  if [ "$amd64_server_profile" = release ]; then
    step "amd64: server (release)"
    build_amd64_server
  fi
  step "cargo-deb $CARGO_DEB_VERSION"
  install_cargo_deb
  exit 0
fi

# A CI run may have built no aarch64 server (scripts/cross.sh says when):
# the install test installs the amd64 one.
arm_server=1
if [ "${SPARESCAN_CI_BUILDS:-}" = 1 ] && ! [ -x "$server_bin" ]; then
  arm_server=0
fi
needed=("$handheld_bin")
[ "$arm_server" = 1 ] && needed+=("$server_bin")
for bin in "${needed[@]}"; do
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
if [ "$arm_server" = 1 ]; then
  qemu-aarch64-static "$server_bin" config-template > target/package/sparescan-server.toml
else
  build_amd64_server
  target/debug/sparescan-server config-template > target/package/sparescan-server.toml
fi

mkdir -p "$out"
step "arm64: handheld and server"
CARGO_TARGET_DIR=target/cross cargo deb --locked --no-build --target "$TARGET" \
  --profile device -p sparescan --output "$out"
if [ "$arm_server" = 1 ]; then
  CARGO_TARGET_DIR=target/cross cargo deb --locked --no-build --target "$TARGET" \
    --profile "$arm_server_profile" "${fast[@]}" -p sparescan-server --output "$out"
fi

check_relr_libc aarch64-linux-gnu-readelf "$handheld_bin" "$out"/sparescan_*_arm64.deb

step "amd64: server ($amd64_server_profile)"
build_amd64_server
cargo deb --locked --no-build --profile "$amd64_server_profile" "${fast[@]}" \
  -p sparescan-server --output "$out"

for deb in "$out"/*.deb; do
  printf '%-48s %6.1f MB\n' "$(basename "$deb")" "$(awk -v n="$(stat -c %s "$deb")" 'BEGIN { print n / 1048576 }')"
done
