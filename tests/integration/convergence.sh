#!/usr/bin/env bash
# A C device, a @powersync/node device and direct SQL writes against one real
# `syncspec serve` on the run's PostgreSQL converge (tests/node/convergence.test.mjs).
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
[ -d tests/node/node_modules/@powersync/node ] ||
  { echo "the PowerSync client is not installed (scripts/bootstrap.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
[ -x "$build/tests/convergence_device" ] ||
  { echo "$build/tests/convergence_device is not built (make test builds it)"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if "$build/syncspec" generate schemas/app.yaml -o "$work" >/dev/null &&
   SYNCSPEC_BUILD="$build" SYNCSPEC_SPEC=schemas/app.yaml SYNCSPEC_SQL="$work" \
     node --test --test-timeout=60000 tests/node/convergence.test.mjs; then
  echo "1 passed, 0 failed"
else
  echo "0 passed, 1 failed"
  exit 1
fi
