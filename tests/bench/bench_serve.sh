#!/usr/bin/env bash
# syncspec serve beside the library it serves (see bench_serve.c), on a throwaway
# PostgreSQL 15, with an HS256 development token.
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
pgdir=$(mktemp -d /tmp/syncspec-bench-pg.XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"' EXIT
eval "$(scripts/pg.sh start "$pgdir")"
make -s "$build/tests/bench_serve" BUILD="$build" >/dev/null
psql -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f generated/postgres.sql \
  -f generated/postgres_sync.sql >/dev/null
secret=bench-secret-bench-secret-bench-secret
token=$(python3 - "$secret" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"sub": "bench", "exp": int(time.time()) + 3600}).encode())
sig = hmac.new(sys.argv[1].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
print(f"{head}.{body}.{b64(sig)}")
PY
)
# The key file must hold a key; every token here is HS256 with the development secret.
python3 -c 'import json; print(json.dumps({"keys": [{"kty": "oct", "kid": "unused", "k": "dW51c2VkLXVudXNlZC11bnVzZWQtdW51c2VkLXVudXNlZA"}]}))' > "$work/jwks.json"
"$build/syncspec" serve schemas/app.yaml --postgres "" --listen 127.0.0.1:0 \
  --jwks "$work/jwks.json" --dev-secret "$secret" --pool 8 2>"$work/log" &
server=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log")
[ -n "$port" ] || { cat "$work/log"; exit 1; }
"$build/tests/bench_serve" "http://127.0.0.1:$port/api/powersync/upload" "$token"
