#!/usr/bin/env bash
# `syncspec serve` against the run's PostgreSQL: it refuses to start on a database that does
# not match the spec or lacks postgres_sync.sql, then tests/node/serve.test.mjs drives the
# real @powersync/node client, real tokens and bad bodies through it (see that file).
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
db="serve_$$"
cleanup() { psql -d postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
[ -d tests/node/node_modules/@powersync/node ] ||
  { echo "the PowerSync client is not installed (scripts/bootstrap.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }

sql() { psql -d "$db" -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' "$@" >"$work/psql" 2>&1; }
# A key for the refusals: the server must stop before it ever reads one.
echo '{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"x"}]}' > "$work/jwks.json"
serve() { # runs the server in the background for at most 5 s; its stderr in $work/err
  timeout 5 "$build/syncspec" serve schemas/app.yaml --postgres "dbname=$db" \
    --listen 127.0.0.1:0 --jwks "$work/jwks.json" "$@" 2>"$work/err"
}

psql -d postgres -qc "CREATE DATABASE $db" >/dev/null
t=refuses-empty-database
serve; rc=$?
if [ $rc -ne 2 ]; then fail $t "exit $rc: $(cat "$work/err")"
elif ! grep -q 'missing-table' "$work/err" || ! grep -q 'does not match the spec' "$work/err"; then
  fail $t "$(cat "$work/err")"
else ok $t; fi

t=refuses-without-sync-tables
sql -f generated/postgres.sql || fail $t "postgres.sql: $(cat "$work/psql")"
serve; rc=$?
if [ $rc -ne 2 ]; then fail $t "exit $rc: $(cat "$work/err")"
elif ! grep -q 'lacks syncspec_applied_ops.client_id.*postgres_sync.sql' "$work/err"; then
  fail $t "$(cat "$work/err")"
else ok $t; fi

t=refuses-drifted-column
sql -f generated/postgres_sync.sql -c 'ALTER TABLE documents DROP COLUMN device_id' ||
  fail $t "$(cat "$work/psql")"
serve; rc=$?
if [ $rc -ne 2 ]; then fail $t "exit $rc: $(cat "$work/err")"
elif ! grep -q 'missing-column.*documents.device_id' "$work/err"; then fail $t "$(cat "$work/err")"
else ok $t; fi
sql -c 'ALTER TABLE documents ADD COLUMN device_id text NOT NULL' || fail $t "$(cat "$work/psql")"

t=refuses-bad-options
if serve --listen localhost:1 || ! grep -q 'numeric IPv4 or IPv6' "$work/err"; then
  fail $t "--listen localhost: $(cat "$work/err")"
elif serve --max-body 0 || ! grep -q -- '--max-body must be a number' "$work/err"; then
  fail $t "--max-body 0: $(cat "$work/err")"
elif timeout 5 "$build/syncspec" serve schemas/app.yaml 2>"$work/err" ||
     ! grep -q 'give --postgres, --listen and --jwks' "$work/err"; then
  fail $t "no options: $(cat "$work/err")"
else ok $t; fi

t=help-names-every-option
help=$("$build/syncspec" serve --help)
missing=""
for o in postgres listen jwks audience dev-secret upload-path cors-origin max-body max-connections pool; do
  grep -q -- "--$o" <<<"$help" || missing="$missing --$o"
done
if [ -n "$missing" ]; then fail $t "missing:$missing"; else ok $t; fi

# HS256 only with --dev-secret, and only with that secret.
t=dev-secret
hs256() { # secret → a token for alice
  python3 - "$1" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"sub": "alice", "exp": int(time.time()) + 600}).encode())
sig = hmac.new(sys.argv[1].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
print(f"{head}.{body}.{b64(sig)}")
PY
}
secret=a-development-secret-of-32-bytes
timeout 20 "$build/syncspec" serve schemas/app.yaml --postgres "dbname=$db" --listen 127.0.0.1:0 \
  --jwks "$work/jwks.json" --dev-secret "$secret" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/err" && break; sleep 0.1; done
url="http://127.0.0.1:$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/err")/api/powersync/upload"
good=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $(hs256 "$secret")" -d '{"transactions":[]}' "$url")
bad=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $(hs256 "$secret-not")" -d '{"transactions":[]}' "$url")
kill -TERM $pid; wait $pid; rc=$?
if [ "$good" != 200 ] || [ "$bad" != 401 ] || [ $rc -ne 0 ]; then
  fail $t "the secret's token got $good, another's $bad, exit $rc: $(cat "$work/err")"
else ok $t; fi

t=node-clients
if SYNCSPEC_BIN="$build/syncspec" SERVE_DB="$db" node --test --test-reporter=spec \
     tests/node/serve.test.mjs >"$work/node" 2>&1; then
  ok "$t ($(grep -cE '^\s*✔' "$work/node") passed)"
else
  fail $t "$(tail -80 "$work/node")"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
