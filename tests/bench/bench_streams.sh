#!/usr/bin/env bash
# Live downloads from syncspec serve (see tests/node/bench_streams.mjs): 1,000 idle streams' RSS, and
# commit-to-line latency over 100 streams, on a throwaway PostgreSQL 15, with HS256
# development tokens and the real HTTP stack (Node's fetch).
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
pgdir=$(mktemp -d /tmp/syncspec-bench-pg.XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"' EXIT
eval "$(scripts/pg.sh start "$pgdir")"
psql -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f generated/postgres.sql \
  -f generated/postgres_sync.sql >/dev/null
secret=bench-secret-bench-secret-bench-secret
# The key file must hold a key; every token here is HS256 with the development secret.
python3 -c 'import json; print(json.dumps({"keys": [{"kty": "oct", "kid": "unused", "k": "dW51c2VkLXVudXNlZC11bnVzZWQtdW51c2VkLXVudXNlZA"}]}))' > "$work/jwks.json"
"$build/syncspec-serve" schemas/app.yaml --postgres "" --listen 127.0.0.1:0 \
  --jwks "$work/jwks.json" --dev-secret "$secret" --max-connections 2000 2>"$work/log" &
server=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log")
node tests/node/bench_streams.mjs "http://127.0.0.1:$port" "$server" "$secret"
