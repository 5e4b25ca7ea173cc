#!/usr/bin/env bash
# ARM builds without Docker, as CI runs them (scripts/test.sh calls this):
# Debian's rustc-web/cargo-web 1.96 with its arm64 standard library and the
# arm64 -dev libraries Slint's linuxkms backend links against.
#
#  1. installs what is missing (idempotent);
#  2. builds the handheld (embedded features: linuxkms + libinput, software
#     renderer; the `device` profile: no unwinding) and the server (release;
#     in a CI run none, or `qemu-test`: see below) for aarch64;
#  3. runs the tests of core, of the sync client and of the handheld
#     without its UI (the sparescan-handheld crate: engine, cache, worker,
#     scanner; it links neither the server nor the UI) under
#     qemu-aarch64-static, in the `qemu-test` profile;
#  4. prints the stripped binary sizes.
#
# Outputs in target/cross/aarch64-unknown-linux-gnu/{device,release}. Packages:
# scripts/package.sh. armv7 (armhf): see README, "ARM builds".
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() { printf '\n=== cross: %s (at %d s)\n' "$*" "$(( $(date +%s) - started ))"; }

TARGET=aarch64-unknown-linux-gnu
PACKAGES=(
  rustc-web cargo-web libstd-rust-web-dev:arm64
  gcc-aarch64-linux-gnu libc6-dev:arm64 qemu-user-static lld-16
  libinput-dev:arm64 libudev-dev:arm64 libxkbcommon-dev:arm64 libfontconfig-dev:arm64
)

step "toolchain and arm64 libraries"
. scripts/apt-packages.sh
need_packages arm64 "${PACKAGES[@]}"

# Debian's compiler, not rustup's: rustup's toolchain has no arm64 standard
# library here. Its own target directory keeps the two compilers' artifacts
# apart.
export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc CARGO_TARGET_DIR=target/cross
cargo=/usr/bin/cargo
if ! "$cargo" --version | grep -q '^cargo 1\.9[6-9]'; then
  echo "cross: $("$cargo" --version) is not Debian's cargo-web 1.96 or newer" >&2
  exit 1
fi
# The server as shipped (the arm64 package) builds in `release`. A CI run
# (SPARESCAN_CI_BUILDS=1, scripts/test.sh) builds none when it names the
# host's server (SPARESCAN_HOST_SERVER, the test build's): the run's two
# cores were its limit, and the aarch64 server was a large build no test
# used — the install test installs the amd64 server, and the
# resident-memory step below needs a server to enroll against, not an
# aarch64 one. What it shares with the handheld (ring, rustls, SQLite) is
# built and tested under qemu all the same. Without the host's server, a
# CI run builds the aarch64 one in `qemu-test`, whose dependencies the
# tests build anyway.
if [ "${SPARESCAN_CI_BUILDS:-}" = 1 ]; then server_profile=qemu-test; else server_profile=release; fi
aarch64_server=1
if [ "${SPARESCAN_CI_BUILDS:-}" = 1 ] && [ -n "${SPARESCAN_HOST_SERVER:-}" ]; then
  aarch64_server=0
fi
features=(--no-default-features --features sparescan/embedded)
# The device binary: the `device` profile (Cargo.toml) aborts on a panic,
# and scripts/device-linker.sh links it with lld (packed relocations) and
# without unwind tables. The server builds in `release`; the tests need
# unwinding and build in `qemu-test` (Cargo.toml says why).
device=(--locked --profile device --target "$TARGET")
device_linker=(env CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="$PWD/scripts/device-linker.sh")
# The size the handheld must stay under, stripped (the issue's target).
HANDHELD_MAX_BYTES=15000000

out="$CARGO_TARGET_DIR/$TARGET/$server_profile"
if [ "$aarch64_server" = 1 ]; then
  step "build: server for $TARGET ($server_profile)"
  "$cargo" build --locked --profile "$server_profile" --target "$TARGET" \
    -p sparescan-server --bin sparescan-server
  qemu-aarch64-static "$out/sparescan-server" --version
  server=(qemu-aarch64-static "$out/sparescan-server")
else
  server=("$SPARESCAN_HOST_SERVER")
fi

step "build: handheld (embedded) for $TARGET (device profile)"
# The binary alone: the start-up figures below are its own subcommand. A
# second binary (the former start-up example) meant a second link of the
# Slint stack with LTO, which took as long as the first.
"${device_linker[@]}" "$cargo" build "${device[@]}" -p sparescan "${features[@]}" \
  --bin sparescan
device_out="$CARGO_TARGET_DIR/$TARGET/device"
qemu-aarch64-static "$device_out/sparescan" --version
decoded=$(qemu-aarch64-static "$device_out/sparescan" decode ']d2010401234500001621BM-0101')
grep -q '"ok": true' <<<"$decoded" || { echo "$decoded"; echo "cross: decode failed" >&2; exit 1; }

step "tests under qemu-aarch64-static: core, the client and the handheld without its UI"
# The two decode CLI tests start the decode binary as a child: without
# binfmt_misc (CI containers have none) an ARM child cannot be exec'd. The
# decode binary itself ran under qemu just above. The UI, service and font
# tests need the Slint stack: they run on the host, through Slint's testing
# backend, and the UI's aarch64 build is the device binary above.
"$cargo" test --locked --profile qemu-test --target "$TARGET" \
  -p sparescan-core -p sparescan-client -p sparescan-handheld -- \
  --skip one_json_line_per_stdin_line --skip arguments_substitutes_and_usage_errors

step "resident memory: the handheld on the demo site's cache, under qemu"
# A server runs the demo site (the aarch64 one under qemu, or the host's);
# the aarch64 handheld's `startup-figures` (headless, the software
# renderer) enrolls against it, takes the site's bootstrap into a new
# cache and prints its first-frame time and resident memory. Under qemu-user,
# /proc/self/status is the emulator's process: the figure includes qemu
# itself.
if [ "$aarch64_server" = 0 ] && ! [ -x "$SPARESCAN_HOST_SERVER" ]; then
  echo "cross: the host's server $SPARESCAN_HOST_SERVER is missing (the host's test build makes it)" >&2
  exit 1
fi
figures=target/cross/startup-figures
rm -rf "$figures"; mkdir -p "$figures"
SPARESCAN_DATA_DIR="$figures/server" SPARESCAN_LISTEN=127.0.0.1:0 RUST_LOG=warn \
  "${server[@]}" demo > "$figures/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
addr=""
for _ in $(seq 1 300); do
  addr=$(sed -n 's|^sparescan demo site .* at \(https://[0-9.:]*\)$|\1|p' "$figures/server.log")
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 1
done
if [ -z "$addr" ]; then
  cat "$figures/server.log"; echo "cross: the demo server did not start" >&2; exit 1
fi
code=$(SPARESCAN_DATA_DIR="$figures/server" RUST_LOG=warn \
  "${server[@]}" enroll-device --site PLANT-1 2>/dev/null)
RUST_LOG=warn qemu-aarch64-static "$device_out/sparescan" startup-figures "$figures/cache.sqlite" \
  --enroll "$addr" "$figures/server/tls/ca.pem" "$code"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
trap - EXIT
# A restart of the enrolled device with the site's cache (the server is
# gone: it starts offline, as a handheld often does).
echo "restart with the site's cache:"
RUST_LOG=warn qemu-aarch64-static "$device_out/sparescan" startup-figures "$figures/cache.sqlite"

step "sizes (stripped)"
sized=("$device_out/sparescan")
[ "$server_profile" = release ] && sized+=("$out/sparescan-server")
for path in "${sized[@]}"; do
  bin=$(basename "$path")
  aarch64-linux-gnu-strip -o "$path.stripped" "$path"
  machine=$(aarch64-linux-gnu-readelf -h "$path.stripped" | awk -F: '/Machine/ { gsub(/^ +/, "", $2); print $2 }')
  awk -v b="$bin" -v n="$(stat -c %s "$path.stripped")" -v m="$machine" \
    'BEGIN { printf "%-18s %5.1f MB stripped (%d bytes, %s)\n", b, n / 1e6, n, m }'
done
size=$(stat -c %s "$device_out/sparescan.stripped")
if [ "$size" -gt "$HANDHELD_MAX_BYTES" ]; then
  echo "cross: the handheld is $size bytes stripped, over its budget of $HANDHELD_MAX_BYTES" >&2
  exit 1
fi

echo "cross: done in $(( $(date +%s) - started )) s"
