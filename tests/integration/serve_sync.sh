#!/usr/bin/env bash
# The real @powersync/node client syncing through a real `syncspec serve` (downloads over
# the PowerSync protocol, uploads through its upload endpoint) on the run's PostgreSQL:
# tests/node/serve_sync.test.mjs, for schemas/app.yaml with each sync format.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
[ -d tests/node/node_modules/@powersync/node ] ||
  { echo "the PowerSync client is not installed (scripts/bootstrap.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
for format in bucket_definitions streams; do
  spec="$work/$format.yaml"
  sed -e "s/^  format: bucket_definitions$/  format: $format/" schemas/app.yaml > "$spec"
  grep -q "^  format: $format$" "$spec" || { echo "FAIL $format: no sync format in the spec"; failed=$((failed + 1)); continue; }
  if "$build/syncspec" generate "$spec" -o "$work/$format" >/dev/null &&
     SYNCSPEC_BUILD="$build" SYNCSPEC_SPEC="$spec" SYNCSPEC_SQL="$work/$format" \
       SYNCSPEC_SYNC_FORMAT="$format" node --test --test-timeout=120000 tests/node/serve_sync.test.mjs; then
    echo "ok $format"; passed=$((passed + 1))
  else
    echo "FAIL $format"; failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
