#!/usr/bin/env bash
# schemathesis against the OpenAPI document the real server serves (issue 14,
# item 10): the server binary of the test step (`demo` on 127.0.0.1, a free
# port, a throw-away data directory), a back-office session (the demo admin,
# with its password) and an enrolled device for bearer tokens, then every
# operation with generated requests. Fails on any 5xx and on any response
# that does not match the document (status, content type, schema).
# Installs the pinned schemathesis into a venv inside the repo
# (target/schemathesis-venv); idempotent.
#
# SCHEMATHESIS_EXAMPLES sets the examples per operation (default 30),
# SCHEMATHESIS_CHECKS the checks (default: 5xx and conformance of status,
# content type, headers and body to the document).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/schemathesis-venv
requirements=scripts/schemathesis-requirements.txt
version=$(sed -n 's/^schemathesis==//p' "$requirements")
python3 -c 'import venv, ensurepip' 2>/dev/null || ./scripts/setup.sh
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$version')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check -r "$requirements"
fi

server=target/debug/sparescan-server
[ -x "$server" ] || cargo build --quiet -p sparescan-server --locked
examples=${SCHEMATHESIS_EXAMPLES:-30}

work=$(mktemp -d)
pid=
stop() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop EXIT

SPARESCAN_LISTEN=127.0.0.1:0 SPARESCAN_DATA_DIR="$work/data" RUST_LOG=warn \
  "$server" demo >"$work/stdout" 2>"$work/stderr" &
pid=$!
base=
for _ in $(seq 1 300); do
  base=$(grep -o 'https://[0-9.:]*' "$work/stdout" | head -n 1 || true)
  [ -n "$base" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/stderr"; echo "the server exited before listening" >&2; exit 1; }
  sleep 0.2
done
[ -n "$base" ] || { echo "the server did not listen within a minute" >&2; exit 1; }
ca="$work/data/tls/ca.pem"
echo "server: $base (pid $pid)"

# The bearer tokens: the demo admin's back-office session, a device's token.
json() { "$venv/bin/python" -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
admin=$(curl -sS --fail-with-body --cacert "$ca" -H 'content-type: application/json' \
  -d '{"badge": "B-9001", "password": "demo-pass-9001", "site": "PLANT-1"}' \
  "$base/api/v1/sessions" | json token)
code=$(SPARESCAN_DATA_DIR="$work/data" RUST_LOG=warn "$server" enroll-device --site PLANT-1 2>/dev/null)
device=$(curl -sS --fail-with-body --cacert "$ca" -H 'content-type: application/json' \
  -d "{\"code\": \"$code\", \"name\": \"schemathesis\"}" \
  "$base/api/v1/devices/enroll" | json token)

# One worker: with two, hypothesis parses lambdas' sources in threads, and
# Python 3.11's ast module can fail there ("AST constructor recursion depth
# mismatch"), an error of the tool, not of the API.
checks=${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance}
run() {
  local name=$1 token=$2; shift 2
  echo "=== schemathesis: $name"
  "$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
    --tls-verify "$ca" \
    --header "Authorization: Bearer $token" \
    --checks "$checks" \
    --max-examples "$examples" \
    --seed 14 \
    --workers 1 \
    --request-timeout 30 \
    --no-color \
    --report ndjson --report-ndjson-path "target/schemathesis-$name.ndjson" \
    "$@"
}
started=$(date +%s)
status=0
# The device's operations with its token; the rest with the admin's session.
# A one-time password for the admin would end the session the run uses.
run device "$device" --include-path-regex '^/api/v1/sync/' || status=1
run office "$admin" --exclude-path-regex '^/api/v1/sync/' \
  --exclude-operation-id one_time_password || status=1
echo "schemathesis: $(( $(date +%s) - started )) s"
exit $status
