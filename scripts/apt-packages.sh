# Sourced by the build scripts: Debian packages, installed so that a mirror
# in the middle of a sync does not fail the run.
#   need_packages ARCH PACKAGE...   installs those of the list not installed
#                                   yet (idempotent; apt is asked only when one
#                                   is missing). ARCH: a foreign architecture
#                                   the list uses (arm64, armhf), or "" for none
#   apt_install RUN PACKAGE...      apt-get update, then apt-get install, with
#                                   retries; RUN runs apt: "" (as root),
#                                   "sudo", or a command or function that runs
#                                   its arguments (a chroot's)
# APT_TRIES (default 3) and APT_PAUSE (seconds, default 15) tune the retries.

# A failed `apt-get update` ("File has unexpected size … Mirror sync in
# progress?" on one index) is reported and not fatal: the other indexes are
# fresh and the packages may well be installable; `apt-get install` decides.
# If the install fails, update and install are tried again after a pause.
apt_install() {
  local run=$1 tries=${APT_TRIES:-3} pause=${APT_PAUSE:-15} try
  shift
  for ((try = 1; try <= tries; try++)); do
    if ! $run apt-get update -qq; then
      echo "apt: update failed (try $try of $tries); installing from the package lists there are" >&2
    fi
    if $run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; then
      return 0
    fi
    if ((try < tries)); then
      echo "apt: install failed (try $try of $tries); again in $pause s" >&2
      sleep "$pause"
    fi
  done
  echo "apt: could not install $* after $tries tries (a Debian mirror may be syncing: run again later)" >&2
  return 1
}

need_packages() {
  local arch=$1 sudo="" p missing=()
  shift
  [ "$(id -u)" = 0 ] || sudo="sudo"
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "installing: ${missing[*]}"
  if [ -n "$arch" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    $sudo dpkg --add-architecture "$arch"
  fi
  apt_install "$sudo" "${missing[@]}"
}
