# Sourced by the packaging scripts (package.sh, cross-armv7.sh): cargo-deb
# in target/tools, and dpkg-dev, whose dpkg-shlibdeps works out the
# packages' library dependencies. Idempotent.
CARGO_DEB_VERSION=3.8.0
need_cargo_deb() {
  . scripts/apt-packages.sh
  need_packages "" dpkg-dev
  install_cargo_deb
}

# cargo-deb alone (no apt: it can run beside steps that use apt).
install_cargo_deb() {
  local tools="$PWD/target/tools"
  if ! "$tools/bin/cargo-deb" --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
    cargo install --quiet --locked cargo-deb --version "$CARGO_DEB_VERSION" --root "$tools"
  fi
  export PATH="$tools/bin:$PATH"
}

# Packed relative relocations (DT_RELR, scripts/device-linker.sh) need the
# dynamic loader of glibc 2.36, and dpkg-shlibdeps sees only symbol
# versions, so Cargo.toml states it. Fails if the package of a binary with
# DT_RELR would let it onto an older libc6, where it could not start.
#   check_relr_libc READELF BINARY DEB
check_relr_libc() {
  local dynamic depends
  dynamic=$("$1" -d "$2")
  grep -q '(RELR)' <<<"$dynamic" || return 0
  depends=$(dpkg-deb -f "$3" Depends)
  if ! grep -Eq 'libc6 \(>= 2\.(3[6-9]|[4-9][0-9])' <<<"$depends"; then
    echo "package: $2 uses DT_RELR but $(basename "$3") allows an older libc6: $depends" >&2
    return 1
  fi
}
