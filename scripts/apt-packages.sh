# Sourced by the build scripts: installs the Debian packages of a list that
# are not installed yet (idempotent; apt is asked only when one is missing).
#   need_packages ARCH PACKAGE...   ARCH: a foreign architecture the list
#                                   uses (arm64, armhf), or "" for none
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
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
