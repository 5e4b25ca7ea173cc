#!/bin/sh
# Renders every screen of the handheld UI headless (software renderer) into
# docs/screens/*.png: 480×800 and 800×480, some in Russian, plus dialogs.
set -eu
cd "$(dirname "$0")/.."
cargo run -p sparescan --example screens "$@"
