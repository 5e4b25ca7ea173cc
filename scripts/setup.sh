#!/usr/bin/env bash
# Installs what building and testing sparescan needs on a Debian/Ubuntu
# machine: a C toolchain (ring, bundled SQLite, zstd), Python with venv
# (the scan oracle), the X11 libraries of the desktop window, the tools
# of the real-window test and the console's browser test. Idempotent:
# installs only what is missing.
set -euo pipefail

missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

# The desktop app's window (winit on X11 loads these at run time) and the
# real-window test (tests/xvfb_scanner.rs): a virtual X server, xdotool for
# keys and clicks, xwd for screenshots.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
for lib in libx11-6 libx11-xcb1 libxcb1 libxcursor1 libxi6 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1; do
  installed "$lib" || missing+=("$lib")
done
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v xdotool >/dev/null 2>&1 || missing+=(xdotool)
command -v xwd >/dev/null 2>&1 || missing+=(x11-apps)
# The console's browser test (server/tests/console.rs): Debian's chromium
# driven through chromedriver on 127.0.0.1, with a font for its pages.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
installed fonts-dejavu-core || missing+=(fonts-dejavu-core)

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
