#!/usr/bin/env bash
# Local writes with change capture beside plain inserts (see bench_sync.c).
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make -s "$build/tests/bench_sync" BUILD="$build" >/dev/null
"$build/syncspec" generate schemas/app.yaml -o "$work" --only sqlite,sqlite-sync 2>/dev/null
"$build/tests/bench_sync" "$work/sqlite.sql" "$work/sqlite_sync.sql"
