#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this).
# Idempotent: installs what it needs (Python oracle in a venv inside the repo)
# and can be re-run on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
# What failed, on stderr as well: a CI page that shows only the end of the
# run's stderr (cargo's build lines) then names the failing test and why.
failure_digest() {
  {
    echo "=== what failed (from $1)"
    grep -E -A40 '^---- .* stdout ----$' "$1" | head -200
    grep -E '^error: |^test result: FAILED|^    [a-z_:0-9]+$' "$1" | tail -40
  } | tee /dev/stderr
}
step() { printf '\n=== %s (at %d s)\n' "$*" "$(( $(date +%s) - started ))"; }
free_gb() { df -Pk . | awk 'NR == 2 { printf "%d", $4 / 1048576 }'; }

# A run starts from a clean clone: incremental state would only be written,
# never reused, and costs gigabytes of disk.
export CARGO_INCREMENTAL=0
# A check run, never a release: the ARM steps package the server builds
# the run makes anyway (scripts/package.sh says which) rather than two more
# optimised builds of the whole tree.
export SPARESCAN_CI_BUILDS=1
echo "disk: $(free_gb) GB free in $PWD"

# Checks started in the background (pid:name:log); a run that stops early
# stops them too.
background=()
# Each runs in a session of its own (setsid): stopping it stops what it
# started (cargo, rustc, qemu, a server).
trap 'for job in "${background[@]}"; do kill -- "-${job%%:*}" 2>/dev/null || kill "${job%%:*}" 2>/dev/null || true; done' EXIT

step "setup"
./scripts/setup.sh

# The ARM builds, their tests under qemu (aarch64; core's on armv7), the
# packages and their installation in a throw-away root: every CI run proves
# them (SPARESCAN_SKIP_ARM=1 skips them on a developer's machine). They
# share nothing with the host's steps but the cores, so with room on the
# disk for both builds they run beside them at the lowest priority: the
# host's builds and timing-sensitive tests get the CPU they ask for, and the
# ARM builds take what is left (link steps, a build's one-crate tail, test
# runs that mostly wait), then the whole machine. On a small disk they run
# after the host's steps as before, with the host test build removed first.
arm_steps() {
  local arm_started prepare
  arm_started=$(date +%s)
  # The host's server (the test build's) serves the demo for the aarch64
  # handheld's resident-memory step, so no aarch64 server is built
  # (scripts/cross.sh says why): beside the host's steps, which build it
  # long before that step; after them, if it is still there (a small disk
  # removes the host build), else the aarch64 one is built.
  if [ "$arm_beside" = 1 ] || [ -x target/debug/sparescan-server ]; then
    export SPARESCAN_HOST_SERVER="$PWD/target/debug/sparescan-server"
  fi
  # Two lanes, so each fills the cores the other leaves (link steps, test
  # runs under qemu): cargo-deb's build, which needs nothing of the ARM
  # builds, beside them.
  ./scripts/package.sh prepare > target/package-prepare.txt 2>&1 &
  prepare=$!
  step "aarch64: build and tests under qemu"; ./scripts/cross.sh
  step "armv7: core's tests under qemu"; ./scripts/cross-armv7.sh tests
  step "packages: cargo-deb, built beside the ARM steps"
  wait "$prepare" || { cat target/package-prepare.txt; echo "package.sh prepare failed" >&2; return 1; }
  cat target/package-prepare.txt
  step "packages"; ./scripts/package.sh
  step "install test"; ./scripts/install-test.sh
  echo "ARM steps: $(( $(date +%s) - arm_started )) s"
}
# Room for both: from a clean clone the host's test build took 5.2 GB, the
# ARM steps' builds, packages and throw-away roots about 5 GB more.
ARM_BESIDE_GB=16
arm_beside=0
if [ "${SPARESCAN_SKIP_ARM:-}" != 1 ] && [ "$(free_gb)" -ge "$ARM_BESIDE_GB" ]; then
  arm_beside=1
  step "ARM steps started beside the host's, at the lowest priority (log: target/arm-output.txt)"
  mkdir -p target
  # setsid gives them a session, and with the kernel's autogroups a CPU
  # share, of their own: nice alone would rank them only within it, so the
  # group's own nice is set too (where the kernel has autogroups).
  setsid nice -n 19 bash -c "set -euo pipefail; echo 19 2>/dev/null > /proc/self/autogroup || true
    $(declare -f step arm_steps); started=$started; arm_beside=1; arm_steps" \
    > target/arm-output.txt 2>&1 &
  background+=("$!:ARM steps:target/arm-output.txt")
fi

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
log=target/test-output.txt
mkdir -p target
cargo test --workspace --locked --no-run
# Two checks that mostly wait run beside the rest of the run, and the run
# waits for them at its end: the burst test paces 5,000 scans at 20 a second
# (250 s, little CPU), schemathesis waits on the server. Each writes its
# own log; the run fails if either fails.
burst_bin=$(cargo test --locked --test handheld_burst --no-run --message-format=json 2>target/burst-build.txt |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "handheld_burst" and m.get("executable"):
        print(m["executable"])') || { cat target/burst-build.txt >&2; exit 1; }
setsid "$burst_bin" > target/burst-output.txt 2>&1 & background+=("$!:burst test:target/burst-output.txt")
if ! cargo test --workspace --locked -- --skip five_thousand_scans_at_twenty_per_second 2>&1 | tee "$log"; then
  failure_digest "$log"
  exit 101
fi

step "schemathesis (in the background)"
setsid ./scripts/schemathesis.sh > target/schemathesis-output.txt 2>&1 &
background+=("$!:schemathesis:target/schemathesis-output.txt")

step "biip oracle"; ./scripts/oracle.sh

if [ "${SPARESCAN_SKIP_ARM:-}" != 1 ] && [ "$arm_beside" = 0 ]; then
  # The ARM steps need about 6 GB (aarch64 build and tests, packages, the
  # throw-away root). The host's test build is not used by them: on a small
  # disk it goes, rather than the run failing half-way.
  if [ "$(free_gb)" -lt 8 ] && [ -d target/debug ]; then
    echo "disk: $(free_gb) GB free; removing target/debug (the host test build) for the ARM steps"
    rm -rf target/debug
  fi
  arm_steps
fi

step "waiting for the background checks"
failed=0
for job in "${background[@]}"; do
  IFS=: read -r pid name output <<<"$job"
  if wait "$pid"; then
    echo "$name: passed"
    cat "$output"
  else
    echo "$name: FAILED"
    failed=1
    cat "$output"
    { echo "=== $name FAILED; the end of its log ($output):"; tail -60 "$output"; } >&2
  fi
done
cat target/burst-output.txt >> "$log"
[ "$failed" = 0 ] || exit 1

# One closing line for the whole run (cargo's last line is a doc-test
# binary's, often "0 passed").
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\nrust tests: %d passed, %d failed\n", p, f }' "$log"
