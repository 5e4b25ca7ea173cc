#!/usr/bin/env bash
# armv7 (armhf) without Docker, on a plain Debian 12 machine.
#
#   scripts/cross-armv7.sh tests   core's tests under qemu-arm-static: the
#                                  rules and scan decoding on a 32-bit target
#                                  (scripts/test.sh runs this on every CI run)
#   scripts/cross-armv7.sh         those and the tests of sparescan-client and
#                                  sparescan-handheld (cache, engine, worker,
#                                  scanner), then the
#                                  handheld (embedded, `device` profile), run
#                                  under qemu-arm-static (--version, one
#                                  decode), and its armhf .deb
#
# The handheld itself is not built on a CI run: it is the whole Slint stack
# once more, for a second target (README, "armv7"). cross.toml covers armv7
# for people with Docker.
#
# The tests use Debian's armhf standard library of the same compiler
# (libstd-rust-web-dev:armhf 1.96, unwinding, as tests need). The device
# build aborts on a panic and builds its standard library from Debian's
# rust-web-src 1.96 with panic_abort (-Zbuild-std, allowed on a stable
# compiler by RUSTC_BOOTSTRAP=1), as small as the aarch64 one.
# Outputs in target/cross/armv7-unknown-linux-gnueabihf/{qemu-test,device};
# the package in target/debian.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case "$mode" in
  tests | all) ;;
  *) echo "usage: scripts/cross-armv7.sh [tests]" >&2; exit 2 ;;
esac

started=$(date +%s)
step() { printf '\n=== armv7: %s (at %d s)\n' "$*" "$(( $(date +%s) - started ))"; }

TARGET=armv7-unknown-linux-gnueabihf
PACKAGES=(rustc-web cargo-web libstd-rust-web-dev:armhf gcc-arm-linux-gnueabihf libc6-dev:armhf qemu-user-static)
# The standard library's source and what Slint's linuxkms backend links
# against: only for the handheld.
[ "$mode" = all ] && PACKAGES+=(rust-web-src lld-16 libinput-dev:armhf libudev-dev:armhf libxkbcommon-dev:armhf libfontconfig-dev:armhf)

step "toolchain and armhf libraries"
. scripts/apt-packages.sh
need_packages armhf "${PACKAGES[@]}"

# Debian's compiler (see scripts/cross.sh); .cargo/config.toml names the
# linker, the pkg-config wrapper and qemu-arm-static for this target.
export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc CARGO_TARGET_DIR=target/cross
cargo=/usr/bin/cargo

# The tests unwind, with Debian's prebuilt standard library; the qemu-test
# profile as for aarch64 (Cargo.toml). Building the standard library for
# them took about 100 s of each CI run. The two decode CLI tests
# start an ARM child process, which needs binfmt_misc (scripts/cross.sh).
packages=(-p sparescan-core)
[ "$mode" = all ] && packages+=(-p sparescan-client -p sparescan-handheld)
step "tests under qemu-arm-static: ${packages[*]}"
"$cargo" test --locked --profile qemu-test --target "$TARGET" "${packages[@]}" -- \
  --skip one_json_line_per_stdin_line --skip arguments_substitutes_and_usage_errors

if [ "$mode" = tests ]; then
  echo "armv7: done in $(( $(date +%s) - started )) s"
  exit 0
fi

step "build: handheld (embedded) for $TARGET (device profile)"
# The device profile aborts on a panic: the standard library with
# panic_abort. Linked as for aarch64 (scripts/device-linker.sh).
RUSTC_BOOTSTRAP=1 DEVICE_TOOLS=arm-linux-gnueabihf \
  CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER="$PWD/scripts/device-linker.sh" \
  "$cargo" build --locked --profile device --target "$TARGET" -Zbuild-std=std,panic_abort \
  -p sparescan --no-default-features --features embedded --bin sparescan
out="$CARGO_TARGET_DIR/$TARGET/device"
qemu-arm-static "$out/sparescan" --version
qemu-arm-static "$out/sparescan" decode ']d2010401234500001621BM-0101' | grep -q '"ok": true'
arm-linux-gnueabihf-strip -o "$out/sparescan.stripped" "$out/sparescan"
size=$(stat -c %s "$out/sparescan.stripped")
awk -v n="$size" 'BEGIN { printf "sparescan (armv7) %.1f MB stripped (%d bytes)\n", n / 1e6, n }'
# The same budget as for aarch64 (scripts/cross.sh).
if [ "$size" -gt 15000000 ]; then
  echo "armv7: the handheld is $size bytes stripped, over its budget of 15000000" >&2
  exit 1
fi

step "package: armhf"
. scripts/cargo-deb.sh
need_cargo_deb
mkdir -p target/package target/debian
qemu-arm-static "$out/sparescan" config-template > target/package/sparescan.toml
CARGO_TARGET_DIR=target/cross cargo deb --locked --no-build --target "$TARGET" \
  --profile device -p sparescan --output target/debian
check_relr_libc arm-linux-gnueabihf-readelf "$out/sparescan" target/debian/sparescan_*_armhf.deb
ls -l target/debian/sparescan_*_armhf.deb
echo "armv7: done in $(( $(date +%s) - started )) s"
