#!/usr/bin/env bash
# The PowerSync protocol's downloads beside their floors (see bench_protocol.c), on a
# throwaway PostgreSQL 15.
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
pgdir=$(mktemp -d /tmp/syncspec-bench-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"' EXIT
eval "$(scripts/pg.sh start "$pgdir")"
make -s "$build/tests/bench_protocol" BUILD="$build" >/dev/null
psql -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f generated/postgres.sql \
  -f generated/postgres_sync.sql >/dev/null
"$build/tests/bench_protocol"
