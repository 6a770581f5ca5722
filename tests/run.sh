#!/usr/bin/env bash
# The whole suite, as `make test` runs it: cmocka unit tests, golden files, the invalid-spec
# corpus and the integration tests against real SQLite, a throwaway PostgreSQL 15 (started
# here on loopback, stopped on exit) and PowerSync's compiler. Each step counts as one test;
# the last line is "N passed, N failed".
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
build=$(cd "$build" && pwd)
only=${SYNCSPEC_TEST_ONLY:-}   # a substring: run only the steps whose name contains it

pgdir=$(mktemp -d /tmp/syncspec-pg.XXXXXX)
cleanup() { scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM
if ! exports=$(scripts/pg.sh start "$pgdir"); then
  echo "could not start PostgreSQL for the tests" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
eval "$exports"
export SYNCSPEC_BUILD="$build"

passed=0 failed=0 failures=()
step() { # name, command...
  local name=$1; shift
  [[ -z $only || $name == *"$only"* ]] || return 0
  local log; log=$(mktemp)
  local t0=$SECONDS
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    printf 'PASS %-40s %3ds  %s\n' "$name" $((SECONDS - t0)) "$(grep -E '^\[  PASSED  \]|passed, [0-9]+ failed' "$log" | tail -1)"
  else
    failed=$((failed + 1)); failures+=("$name")
    printf 'FAIL %-40s %3ds\n' "$name" $((SECONDS - t0))
    sed 's/^/    /' "$log" | tail -60
  fi
  rm -f "$log"
}

for t in "$build"/tests/test_*; do # the C tests, named by their folder
  [ -x "$t" ] || continue
  name=$(basename "$t") room=unit
  [ -f "tests/integration/$name.c" ] && room=integration
  step "$room/$name" "$t"
done
step golden tests/golden/run.sh "$build"
step invalid-corpus tests/invalid/run.sh "$build"
for t in tests/integration/*.sh; do
  step "integration/$(basename "$t" .sh)" bash "$t" "$build"
done

if ((failed)); then printf 'failed: %s\n' "${failures[*]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
