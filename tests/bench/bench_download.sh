#!/usr/bin/env bash
# Downloads through the PowerSync protocol (see bench_download.c): the C store applying a
# 100,000-row initial sync beside plain inserts of the same rows, and the per-checkpoint
# cost of one changed row with 1,000 and 100,000 rows held.
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make -s "$build/tests/bench_download" BUILD="$build" >/dev/null
"$build/syncspec" generate schemas/app.yaml -o "$work" --only sqlite,sqlite-sync 2>/dev/null
"$build/tests/bench_download" "$work/sqlite.sql" "$work/sqlite_sync.sql" "$work/stream.ndjson"
