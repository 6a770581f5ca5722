#!/usr/bin/env bash
# The real @powersync/node client syncing through a real `syncspec serve` (downloads over
# the PowerSync protocol, uploads through its upload endpoint) on the run's PostgreSQL:
# tests/node/serve_sync.test.mjs.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
[ -d tests/node/node_modules/@powersync/node ] ||
  { echo "the PowerSync client is not installed (scripts/bootstrap.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
SYNCSPEC_BUILD="$build" exec node --test --test-timeout=120000 tests/node/serve_sync.test.mjs
