#!/bin/sh
# Key-to-verdict latency of scans typed into the real window under Xvfb
# (xdotool as a HID scanner), in three conditions: the server answering,
# never answering, and while a bootstrap of a million serial units is
# applied. Prints a p50/p99 table. Needs Xvfb, xdotool and xwd
# (scripts/setup.sh). SCAN_BENCH_SCANS (default 1000) and
# SCAN_BENCH_SERIALS (default 1000000) change the sizes.
set -eu
cd "$(dirname "$0")/.."
exec nice -n 10 cargo test --release -p sparescan --test xvfb_scanner -- \
  --ignored --exact scan_latency_in_the_real_window --nocapture "$@"
