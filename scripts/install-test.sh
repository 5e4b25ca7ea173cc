#!/usr/bin/env bash
# Installs the packages of target/debian into a throw-away Debian 12 root
# (debootstrap, minbase) and starts them as their systemd units say, far
# enough to prove the units, users and paths:
#   - server (amd64): dpkg -i runs its postinst (system user, data dir,
#     unit enabled); `systemd-analyze verify` accepts the unit; ExecStart is
#     run as the unit's User= and answers /healthz over HTTPS on loopback,
#     its database and CA under /var/lib/sparescan-server owned by that user;
#   - handheld (arm64, through qemu-aarch64-static; and armhf through
#     qemu-arm-static, in a root of its own, when scripts/cross-armv7.sh
#     made its package): apt installs it with its libraries; user, groups,
#     udev rule, conffiles, unit enabled and verified; ExecStart run as User=
#     creates the cache in /var/lib/sparescan, takes the configured language
#     and stops at the missing display with a clear error (a CI machine has
#     no DRM device).
# Needs root (chroot). The base root is kept in target/install-base between
# runs on one machine; every run installs into a fresh copy of it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== install-test: %s\n' "$*"; }
fail() { echo "install-test: FAILED: $*" >&2; exit 1; }
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"

base=target/install-base
root=$PWD/target/install-root
debs=target/debian

step "throw-away Debian 12 root"
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v curl >/dev/null || missing+=(curl)
. scripts/apt-packages.sh
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt_install "$sudo" "${missing[@]}"
fi
if ! [ -f "$base/.complete" ]; then
  $sudo rm -rf "$base"
  $sudo debootstrap --variant=minbase --include=adduser,systemd,ca-certificates \
    bookworm "$base" http://deb.debian.org/debian >/dev/null
  $sudo touch "$base/.complete"
fi
cleanup() {
  [ -n "${server_pid:-}" ] && $sudo kill "$server_pid" 2>/dev/null || true
  mountpoint -q "$root/proc" && $sudo umount "$root/proc" || true
}
trap cleanup EXIT
fresh_root() {
  cleanup
  $sudo rm -rf "$root"
  $sudo cp -a "$base" "$root"
  $sudo mount -t proc proc "$root/proc" 2>/dev/null || echo "(no /proc in the root: not allowed here)"
}
fresh_root
in_root() { $sudo chroot "$root" "$@"; }

# The command line and user a unit would start.
unit_value() { sed -n "s/^$2=//p" "$root/usr/lib/systemd/system/$1" | tail -1; }

check_unit() {
  local unit=$1
  [ -f "$root/usr/lib/systemd/system/$unit" ] || fail "$unit not installed"
  [ "$(in_root systemctl is-enabled "$unit")" = enabled ] || fail "$unit not enabled"
  in_root systemd-analyze verify "/usr/lib/systemd/system/$unit" || fail "$unit does not verify"
  echo "$unit: installed, enabled, verified"
}

check_owner() {
  local path=$1 user=$2
  [ -e "$root$path" ] || fail "$path missing"
  local owner
  owner=$(in_root stat -c %U "$path")
  [ "$owner" = "$user" ] || fail "$path belongs to $owner, not $user"
  echo "$path: owned by $user"
}

step "server (amd64)"
server_deb=$(ls "$debs"/sparescan-server_*_amd64.deb)
$sudo cp "$server_deb" "$root/tmp/server.deb"
in_root dpkg -i /tmp/server.deb >/dev/null
in_root getent passwd sparescan-server >/dev/null || fail "no sparescan-server user"
check_unit sparescan-server.service
[ -f "$root/etc/sparescan-server/sparescan-server.toml" ] || fail "no server configuration"
user=$(unit_value sparescan-server.service User)
exec_start=$(unit_value sparescan-server.service ExecStart)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "starting as $user: $exec_start (listen 127.0.0.1:$port)"
# shellcheck disable=SC2086 # ExecStart is a command line
$sudo chroot --userspec="$user:$user" "$root" env SPARESCAN_LISTEN="127.0.0.1:$port" \
  RUST_LOG=warn $exec_start > target/install-server.log 2>&1 &
server_pid=$!
ca=$root/var/lib/sparescan-server/tls/ca.pem
for _ in $(seq 1 100); do
  [ -f "$ca" ] && curl -fsS --cacert "$ca" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat target/install-server.log; fail "the server exited"; }
  sleep 0.2
done
health=$(curl -fsS --cacert "$ca" "https://127.0.0.1:$port/healthz") || fail "no answer on /healthz"
echo "healthz: $health"
check_owner /var/lib/sparescan-server/tls/ca.pem sparescan-server
check_owner /var/lib/sparescan-server/sparescan.db sparescan-server
$sudo kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

step "a site from nothing: init, the admin's first sign-in, a device enrolled"
# As a new admin does it on the installed package: the server stopped, the
# unit's own command line with `init`, the server started again.
as_service() {
  # shellcheck disable=SC2086 # ExecStart is a command line
  $sudo chroot --userspec="$user:$user" "$root" env SPARESCAN_LISTEN="127.0.0.1:$port" \
    RUST_LOG=warn ${exec_start% serve} "$@"
}
otp=$(as_service init --site ACC-1 --name "Acceptance plant" --admin B-0001) || fail "init failed"
[ "${#otp}" -ge 20 ] || fail "init printed no one-time password: $otp"
if as_service init --site ACC-1 --name "Again" --admin B-0002 >/dev/null 2>&1; then
  fail "a second init of ACC-1 was accepted"
fi
as_service serve > target/install-server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS --cacert "$ca" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat target/install-server.log; fail "the server exited"; }
  sleep 0.2
done
api() { curl -sS --cacert "$ca" -H 'Content-Type: application/json' "https://127.0.0.1:$port$1" -d "$2"; }
session=$(api /api/v1/sessions "{\"badge\": \"B-0001\", \"password\": \"$otp\", \"site\": \"ACC-1\"}")
grep -q '"password_change_required":true' <<<"$session" || fail "the admin's first sign-in: $session"
code=$(as_service enroll-device --site ACC-1 2>/dev/null) || fail "enroll-device failed"
enrolled=$(api /api/v1/devices/enroll "{\"code\": \"$code\", \"name\": \"HH-ACC-1\"}")
grep -q '"site":"ACC-1"' <<<"$enrolled" || fail "enrollment at ACC-1: $enrolled"
echo "ACC-1: created by init, its admin signed in with the one-time password, a device enrolled"
$sudo kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

# check_handheld ARCH QEMU: installs and starts the handheld's ARCH package.
check_handheld() {
  local arch=$1 qemu=$2 handheld_deb groups user exec_start status
  step "handheld ($arch, under $qemu)"
  handheld_deb=$(ls "$debs"/sparescan_*_"$arch".deb)
  $sudo cp "$handheld_deb" "$root/tmp/sparescan_$arch.deb"
  $sudo cp "$(command -v "$qemu")" "$root/usr/bin/"
  in_root dpkg --add-architecture "$arch"
  apt_install in_root "/tmp/sparescan_$arch.deb"
  in_root getent passwd sparescan >/dev/null || fail "no sparescan user"
  groups=$(in_root id -Gn sparescan)
  for g in video render input dialout; do
    in_root getent group "$g" >/dev/null || continue
    [[ " $groups " == *" $g "* ]] || fail "sparescan is not in group $g ($groups)"
  done
  [[ " $groups " == *" input "* ]] || fail "sparescan cannot read the scanner: not in group input ($groups)"
  echo "sparescan's groups: $groups"
  check_unit sparescan.service
  [ "$(unit_value sparescan.service Type)" = notify ] || fail "the kiosk unit is not Type=notify"
  [ -n "$(unit_value sparescan.service WatchdogSec)" ] || fail "the kiosk unit has no watchdog"
  [ -f "$root/lib/udev/rules.d/70-sparescan-scanner.rules" ] || fail "no udev rule"
  grep -q '^/etc/sparescan/sparescan.toml$' "$root/var/lib/dpkg/info/sparescan.conffiles" \
    || fail "the configuration is not a conffile"
  check_owner /var/lib/sparescan sparescan
  user=$(unit_value sparescan.service User)
  exec_start=$(unit_value sparescan.service ExecStart)
  echo "starting as $user: $exec_start"
  set +e
  # shellcheck disable=SC2086
  $sudo chroot --userspec="$user:$user" "$root" env RUST_LOG=info \
    "$qemu" $exec_start > target/install-handheld.log 2>&1
  status=$?
  set -e
  cat target/install-handheld.log
  [ "$status" -ne 0 ] || fail "the handheld started without a display?"
  grep -qi "display\|drm\|window" target/install-handheld.log || fail "no clear message about the display"
  ! grep -q "translation" target/install-handheld.log || fail "the configured language was refused"
  check_owner /var/lib/sparescan/cache.sqlite sparescan
}

check_handheld arm64 qemu-aarch64-static
if ls "$debs"/sparescan_*_armhf.deb >/dev/null 2>&1; then
  fresh_root
  check_handheld armhf qemu-arm-static
fi

echo
echo "install-test: OK"
