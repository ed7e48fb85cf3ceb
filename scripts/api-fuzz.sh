#!/usr/bin/env bash
# The API against its own OpenAPI document, on a live server (SQLite, sandbox):
#   1. openapi-spec-validator: the served document is valid OpenAPI 3;
#   2. schemathesis: generated and mutated requests to every operation, signed in
#      as the super admin, get no 5xx, no dropped connection, and only statuses
#      the document declares. Bounded by FUZZ_SECONDS (default 150).
# Python tools live in .venv (gitignored), pinned, installed on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS=4.32.5
VALIDATOR=0.7.2
FUZZ_SECONDS=${FUZZ_SECONDS:-150}
PASSWORD=Fuzz-pass-123

if ! .venv/bin/schemathesis --version 2>/dev/null | grep -q "$SCHEMATHESIS" \
  || ! .venv/bin/pip show openapi-spec-validator 2>/dev/null | grep -q "Version: $VALIDATOR"; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet "schemathesis==$SCHEMATHESIS" "openapi-spec-validator==$VALIDATOR"
fi

cargo build --quiet -p server --bin server
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
data=$(mktemp -d)
log="$data/server.log"
env -u CAMP__DATABASE__URL -u CAMP__REDIS__URL \
  CAMP__DATA_DIR="$data" CAMP__SERVER__BIND="127.0.0.1:$port" \
  CAMP__BOOTSTRAP__ADMIN_PASSWORD="$PASSWORD" CAMP__SERVER__RATE_LIMIT_PER_MINUTE=0 \
  RUST_LOG=info,server=debug target/debug/server >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -sf "$base/healthz" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.2
done

echo "==> openapi-spec-validator $base/api/openapi.json"
curl -sf "$base/api/openapi.json" -o "$data/openapi.json"
.venv/bin/openapi-spec-validator "$data/openapi.json"

# A staff session for the fuzzer: the session cookie and the CSRF token.
csrf=$(curl -sf -c "$data/cookies" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" "$base/api/v1/auth/login" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
cookie=$(awk '$6 ~ /^camp_/ { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$data/cookies")

echo "==> schemathesis, ${FUZZ_SECONDS}s"
# Signing out or resetting the fuzzer's own password would end its session.
status=0
timeout --kill-after=10 $((FUZZ_SECONDS + 120)) .venv/bin/schemathesis run "$data/openapi.json" \
  --url "$base" \
  -H "Cookie: $cookie" -H "x-csrf-token: $csrf" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance \
  --exclude-path /api/v1/auth/logout --exclude-path /api/v1/users/{id}/reset-password \
  --phases examples,coverage,fuzzing \
  --max-time "$FUZZ_SECONDS" --max-examples 50 --request-timeout 10 --workers 2 \
  --seed 6 --no-color --warnings off || status=$?
if grep -n "panicked" "$log" >&2; then
  echo "the server panicked while being fuzzed (log above)" >&2
  status=1
fi
exit $status
