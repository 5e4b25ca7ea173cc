#!/usr/bin/env bash
# The handheld for armv7 (armhf) without Docker, on a plain Debian 12 machine.
# Not part of the test command: it is a second full release build, with the
# standard library built from source (61 min here at low priority beside a
# CI run; expect about 20 on an idle 2-core machine), on top of a CI run of
# about 50 min. cross.toml covers armv7 for people with Docker.
#
# Debian's armhf standard library is 1.85 and cannot be used with the 1.96
# compiler, so the standard library is built from Debian's rust-web-src 1.96
# (-Zbuild-std, allowed on a stable compiler by RUSTC_BOOTSTRAP=1).
# Output: target/cross/armv7-unknown-linux-gnueabihf/release/sparescan; it
# is run under qemu-arm-static (--version and one decode) to prove it.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=armv7-unknown-linux-gnueabihf
PACKAGES=(
  rustc-web cargo-web rust-web-src gcc-arm-linux-gnueabihf libc6-dev:armhf qemu-user-static
  libinput-dev:armhf libudev-dev:armhf libxkbcommon-dev:armhf libfontconfig-dev:armhf
)
. scripts/apt-packages.sh
need_packages armhf "${PACKAGES[@]}"

# Debian's compiler (see scripts/cross.sh); .cargo/config.toml names the
# linker, the pkg-config wrapper and qemu-arm-static for this target.
export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc CARGO_TARGET_DIR=target/cross RUSTC_BOOTSTRAP=1
/usr/bin/cargo build --locked --release --target "$TARGET" -Zbuild-std=std,panic_abort \
  -p sparescan --no-default-features --features embedded --bin sparescan

out="$CARGO_TARGET_DIR/$TARGET/release"
qemu-arm-static "$out/sparescan" --version
qemu-arm-static "$out/sparescan" decode ']d2010401234500001621BM-0101' | grep -q '"ok": true'
arm-linux-gnueabihf-strip -o "$out/sparescan.stripped" "$out/sparescan"
awk -v n="$(stat -c %s "$out/sparescan.stripped")" 'BEGIN { printf "sparescan (armv7) %.1f MB stripped\n", n / 1048576 }'
