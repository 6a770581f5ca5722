#!/usr/bin/env bash
# Upload apply beside its floors (see bench_sync_server.c), on a throwaway PostgreSQL 15.
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
pgdir=$(mktemp -d /tmp/syncspec-bench-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"' EXIT
eval "$(scripts/pg.sh start "$pgdir")"
make -s "$build/tests/bench_sync_server" BUILD="$build" >/dev/null
"$build/syncspec" generate schemas/app.yaml -o "$work" --only postgres,postgres-sync 2>/dev/null
psql -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f "$work/postgres.sql" -f "$work/postgres_sync.sql" >/dev/null
"$build/tests/bench_sync_server"
